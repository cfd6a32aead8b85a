/**
 * UDP in the analysis (DESIGN.md "Labels": attempts are TCP connections and UDP flows alike):
 * which UDP flows are a host's attempts — those to an external unicast address, except DNS to
 * the network's resolvers and NTP to its time servers, which are ordinary — and which of them are
 * web: QUIC (HTTP/3) on any port, and UDP 443. ICMP echo requests (pings) to any unicast address
 * are attempts too; a traceroute's probes are none.
 */
import type { ConnectionList } from '../flows/store.js';
import type { Connection } from '../flows/connection.js';
import { sideSent } from '../flows/zeek-history.js';
import { ipv4ToNumber } from '../decode/address.js';
import type { CidrSet } from './cidr.js';
import { scratchBuffer, type ScratchBuffer } from '../scratch.js';
import { keyAddress, respKey, type AddressKey } from './address-key.js';
import { closedPort, refusedDatagram, SCAN_PORTS, ScannedPorts } from './scanned.js';

const DNS_PORT = 53;
const QUIC_PORT = 443;
const NTP_PORT = 123;
/** An NTP packet's length without extension fields or a MAC (RFC 5905 §7.3): no client request is shorter. */
const NTP_PACKET_BYTES = 48;

/** Multicast, broadcast or unspecified: not one server that could answer (mDNS, SSDP, DHCP). */
export function notUnicast(address: string): boolean {
  const n = ipv4ToNumber(address);
  if (n >= 0) return n >>> 28 === 0xe || n === 0xffffffff || n === 0;
  const lower = address.toLowerCase();
  return lower.startsWith('ff') || lower === '::';
}

/** Protocols of the local network, never of a server on the Internet: NetBIOS, DHCP, mDNS, LLMNR, SSDP. */
const LAN_PORTS = new Set([67, 68, 137, 138, 546, 547, 1900, 5353, 5355]);

/** The broadcast address of the sender's own /24 (NetBIOS announcements to x.y.z.255). */
function ownBroadcast(orig: string, resp: string): boolean {
  return resp.endsWith('.255') && orig.slice(0, orig.lastIndexOf('.')) === resp.slice(0, resp.lastIndexOf('.'));
}

/** A UDP flow of the local network's own talk (LAN_PORTS, or a broadcast of its sender's /24): no server's to answer. */
export function localTalk(c: Pick<Connection, 'origH' | 'respH' | 'respP'>): boolean {
  return LAN_PORTS.has(c.respP) || ownBroadcast(c.origH, c.respH);
}

/**
 * An ICMP echo request (ping: ICMP type 8, ICMPv6 128) as a connection: Zeek's ICMP "connection"
 * (and callhome's) carries the type as the originator's port, the code as the responder's.
 */
export function isEchoRequest(c: Pick<Connection, 'proto' | 'origP' | 'respH'>): boolean {
  return c.proto === 'icmp' && (c.origP === 8 ? !c.respH.includes(':') : c.origP === 128 && c.respH.includes(':'));
}

/** A QUIC flow: its client's Initial packets decrypted, or a QUIC server answered them. */
export function isQuic(c: Connection): boolean {
  return c.proto === 'udp' && (c.quic !== null || c.service === 'quic');
}

/**
 * A web attempt: TCP on a web port, or carrying a request for a proxy (CONNECT, an absolute URI)
 * to any port — a proxy outside the network the host chose —; QUIC on any port, UDP 443 (HTTP/3).
 */
export function isWebAttempt(c: Connection, webPorts: readonly number[]): boolean {
  if (c.proto === 'tcp') return webPorts.includes(c.respP) || (c.http !== null && c.http.proxyForm !== null);
  return c.proto === 'udp' && (c.respP === QUIC_PORT || isQuic(c));
}

/**
 * Whether a flow's originator sent nothing, by its history (Zeek's letters: the originator's
 * upper case): answers nobody asked for — a DNS reflection's responses arriving at its victim,
 * made the originator by the service port's side (`^d`). Unknown (no history) is not nothing.
 */
function originatorSilent(c: Connection): boolean {
  return c.history !== '' && !sideSent(c.history, true);
}

/**
 * The names a DNS flow's originator asked: every one the flow kept, or its one query name (a
 * Zeek conn.log without callhome's columns names only one); none when it asked nothing (the
 * names are of responses it never asked for).
 */
export function queryNames(c: Connection): readonly string[] {
  if (queryCount(c) === 0) return [];
  if (c.dnsNames.length > 0) return c.dnsNames;
  return [c.dnsQuery!];
}

