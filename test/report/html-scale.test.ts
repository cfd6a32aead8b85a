/// <reference lib="dom" />
/**
 * Output that scales to thousands of hosts: on a LAN of 17,710 internal hosts, 40 of
 * them with findings, every format lists the hosts with findings and counts the rest in one table;
 * the HTML report stays under 2 MB and renders in headless Chromium in a few seconds, with long
 * tables collapsed and no script. --all-hosts still gives every host.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalysisResult } from '../../src/analysis/types.js';
import { analyzeRenderers, reportRenderers } from '../../src/report/index.js';
import { haveChromium, launchChromium } from '../support/browser.js';
import { projectRoot } from '../support/corpus.js';
import { AGENTS, MANY_HOSTS, hostAddress, manyHostResult } from './many-hosts.js';

const artifacts = resolve(projectRoot, 'test-artifacts');

const result = manyHostResult();
const plain = { color: false };
const quietHost = hostAddress(MANY_HOSTS - 1);

describe('a network of 17,710 hosts', () => {
  it('is analysed into 40 hosts with findings and the rest counted by what they did', () => {
    expect(result.hosts).toHaveLength(MANY_HOSTS);
    expect(result.quietHosts.count).toBe(MANY_HOSTS - AGENTS);
    expect(result.quietHosts.byActivity.map((r) => r.activity)).toEqual(['via-proxy', 'direct', 'no-attempts']);
    expect(result.quietHosts.byActivity.reduce((n, r) => n + r.hosts, 0)).toBe(MANY_HOSTS - AGENTS);
  });

  it('JSON lists the hosts with findings and counts the others in quietHosts; --all-hosts lists every host', () => {
    const text = analyzeRenderers.json(result, plain);
    const doc = JSON.parse(text) as AnalysisResult;
    expect(doc.hosts).toHaveLength(AGENTS);
    expect(doc.quietHosts).toMatchObject({ count: MANY_HOSTS - AGENTS, listed: false });
    expect(text.length).toBeLessThan(4_000_000);
    const all = JSON.parse(analyzeRenderers.json(result, { ...plain, allHosts: true })) as AnalysisResult;
    expect(all.hosts).toHaveLength(MANY_HOSTS);
    expect(all.quietHosts.listed).toBe(true);
  });

  it('text and Markdown read in one sitting: hosts with findings, then one table of counts', () => {
    for (const render of [analyzeRenderers.text, analyzeRenderers.markdown, reportRenderers.markdown]) {
      const out = render(result, plain);
      expect(out.split('\n').length).toBeLessThan(2_000);
      expect(out).not.toContain(quietHost);
      expect(out).toMatch(/through the proxy[ |]+10,6\d\d/);
      expect(out).toContain('17,670 hosts without findings');
      expect(render(result, { ...plain, allHosts: true })).toContain(quietHost);
    }
  });

  it('HTML stays under 2 MB with the quiet hosts counted, and --all-hosts lists them', () => {
    const html = reportRenderers.html(result, plain);
    expect(html.length).toBeLessThan(2_000_000);
    expect(html).not.toContain(quietHost);
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain(
      `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    );
    expect(reportRenderers.html(result, { ...plain, allHosts: true })).toContain(quietHost);
  });

  it('HTML draws charts for the first 50 hosts with findings only, unless --all-hosts', () => {
    const crowded = manyHostResult({}, 120);
    const flagged = crowded.hosts.filter((x) => x.labels.some((l) => l !== 'via-proxy')).length;
    expect(flagged).toBe(120);
    const html = reportRenderers.html(crowded, plain);
    expect(html.length).toBeLessThan(2_000_000);
    expect(html.match(/id="host-\d+-timeline"/g)).toHaveLength(50);
    // Said once, before the first host drawn without charts.
    const note = 'The hosts below, past the first 50 with findings, are shown without charts';
    expect(html.split(note)).toHaveLength(2);
    expect(html.indexOf(note)).toBeGreaterThan(html.indexOf('id="host-50"'));
    expect(html.indexOf(note)).toBeLessThan(html.indexOf('id="host-51"'));
    expect(reportRenderers.html(crowded, { ...plain, allHosts: true }).match(/id="host-\d+-timeline"/g)!.length).toBe(flagged);
  });
});

describe.skipIf(!haveChromium)('the HTML report of 17,710 hosts in headless Chromium', () => {
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('loads and lays out in a few seconds, long tables collapsed, every host with findings reachable', async () => {
    const file = resolve(artifacts, 'report-many-hosts.html');
    writeFileSync(file, reportRenderers.html(result, plain));
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    const started = Date.now();
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    const elapsed = Date.now() - started;
    console.info(`report of ${MANY_HOSTS} hosts: loaded and laid out in ${elapsed} ms, ${height} px tall`);
    expect(errors).toEqual([]);
    expect(elapsed).toBeLessThan(5_000);
    expect(await page.locator('section.host').count()).toBe(AGENTS);
    expect(await page.locator('nav a').count()).toBe(AGENTS);
    // The flow table and the host list are long: collapsed, and they open.
    const flows = page.locator('#flows details');
    expect(await flows.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(false);
    await flows.locator('summary').click();
    expect(await flows.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(true);
    expect(await page.locator('#other-hosts').textContent()).toContain('through the proxy');
    await page.close();
  });
});
