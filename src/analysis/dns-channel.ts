/**
 * DNS as a channel, per host: the domains a host carries data under (dns-tunnel.ts) and the names
 * it looks up on a schedule (dns-schedule.ts), from every DNS query it sends — those to the
 * network's own resolver included, which are not attempts and so not among a host's connections.
 * A resolver forwarding its clients' queries is not the channel's end: its clients are.
 */
import type { Connection } from '../flows/connection.js';
import type { ConnectionList } from '../flows/store.js';
import { DnsQueries, MIN_QUERIES, type DnsTunnel } from './dns-tunnel.js';
import { DnsLookups, MIN_LOOKUPS, type DnsSchedule } from './dns-schedule.js';
import { answeringResolvers, queryCount } from './udp.js';
import { machineAddress, type Machines } from './machines.js';
import { keyAddress, origKey, type AddressKey } from './address-key.js';

export interface DnsChannel {
  tunnels: DnsTunnel[];
  schedules: DnsSchedule[];
}

/**
 * Every host's DNS channel (hosts with neither a tunnel nor a schedule left out), and the names
 * whose lookups were judged for a schedule, over every host: series the run weighs the chance of
 * its schedules among, as it weighs those of its connections (schedule.ts `chanceGate`).
 */
export interface DnsChannels {
  byHost: Map<string, DnsChannel>;
  series: number;
  /** Schedule.chance of each periodic name found. */
  chances: number[];
}

/**
 * Queries and lookups below which a host can have neither a tunnel (MIN_QUERIES of one domain)
 * nor a name looked up on a schedule (MIN_LOOKUPS of one name).
 */
const FEWEST_FOR_A_CHANNEL = Math.min(MIN_QUERIES, MIN_LOOKUPS);

/**
 * What a DNS flow can add to its host's queries of one domain (its names, or the queries it
 * counted past them) or to its lookups of one name (its request times, or one): the host's flows
 * together bound its channel (FEWEST_FOR_A_CHANNEL).
 */
function mostAsked(c: Connection, names: number): number {
  return Math.max(names, c.dnsQueries, c.requestTimes.length, 1);
}

/** Each host's DNS tunnels and periodic names (a machine's every address's together); hosts with neither left out. */
export function dnsChannelsByHost(connections: ConnectionList, machines: Machines = new Map()): DnsChannels {
  // Hosts by key (address-key.ts): each DNS flow's originator is not written as text, twice.
  const hostOf = machines.size === 0 ? origKey : (c: Connection): AddressKey => machineAddress(machines, c.origH);
  // Most hosts ask a handful of names: those whose flows together are too few for either are
  // not read into a DnsQueries and a DnsLookups of their own, on a network of thousands of hosts.
  const asked = new Map<AddressKey, number>();
  for (let i = 0; i < connections.length; i++) {
    const c = connections.peek(i);
    const names = queryCount(c);
    if (names === 0) continue;
    const host = hostOf(c);
    asked.set(host, (asked.get(host) ?? 0) + mostAsked(c, names));
  }
  // Each host's DNS flows, then each host's queries and lookups read one host at a time: every
  // host's at once held each host's every name (a day of a campus's DNS: millions of names).
  const byHost = new Map<AddressKey, number[]>();
  for (let i = 0; i < connections.length; i++) {
    const c = connections.peek(i);
    if (queryCount(c) === 0) continue;
    const host = hostOf(c);
    if (asked.get(host)! < FEWEST_FOR_A_CHANNEL) continue;
    const positions = byHost.get(host);
    if (positions === undefined) byHost.set(host, [i]);
    else positions.push(i);
  }
  const out: DnsChannels = { byHost: new Map(), series: 0, chances: [] };
  if (byHost.size === 0) return out;
  const resolvers = answeringResolvers(connections);
  for (const [key, positions] of byHost) {
    const host = keyAddress(key);
    if (resolvers.has(host)) continue;
    const queries = new DnsQueries();
    const lookups = new DnsLookups();
    for (const i of positions) {
      const c = connections.peek(i);
      queries.add(c);
      lookups.add(c);
    }
    const tunnels = queries.tunnels();
    // A tunnel's names are not lookups of one name; names under a tunnel's zone are its data.
    const schedules = lookups.schedules().filter((s) => !tunnels.some((t) => s.name.endsWith(`.${t.domain}`)));
    out.series += lookups.judged;
    for (const s of schedules) if (s.schedule.chance !== undefined) out.chances.push(s.schedule.chance);
    if (tunnels.length > 0 || schedules.length > 0) out.byHost.set(host, { tunnels, schedules });
  }
  return out;
}
