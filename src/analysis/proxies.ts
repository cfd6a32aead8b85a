/**
 * Proxies: given with --proxy, or found in the traffic — clients sending CONNECT or
 * absolute-URI requests to an address:port; a host whose own outbound requests carry
 * Via / X-Forwarded-For (the only trace of a proxy on the firewall's outside); an internal
 * address:port many internal clients reach on a proxy-like port that itself opens web
 * connections to the Internet.
 */
import { asList, type ConnectionList } from '../flows/store.js';
import { addressKey, keyAddress, origKey, respKey, sortedKeyTexts, type AddressKey } from './address-key.js';
import type { Connection } from '../flows/connection.js';
import type { CidrSet } from './cidr.js';
import type { ProxyFinding } from './types.js';
import { cleanText } from './destinations.js';
import { endpoint, plural } from '../quantities.js';
import { sortAddresses } from '../decode/address.js';

/** Ports proxies are commonly configured on (Squid 3128, 8080, 8000, 8888, plain 80). */
export const PROXY_LIKE_PORTS = [3128, 8080, 8000, 8888, 80];
/** Internal clients needed before a busy internal address:port is taken for a proxy. */
const MIN_PROXY_CLIENTS = 3;
/**
 * A proxy nobody is seen using (a tap on the firewall's LAN side sees the proxy go out, not its
 * clients reach it): the one internal host whose web connections get through — to at least
 * SILENT_PROXY_ADDRESSES addresses, SILENT_PROXY_SHARE of its attempts — while at least
 * SILENT_PROXY_REFUSED other hosts try the web directly and never get through.
 */
const SILENT_PROXY_ADDRESSES = 2;
const SILENT_PROXY_SHARE = 0.8;
const SILENT_PROXY_REFUSED = 2;

interface DirectWeb {
  attempts: number;
  established: number;
  addresses: Set<string>;
}

export interface ProxyIndex {
  proxies: ProxyFinding[];
  /**
   * Proxies outside the network that some hosts send their web through while the network's own
   * proxy is inside it (`outsideProxies`): no proxy of the network's, and a connection to one is a
   * direct web attempt past the proxy. Absent when there are none.
   */
  outside?: ProxyFinding[];
  /** Whether a connection to this address:port goes to a proxy. */
  isProxy(address: string, port: number): boolean;
  /** Addresses that are proxies themselves (their direct web connections are expected). */
  proxyAddresses: Set<string>;
}

interface Candidate {
  address: string;
  port: number | null;
  connect: number;
  absolute: number;
  viaHeaders: Set<string>;
  viaRequests: number;
  clients: Set<AddressKey>;
  /** Whether a client inside the network addressed it. */
  inside: boolean;
  /** Proxy-form requests it did not refuse: no answer seen, a success, or 407 (a proxy asking for credentials). */
  accepted: number;
}

/** A proxy-form request the server turned down (400 Bad Request, 403, 405 …), but for a proxy's 407. */
const refusedRequest = (status: number | undefined): boolean => status !== undefined && status >= 400 && status !== 407;

