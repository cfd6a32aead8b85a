import { describe, expect, it } from 'vitest';
import { packetDestination, packetSource, payloadView } from '../../src/decode/index.js';
import { decode, hex, sweepPrefixes } from './support.js';

const ETH6 = '00137fbe8cff00247ee01db586dd';
/** ftp__ipv6.pcap #1: TCP SYN. */
const FTP_SYN =
  'd8306248c5b5c42c033b6caa86dd60000000002c0640200104701f11081fc9990d94aa7c2e3e20010470486700990000000000000021c0210015268a7e5f00000000b002ffff44890000020405a0010303010101080a3a01ea4e0000000004020000';
// Built (checksums confirmed with `tcpdump -vv`): hop-by-hop → destination options → fragment
// (offset 0, M=1, id 0xcafebabe) → UDP 5353 → 53; the later fragment; AH → TCP; ESP.
const EXT_CHAIN =
  ETH6 +
  '600000000040004020010db800000000000000000000000a20010db800000000000000000000000b3c000104000000002c0001040000000011000001cafebabe14e900350028a9f21234414141414141414141414141414141414141414141414141414141414141';
const LATER_FRAGMENT =
  ETH6 + '6000000000182c4020010db800000000000000000000000a20010db800000000000000000000000b11000028cafebabe42424242424242424242424242424242';
const AH_TCP =
  ETH6 +
  '600000000037334020010db800000000000000000000000a20010db800000000000000000000000b0604000000000100000000011111111111111111111111110016c7380000000100000002501003e8092000005353482d322e302d780d0a';
const ESP =
  ETH6 +
  '600000000020324020010db800000000000000000000000a20010db800000000000000000000000b0000020000000007999999999999999999999999999999999999999999999999';

function patch(frame: string, offset: number, bytesHex: string): string {
  return frame.slice(0, offset * 2) + bytesHex + frame.slice(offset * 2 + bytesHex.length);
}

describe('IPv6', () => {
  it('decodes the fixed header (ftp__ipv6.pcap #1)', () => {
    const p = decode(FTP_SYN, 1, { verifyChecksums: true });
    expect(p.status).toBe('decoded');
    expect([packetSource(p), packetDestination(p)]).toEqual(['2001:470:1f11:81f:c999:d94:aa7c:2e3e', '2001:470:4867:99::21']);
    expect([p.ttl, p.ipHeaderLength, p.ipLength, p.proto, p.sport, p.dport, p.ipId]).toEqual([64, 40, 84, 6, 49185, 21, -1]);
    expect(p.transportChecksumOk).toBe(true);
  });

  it('walks hop-by-hop, destination options and a first fragment to UDP', () => {
    const p = decode(EXT_CHAIN, 1, { verifyChecksums: true });
    expect([p.status, p.reason]).toEqual(['decoded', '']);
    expect([p.proto, p.ipHeaderLength, p.ipId, p.moreFragments, p.fragOffset]).toEqual([17, 64, 0xcafebabe, true, 0]);
    expect([p.sport, p.dport, p.payloadLength]).toEqual([5353, 53, 32]);
  });

  it('skips a later fragment', () => {
    const p = decode(LATER_FRAGMENT);
    expect([p.status, p.reason, p.fragOffset, p.proto, p.ipId]).toEqual(['skipped', 'ipv6.later-fragment', 40, 17, 0xcafebabe]);
    expect(packetSource(p)).toBe('2001:db8::a');
  });

  it('reads through AH to TCP, and stops at ESP', () => {
    const ah = decode(AH_TCP, 1, { verifyChecksums: true });
    expect([ah.status, ah.proto, ah.ipHeaderLength, ah.sport, ah.dport, ah.transportChecksumOk]).toEqual([
      'decoded',
      6,
      64,
      22,
      51000,
      true,
    ]);
    expect(Buffer.from(payloadView(ah)).toString('latin1')).toBe('SSH-2.0-x\r\n');
    const esp = decode(ESP);
    expect([esp.status, esp.proto, esp.payloadLength, esp.sport]).toEqual(['decoded', 50, 32, -1]);
  });

  const loop =
    ETH6 + '60000000' + 'a0'.padStart(4, '0') + '3c40' + '20010db8000000000000000000000001'.repeat(2) + '3c00000000000000'.repeat(20);
  const malformed: { name: string; frame: string; origlen?: number; reason: string }[] = [
    { name: 'payload length past the frame', frame: patch(FTP_SYN, 14 + 4, '0100'), reason: 'ipv6.payload_length_exceeds' },
    { name: 'an extension header longer than the payload', frame: patch(EXT_CHAIN, 14 + 41, 'ff'), reason: 'ipv6.ext_header_exceeds' },
    { name: 'an extension chain of 20 destination options', frame: loop, reason: 'ipv6.too_many_ext_headers' },
    {
      name: 'extension header cut by the snapshot length',
      frame: EXT_CHAIN.slice(0, (14 + 44) * 2),
      origlen: 118,
      reason: 'truncated.ipv6_ext',
    },
    { name: 'fixed header cut by the snapshot length', frame: FTP_SYN.slice(0, (14 + 39) * 2), origlen: 98, reason: 'truncated.ipv6' },
    {
      name: 'a 39-byte packet on the wire (tcpdump ipv6_invalid_length)',
      frame: FTP_SYN.slice(0, (14 + 39) * 2),
      reason: 'ipv6.packet_too_short',
    },
    { name: 'version 4 behind ethertype 0x86dd', frame: patch(FTP_SYN, 14, '45'), reason: 'ipv6.bad_version' },
  ];
  it.each(malformed)('$name → $reason', (c) => {
    const p = decode(c.frame, 1, undefined, c.origlen);
    expect([p.status, p.reason]).toEqual(['malformed', c.reason]);
  });

  it('keeps the addresses when the extension chain is broken', () => {
    const p = decode(patch(EXT_CHAIN, 14 + 41, 'ff'));
    expect([packetSource(p), packetDestination(p), p.ttl]).toEqual(['2001:db8::a', '2001:db8::b', 64]);
  });

  it('copies addresses into arrays of its own, not views of the capture buffer', () => {
    const frame = hex(FTP_SYN);
    const p = decode(frame);
    frame.fill(0);
    expect(packetSource(p)).toBe('2001:470:1f11:81f:c999:d94:aa7c:2e3e');
  });

  it.each([
    ['ftp SYN', FTP_SYN],
    ['extension chain', EXT_CHAIN],
    ['later fragment', LATER_FRAGMENT],
    ['AH', AH_TCP],
    ['ESP', ESP],
  ])('every prefix of the %s frame ends in a sensible status', (_name, frame) => {
    const statuses = sweepPrefixes(hex(frame));
    expect(statuses[hex(frame).length]).not.toBe('malformed');
    expect(statuses[14 + 39]).toBe('malformed');
  });
});
