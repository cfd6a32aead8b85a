/**
 * DNS as a channel, per host: the domains a host carries data under (dns-tunnel.ts) and the names
 * it looks up on a schedule (dns-schedule.ts), from every DNS query it sends — those to the
 * network's own resolver included, which are not attempts and so not among a host's connections.
 * A resolver forwarding its clients' queries is not the channel's end: its clients are.
 */
import type { ConnectionList } from '../flows/store.js';
import { DnsQueries, type DnsTunnel } from './dns-tunnel.js';
import { DnsLookups, type DnsSchedule } from './dns-schedule.js';
import { answeringResolvers, queryNames } from './udp.js';

export interface DnsChannel {
  tunnels: DnsTunnel[];
  schedules: DnsSchedule[];
}

/** Each host's DNS tunnels and periodic names; hosts with neither left out. */
export function dnsChannelsByHost(connections: ConnectionList): Map<string, DnsChannel> {
  const byHost = new Map<string, { queries: DnsQueries; lookups: DnsLookups }>();
  for (let i = 0; i < connections.length; i++) {
    const c = connections.peek(i);
    if (queryNames(c).length === 0) continue;
    let q = byHost.get(c.origH);
    if (q === undefined) byHost.set(c.origH, (q = { queries: new DnsQueries(), lookups: new DnsLookups() }));
    q.queries.add(c);
    q.lookups.add(c);
  }
  const out = new Map<string, DnsChannel>();
  if (byHost.size === 0) return out;
  const resolvers = answeringResolvers(connections);
  for (const [host, q] of byHost) {
    if (resolvers.has(host)) continue;
    const tunnels = q.queries.tunnels();
    // A tunnel's names are not lookups of one name; names under a tunnel's zone are its data.
    const schedules = q.lookups.schedules().filter((s) => !tunnels.some((t) => s.name.endsWith(`.${t.domain}`)));
    if (tunnels.length > 0 || schedules.length > 0) out.set(host, { tunnels, schedules });
  }
  return out;
}
