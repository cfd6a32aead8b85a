import { describe, expect, it } from 'vitest';
import { reportRenderers } from '../../src/report/index.js';
import { HOSTILE, caseStudyResult, connections, departmentHost, hostileResult } from './fixtures.js';

const plain = { color: false };

describe('report --format html (markup)', () => {
  const html = reportRenderers.html({ ...caseStudyResult(), connections: connections() }, plain);

  it('is one self-contained page: strict CSP, no script, no external resource', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain(
      `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    );
    expect(html).not.toMatch(/<script|<link|<iframe|<object|<embed|@import|url\(/i);
    // the only http(s) URL is the SVG namespace, which is a name, not a fetch
    expect(html.match(/https?:\/\/[^"'\s<]+/g)?.filter((u) => u !== 'http://www.w3.org/2000/svg') ?? []).toEqual([]);
    expect(html).not.toMatch(/\s(src|href)="(?!#)/);
  });

  it('has the summary, a section per host with findings, proxies, reset sources and flows, in order', () => {
    const order = ['id="summary"', 'id="host-1"', 'id="host-2"', 'id="other-hosts"', 'id="proxies"', 'id="reset-sources"', 'id="flows"'];
    const at = order.map((id) => html.indexOf(id));
    for (const i of at) expect(i).toBeGreaterThan(0);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(html).not.toContain('id="host-3"'); // the browsing host has nothing but via-proxy
  });

  it('draws the three charts for the department host, each titled, with marks, axes and a legend', () => {
    const host = html.slice(html.indexOf('id="host-1"'), html.indexOf('id="host-2"'));
    const charts = host.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
    expect(charts).toHaveLength(3);
    for (const svg of charts) {
      expect(svg).toMatch(/role="img" aria-labelledby="[^"]+-title [^"]+-desc"/);
      expect(svg).toMatch(/<title id="[^"]+">[^<]+<\/title>/);
      expect((svg.match(/class="mark"/g) ?? []).length).toBeGreaterThan(0);
      expect(svg).toContain('class="legend"');
      expect(svg).toContain('reset by a middlebox');
    }
    expect(charts[0]).toContain('time of day (UTC)');
    expect(charts[0]).toMatch(/attempts per \d+(\.\d+)? s/);
    expect(charts[1]).toContain('source port');
    expect(charts[2]).toContain('72.246.53.96');
  });

  it('stays small with thousands of attempts: marks are aggregated, not one per attempt', () => {
    const busy = caseStudyResult();
    busy.hosts = [departmentHost('192.168.0.13', 700)]; // 9,800 attempts
    const big = reportRenderers.html(busy, plain);
    const host = big.slice(big.indexOf('id="host-1"'));
    const [timeline, ports] = host.match(/<svg[\s\S]*?<\/svg>/g)!;
    expect((timeline.match(/class="mark"/g) ?? []).length).toBeLessThanOrEqual(260);
    expect((ports!.match(/class="mark"/g) ?? []).length).toBeLessThan(9_800 / 2);
    expect(ports).toMatch(/one mark = up to \d+ attempts/);
    expect(big.length).toBeLessThan(600_000);
  });
});

describe('report --format html with hostile names', () => {
  const html = reportRenderers.html(hostileResult(), plain);

  it('escapes every capture-derived string, in text, attributes and SVG', () => {
    for (const raw of [HOSTILE.script, HOSTILE.img, HOSTILE.attribute]) expect(html).not.toContain(raw);
    expect(html).not.toMatch(/<script|<img|<svg onload/i);
    expect(html).toContain('&lt;script&gt;window.__pwned = 1&lt;/script&gt;');
    expect(html).toContain('&lt;img src=x onerror=&quot;window.__pwned=1&quot;&gt;');
    expect(html).not.toMatch(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]/);
  });
});
