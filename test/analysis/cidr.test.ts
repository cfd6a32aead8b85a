import { Address6 } from 'ip-address';
import { describe, expect, it } from 'vitest';
import { CidrSet, DEFAULT_INTERNAL, netblockOf, parseOrgsCsv } from '../../src/analysis/index.js';
import { ipv6ToBigInt, respNetblock } from '../../src/analysis/cidr.js';
import { ConnectionStore } from '../../src/flows/store.js';
import { connection } from './support.js';
import { median } from '../../src/analysis/stats.js';
import { formatIPv6 } from '../../src/decode/index.js';
import { Rng } from '../../src/synth/index.js';

describe('CidrSet', () => {
  const internal = new CidrSet(DEFAULT_INTERNAL);
  it.each([
    ['192.168.0.13', true],
    ['10.11.54.37', true],
    ['172.16.0.1', true],
    ['172.32.0.1', false],
    ['100.64.1.1', true],
    ['100.128.0.1', false],
    ['169.254.3.4', true],
    ['72.246.53.81', false],
    ['fd00::1', true],
    ['fe80::1', true],
    ['2001:db8::1', false],
    ['not an address', false],
  ])('%s internal: %s', (address, expected) => {
    expect(internal.has(address)).toBe(expected);
  });

  it('finds the longest prefix', () => {
    const set = new CidrSet(['72.246.0.0/16', '72.246.53.0/24', '2001:db8::/32']);
    expect(set.lookup('72.246.53.9')).toBe(1);
    expect(set.lookup('72.246.54.9')).toBe(0);
    expect(set.lookup('2001:db8:1::5')).toBe(2);
    expect(set.lookup('8.8.8.8')).toBe(-1);
  });

  it('rejects what is not an address', () => {
    expect(() => new CidrSet(['10.0.0.0/33'])).toThrow(/10.0.0.0\/33/);
    expect(() => new CidrSet(['banana'])).toThrow(/banana/);
  });

  it('reads IPv6 text as ip-address does: every form callhome writes, and odd ones', () => {
    const reference = (text: string): bigint | null => {
      try {
        return new Address6(text).bigInt();
      } catch {
        return null;
      }
    };
    const rng = new Rng(0x5eed);
    const next = (): number => rng.u32();
    for (let i = 0; i < 3000; i++) {
      const bytes = new Uint8Array(16);
      for (let g = 0; g < 8; g++) {
        const v = next() % 3 === 0 ? next() & 0xffff : 0;
        bytes[g * 2] = v >> 8;
        bytes[g * 2 + 1] = v & 0xff;
      }
      if (i % 5 === 0) bytes.set([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff], 0); // IPv4-mapped: dotted quad
      const text = formatIPv6(bytes);
      expect(ipv6ToBigInt(text)).toBe(reference(text));
      expect(ipv6ToBigInt(text.toUpperCase())).toBe(reference(text));
    }
    for (const text of [
      '::',
      '1::',
      '1:2:3:4:5:6:7::',
      '::2:3:4:5:6:7:8',
      '64:ff9b::192.0.2.33',
      '1:2:3:4:5:6:1.2.3.4',
      'fe80::1%eth0',
      '0000:0000:0000:0000:0000:0000:0000:0001',
      '1:2:3:4:5:6:7:8:9',
      '1::2::3',
      ':::',
      '12345::',
      'g::',
      '::1.2.3',
      '::ffff:256.1.1.1',
      '1:',
      ':1',
      '',
    ]) {
      expect(ipv6ToBigInt(text)).toBe(reference(text));
    }
  });

  it('takes medians of small and large samples alike', () => {
    const values = Array.from({ length: 101 }, (_, i) => ((i * 37) % 101) / 7);
    for (const n of [1, 2, 3, 31, 32, 33, 100, 101]) {
      const sample = values.slice(0, n);
      const sorted = [...sample].sort((a, b) => a - b);
      const expected = n % 2 === 1 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
      expect(median(sample)).toBe(expected);
    }
    expect(median([])).toBeNull();
    expect(median([3, Number.NaN, 1])).toBe(3); // NaN sorts last
  });

  it('names the netblock of an address', () => {
    expect(netblockOf('72.246.53.81')).toBe('72.246.53.0/24');
    expect(netblockOf('2001:db8:1:2::5')).toBe('2001:db8:1::/48');
  });

  it("judges a connection's ends alike whether it is an object or a row of the store", () => {
    // A row keeps a dotted quad as a number and anything else as text; both must read as their text does.
    const addresses = ['192.168.0.13', '72.246.53.81', '010.1.2.3', 'fd00::1', 'fe80::1', '2001:db8:1:2::5', '10.0.0.1'];
    const connections = addresses.flatMap((origH) => addresses.map((respH) => connection({ origH, respH, respP: 80 })));
    const store = new ConnectionStore();
    for (const c of connections) store.add(c);
    let inside = 0;
    for (let i = 0; i < connections.length; i++) {
      const c = connections[i]!;
      for (const seen of [c, store.get(i), store.peek(i)]) {
        expect(internal.hasResp(seen), `${c.respH} from ${c.origH}`).toBe(internal.has(c.respH));
        expect(internal.hasOrig(seen), `${c.origH} to ${c.respH}`).toBe(internal.has(c.origH));
        expect(respNetblock(seen), c.respH).toBe(netblockOf(c.respH));
      }
      if (internal.hasResp(store.peek(i))) inside++;
    }
    expect(inside).toBe(addresses.filter((a) => internal.has(a)).length * addresses.length);
  });
});

describe('parseOrgsCsv', () => {
  it('reads rows, skips a header, comments and blanks', () => {
    const rows = parseOrgsCsv('cidr,organisation\n# CDN\n72.246.0.0/16,Akamai Technologies\n\n23.0.0.0/12,"Akamai, partner"\n', 'orgs.csv');
    expect(rows).toEqual([
      { cidr: '72.246.0.0/16', organisation: 'Akamai Technologies' },
      { cidr: '23.0.0.0/12', organisation: 'Akamai, partner' },
    ]);
  });
  it('names file and line of a bad row', () => {
    expect(() => parseOrgsCsv('72.246.0.0/16,Akamai\n300.1.2.3/8,Nobody\n', 'orgs.csv')).toThrow(/^orgs\.csv:2: .*300\.1\.2\.3\/8/);
    expect(() => parseOrgsCsv('72.246.0.0/16\n', 'o.csv')).toThrow(/^o\.csv:1: no organisation/);
  });
});
