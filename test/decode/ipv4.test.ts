import { describe, expect, it } from 'vitest';
import { packetDestination, packetSource, payloadView } from '../../src/decode/index.js';
import { decode, hex, sweepPrefixes } from './support.js';

// Built frames (checksums computed independently and confirmed with `tcpdump -vv`).
const ETH = '00137fbe8cff00247ee01db50800';
/** IPv4 with a Router Alert option (IHL 6), TCP SYN with NS|CWR|ECE and all four options. */
const OPTIONS_SYN =
  ETH + '460000401234400040065d410a010203c6336407940400009c411f90fffffff080000001a1c272107feb0000020405b40402080a0001e2400000000001030307';
/** First fragment (MF, offset 0, id 77) of a 48-byte UDP datagram, and the later fragment. */
const FIRST_FRAGMENT = ETH + '4500002c004d2000401146720a0000010a0000020fa00fa10030bd3b5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a';
const LATER_FRAGMENT = ETH + '4500002c004d00034011666f0a0000010a0000025a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a';
const ECHO = ETH + '4500002412340000400197e0c0a8000d0808080808006667000100026162636465666768';
/** A SYN under an Authentication Header (IPsec AH, 24 bytes with its 96-bit ICV), checksums confirmed with tshark. */
const AH_SYN =
  ETH +
  '45000040222240004033e3e00a000005c6336450' +
  '060400000000100100000001000000000000000000000000' +
  '9c4a01bb000003e8000000005002faf0de7b0000';

/** Replace the byte at `offset` of a hex frame. */
function patch(frame: string, offset: number, byteHex: string): string {
  return frame.slice(0, offset * 2) + byteHex + frame.slice(offset * 2 + byteHex.length);
}

describe('IPv4', () => {
  it('keeps TTL, identification, DF and the header length with options', () => {
    const p = decode(OPTIONS_SYN, 1, { verifyChecksums: true });
    expect(p.status).toBe('decoded');
    expect([p.ttl, p.ipId, p.dontFragment, p.moreFragments, p.fragOffset]).toEqual([64, 0x1234, true, false, 0]);
    expect([p.ipHeaderLength, p.ipLength, p.proto]).toEqual([24, 64, 6]);
    expect([packetSource(p), packetDestination(p)]).toEqual(['10.1.2.3', '198.51.100.7']);
    expect(p.ipChecksumOk).toBe(true);
    expect(p.sport).toBe(40001);
  });

  it('reports a wrong header checksum only when asked to verify', () => {
    const bad = patch(OPTIONS_SYN, 14 + 11, '42');
    expect(decode(bad, 1, { verifyChecksums: true }).ipChecksumOk).toBe(false);
    expect(decode(bad, 1).ipChecksumOk).toBe(true);
    expect(decode(bad, 1, { verifyChecksums: true }).status).toBe('decoded');
  });

  it('decodes a first fragment and skips a later one, keeping its addresses', () => {
    const first = decode(FIRST_FRAGMENT, 1, { verifyChecksums: true });
    expect(first.status).toBe('decoded');
    expect([first.moreFragments, first.fragOffset, first.ipId, first.sport, first.dport]).toEqual([true, 0, 77, 4000, 4001]);
    // The UDP length speaks for the whole datagram; this fragment holds 16 bytes of it.
    expect([first.payloadLength, payloadView(first).length, first.truncated]).toEqual([40, 16, false]);

    const later = decode(LATER_FRAGMENT);
    expect([later.status, later.reason]).toEqual(['skipped', 'ipv4.later-fragment']);
    expect([later.fragOffset, later.ipId, later.proto, packetSource(later), packetDestination(later)]).toEqual([
      24,
      77,
      17,
      '10.0.0.1',
      '10.0.0.2',
    ]);
    expect(later.sport).toBe(-1);
  });

  it('reads the TCP segment under an Authentication Header, as IPv6 reads past its AH', () => {
    const p = decode(AH_SYN, 1, { verifyChecksums: true });
    expect([p.status, p.proto, p.ipHeaderLength, p.sport, p.dport]).toEqual(['decoded', 6, 44, 40010, 443]);
    expect([p.ipChecksumOk, p.transportChecksumOk]).toEqual([true, true]);
    // An AH longer than its packet, and one the capture cut.
    expect([decode(patch(AH_SYN, 14 + 21, '40'), 1).status, decode(patch(AH_SYN, 14 + 21, '40'), 1).reason]).toEqual([
      'malformed',
      'ipv4.ah_exceeds',
    ]);
    const cut = AH_SYN.slice(0, (14 + 30) * 2);
    expect(decode(cut, 1, undefined, 78).reason).toBe('truncated.ipv4_ah');
  });

  const malformed: { name: string; frame: string; origlen?: number; reason: string; keepsAddresses: boolean }[] = [
    { name: 'IHL 4', frame: patch(ECHO, 14, '44'), reason: 'ipv4.bad_header_length', keepsAddresses: true },
    { name: 'IHL 0', frame: patch(ECHO, 14, '40'), reason: 'ipv4.bad_header_length', keepsAddresses: true },
    { name: 'total length 16 < header', frame: patch(ECHO, 16, '0010'), reason: 'ipv4.total_length_too_small', keepsAddresses: true },
    { name: 'total length past the frame', frame: patch(ECHO, 16, '0100'), reason: 'ipv4.total_length_exceeds', keepsAddresses: true },
    { name: 'version 6 behind ethertype 0x0800', frame: patch(ECHO, 14, '65'), reason: 'ipv4.bad_version', keepsAddresses: false },
    {
      name: 'options cut by the snapshot length',
      frame: OPTIONS_SYN.slice(0, (14 + 22) * 2),
      origlen: 78,
      reason: 'truncated.ipv4',
      keepsAddresses: true,
    },
    {
      name: 'fixed header cut by the snapshot length',
      frame: ECHO.slice(0, (14 + 12) * 2),
      origlen: 50,
      reason: 'truncated.ipv4',
      keepsAddresses: false,
    },
    { name: 'a 19-byte packet on the wire', frame: ECHO.slice(0, (14 + 19) * 2), reason: 'ipv4.packet_too_short', keepsAddresses: false },
  ];
  it.each(malformed)('$name → $reason', (c) => {
    const p = decode(c.frame, 1, { verifyChecksums: true }, c.origlen);
    expect([p.status, p.reason]).toEqual(['malformed', c.reason]);
    if (c.keepsAddresses) expect(packetSource(p)).not.toBe('');
    else expect(p.ipVersion).toBe(0);
  });

  it('takes the frame length when the total length is 0 (segmentation offload)', () => {
    const p = decode(patch(ECHO, 16, '0000'));
    expect([p.status, p.reason, p.ipLength, p.icmpType]).toEqual(['decoded', 'ipv4.zero_total_length', 36, 8]);
  });

  it.each([
    ['options SYN', OPTIONS_SYN],
    ['first fragment', FIRST_FRAGMENT],
    ['later fragment', LATER_FRAGMENT],
  ])('every prefix of the %s frame ends in a sensible status', (_name, frame) => {
    const statuses = sweepPrefixes(hex(frame));
    expect(statuses[hex(frame).length]).not.toBe('malformed');
    expect(statuses[14 + 19]).toBe('malformed');
  });
});
