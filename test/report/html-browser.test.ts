/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The HTML report in a real browser (Debian's headless Chromium): it renders without console
 * errors, fetches nothing, shows every chart with marks, axes and legend, and runs none of the
 * script that hostile names carry. Skipped, saying why, only when Chromium is not installed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportRenderers } from '../../src/report/index.js';
import { CHROMIUM, haveChromium, launchChromium } from '../support/browser.js';
import { projectRoot } from '../support/corpus.js';
import { HOSTILE, caseStudyResult, hostileResult } from './fixtures.js';
import { departmentReport } from './real.js';

if (!haveChromium) console.warn(`html-browser tests skipped: ${CHROMIUM} is not installed (apt-get install -y chromium)`);

const artifacts = resolve(projectRoot, 'test-artifacts');

interface Loaded {
  page: Page;
  consoleErrors: string[];
  requests: string[];
}

describe.skipIf(!haveChromium)('HTML report in headless Chromium', () => {
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
  });

  /** Opens the page from a file:// URL and records console errors and every request but the page itself. */
  async function open(html: string, name: string): Promise<Loaded> {
    const file = resolve(artifacts, name);
    writeFileSync(file, html);
    const url = pathToFileURL(file).href;
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const consoleErrors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    page.on('request', (r) => {
      if (r.url() !== url) requests.push(r.url());
    });
    await page.goto(url, { waitUntil: 'load' });
    return { page, consoleErrors, requests };
  }

  it('notices a request when a page makes one (the listener works)', async () => {
    const { page, requests } = await open('<!DOCTYPE html><img src="missing-image.png">', 'request-control.html');
    expect(requests.some((u) => u.endsWith('missing-image.png'))).toBe(true);
    await page.close();
  });

  it('renders the case-study report with its charts, no errors and no requests', async () => {
    // Read from a deep folder: a file's path is one long word the page must still fit.
    const read = await departmentReport();
    const deep = `/srv/evidence/${'case20061117department/'.repeat(6)}captures/departmenthost.pcap`;
    const report = { ...read, captures: read.captures.map((c) => ({ ...c, file: deep })) };
    const { page, consoleErrors, requests } = await open(reportRenderers.html(report, { color: false }), 'report.html');
    expect(consoleErrors).toEqual([]);
    expect(requests).toEqual([]);

    const charts = await page.$$eval('svg.chart', (svgs) =>
      svgs.map((svg) => ({
        id: svg.id,
        title: svg.querySelector('title')?.textContent ?? '',
        marks: svg.querySelectorAll('.mark').length,
        axes: [...svg.querySelectorAll('.axis text')].map((t) => t.textContent ?? ''),
        legend: [...svg.querySelectorAll('.legend text')].map((t) => t.textContent ?? ''),
        width: svg.getBoundingClientRect().width,
      })),
    );
    const host = report.hosts.findIndex((x) => x.labels.includes('proxy-bypass'));
    expect(host).toBeGreaterThanOrEqual(0);
    const prefix = `host-${host + 1}-`;
    const kinds = charts.filter((c) => c.id.startsWith(prefix)).map((c) => c.id.slice(prefix.length));
    expect(kinds).toEqual(expect.arrayContaining(['timeline', 'ports', 'group-1']));
    for (const c of charts) {
      expect(c.marks, c.id).toBeGreaterThan(0);
      expect(c.legend.length, c.id).toBeGreaterThan(0);
      expect(c.width, c.id).toBeGreaterThan(300);
    }
    const timeline = charts.find((c) => c.id === `${prefix}timeline`)!;
    expect(timeline.axes).toEqual(expect.arrayContaining(['time of day (UTC)']));
    expect(timeline.axes.some((t) => /^attempts per /.test(t))).toBe(true);
    expect(timeline.axes.some((t) => /^\d\d:\d\d$/.test(t))).toBe(true);
    expect(timeline.legend).toContain('reset by a middlebox');
    const ports = charts.find((c) => c.id === `${prefix}ports`)!;
    expect(ports.axes).toContain('source port');
    expect(ports.axes.some((t) => /^\d{3,5}$/.test(t))).toBe(true);
    const bars = charts.find((c) => c.id === `${prefix}group-1`)!;
    expect(bars.axes).toContain('attempts');
    expect(bars.axes.some((t) => /^\d+\.\d+\.\d+\.\d+$/.test(t))).toBe(true);

    // the page is no wider than the window: nothing runs off the side
    const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(scrollWidth).toBeLessThanOrEqual(1100);
    await page.screenshot({ path: resolve(artifacts, 'report.png'), fullPage: true });
    await page.close();
  });

  it('runs nothing that hostile names carry, and shows them literally', async () => {
    const { page, consoleErrors, requests } = await open(reportRenderers.html(hostileResult(), { color: false }), 'report-hostile.html');
    expect(await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(requests).toEqual([]);
    expect(consoleErrors).toEqual([]);
    expect(await page.locator('script, img, svg[onload], [onerror]').count()).toBe(0);
    const body = (await page.textContent('body')) ?? '';
    for (const text of [HOSTILE.script, HOSTILE.img, HOSTILE.attribute, HOSTILE.quotes]) expect(body).toContain(text);
    const chartTitles = await page.$$eval('svg.chart title', (ts) => ts.map((t) => t.textContent ?? ''));
    expect(chartTitles.some((t) => t.includes(HOSTILE.img))).toBe(true);
    await page.close();
  });

  it('renders the hand-built case study too (no capture needed)', async () => {
    const { page, consoleErrors, requests } = await open(reportRenderers.html(caseStudyResult(), { color: false }), 'report-fixture.html');
    expect(consoleErrors).toEqual([]);
    expect(requests).toEqual([]);
    expect(await page.locator('svg.chart').count()).toBe(6);
    await page.close();
  });
});
