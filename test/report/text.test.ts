import { describe, expect, it } from 'vitest';
import type { HostFinding } from '../../src/analysis/types.js';
import { analyzeRenderers, compareRenderers, infoRenderers, reportRenderers } from '../../src/report/index.js';
import { HOSTILE, caseStudyResult, compareResult, hostileResult } from './fixtures.js';

const SGR = /\x1b\[[0-9;]*m/g;

describe('analyze --format text', () => {
  const text = analyzeRenderers.text(caseStudyResult(), { color: false, width: 100 });

  it('opens with a one-screen summary: captures, the summary sentences, the counts', () => {
    const head = text.split('\n').slice(0, 12).join('\n');
    expect(head).toMatch(/^callhome: 1 capture, 4,212 packets, 2006-11-17 13:00:00Z → 13:18:5\dZ/);
    expect(head).toContain('• 192.168.0.13 keeps calling 72.246.53.0/24');
    expect(head).toContain('3 internal hosts, 2 with findings; 1 proxy; 2 reset sources');
  });

  it('lists hosts in the order given (by score), each with labels, verdict and destination numbers', () => {
    const department = text.indexOf('192.168.0.13 [proxy-bypass] [blocked] [periodic] [via-proxy]');
    const scanner = text.indexOf('192.168.0.50 [scanner]');
    expect(department).toBeGreaterThan(0);
    expect(scanner).toBeGreaterThan(department);
    const block = text.slice(department, scanner);
    expect(block).toContain('▸ 72.246.53.0/24 (netblock) port 80 — 15 addresses');
    expect(block).toContain('names: liveupdate.symantecliveupdate.com');
    expect(block).toContain('504 attempts: 0 established, 504 reset (504 by a middlebox)');
    expect(block).toMatch(/schedule: bursts of 14 attempts \(1\.2 attempts\/s\) every 32 s \(jitter ±2%\), sequential source\s+ports/);
  });

  it('counts the hosts without findings by what they did, and lists each only with --all-hosts', () => {
    expect(text.slice(0, text.indexOf('\nProxies\n'))).not.toContain('192.168.0.21');
    const other = text.slice(text.indexOf('\nOther hosts\n'));
    expect(other).toMatch(/without findings\s+hosts\s+connections\s+attempts\s+failed/);
    expect(other).toMatch(/through the proxy\s+1\s+\d+/);
    expect(other).toContain('1 host without findings (--all-hosts lists each host).');
    const all = analyzeRenderers.text(caseStudyResult(), { color: false, width: 100, allHosts: true });
    expect(all.indexOf('192.168.0.21 [via-proxy]')).toBeGreaterThan(all.indexOf('192.168.0.50 [scanner]'));
  });

  it('sets the hosts apart from the counts by a blank line when no host has findings', () => {
    const result = caseStudyResult();
    const quiet = analyzeRenderers.text(
      { ...result, hosts: [], quietHosts: { ...result.quietHosts, count: 3 } },
      { color: false, width: 100 },
    );
    const lines = quiet.split('\n');
    const hosts = lines.indexOf('Hosts');
    expect(lines[hosts - 2]).toMatch(/^3 internal hosts, 0 with findings/);
    expect(lines[hosts - 1]).toBe('');
    expect(lines[hosts + 1]).toMatch(/without findings\s+hosts\s+connections/);
  });

  it("names an IPv6 reset source's hop limit, not a TTL", () => {
    const result = caseStudyResult();
    const v6 = result.resetSources.map((r) => ({ ...r, addressList: r.addressList.map((_, k) => `2001:db8:100:1::${k + 1}`) }));
    const shown = analyzeRenderers.text({ ...result, resetSources: v6 }, { color: false, width: 100 });
    const resets = shown.slice(shown.indexOf('\nReset sources\n'));
    expect(resets).toContain('middlebox: 504 resets with hop limit 255 (no router in between) for 15 addresses');
  });

  it('ends with the proxies and the reset sources', () => {
    const proxies = text.indexOf('\nProxies\n');
    const resets = text.indexOf('\nReset sources\n');
    expect(proxies).toBeGreaterThan(text.indexOf('\nOther hosts\n'));
    expect(resets).toBeGreaterThan(proxies);
    expect(text.slice(proxies)).toContain('192.168.0.2:8080 (detected)');
    expect(text.slice(resets)).toContain('middlebox: 504 resets with TTL 255 (no router in between) for 15 addresses, median RTT 0.4 ms');
  });

  it.each([60, 80, 100])('wraps to %i columns', (width) => {
    const wrapped = analyzeRenderers.text(caseStudyResult(), { color: false, width });
    for (const line of wrapped.split('\n')) {
      const longestWord = Math.max(
        ...line
          .trim()
          .split(/\s+/)
          .map((w) => [...w].length),
      );
      if ([...line].length > width) expect(longestWord, line).toBeGreaterThan(width / 3);
    }
  });

  it('colours labels only when asked', () => {
    expect(text).not.toContain('\x1b');
    const coloured = analyzeRenderers.text(caseStudyResult(), { color: true, width: 100 });
    expect(coloured).toContain('\x1b[31mproxy-bypass\x1b[39m');
    expect(coloured).toContain('\x1b[32mvia-proxy\x1b[39m');
    expect(coloured.replace(SGR, '')).not.toContain('\x1b');
  });

  it('says so when nothing was found', () => {
    const empty = { ...caseStudyResult(), hosts: [] as HostFinding[], summary: [], proxies: [], resetSources: [] };
    expect(analyzeRenderers.text(empty, { color: false })).toContain('Nothing calling home was found.');
  });
});

describe("a machine's other addresses", () => {
  const machine = caseStudyResult();
  const host = machine.hosts[0]!;
  host.otherAddresses = ['2001:db8:0:1:a1b2:c3d4:e5f6:1', '2001:db8:0:1::13'];
  host.mac = '52:54:00:aa:00:13';

  it('are listed under its host, with its network card, in the text, Markdown and HTML reports', () => {
    const text = analyzeRenderers.text(machine, { color: false, width: 200 });
    expect(text).toContain(`also sent from: 2001:db8:0:1:a1b2:c3d4:e5f6:1, 2001:db8:0:1::13 (network card 52:54:00:aa:00:13)`);
    expect(analyzeRenderers.markdown(machine, { color: false })).toContain(
      '**Also sent from:** 2001:db8:0:1:a1b2:c3d4:e5f6:1, 2001:db8:0:1::13 · network card 52:54:00:aa:00:13',
    );
    expect(reportRenderers.html(machine, { color: false })).toContain(
      '<p><strong>Also sent from:</strong> <span class="mono">2001:db8:0:1:a1b2:c3d4:e5f6:1</span>, <span class="mono">2001:db8:0:1::13</span> · network card <span class="mono">52:54:00:aa:00:13</span></p>',
    );
  });

  it('are not said for a host of one address', () => {
    expect(analyzeRenderers.text(caseStudyResult(), { color: false, width: 200 })).not.toContain('also sent from');
  });
});

describe('terminal output of hostile names', () => {
  it.each([false, true])('strips escape sequences, BEL, CR and C1 controls (color %s)', (color) => {
    const text = analyzeRenderers.text(hostileResult(), { color, width: 100 });
    const withoutOurColours = text.replace(SGR, '');
    expect(withoutOurColours).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/);
    expect(withoutOurColours).toContain('evilname');
    expect(withoutOurColours).toContain(HOSTILE.script);
  });
});

