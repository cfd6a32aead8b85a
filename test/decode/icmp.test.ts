import { describe, expect, it } from 'vitest';
import { formatIPv4, formatIPv6, packetSource } from '../../src/decode/index.js';
import { decode, hex, sweepPrefixes } from './support.js';

// Built (checksums confirmed with `tcpdump -vv`):
/** A router 203.0.113.1 refusing 192.168.0.13:2499 → 72.246.53.81:80 with 3/13 (admin prohibited), quoting IP + 8 bytes of TCP. */
const ADMIN_PROHIBITED =
  '00137fbe8cff00247ee01db508004500003800000000fe01c00dcb007101c0a8000d030dae7900000000450000340abc40007f06b20bc0a8000d48f6355109c3005011223344';
/** ICMPv6 1/1 from 2001:db8::1 quoting a whole SYN 2001:db8::13:50000 → [2001:db8:ffff::80]:443. */
const V6_PROHIBITED =
  '00137fbe8cff00247ee01db586dd6000000000443aff20010db800000000000000000000000120010db800000000000000000000001301013cc000000000600000000014064020010db800000000000000000000001320010db8ffff00000000000000000080c35001bbdeadbeef000000005002fffff1340000';
/** Time exceeded quoting a traceroute UDP probe 33434 → 33435. */
const TIME_EXCEEDED =
  '00137fbe8cff00247ee01db50800450000441234000040019cd20a0000fec0a8000d0b00c5ea000000004500002812344000011196ccc0a8000d08080808829a829b001456f8787878787878787878787878';
const ECHO = '00137fbe8cff00247ee01db508004500002412340000400197e0c0a8000d0808080808006667000100026162636465666768';

describe('ICMP and ICMPv6', () => {
  it('decodes the refused attempt quoted by a 3/13 administratively prohibited', () => {
    const p = decode(ADMIN_PROHIBITED, 1, { verifyChecksums: true });
    expect([p.status, p.icmpType, p.icmpCode, p.ttl, packetSource(p), p.transportChecksumOk]).toEqual([
      'decoded',
      3,
      13,
      254,
      '203.0.113.1',
      true,
    ]);
    const q = p.quoted;
    expect([q.present, q.ipVersion, formatIPv4(q.src4), formatIPv4(q.dst4), q.proto, q.sport, q.dport, q.seq]).toEqual([
      true,
      4,
      '192.168.0.13',
      '72.246.53.81',
      6,
      2499,
      80,
      0x11223344,
    ]);
    expect(p.sport).toBe(-1);
  });

  it('decodes the attempt quoted by an ICMPv6 1/1', () => {
    const p = decode(V6_PROHIBITED, 1, { verifyChecksums: true });
    expect([p.status, p.icmpType, p.icmpCode, p.ttl, p.transportChecksumOk]).toEqual(['decoded', 1, 1, 255, true]);
    const q = p.quoted;
    expect([q.present, q.ipVersion, formatIPv6(q.src6), formatIPv6(q.dst6), q.proto, q.sport, q.dport, q.seq]).toEqual([
      true,
      6,
      '2001:db8::13',
      '2001:db8:ffff::80',
      6,
      50000,
      443,
      0xdeadbeef,
    ]);
  });

  it('decodes a quoted UDP probe of a time exceeded (no sequence number)', () => {
    const q = decode(TIME_EXCEEDED).quoted;
    expect([q.proto, q.sport, q.dport, q.seq, formatIPv4(q.dst4)]).toEqual([17, 33434, 33435, -1, '8.8.8.8']);
  });

  it('quotes nothing for an echo request', () => {
    const p = decode(ECHO, 1, { verifyChecksums: true });
    expect([p.icmpType, p.icmpCode, p.payloadLength, p.quoted.present, p.transportChecksumOk]).toEqual([8, 0, 8, false, true]);
  });

  it('keeps what a cut quote holds: ports without the sequence number', () => {
    const frame = ADMIN_PROHIBITED.slice(0, (14 + 20 + 8 + 20 + 4) * 2);
    const p = decode(frame, 1, { verifyChecksums: true }, 70);
    expect([p.status, p.truncated, p.quoted.sport, p.quoted.dport, p.quoted.seq]).toEqual(['decoded', true, 2499, 80, -1]);
  });

  it('calls an ICMP header cut by the snapshot length truncated, with type and code kept (zeek trunc/icmp-header-trunc)', () => {
    const p = decode(ECHO.slice(0, (14 + 20 + 6) * 2), 1, undefined, 50);
    expect([p.status, p.reason, p.icmpType, p.icmpCode]).toEqual(['malformed', 'truncated.icmp', 8, 0]);
  });

  it('does not judge the checksum of a first fragment, which holds part of the message', () => {
    // The echo with MF set and a total length that keeps 12 of its 16 ICMP bytes.
    const firstFragment = ECHO.slice(0, 16 * 2) + '0020' + ECHO.slice(18 * 2, 20 * 2) + '2000' + ECHO.slice(22 * 2);
    const p = decode(firstFragment, 1, { verifyChecksums: true });
    expect([p.status, p.moreFragments, p.icmpType, p.payloadLength, p.transportChecksumOk]).toEqual(['decoded', true, 8, 4, true]);
  });

  it('detects a bad ICMPv6 checksum', () => {
    const bad = V6_PROHIBITED.slice(0, -2) + '01';
    expect(decode(bad, 1, { verifyChecksums: true }).transportChecksumOk).toBe(false);
  });

  it.each([
    ['3/13', ADMIN_PROHIBITED],
    ['ICMPv6 1/1', V6_PROHIBITED],
    ['time exceeded', TIME_EXCEEDED],
    ['echo', ECHO],
  ])('every prefix of the %s frame ends in a sensible status', (_name, frame) => {
    const statuses = sweepPrefixes(hex(frame));
    expect(statuses[hex(frame).length]).toBe('decoded');
  });
});
