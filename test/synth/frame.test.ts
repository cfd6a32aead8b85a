import { describe, expect, it } from 'vitest';
import {
  arpFrame,
  checksumsValid,
  dnsQueryPayload,
  dnsResponsePayload,
  icmpFrame,
  internetChecksum,
  quoteOf,
  tcpFrame,
  udpFrame,
} from '../../src/synth/index.js';

const v4 = { src: '192.168.0.13', dst: '72.246.53.81' };
const v6 = { src: '2001:db8::13', dst: '2001:db8:ffff::1' };

describe('frame builder checksums', () => {
  it.each([
    ['tcp v4 SYN with options', tcpFrame({ ...v4, sport: 2499, dport: 80, seq: 123, flags: 'S', mss: 1460, sackPermitted: true })],
    ['tcp v4 odd payload', tcpFrame({ ...v4, sport: 1, dport: 2, seq: 1, ack: 2, flags: 'PA', payload: 'abc' })],
    ['tcp v6 tagged', tcpFrame({ ...v6, sport: 1, dport: 443, seq: 9, flags: 'S', vlan: 12, timestamps: [5, 0], windowScale: 7 })],
    ['udp v4', udpFrame({ ...v4, sport: 1030, dport: 53, payload: dnsQueryPayload({ id: 1, name: 'a.example' }) })],
    ['udp v6', udpFrame({ ...v6, sport: 5353, dport: 5353, payload: 'x' })],
    ['icmp v4 echo', icmpFrame({ ...v4, type: 8, code: 0, id: 1, sequence: 1, data: new Uint8Array([1, 2, 3]) })],
    ['icmpv6 echo', icmpFrame({ ...v6, type: 128, code: 0, id: 1, sequence: 1 })],
  ])('%s verifies', (_name, frame) => {
    expect(checksumsValid(frame)).toBe(true);
  });

  it.each([true, 'offload'] as const)('badChecksum=%s produces a segment a receiver rejects', (mode) => {
    const good = tcpFrame({ ...v4, sport: 1, dport: 2, seq: 1, flags: 'S' });
    const bad = tcpFrame({ ...v4, sport: 1, dport: 2, seq: 1, flags: 'S', badChecksum: mode });
    expect(checksumsValid(good)).toBe(true);
    expect(checksumsValid(bad)).toBe(false);
    // Only the TCP checksum field differs; the IP header checksum stays right.
    const diff = [...good].flatMap((b, i) => (b !== bad[i] ? [i] : []));
    expect(diff.every((i) => i === 14 + 20 + 16 || i === 14 + 20 + 17)).toBe(true);
    expect(internetChecksum(bad, 14, 34)).toBe(0);
  });

  it('writes the offload value as the folded pseudo-header sum', () => {
    // src 192.168.0.13 dst 72.246.53.81, proto 6, length 20
    const f = tcpFrame({ ...v4, sport: 1, dport: 2, seq: 1, flags: 'S', badChecksum: 'offload' });
    let sum = 0xc0a8 + 0x000d + 0x48f6 + 0x3551 + 6 + 20;
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    expect((f[50]! << 8) | f[51]!).toBe(sum);
  });
});