export function findProxies(
  list: readonly Connection[] | ConnectionList,
  internal: CidrSet,
  given: readonly { address: string; port: number | null }[],
  webPorts: readonly number[],
): ProxyIndex {
  const connections = asList(list);
  // In the order found; looked up by address key and port (-1 for none), no text made for a row.
  const candidates = new Set<Candidate>();
  const byKey = new Map<AddressKey, Map<number, Candidate>>();
  const candidate = (at: AddressKey, port: number | null): Candidate => {
    let ports = byKey.get(at);
    if (ports === undefined) byKey.set(at, (ports = new Map<number, Candidate>()));
    let c = ports.get(port ?? -1);
    if (c === undefined) {
      const address = keyAddress(at);
      c = { address, port, connect: 0, absolute: 0, viaHeaders: new Set(), viaRequests: 0, clients: new Set(), inside: false, accepted: 0 };
      ports.set(port ?? -1, c);
      candidates.add(c);
    }
    return c;
  };

  // Busy internal services on proxy-like ports, and who opens outbound web connections.
  const services = new ServiceClients();
  const outboundWeb = new Map<AddressKey, number>();
  const directWeb = new Map<AddressKey, DirectWeb>();
  for (let i = 0; i < connections.length; i++) {
    const c = connections.peek(i);
    if (c.proto !== 'tcp') continue;
    const origInside = internal.hasOrig(c);
    const respInside = internal.hasResp(c);
    const orig = origKey(c);
    if (origInside && !respInside && webPorts.includes(c.respP)) {
      let d = directWeb.get(orig);
      if (d === undefined) directWeb.set(orig, (d = { attempts: 0, established: 0, addresses: new Set() }));
      d.attempts++;
      if (c.established) {
        d.established++;
        if (d.addresses.size < 16) d.addresses.add(c.respH);
      }
    }
    const http = c.http;
    if (http !== null && http.proxyForm !== null) {
      const p = candidate(respKey(c), c.respP);
      if (http.proxyForm === 'connect') p.connect++;
      else p.absolute++;
      p.clients.add(orig);
      if (origInside) p.inside = true;
      if (!refusedRequest(http.status)) p.accepted++;
    }
    if (http !== null && http.viaHeaders.length > 0 && origInside) {
      const p = candidate(orig, null);
      p.viaRequests++;
      for (const h of http.viaHeaders) if (p.viaHeaders.size < 4) p.viaHeaders.add(cleanText(h.split(':')[0]!.trim(), 40));
    }
    if (!c.established) continue;
    if (origInside && respInside && PROXY_LIKE_PORTS.includes(c.respP)) {
      const clients = services.clients(c.respH, c.respP);
      if (clients.size < 1000) clients.add(c.origH);
    }
    if (!respInside && webPorts.includes(c.respP)) outboundWeb.set(orig, (outboundWeb.get(orig) ?? 0) + 1);
  }

  // A proxy found both ways (clients address it; its own requests carry Via) is one proxy:
  // fold the port-less Via finding into the address:port its clients use.
  for (const p of candidates) {
    if (p.port !== null) continue;
    let target: Candidate | undefined;
    for (const q of candidates) {
      if (q.port !== null && q.address === p.address && (target === undefined || q.clients.size > target.clients.size)) target = q;
    }
    if (target === undefined) continue;
    target.viaRequests += p.viaRequests;
    for (const h of p.viaHeaders) if (target.viaHeaders.size < 4) target.viaHeaders.add(h);
    candidates.delete(p);
  }

  const findings: ProxyFinding[] = [];
  const seen = new Set<string>();
  for (const p of candidates) {
    // A server the Internet probes for an open proxy, turning every request down, is no proxy in use.
    if (p.port !== null && !p.inside && p.accepted === 0 && p.viaRequests === 0) continue;
    const where = endpoint(p.address, p.port);
    const parts: string[] = [];
    if (p.connect > 0) parts.push(`${plural(p.connect, 'CONNECT request')}`);
    if (p.absolute > 0) parts.push(`${plural(p.absolute, 'absolute-URI request')}`);
    let evidence = parts.length > 0 ? `${plural(p.clients.size, 'client')} sent ${parts.join(' and ')} to ${where}` : '';
    if (p.viaRequests > 0) {
      evidence += `${evidence ? '; ' : ''}its own outbound requests carry proxy headers (${[...p.viaHeaders].join(', ')}) in ${plural(p.viaRequests, 'request')}`;
    }
    findings.push({
      address: p.address,
      port: p.port,
      source: 'detected',
      evidence,
      clients: sortedKeyTexts(p.clients),
    });
    seen.add(`${p.address}|${p.port ?? '*'}`);
  }
  for (const { address, port, clients } of services.all) {
    const key = `${address}|${port}`;
    if (seen.has(key)) continue;
    const outbound = outboundWeb.get(addressKey(address)) ?? 0;
    const needed = port === 80 ? 2 * MIN_PROXY_CLIENTS : MIN_PROXY_CLIENTS;
    if (clients.size < needed || outbound === 0) continue;
    findings.push({
      address,
      port,
      source: 'detected',
      evidence: `${plural(clients.size, 'internal client')} connect to ${endpoint(address, port)}, a proxy-like port, and ${address} itself opens ${plural(outbound, 'web connection')} to the Internet`,
      clients: sortAddresses(clients),
    });
    seen.add(key);
  }

  if (findings.length === 0 && given.length === 0) {
    const silent = silentProxy(directWeb);
    if (silent !== null) findings.push(silent);
  }

  for (const g of given) {
    const existing = findings.find((f) => f.address === g.address && (g.port === null || f.port === null || f.port === g.port));
    if (existing !== undefined) {
      existing.source = 'given';
      existing.evidence = `given with --proxy; also seen in the traffic: ${existing.evidence}`;
      if (existing.port === null) existing.port = g.port;
      continue;
    }
    findings.push({ address: g.address, port: g.port, source: 'given', evidence: 'given with --proxy', clients: [] });
  }

  const outside = outsideProxies(findings, internal);
  const byAddress = new Map<string, (number | null)[]>();
  for (const f of findings) {
    const ports = byAddress.get(f.address) ?? [];
    ports.push(f.port);
    byAddress.set(f.address, ports);
  }
  const isProxy = (address: string, port: number): boolean => {
    const ports = byAddress.get(address);
    if (ports === undefined) return false;
    for (const p of ports) if (p === null || p === port) return true;
    return false;
  };

  // Clients of every proxy, found or given, from the connections themselves: addresses as keys,
  // a row to no proxy's address passed over by its number, its address's text not written.
  const clientSets = new Map<ProxyFinding, Set<AddressKey>>(findings.map((f) => [f, new Set(f.clients.map(addressKey))]));
  const keys = findings.map((f) => addressKey(f.address));
  const proxyKeys = new Set<AddressKey>(keys);
  for (let i = 0; i < connections.length && findings.length > 0; i++) {
    const c = connections.peek(i);
    if (c.proto !== 'tcp') continue;
    const resp = respKey(c);
    if (!proxyKeys.has(resp)) continue;
    const port = c.respP;
    for (let k = 0; k < findings.length; k++) {
      const f = findings[k]!;
      if (keys[k] === resp && (f.port === null || f.port === port)) {
        const set = clientSets.get(f)!;
        if (set.size < 10_000) set.add(origKey(c));
      }
    }
  }
  for (const f of findings) {
    f.clients = sortedKeyTexts(clientSets.get(f)!).filter((a) => a !== f.address);
    if (f.source === 'given' && f.evidence === 'given with --proxy' && f.clients.length > 0) {
      f.evidence = `given with --proxy; ${plural(f.clients.length, 'client')} seen using it`;
    }
  }
  findings.sort((a, b) => b.clients.length - a.clients.length);
  const index: ProxyIndex = { proxies: findings, isProxy, proxyAddresses: new Set(findings.map((f) => f.address)) };
  if (outside.length > 0) index.outside = outside;
  return index;
}

