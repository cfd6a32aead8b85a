/**
 * End to end on the case study's two captures, generated in memory with the project's own
 * generator: read → decode → track → analyse, compared with the generator's parameters.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCaptures } from '../../src/index.js';
import { analyzeConnections, compareAnalyses, type AnalysisResult } from '../../src/analysis/index.js';
import { CONSULTANT, DEPARTMENT, FIREWALL, PROXY, generateConsultantLaptop, generateDepartmentHost } from '../../src/synth/casestudy.js';
import { options } from './support.js';

async function analyse(generated: { file: string; pcap: Buffer }): Promise<AnalysisResult> {
  const loaded = await loadCaptures([{ name: generated.file, bytes: generated.pcap }]);
  return analyzeConnections(loaded.connections, loaded.captures, options());
}

describe('the case study, end to end', () => {
  let department: AnalysisResult;
  let consultant: AnalysisResult;
  beforeAll(async () => {
    department = await analyse(generateDepartmentHost());
    consultant = await analyse(generateConsultantLaptop());
  });

  it.each([
    ['department host', () => department, DEPARTMENT.host],
    ['consultant laptop', () => consultant, CONSULTANT.host],
  ])('%s: finds the proxy and the firewall as the reset source', (_name, result, host) => {
    const r = result();
    expect(r.proxies[0]).toMatchObject({ address: PROXY.ip, port: PROXY.port, source: 'detected', clients: [host] });
    expect(r.resetSources[0]).toMatchObject({ attribution: 'middlebox', ttl: FIREWALL.ttl, kind: 'rst', hosts: [host] });
    expect(r.resetSources[0]!.medianRttMs).toBeGreaterThanOrEqual(FIREWALL.resetDelayMs[0]);
    expect(r.resetSources[0]!.medianRttMs).toBeLessThanOrEqual(FIREWALL.resetDelayMs[1]);
    expect(r.resetSources.filter((s) => s.attribution !== 'middlebox')).toEqual([]);
    expect(r.hosts[0]!.address).toBe(host);
    expect(r.hosts[0]!.labels).toEqual(expect.arrayContaining(['proxy-bypass', 'blocked', 'periodic', 'via-proxy']));
    expect(r.hosts[0]!.labels).not.toContain('flood');
    expect(r.summary.join(' ')).toMatch(
      /Not a DDoS: the blocked host makes at most one attempt every 1\d s on average \((1 attempt\/s|one attempt every 2 s) inside a burst\), spread over up to (15|8) addresses of one destination/,
    );
  });

  it('department host: LiveUpdate in bursts of 14 every 31 s to one /24, named by DNS', () => {
    const lu = DEPARTMENT.liveUpdate;
    const h = department.hosts[0]!;
    const g = h.groups.find((x) => x.destination === lu.name)!;
    expect(g).toBeDefined();
    expect(g.groupedBy).toBe('dns');
    expect(g.names).toEqual(expect.arrayContaining([lu.name, ...lu.cnames]));
    expect(g.netblocks).toEqual([lu.network]);
    expect(g.addresses).toBe(lu.addressPool.length);
    expect(g.resets.middlebox).toBe(g.attempts);
    expect(g.schedule).toMatchObject({ periodic: true, burstSize: lu.burstSize, sequentialPorts: true });
    expect(Math.abs(g.schedule.periodSeconds! - lu.periodSeconds) / lu.periodSeconds).toBeLessThan(0.05);
    expect(Math.abs(g.schedule.cycleSeconds! - lu.cycleSeconds) / lu.cycleSeconds).toBeLessThan(0.05);
    expect(h.verdict).toMatch(
      /^An update agent \(or similar software\) that ignores the proxy 192\.168\.0\.2:8080, not a DDoS participant: bursts of 14 attempts \(1 attempt\/s\) every 31 s/,
    );
    expect(h.verdict).toContain('15 addresses in one /24 (a CDN) for liveupdate.symantecliveupdate.com');
    expect(h.verdict).toContain('every attempt reset by a device with no router in between (TTL 255');
    expect(h.verdict).toMatch(/both through the proxy .* and directly/);
    // Where its direct attempts went, counted over all of them.
    const direct = h.attempts.filter((a) => a.port === 80).length;
    expect(h.evidence).toContain(
      `proxy-bypass: ${direct} direct attempts to ${lu.addressPool.length} external addresses in 1 netblock on port 80 while the proxy 192.168.0.2:8080 is in use`,
    );
    expect(h.verdict).toContain(`spread over ${lu.addressPool.length} addresses on a regular retry schedule`);
  });

  it("department host: the firewall log's burst is in the attempts, ports rising from 2486", () => {
    const anchor = DEPARTMENT.liveUpdate.anchor;
    const attempts = department.hosts[0]!.attempts.filter((a) => a.ts >= anchor.burstStart - 0.5 && a.ts < anchor.burstStart + 14);
    expect(attempts.map((a) => a.address)).toEqual(anchor.destinations);
    expect(attempts[0]!.sourcePort).toBe(anchor.firstPort);
    expect(attempts.every((a) => a.outcome === 'reset-middlebox')).toBe(true);
  });

  it('consultant laptop: AVG in bursts of 5 every ~60 s, Windows Update every ~5 min', () => {
    const h = consultant.hosts[0]!;
    const avg = h.groups.find((x) => x.destination === CONSULTANT.avg.name)!;
    expect(avg.schedule).toMatchObject({ periodic: true, burstSize: CONSULTANT.avg.burstSize, sequentialPorts: true });
    expect(Math.abs(avg.schedule.periodSeconds! - CONSULTANT.avg.periodSeconds) / CONSULTANT.avg.periodSeconds).toBeLessThan(0.05);
    expect(avg.netblocks).toEqual([CONSULTANT.avg.network]);
    const wu = CONSULTANT.windowsUpdate;
    const https = h.groups.find((x) => x.destination === wu.https.name)!;
    // Dropped, not reset: one attempt per round however many SYNs.
    expect(https.unanswered).toBe(https.attempts);
    expect(https.schedule).toMatchObject({ periodic: true, burstSize: 1 });
    expect(Math.abs(https.schedule.periodSeconds! - wu.roundSeconds) / wu.roundSeconds).toBeLessThan(0.05);
    expect(h.evidence.find((e) => e.startsWith('blocked:'))).toMatch(/never answered/);
    // AVG's /24 over HTTP and Windows Update's over both ports.
    expect(h.evidence.find((e) => e.startsWith('proxy-bypass:'))).toMatch(
      /^proxy-bypass: \d+ direct attempts to \d+ external addresses in [2-9] netblocks on port 80, 443 while the proxy/,
    );
  });

  it('compare: same firewall and proxy, different vendors and schedules', () => {
    const result = compareAnalyses([department, consultant], [DEPARTMENT.file, CONSULTANT.file]);
    expect(result.conclusion).toBe(
      'Both hosts (192.168.0.13 in department-host.pcap, 192.168.0.57 in consultant-laptop.pcap) run an update agent that ignores the proxy and is blocked; ' +
        'different vendors: liveupdate.symantecliveupdate.com vs update.grisoft.com; ' +
        'different schedules (31 s vs 1 min); both reset by the same firewall (TTL 255, ' +
        `${result.conclusion.match(/TTL 255, ([\d.]+ ms)/)![1]}).`,
    );
    expect(result.shared.map((b) => b.behaviour)).toEqual(['proxy-bypass', 'reset source (TTL and delay)', 'proxy']);
    const schedule = result.different.find((b) => b.behaviour.startsWith('schedule'))!;
    expect(schedule.perCapture).toEqual([
      'bursts of 14 attempts (1 attempt/s) every 31 s, sequential source ports',
      'bursts of 5 attempts (one attempt every 2 s) every 1 min, sequential source ports',
    ]);
  });

  it('department host captured 64 bytes a frame: the CDN said by its netblock, the bursts and the firewall as before', async () => {
    // As `tcpdump -s 64` writes it: every frame cut to 64 bytes, its length on the wire kept.
    const { file, pcap } = generateDepartmentHost();
    const parts: Buffer[] = [Buffer.from(pcap.subarray(0, 24))];
    parts[0]!.writeUInt32LE(64, 16);
    for (let at = 24; at + 16 <= pcap.length;) {
      const length = pcap.readUInt32LE(at + 8);
      const kept = Math.min(length, 64);
      const record = Buffer.from(pcap.subarray(at, at + 16 + kept));
      record.writeUInt32LE(kept, 8);
      parts.push(record);
      at += 16 + length;
    }
    const cut = await analyse({ file, pcap: Buffer.concat(parts) });
    const h = cut.hosts.find((x) => x.address === DEPARTMENT.host)!;
    expect(h.labels).toEqual(department.hosts.find((x) => x.address === DEPARTMENT.host)!.labels);
    // No DNS answer survived the cut: the addresses are said by their /24, once.
    expect(h.verdict).toContain(`15 addresses in ${DEPARTMENT.liveUpdate.network} (a CDN), sequential source ports`);
    expect(h.verdict).toContain('bursts of 14 attempts (1 attempt/s) every 31 s');
    expect(cut.resetSources[0]).toMatchObject({ attribution: 'middlebox', ttl: FIREWALL.ttl, resets: department.resetSources[0]!.resets });
  });
});
