/** The renderers on the real case-study capture, as `callhome analyze` / `report` would show it. */
import { describe, expect, it } from 'vitest';
import { analyzeRenderers, flowsRenderers, reportRenderers } from '../../src/report/index.js';
import { parseCsv, parseZeek } from './parse.js';
import { departmentReport } from './real.js';

describe('captures/department-host.pcap', () => {
  it('text: the bypassing host comes first, with its labels, its CDN group and the middlebox', async () => {
    const report = await departmentReport();
    const text = analyzeRenderers.text(report, { color: false, width: 100 });
    expect(text).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/);
    const firstHost = text.split('\n').find((l) => /^\d+\.\d+\.\d+\.\d+ \[/.test(l));
    expect(firstHost).toMatch(/^192\.168\.0\.13 .*\[proxy-bypass\].*\[blocked\].*\[periodic\]/);
    expect(text).toMatch(/▸ \S+ \(\w+\) port 80 — 15 addresses/);
    expect(text).toMatch(/middlebox: \d+ resets with TTL 255/);
    for (const line of text.split('\n')) expect([...line].length).toBeLessThanOrEqual(100);
  });

  it('markdown: a heading per host with findings and rectangular tables', async () => {
    const report = await departmentReport();
    const doc = reportRenderers.markdown(report, { color: false });
    expect(doc).toContain('## Host 192.168.0.13');
    const lines = doc.split('\n');
    let width = 0;
    for (const [i, line] of lines.entries()) {
      if (!line.startsWith('|')) {
        width = 0;
        continue;
      }
      const cells = line.split(/(?<!\\)\|/).length;
      if (width === 0) width = cells;
      expect(cells, `line ${i + 1}: ${line}`).toBe(width);
    }
  });

  it('csv and zeek: one row per connection', async () => {
    const { connections } = await departmentReport();
    const csv = parseCsv(flowsRenderers.csv(connections, { color: false }));
    expect(csv).toHaveLength(connections.length + 1);
    for (const row of csv) expect(row).toHaveLength(csv[0]!.length);
    const zeek = parseZeek(flowsRenderers.zeek(connections, { color: false }));
    expect(zeek.rows).toHaveLength(connections.length);
    expect(zeek.rows.filter((r) => r.conn_state === 'REJ' && r['id.resp_h']!.startsWith('72.246.53.')).length).toBeGreaterThan(400);
  });
});