describe('frame builder fields', () => {
  it('lays out IPv4 + TCP headers as given', () => {
    const f = tcpFrame({ ...v4, sport: 2499, dport: 80, seq: 0xdeadbeef, ack: 7, flags: 'RA', ttl: 255, ipId: 4242, df: false, window: 0 });
    const d = new DataView(f.buffer);
    expect(d.getUint16(12)).toBe(0x0800);
    expect(f[14 + 8]).toBe(255);
    expect(d.getUint16(14 + 4)).toBe(4242);
    expect(d.getUint16(14 + 6)).toBe(0);
    expect(d.getUint16(34)).toBe(2499);
    expect(d.getUint32(38)).toBe(0xdeadbeef);
    expect(d.getUint32(42)).toBe(7);
    expect(f[47]).toBe(0x14);
    expect(f.length).toBe(54);
  });

  it('puts an 802.1Q tag before the IP ethertype', () => {
    const f = udpFrame({ ...v4, sport: 1, dport: 2, payload: '', vlan: 100 });
    const d = new DataView(f.buffer);
    expect([d.getUint16(12), d.getUint16(14) & 0xfff, d.getUint16(16)]).toEqual([0x8100, 100, 0x0800]);
  });

  it('quotes the IP header and 8 bytes of the offending packet in an ICMP error', () => {
    const syn = tcpFrame({ ...v4, sport: 2499, dport: 80, seq: 77, flags: 'S', mss: 1460 });
    const q = quoteOf(syn);
    expect(q.length).toBe(28);
    const err = icmpFrame({ src: '192.168.0.1', dst: v4.src, type: 3, code: 13, quoted: q });
    expect(checksumsValid(err)).toBe(true);
    expect([...err.subarray(42)]).toEqual([...syn.subarray(14, 42)]);
  });

  it('builds an ARP request to broadcast', () => {
    const f = arpFrame({ op: 1, senderMac: '00:0b:cd:11:22:33', senderIp: '192.168.0.13', targetIp: '192.168.0.1' });
    expect(f.length).toBe(42);
    expect([...f.subarray(0, 6)]).toEqual([255, 255, 255, 255, 255, 255]);
    expect([...f.subarray(38, 42)]).toEqual([192, 168, 0, 1]);
  });
});

/** A tiny DNS reader that follows compression pointers, to check what the builder wrote. */
function readDns(m: Uint8Array) {
  const d = new DataView(m.buffer, m.byteOffset, m.byteLength);
  const name = (at: number): [string, number] => {
    const labels: string[] = [];
    let end = -1;
    for (;;) {
      const len = m[at]!;
      if (len >= 0xc0) {
        if (end < 0) end = at + 2;
        at = ((len & 0x3f) << 8) | m[at + 1]!;
        continue;
      }
      if (len === 0) break;
      labels.push(new TextDecoder().decode(m.subarray(at + 1, at + 1 + len)));
      at += 1 + len;
    }
    return [labels.join('.'), end < 0 ? at + 1 : end];
  };
  const [qname, questionEnd] = name(12);
  let at = questionEnd + 4; // past QTYPE and QCLASS
  const answers: [string, number, string][] = [];
  for (let i = 0; i < d.getUint16(6); i++) {
    const [owner, p] = name(at);
    const type = d.getUint16(p);
    const rdlen = d.getUint16(p + 8);
    const rdata = type === 5 ? name(p + 10)[0] : [...m.subarray(p + 10, p + 10 + rdlen)].join('.');
    answers.push([owner, type, rdata]);
    at = p + 10 + rdlen;
  }
  expect(at).toBe(m.length);
  return { id: d.getUint16(0), flags: d.getUint16(2), qname, answers };
}

describe('DNS payloads', () => {
  it('answers through a CNAME chain to A records', () => {
    const r = readDns(
      dnsResponsePayload({
        id: 0x1234,
        name: 'liveupdate.symantecliveupdate.com',
        cnames: ['liveupdate.symantecliveupdate.com.edgesuite.net', 'a1.g.akamai.net'],
        addresses: ['72.246.53.72', '72.246.53.81'],
      }),
    );
    expect(r.id).toBe(0x1234);
    expect(r.flags & 0x8000).toBe(0x8000);
    expect(r.answers).toEqual([
      ['liveupdate.symantecliveupdate.com', 5, 'liveupdate.symantecliveupdate.com.edgesuite.net'],
      ['liveupdate.symantecliveupdate.com.edgesuite.net', 5, 'a1.g.akamai.net'],
      ['a1.g.akamai.net', 1, '72.246.53.72'],
      ['a1.g.akamai.net', 1, '72.246.53.81'],
    ]);
  });

  it('asks one question with recursion desired', () => {
    const r = readDns(dnsQueryPayload({ id: 9, name: 'update.avg.com' }));
    expect([r.id, r.flags, r.qname, r.answers.length]).toEqual([9, 0x0100, 'update.avg.com', 0]);
  });
});