/** How many names queryNames gives, without making its list. */
export function queryCount(c: Connection): number {
  const n = c.dnsNames.length;
  const names = n > 0 ? n : c.dnsQuery !== null ? 1 : 0;
  return names > 0 && originatorSilent(c) ? 0 : names;
}

/** DNS flows: to port 53, or parsed as DNS. */
export function isDns(c: Connection): boolean {
  return c.respP === DNS_PORT || c.service === 'dns';
}

/**
 * The network's resolvers: addresses that answered DNS in the capture. A query to one of them is
 * ordinary traffic, answered or not (one lost datagram is not a block); a query to a resolver that
 * never answers anybody is an attempt that failed.
 */
export function answeringResolvers(connections: ConnectionList): ReadonlySet<string> {
  // Asked for by several passes over the same connections: found once per list (and its length).
  const known = resolversFound.get(connections);
  if (known !== undefined && known.length === connections.length) return known.resolvers;
  // By key: a day's DNS is millions of flows to a few resolvers, each written as text once.
  const keys = new Set<AddressKey>();
  for (let i = 0; i < connections.length; i++) {
    const c = connections.peek(i);
    if (c.proto === 'udp' && c.respP === DNS_PORT && (c.respPkts > 0 || c.established)) keys.add(respKey(c));
  }
  const resolvers = new Set([...keys].map(keyAddress));
  resolversFound.set(connections, { length: connections.length, resolvers });
  return resolvers;
}

const resolversFound = new WeakMap<ConnectionList, { length: number; resolvers: ReadonlySet<string> }>();

/**
 * An NTP client's flow: UDP to port 123, each datagram at least an NTP packet long when its bytes
 * are counted (a firewall log counts none).
 */
function isNtpRequest(c: Connection): boolean {
  return c.proto === 'udp' && c.respP === NTP_PORT && (c.origBytes === 0 || c.origBytes >= NTP_PACKET_BYTES * c.origPkts);
}

/**
 * The highest TTL a traceroute's probe is sent with (traceroute's and tracert's 30 hops): a
 * packet seen with no more left was sent to expire on the way, one router further each time.
 * Every system starts its own packets at 64, 128 or 255, and a sniffer on the sender's network
 * sees them with one or two taken off.
 */
const TRACE_TTL = 30;

/** Probes of one route, with as many TTLs, a traceroute's at the least (three hops). */
const TRACE_MIN_TTLS = 3;

/** A packet sent to expire on the way: a TTL of at most TRACE_TTL, to a unicast address. */
const lowTtl = (c: Connection): boolean => c.origTtl >= 1 && c.origTtl <= TRACE_TTL && !notUnicast(c.respH);

/**
 * The routes traced in `connections` ("host destination"): TRACE_MIN_TTLS TTLs or more of
 * TRACE_TTL at most from one host to one address, down to 1 or 2 — traceroute's and tracert's
 * probes, one hop further each time — not one TTL that a stack or a tunnel sends all its packets
 * with. Found once per list (and its length).
 */
export function tracedRoutes(connections: ConnectionList): ReadonlySet<string> {
  const known = routesFound.get(connections);
  if (known !== undefined && known.length === connections.length) return known.routes;
  const ttls = new Map<string, Set<number>>();
  for (let i = 0; i < connections.length; i++) {
    const c = connections.peek(i);
    if (!lowTtl(c)) continue;
    const key = `${c.origH} ${c.respH}`;
    let seen = ttls.get(key);
    if (seen === undefined) ttls.set(key, (seen = new Set()));
    seen.add(c.origTtl);
  }
  const routes = new Set<string>();
  // A traceroute starts at TTL 1, and wherever the sniffer is, the probe that expires at the next
  // router passes it with 1 left: a scanner's random TTLs (nmap's 37 to 59) seen far off never
  // come down to it.
  for (const [key, seen] of ttls) if (seen.size >= TRACE_MIN_TTLS && (seen.has(1) || seen.has(2))) routes.add(key);
  routesFound.set(connections, { length: connections.length, routes });
  return routes;
}

const routesFound = new WeakMap<ConnectionList, { length: number; routes: ReadonlySet<string> }>();

/**
 * Whether connection `i` of `connections` is a traceroute's probe (UDP to 33434 and up, TCP
 * SYNs, ICMP echo requests): sent with a TTL that runs out on the way, on a route traced.
 * Peeks at every connection the first time one has a low TTL: read `i`'s fields after it.
 */