/**
 * The proxies found outside the network, used by hosts inside it, while one inside it is the
 * network's (found or given), taken out of `findings`: a host that sends CONNECT requests to an
 * address on the Internet while its neighbours use the proxy inside goes past that proxy, through
 * one of its own choosing (an open proxy, a tunnel's). Where every proxy is outside (a cloud
 * proxy the whole network uses), they stay the network's.
 */
function outsideProxies(findings: ProxyFinding[], internal: CidrSet): ProxyFinding[] {
  if (!findings.some((f) => internal.has(f.address))) return [];
  // Used by hosts inside: a global IPv6 host on the proxy's own subnet (outside the default internal
  // networks too) reaching it on its IPv6 address is no host going past it.
  const outside = findings.filter((f) => f.source === 'detected' && !internal.has(f.address) && f.clients.some((c) => internal.has(c)));
  for (const f of outside) findings.splice(findings.indexOf(f), 1);
  return outside;
}

/**
 * The internal clients of each internal address:port, in the order the services were first seen:
 * looked up by address, then port, without making a key of the two for each of a log's rows.
 */
class ServiceClients {
  private readonly byAddress = new Map<string, Map<number, Set<string>>>();
  readonly all: { address: string; port: number; clients: Set<string> }[] = [];

  clients(address: string, port: number): Set<string> {
    let ports = this.byAddress.get(address);
    if (ports === undefined) this.byAddress.set(address, (ports = new Map<number, Set<string>>()));
    let clients = ports.get(port);
    if (clients === undefined) {
      ports.set(port, (clients = new Set()));
      this.all.push({ address, port, clients });
    }
    return clients;
  }
}

/** The proxy a firewall-side tap implies, or null: see SILENT_PROXY_ADDRESSES. */
function silentProxy(directWeb: ReadonlyMap<AddressKey, DirectWeb>): ProxyFinding | null {
  const through: [AddressKey, DirectWeb][] = [];
  let refused = 0;
  for (const [host, d] of directWeb) {
    if (d.established === 0) refused++;
    else if (d.addresses.size >= SILENT_PROXY_ADDRESSES && d.established >= SILENT_PROXY_SHARE * d.attempts) through.push([host, d]);
  }
  if (through.length !== 1 || refused < SILENT_PROXY_REFUSED) return null;
  const [key, d] = through[0]!;
  const address = keyAddress(key);
  return {
    address,
    port: null,
    source: 'detected',
    evidence:
      `no client is seen using a proxy, but ${address} is the only internal host whose web connections mostly get through, to more than one address ` +
      `(${plural(d.established, 'connection')} to ${plural(d.addresses.size, 'address', 'addresses')}${d.addresses.size >= 16 ? ' or more' : ''}) ` +
      `while ${plural(refused, 'other host')} never get through directly: most likely the proxy (or a server allowed out), ` +
      'its clients out of sight of this capture or log',
    clients: [],
  };
}

export function proxyName(p: { address: string; port: number | null }): string {
  return endpoint(p.address, p.port);
}
