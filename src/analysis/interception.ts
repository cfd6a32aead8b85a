/**
 * A transparent (intercepting) proxy: a device on the network's way out that answers web
 * connections to the Internet in the servers' stead (a firewall's web filter, a WCCP or policy
 * routed proxy). Its SYN-ACKs give it away the way a firewall's resets do (attribution.ts): every
 * router on the way to a server takes one off a packet's TTL, so a SYN-ACK "from" servers on the
 * Internet that arrives with the TTL a stack starts at (64, 128, 255) was sent on the sniffer's own
 * link — by the device that took the connection over — and it comes back in a LAN's time.
 */
import type { ConnectionList } from '../flows/store.js';
import type { Connection } from '../flows/connection.js';
import type { CidrSet } from './cidr.js';
import { median } from './stats.js';

/** TTLs stacks start their packets at; one seen as it is was sent on the sniffer's own link. */
const STARTING_TTLS = new Set([64, 128, 255]);
/** Distinct servers answered this way, at the least: one host on the link answering for itself is no proxy. */
const MIN_SERVERS = 3;
/** Of the web connections to the Internet answered on one port, the share answered this way. */
const MIN_SHARE = 0.8;
/** A handshake round trip no server on the Internet answers within (milliseconds). */
const LAN_RTT_MS = 2;
/**
 * Answers from the Internet that came through routers (a TTL taken from), at the least: the
 * network does reach farther than its own link. A lab or a generated capture whose "Internet"
 * sits on the sniffer's link answers everything unreduced, and there nothing stands in for the
 * servers.
 */
const MIN_ROUTED = 3;

export interface Interception {
  /** The web ports it answers on, and the TTL its SYN-ACKs carry. */
  ports: number[];
  ttl: number;
  /** Connections and distinct servers it answered for, and the median handshake round trip. */
  connections: number;
  servers: number;
  medianRttMs: number;
}

/** Whether connection `c` was answered on the sniffer's own link: a starting TTL, in a LAN's time. */
const answeredOnLink = (c: Connection): boolean =>
  STARTING_TTLS.has(c.respTtl) && c.handshakeRtt !== null && c.handshakeRtt * 1000 < LAN_RTT_MS;

/** Whether connection `c` was answered the way `proxy` answers: on one of its ports, with its TTL, in a LAN's time. */
export function answersOnLink(proxy: Interception, c: Connection): boolean {
  return proxy.ports.includes(c.respP) && c.respTtl === proxy.ttl && answeredOnLink(c);
}

/**
 * The interception the established web connections to the Internet show, or null: on each web
 * port, most of them (MIN_SHARE) answered from MIN_SERVERS servers or more with one starting TTL
 * and a LAN's round trip (under LAN_RTT_MS), while other answers from the Internet came through
 * routers (MIN_ROUTED).
 */
export function findInterception(connections: ConnectionList, internal: CidrSet, webPorts: readonly number[]): Interception | null {
  const web = new Set(webPorts);
  // Per port: answered connections, and those answered on the link by TTL.
  const byPort = new Map<number, { answered: number; onLink: Map<number, { servers: Set<string>; rtts: number[] }> }>();
  let routed = 0;
  for (let i = 0; i < connections.length; i++) {
    const c = connections.peek(i);
    if (c.respTtl < 0 || internal.hasResp(c)) continue;
    if (!STARTING_TTLS.has(c.respTtl)) routed++;
    if (c.proto !== 'tcp' || !web.has(c.respP) || c.handshakeRtt === null) continue;
    let port = byPort.get(c.respP);
    if (port === undefined) byPort.set(c.respP, (port = { answered: 0, onLink: new Map() }));
    port.answered++;
    if (!answeredOnLink(c)) continue;
    let seen = port.onLink.get(c.respTtl);
    if (seen === undefined) port.onLink.set(c.respTtl, (seen = { servers: new Set(), rtts: [] }));
    seen.servers.add(c.respH);
    seen.rtts.push(c.handshakeRtt * 1000);
  }
  // The ports most of whose web connections one starting TTL answered, the lowest port's TTL first.
  let ttl = -1;
  const ports: number[] = [];
  const servers = new Set<string>();
  const rtts: number[] = [];
  for (const [port, { answered, onLink }] of [...byPort].sort((a, b) => a[0] - b[0])) {
    for (const [t, seen] of onLink) {
      if (seen.servers.size < MIN_SERVERS || seen.rtts.length < MIN_SHARE * answered || (ttl >= 0 && t !== ttl)) continue;
      ttl = t;
      ports.push(port);
      for (const s of seen.servers) servers.add(s);
      rtts.push(...seen.rtts);
    }
  }
  if (ports.length === 0 || routed < MIN_ROUTED) return null;
  return { ports, ttl, connections: rtts.length, servers: servers.size, medianRttMs: Math.round((median(rtts) ?? 0) * 100) / 100 };
}