export function isTraceProbe(connections: ConnectionList, i: number): boolean {
  const c = connections.peek(i);
  if (!lowTtl(c)) return false;
  const key = `${c.origH} ${c.respH}`;
  return tracedRoutes(connections).has(key);
}

/** Traced routes PassedOver keeps apart, at most. */
const TRACES_KEPT = 1000;

/** Time servers and their clients PassedOver names at most. */
const NAMED = 3;

/**
 * What `analysedConnections` passes over, for the run summary to say: the UDP flows to the
 * Internet that are the network's own service (DNS to its resolvers, NTP to its time servers),
 * and a traceroute's probes.
 */
export class PassedOver {
  /** DNS flows to resolvers outside that are the network's (or that its resolver forwards to). */
  dns = 0;
  /** NTP flows likewise; `upstream` when they are the inside time servers' own. */
  ntp = 0;
  upstream = false;
  private readonly timeClients = new Set<string>();
  private readonly servers = new Map<string, number>();

  /** Traceroute probes (isTraceProbe), and each host's routes traced by destination: probes and the highest TTL. */
  probes = 0;
  private readonly traces = new Map<string, { host: string; destination: string; probes: number; highest: number }>();

  addTrace(host: string, destination: string, ttl: number): void {
    this.probes++;
    const key = `${host} ${destination}`;
    let trace = this.traces.get(key);
    if (trace === undefined && this.traces.size < TRACES_KEPT) this.traces.set(key, (trace = { host, destination, probes: 0, highest: 0 }));
    if (trace === undefined) return;
    trace.probes++;
    if (ttl > trace.highest) trace.highest = ttl;
  }

  /** The routes traced, most probed first. */
  tracedRoutes(): { host: string; destination: string; probes: number; highest: number }[] {
    return [...this.traces.values()].sort((a, b) => b.probes - a.probes || (a.host < b.host ? -1 : a.host > b.host ? 1 : 0));
  }

  addNtp(client: string, server: string, upstream: boolean): void {
    this.ntp++;
    this.upstream = upstream;
    this.timeClients.add(client);
    this.servers.set(server, (this.servers.get(server) ?? 0) + 1);
  }

  /** The hosts that polled them, the first NAMED by address. */
  ntpClients(): string[] {
    return [...this.timeClients].sort().slice(0, NAMED);
  }

  get ntpHosts(): number {
    return this.timeClients.size;
  }

  /** The time servers most asked first (NAMED of them), and how many there were. */
  timeServers(): { servers: string[]; count: number } {
    const servers = [...this.servers].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([s]) => s);
    return { servers: servers.slice(0, NAMED), count: servers.length };
  }
}

/** The time servers that answered NTP in the capture (answeringResolvers for NTP). */
function answeringTimeServers(connections: ConnectionList): ReadonlySet<string> {
  const servers = new Set<string>();
  for (let i = 0; i < connections.length; i++) {
    const c = connections.peek(i);
    if (isNtpRequest(c) && (c.respPkts > 0 || c.established)) servers.add(c.respH);
  }
  return servers;
}

/** The resolvers inside the network (`internal`) that answered DNS in the capture, in order. */
export function insideResolvers(connections: ConnectionList, internal: CidrSet): string[] {
  return [...answeringResolvers(connections)].filter((r) => internal.has(r)).sort();
}

/** A UDP flow inside the network that an ICMP error refused, sent from a higher port to a lower one (refusedDatagram), not DNS. */
function refusedInside(c: Connection): boolean {
  return c.respP !== DNS_PORT && refusedDatagram(c);
}

/** A flow passed over as the LAN's own talk until the ports the host found closed are known (analysedConnections). */
const LAN_TALK = 2;

/** A host and a responder, as the key of the ports the host found closed there (ScannedPorts). */
const pairKey = (c: Connection): string => `${c.origH} ${c.respH}`;

/** Positions of connections that found a port closed kept for scanProbesOfLanTalk; past this, all are read again. */
const CLOSED_KEPT = 1 << 16;

/**
 * The LAN's own talk (`analysed` LAN_TALK) that is a scan's: datagrams of a host to an address
 * where it found SCAN_PORTS ports closed (a UDP scan's probes of a LAN service, or of a port
 * above its source port, answered or not, as much as those refused) are attempts; the rest is
 * passed over. `closedAt`: the positions of the connections that found a port closed
 * (closedPort), few beside a busy network's DNS and LAN talk — or null when there were more than
 * CLOSED_KEPT (a firewall's log of denials), and the connections are read again for the ports
 * closed at the addresses of the LAN talk alone.
 */
