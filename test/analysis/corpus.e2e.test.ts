/** Verdicts on real captures of the shared corpus, as an analyst would read them. */
import { describe, expect, it } from 'vitest';
import { loadCaptures } from '../../src/index.js';
import { analyzeConnections, type AnalysisResult } from '../../src/analysis/index.js';
import { corpusPath } from '../support/corpus.js';
import { options } from './support.js';

async function analyse(file: string): Promise<AnalysisResult> {
  const loaded = await loadCaptures([corpusPath(file)]);
  return analyzeConnections(loaded.connections, loaded.captures, options());
}

describe('corpus verdicts', () => {
  it('synscan: a scanner, not a flood', async () => {
    const r = await analyse('beacon/synscan.pcapng');
    const h = r.hosts[0]!;
    expect(h.labels).toContain('scanner');
    expect(h.labels).not.toContain('flood');
    expect(h.labels).not.toContain('periodic');
    expect(h.verdict).toMatch(/^A scan: 1,000 ports on 64\.13\.134\.52 probed in/);
    // The open ports answered with SYN-ACKs: the closed ports' resets match them.
    expect(r.resetSources.every((s) => s.attribution === 'endpoint')).toBe(true);
  });

  it.each([
    ['beacon/caldera-C2-over-http.pcap', '10.11.54.37', /one request every (3\d|4\d) s/],
    ['beacon/mythic-athena-C2-over-http.pcap', '10.11.54.67', /one request every (8|9)(\.\d)? s/],
  ])('%s: a periodic beacon on one connection', async (file, server, period) => {
    const h = (await analyse(file)).hosts[0]!;
    expect(h.labels).toEqual(['periodic']);
    expect(h.verdict).toMatch(/^A periodic beacon that gets through — worth investigating/);
    expect(h.verdict).toMatch(period);
    expect(h.verdict).toContain(`on one long-lived connection to ${server}`);
    expect(h.groups[0]!.schedule.basis).toBe('requests in one connection');
  });

  it('nowebaccess2: a Windows host sends its refused SYN again after each reset: one attempt, attribution unknown', async () => {
    const r = await analyse('beacon/nowebaccess2.pcapng');
    // Three SYNs of one sequence number, half a second apart, each answered by a reset.
    expect(r.hosts[0]!.verdict).toMatch(
      /^Refused connection attempts: 1 attempt to 172\.16\.0\.102:80, its SYN sent again after each reset \(3 SYNs in all, as Windows does\)/,
    );
    expect(r.resetSources).toMatchObject([{ attribution: 'unknown', resets: 3, remoteAddresses: 1 }]);
    expect(r.hosts[0]!.labels).toEqual([]);
  });

  it('tcp_refuseconnection: one refused attempt, attribution unknown and why', async () => {
    const r = await analyse('beacon/tcp_refuseconnection.pcapng');
    expect(r.resetSources).toMatchObject([{ attribution: 'unknown', resets: 1 }]);
    expect(r.resetSources[0]!.evidence).toMatch(/^thin evidence/);
    expect(r.hosts[0]!.verdict).toMatch(
      /^Refused connection attempts: 1 attempt to 192\.168\.100\.1:80, refused by someone we cannot tell/,
    );
  });

  it("nowebaccess3: SYNs in the capture's last second are cut off, not called unanswered", async () => {
    const r = await analyse('beacon/nowebaccess3.pcapng');
    expect(r.hosts[0]!.verdict).toMatch(/^Connection attempt cut off by the end of the capture: 1 attempt had no answer/);
    expect(r.hosts[0]!.labels).not.toContain('blocked');
    expect(r.resetSources).toEqual([]);
  });

  it('cryptowall4: three check-ins are too few to call a schedule', async () => {
    const h = (await analyse('beacon/cryptowall4_c2.pcapng')).hosts[0]!;
    expect(h.labels).toEqual([]);
    expect(h.groups[0]!.schedule.evidence).toMatch(/too few/);
  });
});
