import { describe, expect, it } from 'vitest';
import {
  TCP_ACK,
  TCP_CWR,
  TCP_ECE,
  TCP_NS,
  TCP_PSH,
  TCP_SYN,
  packetSource,
  tcpFlagsToString,
  payloadView,
} from '../../src/decode/index.js';
import { decode, hex, sweepPrefixes } from './support.js';

/** wikipedia.pcap #9: SYN with MSS, SACK-permitted, timestamps, window scale. */
const SYN =
  '00137fbe8cff00247ee01db508004500003cced540004006991a8d8edc76d0509876be090050579e296100000000a00216d0373b0000020405b40402080a001be7b40000000001030307';
/** wikipedia.pcap #6: GET / (463 bytes of payload). */
const GET =
  '00137fbe8cff00247ee01db508004500020334d94000400631c48d8edc76d05098028b32005051ffd352b8fe3a8d801800364d5300000101080a001be7ac757ac4c2474554202f20485454502f312e310d0a486f73743a207777772e77696b6970656469612e6f72670d0a557365722d4167656e743a204d6f7a696c6c612f352e3020285831313b20553b204c696e7578207838365f36343b20656e2d55533b2072763a312e392e322e313529204765636b6f2f3230313130333033205562756e74752f31302e303420286c75636964292046697265666f782f332e362e31350d0a4163636570743a20746578742f68746d6c2c6170706c69636174696f6e2f7868746d6c2b786d6c2c6170706c69636174696f6e2f786d6c3b713d302e392c2a2f2a3b713d302e380d0a4163636570742d4c616e67756167653a20656e2d75732c656e3b713d302e350d0a4163636570742d456e636f64696e673a20677a69702c6465666c6174650d0a4163636570742d436861727365743a2049534f2d383835392d312c7574662d383b713d302e372c2a3b713d302e370d0a4b6565702d416c6976653a203131350d0a436f6e6e656374696f6e3a206b6565702d616c6976650d0a49662d4d6f6469666965642d53696e63653a2053756e2c2036204d617220323031312032323a34353a353120474d540d0a43616368652d436f6e74726f6c3a206d61782d6167653d300d0a0d0a';
/** tcp-http-with-padding.pcap #6: IP total length 53, one byte of payload, then 2 bytes of Ethernet padding. */
const PADDED =
  '4cd98f8b4075182ad32f15f00800450000350000400032060922a7dd1eb5d9cf9f3fe80e6a885323ca3fa15a58ce80180816879800000101080abbfdff60f3e0490145ffff';
/** Built: IPv4 + TCP SYN with NS|CWR|ECE, seq 0xfffffff0, ack 0x80000001. */
const ECN_SYN =
  '00137fbe8cff00247ee01db50800460000401234400040065d410a010203c6336407940400009c411f90fffffff080000001a1c272107feb0000020405b40402080a0001e2400000000001030307';
/** ipv4__fragmented-syn.pcap #1: a first fragment that ends inside the SYN's options. */
const SPLIT_SYN = '1e0b8b14f6f998eecbbd07fe08004500002c0001200040068ebac0a801640a00000530390050000003e800000000a0022000c5730000020405b4';

function patch(frame: string, offset: number, bytesHex: string): string {
  return frame.slice(0, offset * 2) + bytesHex + frame.slice(offset * 2 + bytesHex.length);
}