function scanProbesOfLanTalk(
  connections: ConnectionList,
  analysed: Uint8Array,
  closedAt: readonly number[] | null,
  /** Whether the LAN talk may be at an address: an internal one, or any when some went outside (localTalk). */
  talkedTo: (c: Connection) => boolean,
): void {
  const scanned = new ScannedPorts();
  if (closedAt !== null) {
    // (Fewer ports found closed in all than a scan's: no scan.)
    if (closedAt.length >= SCAN_PORTS) {
      for (const i of closedAt) {
        const c = connections.peek(i);
        if (talkedTo(c)) scanned.add(pairKey(c), c.respP);
      }
    }
  } else {
    const pending = new Set<string>();
    for (let i = 0; i < connections.length; i++) if (analysed[i] === LAN_TALK) pending.add(pairKey(connections.peek(i)));
    for (let i = 0; i < connections.length; i++) {
      if (isTraceProbe(connections, i)) continue;
      const c = connections.peek(i);
      if (!closedPort(c)) continue;
      const key = pairKey(c);
      if (pending.has(key)) scanned.add(key, c.respP);
    }
  }
  // DNS (and NetBIOS, mDNS names) stays the LAN's own: an attempt at port 53 is read as a query
  // to a resolver outside the network (dnsFacts), which the address is not.
  const scanProbe = (c: Connection): boolean => !isDns(c) && scanned.has(pairKey(c));
  for (let i = 0; i < connections.length; i++) {
    if (analysed[i] === LAN_TALK) analysed[i] = scanned.any && scanProbe(connections.peek(i)) ? 1 : 0;
  }
}

/**
 * Which connections the host analysis reads: every TCP connection, and the UDP flows that are
 * attempts — from and to unicast addresses, the responder external (or internal and refused by
 * an ICMP error), not a local network protocol
 * (NetBIOS, DHCP, mDNS …), not DNS to an answering resolver outside when no resolver inside
 * answers (then the outside one is the network's); with a resolver inside, DNS to one outside
 * goes past it, unless it is that resolver's own (forwarding its clients' questions). NTP
 * likewise: every system keeps its clock by polling a time server on a fixed schedule (chrony
 * and ntpd every 64 s to 17 min, Windows every few hours), and an outside one that answers is the
 * network's time source — not a beacon — unless a time server inside answers and the poller is
 * not that server.
 */
export function analysedConnections(
  connections: ConnectionList,
  internal: CidrSet,
  passedOver: PassedOver | null = null,
): Uint8Array<ScratchBuffer> {
  // In scratch memory: a byte a row, let go once the hosts' rows are found (hosts.ts).
  const analysed = new Uint8Array(scratchBuffer(connections.length));
  let resolvers: ReadonlySet<string> | null = null;
  let inside: boolean | null = null;
  let timeServers: ReadonlySet<string> | null = null;
  let timeInside: boolean | null = null;
  // Flows of the LAN's own talk, a scan's probes if their host found ports closed at their address.
  let lanTalk = false;
  // Some of it to an address outside the network (localTalk: NetBIOS to a host out there).
  let lanTalkOutside = false;
  // Positions of the connections that found a port closed (closedPort), CLOSED_KEPT at most.
  let closedAt: number[] | null = [];
  for (let i = 0; i < connections.length; i++) {
    if (isTraceProbe(connections, i)) {
      const c = connections.peek(i);
      passedOver?.addTrace(c.origH, c.respH, c.origTtl);
      continue;
    }
    let c = connections.peek(i);
    if (closedAt !== null && closedPort(c) && closedAt.push(i) > CLOSED_KEPT) closedAt = null;
    if (c.proto === 'tcp') {
      analysed[i] = 1;
      continue;
    }
    if (c.proto === 'icmp') {
      // A ping is an attempt like a SYN, inside the network or out (a sweep of a subnet, a host
      // pinging a server on a schedule); any other ICMP message is no attempt of its sender's.
      if (isEchoRequest(c) && !notUnicast(c.respH) && !notUnicast(c.origH) && !ownBroadcast(c.origH, c.respH)) analysed[i] = 1;
      continue;
    }
    if (c.proto !== 'udp' || notUnicast(c.respH) || notUnicast(c.origH)) continue;
    // Inside the network, a flow an ICMP error refused is an attempt too — a port tried that was
    // closed (a UDP scan of a LAN host draws one for each port), from a higher port to a lower
    // one (a service's answer to a client gone away, an SSDP reply from port 1900, is none) —;
    // the rest is the LAN's own talk, and DNS to a resolver inside is the network's service —
    // unless the host is scanning the address (scanProbesOfLanTalk, once all are read).
    const toInside = internal.hasResp(c);
    if ((toInside && !refusedInside(c)) || localTalk(c)) {
      analysed[i] = LAN_TALK;
      lanTalk = true;
      if (!toInside) lanTalkOutside = true;
      continue;
    }
    if (c.respP === DNS_PORT) {
      // Read before the resolvers are found: that pass peeks at every connection itself.
      const resolver = c.respH;
      const client = c.origH;
      if (resolvers === null) {
        resolvers = answeringResolvers(connections);
        // That pass moved the view to another row: back to this one, read on below.
        c = connections.peek(i);
      }
      // An outside resolver that answers is the network's own, unless an inside one answers:
      // then asking outside is going past it — except for the inside resolver itself, whose
      // questions outside are its clients' it forwards.
      inside ??= [...resolvers].some((r) => internal.has(r));
      if (resolvers.has(resolver) && (!inside || resolvers.has(client))) {
        if (passedOver !== null) passedOver.dns++;
        continue;
      }
    }
    if (c.respP === NTP_PORT && isNtpRequest(c)) {
      // Read before the time servers are found, as the resolvers above: nothing of the row after.
      const server = c.respH;
      const client = c.origH;
      timeServers ??= answeringTimeServers(connections);
      timeInside ??= [...timeServers].some((t) => internal.has(t));
      // The time server inside keeps its own clock from outside.
      if (timeServers.has(server) && (!timeInside || timeServers.has(client))) {
        passedOver?.addNtp(client, server, timeInside);
        continue;
      }
    }
    analysed[i] = 1;
  }
  if (lanTalk) scanProbesOfLanTalk(connections, analysed, closedAt, (c) => lanTalkOutside || internal.hasResp(c));
  return analysed;
}

