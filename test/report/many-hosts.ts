/**
 * A busy LAN of the size analysts bring (17,710 internal hosts on a 1 GiB capture), built from the
 * analysis test helpers instead of a GiB capture: most hosts browse through the proxy, many make
 * ordinary direct connections (mail, ssh), some only show connections already open, and a few
 * dozen are what a reader needs to see — update agents turned away on a schedule, a scanner.
 */
import { analyzeConnections, type AnalysisResult, type AnalyzeOptions } from '../../src/analysis/index.js';
import type { Connection } from '../../src/flows/connection.js';
import { block, connection, http, options, random, session, updateAgent } from '../analysis/support.js';
import { capture } from './fixtures.js';

export const MANY_HOSTS = 17_710;
/** Update agents turned away, and one scanner: the hosts with findings. */
export const AGENTS = 40;
const PROXY = '10.0.0.2';
const START = Date.UTC(2024, 2, 4, 8, 0, 0) / 1000;
const DAY = 8 * 3600;

/** The i-th internal host: 10.1.0.1, 10.1.0.2, … */
export function hostAddress(i: number): string {
  return `10.${1 + Math.floor(i / 65_024)}.${Math.floor((i % 65_024) / 254)}.${(i % 254) + 1}`;
}

const SITES = ['www.example.com', 'news.example.org', 'mail.example.net', 'cdn.example.com', 'docs.example.org', 'intranet.example.com'];

/** The LAN's connections, with `agents` hosts with findings (the last of them a scanner). */
export function manyHostConnections(agents = AGENTS): Connection[] {
  const rnd = random(14);
  const out: Connection[] = [];
  for (let i = agents; i < MANY_HOSTS; i++) {
    const host = hostAddress(i);
    const kind = i % 10;
    if (kind < 6) {
      // browsing through the proxy
      for (let k = 0; k < 3; k++) {
        const site = SITES[Math.floor(rnd() * SITES.length)]!;
        out.push(
          session(host, PROXY, 8080, START + rnd() * DAY, { http: http({ target: `http://${site}/`, proxyForm: 'absolute', host: site }) }),
        );
      }
    } else if (kind < 9) {
      // ordinary direct connections: IMAPS and ssh to a few servers
      for (let k = 0; k < 2; k++)
        out.push(session(host, `198.51.100.${1 + Math.floor(rnd() * 20)}`, k === 0 ? 993 : 22, START + rnd() * DAY));
    } else {
      // a connection already open when the capture started (no SYN seen)
      const ts = START + rnd() * 60;
      out.push(
        connection({
          origH: host,
          respH: '198.51.100.30',
          respP: 5222,
          ts,
          lastTs: ts + 600,
          synCount: 0,
          history: 'DdA',
          connState: 'OTH',
          established: true,
          origPkts: 20,
          respPkts: 20,
        }),
      );
    }
  }
  const cdn = block('203.0.113', 15);
  for (let i = 0; i < agents - 1; i++) {
    out.push(
      ...updateAgent(hostAddress(i), {
        start: START + i * 7,
        bursts: 40,
        burstSize: 6,
        period: 300,
        addresses: cdn,
        firstPort: 2_000 + i * 500,
        seed: i,
      }),
    );
  }
  // one scanner: 300 ports of one server
  const scanner = hostAddress(agents - 1);
  for (let p = 1; p <= 300; p++)
    out.push(
      connection({
        origH: scanner,
        respH: '10.9.9.9',
        respP: p,
        ts: START + 100 + p * 0.01,
        lastTs: START + 100 + p * 0.01 + 0.001,
        connState: 'REJ',
        history: 'Sr',
        respPkts: 1,
      }),
    );
  return out.sort((a, b) => a.ts - b.ts);
}

export function manyHostResult(extra: Partial<AnalyzeOptions> = {}, agents = AGENTS): AnalysisResult {
  const connections = manyHostConnections(agents);
  return analyzeConnections(
    connections,
    [capture('busy-lan.pcap', connections.length * 8, START, START + DAY)],
    options({ proxies: [{ address: PROXY, port: 8080 }], ...extra }),
  );
}
