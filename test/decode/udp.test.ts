import { describe, expect, it } from 'vitest';
import { payloadView } from '../../src/decode/index.js';
import { decode, hex, sweepPrefixes } from './support.js';

// Built (checksums confirmed with `tcpdump -vv`): a DNS query over IPv4 with and without a UDP
// checksum; the same query over IPv6.
const DNS_QUERY =
  '00137fbe8cff00247ee01db5080045000039123400004011e721c0a8000dc0a80001cf090035002533cbabcd01000001000000000000076578616d706c6503636f6d0000010001';
const DNS_QUERY_NO_CHECKSUM =
  '00137fbe8cff00247ee01db5080045000039123400004011e721c0a8000dc0a80001cf09003500250000abcd01000001000000000000076578616d706c6503636f6d0000010001';
/** q-in-q.pcap #1: UDP behind two VLAN tags. */
const QINQ_UDP =
  'ffffffffffff00c0e4012ced8100000d8100000a08004500002e479600004011749eac133325ac13333fbac0bac0001ab9da810b00120120ffff00ff10080a1b591a1b59';
const ETH6 = '00137fbe8cff00247ee01db586dd';
const V6_ZERO_CHECKSUM =
  ETH6 + '600000000010114020010db800000000000000000000000a20010db800000000000000000000000b14e90035001000004142434445464748';

function patch(frame: string, offset: number, bytesHex: string): string {
  return frame.slice(0, offset * 2) + bytesHex + frame.slice(offset * 2 + bytesHex.length);
}

describe('UDP', () => {
  it('reads ports and the payload from the UDP length', () => {
    const p = decode(DNS_QUERY, 1, { verifyChecksums: true });
    expect([p.status, p.sport, p.dport, p.payloadLength, payloadView(p).length, p.transportChecksumOk]).toEqual([
      'decoded',
      53001,
      53,
      29,
      29,
      true,
    ]);
  });

  it('treats a zero checksum over IPv4 as not computed, over IPv6 as wrong', () => {
    expect(decode(DNS_QUERY_NO_CHECKSUM, 1, { verifyChecksums: true }).transportChecksumOk).toBe(true);
    const v6 = decode(V6_ZERO_CHECKSUM, 1, { verifyChecksums: true });
    expect([v6.status, v6.payloadLength, v6.transportChecksumOk]).toEqual(['decoded', 8, false]);
  });

  it('detects a corrupted datagram when verifying', () => {
    expect(decode(patch(DNS_QUERY, 50, '5a'), 1, { verifyChecksums: true }).transportChecksumOk).toBe(false);
  });

  it('ignores link padding after a short datagram (q-in-q.pcap #1)', () => {
    const p = decode(QINQ_UDP);
    expect([p.payloadLength, payloadView(p).length]).toEqual([18, 18]);
  });

  it('uses the IP payload when the UDP length overruns it', () => {
    const p = decode(patch(DNS_QUERY, 38, '0100'), 1, { verifyChecksums: true });
    expect([p.status, p.reason, p.payloadLength, p.transportChecksumOk]).toEqual(['decoded', 'udp.length_exceeds_ip', 29, true]);
  });

  it.each([
    { name: 'UDP length 4', frame: patch(DNS_QUERY, 38, '0004'), reason: 'udp.bad_length' },
    { name: 'IP payload of 6 bytes', frame: patch(DNS_QUERY, 16, '001a'), reason: 'udp.header_exceeds_ip' },
    { name: 'header cut by the snapshot length', frame: DNS_QUERY.slice(0, 40 * 2), origlen: 71, reason: 'truncated.udp' },
  ])('$name → $reason, ports kept', (c) => {
    const p = decode(c.frame, 1, undefined, c.origlen);
    expect([p.status, p.reason, p.sport, p.dport]).toEqual(['malformed', c.reason, 53001, 53]);
  });

  it.each([
    ['DNS query', DNS_QUERY],
    ['QinQ', QINQ_UDP],
    ['IPv6', V6_ZERO_CHECKSUM],
  ])('every prefix of the %s frame ends in a sensible status', (_name, frame) => {
    const statuses = sweepPrefixes(hex(frame));
    expect(statuses[hex(frame).length]).toBe('decoded');
  });
});