describe('TCP', () => {
  it('reads ports, sequence numbers, flags, window and options of a SYN', () => {
    const p = decode(SYN, 1, { verifyChecksums: true });
    expect(p.status).toBe('decoded');
    expect([p.sport, p.dport, p.seq, p.ack, p.tcpFlags, p.window, p.tcpHeaderLength]).toEqual([
      48649,
      80,
      0x579e2961,
      0,
      TCP_SYN,
      5840,
      40,
    ]);
    expect([p.mss, p.sackPermitted, p.tsVal, p.tsEcr, p.windowScale]).toEqual([1460, true, 1828788, 0, 7]);
    expect([p.payloadLength, payloadView(p).length, p.truncated, p.transportChecksumOk]).toEqual([0, 0, false, true]);
  });

  it('keeps sequence numbers unsigned and reads all nine flags including NS', () => {
    const p = decode(ECN_SYN, 1, { verifyChecksums: true });
    expect([p.seq, p.ack]).toEqual([4294967280, 2147483649]);
    expect(p.tcpFlags).toBe(TCP_NS | TCP_CWR | TCP_ECE | TCP_SYN);
    expect(tcpFlagsToString(p.tcpFlags)).toBe('NCES');
    expect(p.transportChecksumOk).toBe(true);
  });

  it('computes the payload from the IP length: a request segment', () => {
    const p = decode(GET, 1, { verifyChecksums: true });
    expect([p.tcpFlags, p.payloadLength, payloadView(p).length]).toEqual([TCP_PSH | TCP_ACK, 463, 463]);
    expect(Buffer.from(payloadView(p).subarray(0, 16)).toString('latin1')).toBe('GET / HTTP/1.1\r\n');
    expect(p.transportChecksumOk).toBe(true);
  });

  it('does not count Ethernet trailer padding as payload (tcp-http-with-padding.pcap)', () => {
    const p = decode(PADDED, 1, { verifyChecksums: true });
    expect([p.payloadLength, payloadView(p).length, payloadView(p)[0]]).toEqual([1, 1, 0x45]);
    expect([p.truncated, p.transportChecksumOk]).toEqual([false, true]);
  });

  it('flags a payload cut by the snapshot length but still decodes it', () => {
    const p = decode(GET.slice(0, 100 * 2), 1, { verifyChecksums: true }, 529);
    expect([p.status, p.truncated, p.payloadLength, payloadView(p).length]).toEqual(['decoded', true, 463, 100 - 66]);
    expect(p.transportChecksumOk).toBe(true); // not computable, so not reported bad
  });

  it('reports a bad checksum only when asked', () => {
    const bad = patch(GET, 100, '00');
    expect(decode(bad, 1, { verifyChecksums: true }).transportChecksumOk).toBe(false);
    expect(decode(bad).transportChecksumOk).toBe(true);
  });

  it('keeps the header when an option length is bad', () => {
    // MSS option with length 0 (byte 54 = option length).
    const p = decode(patch(SYN, 55, '00'));
    expect([p.status, p.reason, p.sport, p.dport, p.tcpFlags, p.mss]).toEqual(['decoded', 'tcp.bad_option_length', 48649, 80, TCP_SYN, -1]);
    // Timestamps option claiming 40 bytes: past the header; MSS and SACK-permitted before it are kept.
    const q = decode(patch(SYN, 14 + 20 + 20 + 7, '28'));
    expect([q.status, q.reason, q.mss, q.sackPermitted, q.tsVal]).toEqual(['decoded', 'tcp.bad_option_length', 1460, true, -1]);
    // Window scale with length 4: wrong for its kind.
    const r = decode(patch(SYN, 14 + 20 + 20 + 18, '04'));
    expect([r.reason, r.windowScale]).toEqual(['tcp.bad_option_length', -1]);
  });

  it('decodes the fixed header of a SYN whose options a fragment split (ipv4__fragmented-syn.pcap)', () => {
    const p = decode(SPLIT_SYN);
    expect([p.status, p.reason, p.tcpFlags, p.sport, p.dport, p.mss, p.payloadLength]).toEqual([
      'decoded',
      'tcp.header_split_by_fragment',
      TCP_SYN,
      12345,
      80,
      1460,
      0,
    ]);
  });

  it('decodes the fixed header of a SYN whose options the snapshot length cut (tcpdump -s 68)', () => {
    // Ethernet 14 + IPv4 20 + TCP 34 of its 40 bytes: the MSS and SACK-permitted options were captured, the window scale was not.
    const p = decode(SYN.slice(0, 68 * 2), 1, undefined, 74);
    expect([p.status, p.reason, p.tcpFlags, p.sport, p.dport, p.payloadLength, p.truncated]).toEqual([
      'decoded',
      'tcp.options_cut_by_snaplen',
      TCP_SYN,
      48649,
      80,
      0,
      false,
    ]);
    expect(p.mss).toBe(1460);
  });

  const malformed: { name: string; frame: string; origlen?: number; reason: string; ports: boolean }[] = [
    { name: 'data offset 4', frame: patch(SYN, 46, '40'), reason: 'tcp.bad_data_offset', ports: true },
    { name: 'data offset 15 in a 40-byte segment', frame: patch(SYN, 46, 'f0'), reason: 'tcp.bad_data_offset', ports: true },
    { name: 'IP total length leaving 12 bytes for TCP', frame: patch(SYN, 16, '0020'), reason: 'tcp.header_exceeds_ip', ports: true },
    { name: 'fixed header cut by the snapshot length', frame: SYN.slice(0, 44 * 2), origlen: 74, reason: 'truncated.tcp', ports: true },
    { name: 'cut inside the ports', frame: SYN.slice(0, 36 * 2), origlen: 74, reason: 'truncated.tcp', ports: false },
  ];
  it.each(malformed)('$name → $reason, addresses kept', (c) => {
    const p = decode(c.frame, 1, undefined, c.origlen);
    expect([p.status, p.reason]).toEqual(['malformed', c.reason]);
    expect(packetSource(p)).toBe('141.142.220.118');
    expect(p.sport).toBe(c.ports ? 48649 : -1);
  });

  it.each([
    ['SYN', SYN],
    ['GET', GET],
    ['padded', PADDED],
    ['ECN SYN', ECN_SYN],
  ])('every prefix of the %s frame ends in a sensible status', (_name, frame) => {
    const statuses = sweepPrefixes(hex(frame));
    expect(statuses[hex(frame).length]).toBe('decoded');
    expect(statuses[14 + 20 + 19]).toBe('malformed');
  });
});
