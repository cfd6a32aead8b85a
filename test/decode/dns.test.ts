import { describe, expect, it } from 'vitest';
import { parseDns, payloadView } from '../../src/decode/index.js';
import { decode } from './support.js';

/** wikipedia.pcap #21: A upload.wikimedia.org → CNAME upload.pmtpa.wikimedia.org → A 208.80.152.3, compressed names. */
const CNAME_RESPONSE =
  '00247ee01db500137fbe8cff0800450000d3c68900003b11befb8d8e02028d8edc7600359e4e00bfaa6665f0818000010002000300030675706c6f61640977696b696d65646961036f72670000010001c00c000500010000007c000f0675706c6f616405706d747061c013c032000100010000086c0004d0509803c013000200010000c0480006036e7331c013c013000200010000c0480006036e7332c013c013000200010000c0480006036e7330c013c081000100010000085d0004d0509882c05d000100010000085d0004d050988ec06f000100010000085d00045bc6ae04';

const u16 = (n: number): number[] => [n >> 8, n & 0xff];
const name = (...labels: string[]): number[] => [...labels.flatMap((l) => [l.length, ...Buffer.from(l, 'latin1')]), 0];
function message(flags: number, questions: number[][], answers: number[][]): Uint8Array {
  return Uint8Array.from([
    0x12,
    0x34,
    ...u16(flags),
    ...u16(questions.length),
    ...u16(answers.length),
    0,
    0,
    0,
    0,
    ...questions.flat(),
    ...answers.flat(),
  ]);
}
const question = (...labels: string[]): number[] => [...name(...labels), 0, 1, 0, 1];
function answer(owner: number[], type: number, ttl: number, rdata: number[]): number[] {
  return [...owner, ...u16(type), 0, 1, ttl >>> 24, (ttl >> 16) & 0xff, (ttl >> 8) & 0xff, ttl & 0xff, ...u16(rdata.length), ...rdata];
}

