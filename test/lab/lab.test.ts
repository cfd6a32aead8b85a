/**
 * callhome on captures of real Linux stacks (`npm run lab`, see test/lab/README.md): kernels'
 * TCP, iptables REJECT and DROP, tinyproxy, dnsmasq, routers and a delayed WAN. Each capture
 * comes with the truth the lab knows by construction; every assertion is written from that
 * truth, never from callhome's output. The lab itself needs root and is never run here: these
 * tests read the committed files.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { callhome } from '../cli/support.js';
import { projectRoot } from '../support/corpus.js';

interface Schedule {
  kind: 'update-agent' | 'beacon' | 'udp-beacon' | 'ping';
  host: string;
  name?: string;
  address?: string;
  port: number;
  burstSize: number;
  periodSeconds: number;
  observed?: { addresses: string[] };
}

interface Truth {
  scenario: string;
  capture: { file: string };
  /** The network's proxy, where the capture holds its traffic. */
  proxy?: { address: string; port: number; portVisibleInCapture: boolean };
  /** Every proxy the clients in the capture use, where there is more than one (an IPv4 and an IPv6 address). */
  proxies?: { address: string; port: number }[];
  /** The site's networks, for --internal, where the defaults do not cover them (global IPv6). */
  internal?: string[];
  hosts: { address: string; labels: string[] }[];
  /** Machines of several addresses (one namespace's IPv4 and IPv6 on one card), named by their IPv4 address. */
  machines?: { address: string; others: string[] }[];
  notInCapture?: { address: string }[];
  schedules: Schedule[];
  resetSources: { address: string; attribution: 'middlebox' | 'endpoint' }[];
  /** ICMP and ICMPv6 "unreachable" refusals: who sent them, for which Internet addresses. */
  icmpRefusals?: { sender: string; attribution: 'middlebox' | 'endpoint'; addresses: string[] }[];
  /** Names looked up on a schedule, and DNS tunnels: the host's program, by construction. */
  dnsSchedules?: { host: string; name: string; periodSeconds: number }[];
  dnsTunnels?: { host: string; zone: string; queries: number }[];
  /** Connections the firewall reset on the name their ClientHello (sni) or request (http) asked for. */
  filteredByName?: { host: string; name: string; by: 'sni' | 'http' }[];
}

interface Analysis {
  proxies: { address: string; port: number | null }[];
  resetSources: { attribution: string; kind: string; senders: string[]; addressList: string[] }[];
  summary: string[];
  hosts: {
    address: string;
    otherAddresses?: string[];
    labels: string[];
    evidence: string[];
    verdict: string;
    groups: {
      destination: string;
      names: string[];
      addressList: string[];
      ports: number[];
      schedule: { periodSeconds: number | null; burstSize: number | null };
    }[];
    dnsSchedules?: { name: string; schedule: { periodic: boolean; periodSeconds: number | null } }[];
    dnsTunnels?: { domain: string; queries: number }[];
  }[];
}