/** What a host's DNS attempts (queries to resolvers outside the network that never answer anybody) add up to. */
export interface DnsFacts {
  /** Flows, queries (originator datagrams), and how many flows got an answer. */
  flows: number;
  queries: number;
  answered: number;
  resolvers: string[];
  names: string[];
  first: number;
  last: number;
  /** Times of the queries' bursts (first sends and retries), in order. */
  times: number[];
}

/** The DNS flows among `positions` of a host's connections, or null when there are none. */
export function dnsFacts(conns: ConnectionList, positions: readonly number[]): DnsFacts | null {
  const facts: DnsFacts = { flows: 0, queries: 0, answered: 0, resolvers: [], names: [], first: Infinity, last: -Infinity, times: [] };
  for (const i of positions) {
    const c = conns.peek(i);
    if (c.proto !== 'udp' || !isDns(c) || originatorSilent(c)) continue;
    facts.flows++;
    facts.queries += Math.max(1, c.origPkts);
    if (c.respPkts > 0 || c.established) facts.answered++;
    if (!facts.resolvers.includes(c.respH) && facts.resolvers.length < 10) facts.resolvers.push(c.respH);
    for (const name of queryNames(c)) {
      if (facts.names.length >= 10) break;
      if (!facts.names.includes(name)) facts.names.push(name);
    }
    if (c.ts < facts.first) facts.first = c.ts;
    if (c.lastTs > facts.last) facts.last = c.lastTs;
    if (facts.times.length < 10_000) {
      if (c.requestTimes.length > 0) facts.times.push(...c.requestTimes.slice(0, 10_000 - facts.times.length));
      else facts.times.push(c.ts);
    }
  }
  if (facts.flows === 0) return null;
  facts.times.sort((a, b) => a - b);
  return facts;
}

/**
 * Whether retries back off: the gaps between consecutive queries (a second resolver tried at the
 * same time counts once) mostly grow, as a stub resolver's 1, 2, 4, 8 s.
 */
export function backsOff(times: readonly number[]): boolean {
  const gaps: number[] = [];
  for (let i = 1; i < times.length; i++) {
    const gap = times[i]! - times[i - 1]!;
    if (gap >= 0.5) gaps.push(gap);
  }
  if (gaps.length < 2) return false;
  let growing = 0;
  for (let i = 1; i < gaps.length; i++) if (gaps[i]! >= gaps[i - 1]! * 1.3) growing++;
  return growing >= Math.ceil((gaps.length - 1) / 2) && gaps[gaps.length - 1]! >= 2 * gaps[0]!;
}
