import { describe, expect, it } from 'vitest';
import { CidrSet, DEFAULT_INTERNAL, netblockOf, parseOrgsCsv } from '../../src/analysis/index.js';

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

  it('names the netblock of an address', () => {
    expect(netblockOf('72.246.53.81')).toBe('72.246.53.0/24');
    expect(netblockOf('2001:db8:1:2::5')).toBe('2001:db8:1::/48');
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