/** The committed captures, or a fresh run's (`sudo npm run lab -- --out DIR`, then `CALLHOME_LAB=DIR npx vitest run test/lab`). */
const LAB = process.env.CALLHOME_LAB !== undefined ? resolve(process.env.CALLHOME_LAB) : resolve(projectRoot, 'test/lab');
const truths: Truth[] = readdirSync(LAB)
  .filter((f) => f.endsWith('.truth.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(resolve(LAB, f), 'utf8')) as Truth);

function check(name: string, fn: () => void): void {
  it(name, fn);
}

const sorted = (labels: string[]): string[] => [...labels].sort();

/** Who sends each address's resets, by construction (one address can have both). */
function resetSenders(truth: Truth): Map<string, string> {
  const senders = new Map<string, string[]>();
  for (const r of truth.resetSources) senders.set(r.address, [...(senders.get(r.address) ?? []), r.attribution]);
  return new Map([...senders].map(([a, list]) => [a, [...new Set(list)].sort().join('+')]));
}

/** The addresses grouped by /24 and by who resets them, one assertion a group. */
function resetGroups(truth: Truth): { title: string; senders: string; addresses: string[] }[] {
  const groups = new Map<string, { title: string; senders: string; addresses: string[] }>();
  for (const [address, senders] of resetSenders(truth)) {
    const block = address.includes(':') ? address.replace(/::[0-9a-f]+$/, '::/64') : address.split('.').slice(0, 3).join('.') + '.0/24';
    const key = `${block} ${senders}`;
    const g = groups.get(key) ?? { title: '', senders, addresses: [] };
    g.addresses.push(address);
    g.title = g.addresses.length === 1 ? address : `${block} (${g.addresses.length} addresses)`;
    groups.set(key, g);
  }
  return [...groups.values()];
}

function scheduleTarget(s: Schedule): string {
  const at = s.address?.includes(':') ? `[${s.address}]` : s.address;
  return `${s.host} → ${s.name ?? (s.kind === 'ping' ? `ping ${at}` : `${at}:${s.port}`)}`;
}

for (const truth of truths) {
  describe(`lab: ${truth.scenario}`, () => {
    let result: Analysis;
    // Every host, labelled or not: the truth names the ones that only use the proxy too.
    beforeAll(async () => {
      const internal = truth.internal ? ['--internal', truth.internal.join(',')] : [];
      const run = await callhome(['analyze', '--format', 'json', '--all-hosts', ...internal, resolve(LAB, truth.capture.file)]);
      expect(run.code).toBe(0);
      result = JSON.parse(run.stdout) as Analysis;
    });

    // A machine's host is found by any of its addresses.
    const host = (address: string) => result.hosts.find((h) => h.address === address || h.otherAddresses?.includes(address));
    const prefix = `${truth.scenario} › `;

    for (const expected of truth.hosts) {
      check(`${prefix}${expected.address} is labelled ${JSON.stringify(expected.labels)}`, () => {
        expect(sorted(host(expected.address)?.labels ?? [])).toEqual(expected.labels);
      });
    }

    check(`${prefix}no other host is labelled`, () => {
      const known = new Set(truth.hosts.map((h) => h.address));
      const others = result.hosts
        .filter((h) => !known.has(h.address) && h.labels.length > 0)
        .map((h) => `${h.address} ${h.labels.join(',')}`);
      expect(others).toEqual([]);
    });

    for (const m of truth.machines ?? []) {
      check(`${prefix}${m.address} and ${m.others.join(', ')} are one machine, one host`, () => {
        expect([...(result.hosts.find((h) => h.address === m.address)?.otherAddresses ?? [])].sort()).toEqual([...m.others].sort());
        for (const other of m.others) expect(result.hosts.find((h) => h.address === other)).toBeUndefined();
      });
    }

    if (truth.internal?.some((n) => n.includes(':')) && truth.machines !== undefined) {
      it(`${prefix}without --internal, the LAN's IPv6 network is found from its machines' cards, with the same labels`, async () => {
        const run = await callhome(['analyze', '--format', 'json', '--all-hosts', resolve(LAB, truth.capture.file)]);
        const alone = JSON.parse(run.stdout) as Analysis;
        const v6 = truth.internal!.filter((n) => n.includes(':'));
        expect(alone.summary[0]).toContain(
          `Internal networks besides the private ranges: ${v6.join(', ')}, the IPv6 network of machines on the sniffer's link`,
        );
        const labelled = (a: Analysis) => Object.fromEntries(a.hosts.map((h) => [h.address, sorted(h.labels)]));
        expect(labelled(alone)).toEqual(labelled(result));
      });
    }

    for (const s of truth.schedules) {
      const addresses = s.observed?.addresses ?? (s.address ? [s.address] : []);
      // A ping's group has no port (ICMP).
      // A beacon's name is its TLS server name: one address may serve several, each a group.
      const group = () =>
        host(s.host)?.groups.find(
          (g) =>
            (s.kind === 'ping' || g.ports.includes(s.port)) &&
            g.addressList.some((a) => addresses.includes(a)) &&
            (s.kind !== 'beacon' || s.name === undefined || g.destination === s.name || g.names.includes(s.name)),
        );

      check(`${prefix}${scheduleTarget(s)} repeats every ${s.periodSeconds} s (within 5 %)`, () => {
        const period = group()?.schedule.periodSeconds ?? null;
        expect(period, 'no period found').not.toBeNull();
        expect(Math.abs(period! - s.periodSeconds) / s.periodSeconds).toBeLessThan(0.05);
      });

      if (s.kind === 'update-agent') {
        check(`${prefix}${scheduleTarget(s)} comes in bursts of ${s.burstSize}`, () => {
          expect(group()?.schedule.burstSize ?? null).toBe(s.burstSize);
        });
      }
    }

    for (const d of truth.dnsSchedules ?? []) {
      check(`${prefix}${d.host} looks up ${d.name} every ${d.periodSeconds} s (within 5 %)`, () => {
        const line = host(d.host)?.evidence.find((e) => e.startsWith(`periodic: DNS lookups of ${d.name}:`)) ?? '';
        const seconds = /one lookup every (\d+(?:\.\d+)?) s/.exec(line)?.[1];
        expect(seconds, `no schedule for ${d.name}`).toBeDefined();
        expect(Math.abs(Number(seconds) - d.periodSeconds) / d.periodSeconds).toBeLessThan(0.05);
        // The JSON's own fields say the same: the name, and the period a machine reads.
        const lookups = host(d.host)?.dnsSchedules?.find((x) => x.name === d.name);
        expect(lookups?.schedule.periodic).toBe(true);
        expect(Math.abs(lookups!.schedule.periodSeconds! - d.periodSeconds) / d.periodSeconds).toBeLessThan(0.05);
      });
    }

    for (const t of truth.dnsTunnels ?? []) {
      check(`${prefix}${t.host} carries data in DNS under ${t.zone}: ${t.queries} queries`, () => {
        const line = host(t.host)?.evidence.find((e) => e.startsWith('dns-tunnel:')) ?? '';
        expect(line).toContain(`${t.queries} queries under ${t.zone}`);
        expect(host(t.host)?.dnsTunnels?.find((x) => x.domain === t.zone)?.queries).toBe(t.queries);
      });
    }

    for (const g of resetGroups(truth)) {
      check(`${prefix}resets from ${g.title} are sent by the ${g.senders.replace('+', ' and the ')}`, () => {
        const said = Object.fromEntries(
          g.addresses.map((a) => [
            a,
            [...new Set(result.resetSources.filter((r) => r.addressList.includes(a)).map((r) => r.attribution))].sort().join('+') || 'none',
          ]),
        );
        expect(said).toEqual(Object.fromEntries(g.addresses.map((a) => [a, g.senders])));
      });
    }

    for (const f of truth.filteredByName ?? []) {
      const what = f.by === 'sni' ? 'TLS ClientHello' : 'HTTP request';
      check(`${prefix}${f.host}'s connections naming ${f.name} are reset by the firewall on the name`, () => {
        expect(host(f.host)?.verdict).toContain(`as soon as its ${what} named the site (${f.by === 'sni' ? 'SNI' : 'URL'} filtering)`);
        expect(host(f.host)?.evidence.find((e) => e.startsWith('resets:'))).toContain(`right after the client's ${what} named ${f.name}:`);
        expect(result.summary.join('\n')).toContain(
          `as soon as the client's ${what} named the site (${f.by === 'sni' ? 'SNI' : 'URL'} filtering)`,
        );
      });
    }

    for (const r of truth.icmpRefusals ?? []) {
      check(`${prefix}ICMP refusals for ${r.addresses.length} addresses are sent by ${r.sender}, the ${r.attribution}`, () => {
        const found = result.resetSources.filter((s) => s.kind === 'icmp' && s.senders.includes(r.sender));
        expect(found.map((s) => s.attribution)).toEqual([r.attribution]);
        expect([...found[0]!.addressList].sort()).toEqual(r.addresses);
      });
    }

    const proxy = truth.proxy;
    if (proxy !== undefined) {
      const proxyName = proxy.portVisibleInCapture ? `${proxy.address}:${proxy.port}` : proxy.address;
      check(`${prefix}finds the proxy ${proxyName}`, () => {
        const found = result.proxies.filter((p) => p.address === proxy.address);
        expect(found.length).toBeGreaterThan(0);
        if (proxy.portVisibleInCapture) expect(found.map((p) => p.port)).toContain(proxy.port);
      });
    } else {
      check(`${prefix}finds no proxy: nothing in the capture uses one`, () => {
        expect(result.proxies).toEqual([]);
      });
    }

    for (const p of (truth.proxies ?? []).filter((q) => q.address !== truth.proxy?.address)) {
      check(`${prefix}finds the proxy ${p.address.includes(':') ? `[${p.address}]` : p.address}:${p.port}`, () => {
        expect(result.proxies.filter((q) => q.address === p.address).map((q) => q.port)).toContain(p.port);
      });
    }

    for (const absent of truth.notInCapture ?? []) {
      check(`${prefix}${absent.address} is not in the capture, so not in the report`, () => {
        expect(host(absent.address)).toBeUndefined();
      });
    }
  });
}

it('the lab captures are here', () => {
  expect(truths.map((t) => t.scenario).sort()).toEqual([
    'dual-stack',
    'far-end-resets',
    'firewall-tap',
    'jittered-pauses',
    'pings',
    'privacy-addresses',
    'proxy-host',
    'shared-address',
    'sni-filter',
    'three-bursts',
    'udp-channels',
  ]);
});
