import { Address4, Address6 } from 'ip-address';
import { describe, expect, it } from 'vitest';
import { formatIPv4, formatIPv6 } from '../../src/decode/index.js';
import { sortAddresses } from '../../src/decode/address.js';
import { Rng } from '../../src/synth/index.js';

function bytesOf(groups: number[]): Uint8Array {
  const b = new Uint8Array(16);
  groups.forEach((g, i) => {
    b[i * 2] = g >> 8;
    b[i * 2 + 1] = g & 0xff;
  });
  return b;
}

/** A deterministic generator (xorshift) so failures are reproducible. */
function* groupSets(count: number): Generator<number[]> {
  let state = 0x9e3779b9;
  const next = (): number => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state >>> 0;
  };
  for (let i = 0; i < count; i++) {
    // Mostly zero groups so that runs of every length and position occur.
    yield Array.from({ length: 8 }, () => (next() % 3 === 0 ? next() & 0xffff : 0));
  }
}

describe('address text', () => {
  it.each([
    [0, '0.0.0.0'],
    [0xffffffff, '255.255.255.255'],
    [0xc0a8000d, '192.168.0.13'],
  ])('formatIPv4(%d) = %s', (n, text) => {
    expect(formatIPv4(n)).toBe(text);
  });

  it.each([
    [[0, 0, 0, 0, 0, 0, 0, 0], '::'],
    [[0, 0, 0, 0, 0, 0, 0, 1], '::1'],
    [[0x2001, 0xdb8, 0, 0, 1, 0, 0, 1], '2001:db8::1:0:0:1'], // RFC 5952 §4.2.3: first of equal runs
    [[0x2001, 0xdb8, 0, 1, 1, 1, 1, 1], '2001:db8:0:1:1:1:1:1'], // §4.2.2: one zero group stays
    [[0x2001, 0xdb8, 0, 0, 0, 0, 2, 1], '2001:db8::2:1'],
    [[0xfe80, 0, 0, 0, 0x8c36, 0x6ff, 0xfe44, 0xacaf], 'fe80::8c36:6ff:fe44:acaf'],
    [[0, 0, 0, 0, 0, 0xffff, 0xc0a8, 0x0001], '::ffff:192.168.0.1'], // §5: IPv4-mapped
  ])('formatIPv6(%j) = %s', (groups, text) => {
    expect(formatIPv6(bytesOf(groups))).toBe(text);
  });

  it('agrees with ip-address on dotted quads for 20000 addresses met in any order and met again', () => {
    // Far more addresses than recently formatted texts are kept: slots are reused and revisited.
    const rng = new Rng(0x2545f491);
    const addresses = Array.from({ length: 20000 }, () => rng.u32());
    for (const round of [addresses, [...addresses].reverse(), addresses]) {
      for (const n of round) expect(formatIPv4(n)).toBe(Address4.fromInteger(n).correctForm());
    }
  });

  it('agrees with ip-address on RFC 5952 text for 2000 addresses', () => {
    for (const groups of groupSets(2000)) {
      const bytes = bytesOf(groups);
      const reference = Address6.fromByteArray(Array.from(bytes));
      const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
      expect(formatIPv6(bytes)).toBe(mapped ? reference.to4in6() : reference.correctForm());
    }
  });
});

describe('address order', () => {
  it('lists IPv4 by value, then IPv6 by value, then other text; netblocks by first address, the wider first', () => {
    const mixed = ['fd00::20', '10.1.0.100', 'not-an-address', '10.1.0.2', 'fd00::3', '10.1.0.10', '9.255.255.255'];
    expect(sortAddresses(mixed)).toEqual(['9.255.255.255', '10.1.0.2', '10.1.0.10', '10.1.0.100', 'fd00::3', 'fd00::20', 'not-an-address']);
    const blocks = ['2001:db8:10::/48', '10.0.0.0/8', '2001:db8:9::/48', '10.0.0.0/16', '9.0.0.0/24', '10.100.0.0/24'];
    expect(sortAddresses(blocks)).toEqual([
      '9.0.0.0/24',
      '10.0.0.0/8',
      '10.0.0.0/16',
      '10.100.0.0/24',
      '2001:db8:9::/48',
      '2001:db8:10::/48',
    ]);
  });
});