describe('info', () => {
  const captures = caseStudyResult().captures;
  it('text: one block per capture with format, link type, counts and times', () => {
    const text = infoRenderers.text(captures, { color: false, width: 100 });
    expect(text).toContain('captures/department-host.pcap');
    expect(text).toMatch(/format\s+pcap \(microsecond, little-endian\)/);
    expect(text).toMatch(/link type\s+1 \(Ethernet\)/);
    expect(text).toMatch(/packets\s+4,212 \(304 KiB\)/);
    expect(text).toMatch(/time\s+2006-11-17 13:00:00Z → 13:18:5\dZ \(18 min 5\d s\)/);
  });
  it('json: {"version":1,"captures":[...]}', () => {
    const doc: unknown = JSON.parse(infoRenderers.json(captures, { color: false }));
    expect(doc).toEqual({ version: 1, captures });
  });
});

describe('compare --format text', () => {
  it('shows shared, then differing behaviour with each capture’s numbers, then the conclusion', () => {
    const text = compareRenderers.text(compareResult(), { color: false, width: 100 });
    const shared = text.indexOf('Shared behaviour');
    const different = text.indexOf('Different behaviour');
    const conclusion = text.indexOf('Conclusion');
    expect(shared).toBeGreaterThan(0);
    expect(different).toBeGreaterThan(shared);
    expect(conclusion).toBeGreaterThan(different);
    expect(text.slice(different)).toContain('captures/department-host.pcap: bursts of 14 every 32 s');
    expect(text.slice(different)).toContain('captures/consultant-laptop.pcap: bursts of 6 every 20 s');
  });
});
