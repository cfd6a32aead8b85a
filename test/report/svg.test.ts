import { describe, expect, it } from 'vitest';
import { reportRenderers } from '../../src/report/index.js';
import { el, niceTicks, timeTicks } from '../../src/report/svg.js';
import { START, caseStudyResult, departmentHost } from './fixtures.js';

describe('svg helpers', () => {
  it.each([
    [0, 9, 4, false, [0, 5]],
    [0, 9, 4, true, [0, 5, 10]],
    [0, 1, 4, true, [0, 1]],
    [0, 546, 5, true, [0, 200, 400, 600]],
    [1148, 1606, 4, false, [1200, 1400, 1600]],
  ])('niceTicks(%d, %d, %d, cover=%s)', (min, max, wanted, cover, expected) => {
    expect(niceTicks(min, max, wanted, cover)).toEqual(expected);
  });

  it('labels a time axis as UTC time of day at whole steps', () => {
    const ticks = timeTicks(START + 10, START + 7200, 6);
    expect(ticks.map((t) => t.label)).toEqual(['13:30', '14:00', '14:30', '15:00']);
    expect(timeTicks(START, START + 3, 6)[1]!.label).toMatch(/^\+\d/);
  });

  it('labels an axis of a dmesg without -T as hours since the kernel booted, days when it spans them', () => {
    expect(timeTicks(240, 810, 6, 'boot').map((t) => t.label)).toEqual(['0:04', '0:06', '0:08', '0:10', '0:12']);
    expect(timeTicks(3600 + 10, 3600 + 70, 6, 'boot')[1]!.label).toBe('1:00:20');
    expect(timeTicks(86400 * 2, 86400 * 5, 6, 'boot').map((t) => t.label)).toEqual([
      '2 d 00:00',
      '2 d 12:00',
      '3 d 00:00',
      '3 d 12:00',
      '4 d 00:00',
      '4 d 12:00',
      '5 d 00:00',
    ]);
  });

  it('escapes attribute values and drops unset ones', () => {
    expect(el('text', { x: 1.234, title: '"><script>', hidden: null }, 'a')).toBe(
      '<text x="1.23" title="&quot;&gt;&lt;script&gt;">a</text>',
    );
  });
});

describe('charts at the edges', () => {
  it.each([1, 2, 14])('draw %i attempt(s) without NaN or Infinity', (n) => {
    const result = caseStudyResult();
    const host = departmentHost();
    host.attempts = host.attempts.filter((a) => a.outcome === 'reset-middlebox').slice(0, n);
    result.hosts = [host];
    const html = reportRenderers.html(result, { color: false });
    const charts = html.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
    expect(charts.length).toBeGreaterThanOrEqual(2);
    expect(html).not.toMatch(/NaN|Infinity|undefined/);
    for (const svg of charts) expect(svg).toContain('class="mark"');
  });

  it('a host whose attempts were thinned to a sample gives the true total and says marks show a sample', () => {
    const result = caseStudyResult();
    const host = departmentHost();
    const kept = host.attempts.length;
    host.attemptsOmitted = 1_000_000;
    result.hosts = [host];
    const html = reportRenderers.html(result, { color: false });
    const total = (kept + 1_000_000).toLocaleString('en-US');
    const charts = html.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
    expect(charts.length).toBeGreaterThanOrEqual(2);
    for (const svg of charts.slice(0, 2)) {
      expect(svg).toContain(`${total} attempts`);
      expect(svg).not.toMatch(new RegExp(`(^|[^\\d,])${kept} attempts`));
      expect(svg).toMatch(/sample/);
    }
  });
});
