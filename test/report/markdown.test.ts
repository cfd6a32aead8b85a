import { describe, expect, it } from 'vitest';
import { analyzeRenderers, compareRenderers, reportRenderers } from '../../src/report/index.js';
import { HOSTILE, caseStudyResult, compareResult, connections, hostileResult } from './fixtures.js';

const plain = { color: false };

/** Splits a pipe-table row into cells, honouring `\|` escapes. */
function cells(row: string): string[] {
  return row
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split(/(?<!\\)\|/)
    .map((c) => c.trim());
}

/** Every pipe table in a document: its header, separator and rows. */
function tables(doc: string): { header: string[]; separator: string; rows: string[][] }[] {
  const lines = doc.split('\n');
  const found = [];
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]!.startsWith('|') || (i > 0 && lines[i - 1]!.startsWith('|'))) continue;
    const block: string[] = [];
    for (let j = i; j < lines.length && lines[j]!.startsWith('|'); j++) block.push(lines[j]!);
    found.push({ header: cells(block[0]!), separator: block[1] ?? '', rows: block.slice(2).map(cells) });
  }
  return found;
}

function headings(doc: string): string[] {
  return doc.split('\n').filter((l) => /^#{1,3} /.test(l));
}

describe('analyze --format markdown', () => {
  const doc = analyzeRenderers.markdown(caseStudyResult(), plain);

  it('has the headings a ticket reader needs, in order', () => {
    expect(headings(doc)).toEqual([
      '# callhome analysis',
      '## Summary',
      '## Captures',
      '## Host 192.168.0.13',
      '## Host 192.168.0.50',
      '## Other hosts',
      '## Proxies',
      '## Reset sources',
      '## Flow summary',
    ]);
  });

  it('writes tables with a header, a separator row and the same number of cells in every row', () => {
    const found = tables(doc);
    expect(found.length).toBeGreaterThanOrEqual(7);
    for (const t of found) {
      expect(t.separator).toMatch(/^\|(-{3,}:?\|)+$/);
      expect(cells(t.separator)).toHaveLength(t.header.length);
      expect(t.rows.length).toBeGreaterThan(0);
      for (const r of t.rows) expect(r).toHaveLength(t.header.length);
    }
  });

  it("heads the reset sources' TTL column by the field their family carries", () => {
    const header = (addressList: (k: number) => string) => {
      const result = caseStudyResult();
      const resetSources = result.resetSources.map((r) => ({ ...r, addressList: r.addressList.map((_, k) => addressList(k)) }));
      const md = analyzeRenderers.markdown({ ...result, resetSources }, plain);
      return tables(md).find((t) => t.header[0] === 'attribution')!.header[2];
    };
    expect(header((k) => `72.246.53.${k + 1}`)).toBe('TTL');
    expect(header((k) => `2001:db8:100:1::${k + 1}`)).toBe('hop limit');
    expect(header((k) => (k % 2 ? `2001:db8:100:1::${k + 1}` : `72.246.53.${k + 1}`))).toBe('TTL / hop limit');
  });

  it('puts the department host first with its labels, verdict and destination numbers', () => {
    const host = doc.slice(doc.indexOf('## Host 192.168.0.13'), doc.indexOf('## Host 192.168.0.50'));
    expect(host).toContain('`proxy-bypass` `blocked` `periodic` `via-proxy`');
    expect(host).toContain('An update agent retrying through a CDN');
    const destinations = tables(host)[0]!;
    const row = destinations.rows[0]!;
    const col = (name: string) => row[destinations.header.indexOf(name)];
    expect(col('destination')).toBe('72.246.53.0/24');
    expect(col('attempts')).toBe('504');
    expect(col('resets')).toBe('504 (504 middlebox)');
    expect(col('schedule')).toMatch(/bursts of 14 attempts .* every 32 s/);
  });

  it('summarises flows per host and destination with first and last seen', () => {
    const flow = tables(doc.slice(doc.indexOf('## Flow summary')))[0]!;
    expect(flow.header).toEqual([
      'host',
      'destination',
      'attempts',
      'established',
      'unanswered',
      'reset',
      'bytes out',
      'bytes in',
      'first seen',
      'last seen',
    ]);
    expect(flow.rows[0]!.slice(0, 3)).toEqual(['192.168.0.13', '72.246.53.0/24', '504']);
    expect(flow.rows[0]![8]).toBe('2006-11-17 13:00:00Z');
  });
});

describe('markdown with hostile names', () => {
  const doc = analyzeRenderers.markdown(hostileResult(), plain);

  it('escapes HTML, links, code, mentions and pipes so they render as text', () => {
    expect(doc).not.toMatch(/(?<!\\)<script/);
    expect(doc).not.toMatch(/(?<!\\)<img/);
    expect(doc).not.toMatch(/(?<!\\)\[click(?<!\\)\]/);
    expect(doc).not.toMatch(/(?<!\\)@admin/);
    expect(doc).not.toMatch(/(?<!\\)`code/);
    expect(doc).toContain('\\<script\\>window.\\_\\_pwned = 1\\</script\\>');
  });

  it('keeps every table rectangular although names carry pipes and newlines', () => {
    for (const t of tables(doc)) for (const r of t.rows) expect(r).toHaveLength(t.header.length);
  });

  it('leaves no control characters', () => {
    expect(doc).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/);
    expect(doc).toContain(HOSTILE.quotes.replace(/"/g, '"'));
  });
});

describe('report --format markdown', () => {
  it('adds a table of connection states when the connections come along', () => {
    const doc = reportRenderers.markdown({ ...caseStudyResult(), connections: connections() }, plain);
    expect(headings(doc)[0]).toBe('# callhome report');
    expect(headings(doc).at(-1)).toBe('## Connection states');
    const states = tables(doc).at(-1)!;
    expect(states.rows.map((r) => r[0])).toEqual(expect.arrayContaining(['REJ', 'SF', 'S0']));
    // the legend gives Zeek's own meaning of each state
    expect(states.rows.find((r) => r[0] === 'REJ')?.[2]).toBe('Connection attempt rejected.');
    expect(states.rows.find((r) => r[0] === 'S0')?.[2]).toBe('Connection attempt seen, no reply.');
  });
});

describe('compare --format markdown', () => {
  const doc = compareRenderers.markdown(compareResult(), plain);
  it('shows shared and differing behaviour with the numbers of each capture, then the conclusion', () => {
    expect(headings(doc).slice(0, 4)).toEqual(['# callhome compare', '## Shared behaviour', '## Different behaviour', '## Conclusion']);
    const different = tables(doc)[1]!;
    expect(different.header).toEqual(['behaviour', 'captures/department-host.pcap', 'captures/consultant-laptop.pcap']);
    expect(different.rows[0]).toEqual(['retry schedule', 'bursts of 14 every 32 s', 'bursts of 6 every 20 s']);
    for (const t of tables(doc)) for (const r of t.rows) expect(r).toHaveLength(t.header.length);
    expect(doc).toContain('Both machines run an update agent');
  });
});