describe('DNS peek', () => {
  it('follows a CNAME chain with compressed names (wikipedia.pcap #21)', () => {
    const dns = parseDns(payloadView(decode(CNAME_RESPONSE)));
    expect(dns).toEqual({
      id: 0x65f0,
      response: true,
      rcode: 0,
      query: 'upload.wikimedia.org',
      answers: [
        { name: 'upload.wikimedia.org', type: 'CNAME', value: 'upload.pmtpa.wikimedia.org', ttl: 124 },
        { name: 'upload.pmtpa.wikimedia.org', type: 'A', value: '208.80.152.3', ttl: 2156 },
      ],
    });
  });

  it('reads AAAA answers and the response code', () => {
    const aaaa = [0x20, 0x01, 0x0d, 0xb8, ...new Array<number>(11).fill(0), 1];
    const dns = parseDns(message(0x8183, [question('cdn', 'example')], [answer([0xc0, 12], 28, 60, aaaa)]));
    expect(dns).toMatchObject({ id: 0x1234, response: true, rcode: 3, query: 'cdn.example' });
    expect(dns?.answers).toEqual([{ name: 'cdn.example', type: 'AAAA', value: '2001:db8::1', ttl: 60 }]);
  });

  it('reads a message over TCP with its length prefix', () => {
    const body = message(0x8180, [question('a', 'example')], [answer([0xc0, 12], 1, 5, [192, 0, 2, 7])]);
    const framed = Uint8Array.from([...u16(body.length), ...body]);
    expect(parseDns(framed, true)?.answers).toEqual([{ name: 'a.example', type: 'A', value: '192.0.2.7', ttl: 5 }]);
  });

  it('ends on a name pointer that points at itself', () => {
    // The answer's owner name at offset 27 is a pointer to offset 27.
    const dns = parseDns(message(0x8180, [question('a', 'example')], [answer([0xc0, 27], 1, 5, [192, 0, 2, 7])]));
    expect(dns?.query).toBe('a.example');
    expect(dns?.answers).toEqual([]);
  });

  it('ends on two pointers that point at each other', () => {
    const loop = message(0x8180, [[0xc0, 14, 0xc0, 12, 0, 1, 0, 1]], []);
    expect(parseDns(loop)).toMatchObject({ query: null, answers: [] });
  });

  it('keeps hostile label bytes as data', () => {
    const dns = parseDns(message(0x0100, [question('<script>', 'x\x07y.z')], []));
    expect(dns?.query).toBe('<script>.x\x07y.z');
    expect(dns?.response).toBe(false);
  });

  it('reads label bytes above 0x7f as one character each, and a dot inside a label as a dot', () => {
    const dns = parseDns(message(0x0100, [question('caf\xe9', 'a.b', '\xff\x80')], []));
    expect(dns?.query).toBe('caf\u00e9.a.b.\u00ff\u0080');
  });

  it('reads the longest name it accepts (255 bytes of labels), and refuses one a byte longer', () => {
    // Three labels of 63 bytes and one of 62, each with its length byte: 3 * 64 + 63 = 255.
    const longest = [...new Array<string>(3).fill('x'.repeat(63)), 'y'.repeat(62)];
    expect(parseDns(message(0x0100, [question(...longest)], []))?.query).toBe(longest.join('.'));
    const tooLong = [...new Array<string>(3).fill('x'.repeat(63)), 'y'.repeat(63)];
    expect(parseDns(message(0x0100, [question(...tooLong)], []))?.query).toBeNull();
  });

  it('reads each name of a message on its own (answer names after the question)', () => {
    const owner = name('example', 'org');
    const dns = parseDns(
      message(
        0x8180,
        [question('a-much-longer-question-name', 'example', 'org')],
        [answer(owner, 5, 60, name('cdn', 'example', 'net')), answer(name('cdn', 'example', 'net'), 1, 60, [192, 0, 2, 7])],
      ),
    );
    expect(dns?.query).toBe('a-much-longer-question-name.example.org');
    expect(dns?.answers).toEqual([
      { name: 'example.org', type: 'CNAME', value: 'cdn.example.net', ttl: 60 },
      { name: 'cdn.example.net', type: 'A', value: '192.0.2.7', ttl: 60 },
    ]);
  });

  it('returns what it read before a truncation, and never throws on any prefix', () => {
    const payload = payloadView(decode(CNAME_RESPONSE));
    for (let n = 0; n <= payload.length; n++) {
      const dns = parseDns(payload.subarray(0, n));
      if (n < 12) expect(dns).toBeNull();
      else expect(dns?.id).toBe(0x65f0);
      if (dns !== null && dns.answers.length === 2) expect(n).toBeGreaterThanOrEqual(12 + 26 + 27 + 16);
    }
    expect(parseDns(payload.subarray(0, 12 + 26 + 27))?.answers).toHaveLength(1);
  });

  it('reads a message inside a larger buffer, pointers relative to the message, nothing past its end', () => {
    const payload = payloadView(decode(CNAME_RESPONSE));
    const framed = new Uint8Array(payload.length + 9);
    framed.fill(0xc0); // junk that would read as name pointers
    framed.set(payload, 5);
    expect(parseDns(framed, false, 5, 5 + payload.length)).toEqual(parseDns(payload));
    const overTcp = Uint8Array.from([payload.length >> 8, payload.length & 0xff, ...payload]);
    const framedTcp = new Uint8Array(overTcp.length + 9);
    framedTcp.set(overTcp, 3);
    expect(parseDns(framedTcp, true, 3, 3 + overTcp.length)).toEqual(parseDns(payload));
    for (let n = 0; n <= payload.length; n++) {
      expect(parseDns(framed, false, 5, 5 + n)).toEqual(parseDns(payload.subarray(0, n)));
    }
  });

  it('is null for what cannot be DNS', () => {
    expect(parseDns(new Uint8Array(5))).toBeNull();
    expect(parseDns(Uint8Array.from([0, 0, 0x78, 0, 0, 1, 0, 0, 0, 0, 0, 0]))).toBeNull(); // opcode 15
  });
});
