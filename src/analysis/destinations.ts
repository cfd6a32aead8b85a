/**
 * Destinations: group a host's connections by the DNS name it resolved (CNAME chains kept),
 * else the HTTP Host or TLS SNI it sent, else the organisation from the user's --orgs file,
 * else the /24 (/48). Names that resolve into one /24 belong together (a CDN rotating
 * addresses), so their groups are merged, with the addresses of the /24 that no name tells;
 * names the connections sent (Host, SNI) of other registered domains on those addresses stay
 * apart (groups.ts, joinInBlock).
 */
import { getDomain } from 'tldts';
import { respV4, type ConnectionList } from '../flows/store.js';
import type { Connection, DnsAnswer } from '../flows/connection.js';
import { CidrSet, isCidr, netblockOf, respNetblock } from './cidr.js';
import type { DestinationGroup } from './types.js';
import { endpoint } from '../quantities.js';
import { machineAddress, type Machines } from './machines.js';

export interface OrgRow {
  cidr: string;
  organisation: string;
}

/** Capture text is hostile: no control characters, bounded length, lower case for names. */
export function cleanText(text: string, max = 253): string {
  const cleaned = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, '');
  return cleaned.length > max ? `${cleaned.slice(0, max)}…` : cleaned;
}

export function cleanName(name: string): string {
  return cleanText(name.trim().toLowerCase().replace(/\.$/, ''));
}

function cleanNameOnce(cleaned: Map<string, string>, raw: string): string {
  let name = cleaned.get(raw);
  if (name === undefined) {
    name = cleanName(raw);
    if (cleaned.size < 100_000) cleaned.set(raw, name);
  }
  return name;
}

/** Host header / CONNECT target without the port. */
export function hostWithoutPort(host: string): string {
  const h = host.trim();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end > 0 ? h.slice(1, end) : h;
  }
  const colon = h.indexOf(':');
  return colon >= 0 && h.indexOf(':', colon + 1) < 0 ? h.slice(0, colon) : h;
}

/** One CSV field list, with "quoted, fields" allowed. */
function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      fields.push(field);
      field = '';
    } else field += ch;
  }
  fields.push(field);
  return fields.map((f) => f.trim());
}

/**
 * Rows of a `CIDR,organisation` file. Blank lines and `#` comments are skipped, as is a
 * header row whose first field is not an address. A bad row throws naming file and line.
 */
export function parseOrgsCsv(text: string, file: string): OrgRow[] {
  const rows: OrgRow[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = splitCsvLine(line);
    const cidr = fields[0] ?? '';
    const organisation = fields.slice(1).join(',').trim();
    if (rows.length === 0 && !/[0-9]/.test(cidr) && /^[a-z _-]+$/i.test(cidr)) continue; // header
    if (!isCidr(cidr)) {
      throw new Error(`${file}:${i + 1}: ${JSON.stringify(cidr.slice(0, 60))} is not a CIDR (expected "CIDR,organisation")`);
    }
    if (organisation === '') throw new Error(`${file}:${i + 1}: no organisation after ${cidr} (expected "CIDR,organisation")`);
    rows.push({ cidr, organisation: cleanText(organisation, 200) });
  }
  return rows;
}

export class OrgTable {
  private readonly set: CidrSet;
  constructor(private readonly rows: readonly OrgRow[]) {
    this.set = new CidrSet(rows.map((r) => r.cidr));
  }
  /** Whether the table names no network (no --orgs). */
  get empty(): boolean {
    return this.rows.length === 0;
  }

  lookup(address: string): string | null {
    if (this.rows.length === 0) return null;
    const i = this.set.lookup(address);
    return i < 0 ? null : this.rows[i]!.organisation;
  }
}

export interface ResolvedName {
  /** The name the host asked for. */
  name: string;
  /** The name and its CNAME chain, in order. */
  chain: string[];
}

/** Names kept for one address that answers gave for several (NameBook.shared), and netblocks for one name (NameBook.blocks). */
const MAX_SHARED_NAMES = 64;

/** Names and CNAME chains NameBook keeps one object for, at most (then each answer makes its own). */
const RESOLVED_KEPT = 1 << 20;
/**
 * Sites whose names lead to one CNAME target before it is a front many customers share: a vendor
 * puts two or so of its domains on one property, a shared CDN name serves any number.
 */
export const SHARED_FRONT_SITES = 3;

/**
 * Address → the name a host resolved to reach it, from the DNS answers in the captures: an entry
 * for each host and address it resolved (and each address for any host), all of one name and
 * chain sharing one ResolvedName — a day's queries are millions, of far fewer names.
 */
export class NameBook {
  /** Asking host → address → name: nested maps, so a lookup builds no key string. */
  private readonly perHost = new Map<string, Map<string, ResolvedName>>();
  private readonly global = new Map<string, ResolvedName>();
  /** Each name asked for that an answer gave addresses → its chain (the last such answer's). */
  private readonly byQuery = new Map<string, ResolvedName>();
  /** Address → every name asked for that answers gave it, where more than one did (one CDN address, many sites). */
  private readonly shared = new Map<string, string[]>();
  /** Name asked for → the netblocks (/24, /48) of the addresses answers gave it (the first few). */
  private readonly blocks = new Map<string, string[]>();
  /** A CNAME chain's later name → the sites (registered domains) of the names asked for that lead to it, up to SHARED_FRONT_SITES. */
  private readonly fronts = new Map<string, string[]>();

  /** `resolved` names `address` from here on, for every host: the names it had before are kept in `shared`. */
  private answered(address: string, resolved: ResolvedName): void {
    this.byQuery.set(resolved.name, resolved);
    const before = this.global.get(address);
    // The same answer again (a day's lookups of one name): nothing new to keep.
    if (before === resolved) return;
    if (before !== undefined && before.name !== resolved.name) {
      let names = this.shared.get(address);
      if (names === undefined) this.shared.set(address, (names = [before.name]));
      if (names.length < MAX_SHARED_NAMES && !names.includes(resolved.name)) names.push(resolved.name);
    }
    this.global.set(address, resolved);
    const block = netblockOf(address);
    const blocks = this.blocks.get(resolved.name);
    if (blocks === undefined) this.blocks.set(resolved.name, [block]);
    else if (blocks.length < MAX_SHARED_NAMES && !blocks.includes(block)) blocks.push(block);
  }

  /** The names after the first of `chain` are led to by the first's site (`fronts`). */
  private ledTo(chain: readonly string[]): void {
    let site: string | null = null;
    for (let i = 1; i < chain.length; i++) {
      const sites = this.fronts.get(chain[i]!);
      if (sites !== undefined && sites.length >= SHARED_FRONT_SITES) continue;
      site ??= registeredDomain(chain[0]!);
      if (sites === undefined) this.fronts.set(chain[i]!, [site]);
      else if (!sites.includes(site)) sites.push(site);
    }
  }

  /** `machines`: a machine's names are those any of its addresses resolved (machines.ts). */
  constructor(connections: ConnectionList, machines: Machines = new Map()) {
    // Raw name → cleanName: the same names come back in query after query.
    const cleaned = new Map<string, string>();
    const resolvedOnce = new Map<string, ResolvedName>();
    for (let i = 0; i < connections.length; i++) {
      const c = connections.peek(i);
      if (c.dnsQuery === null || c.dnsAnswers.length === 0) continue;
      const query = cleanNameOnce(cleaned, c.dnsQuery);
      let cnames: Map<string, string> | null = null;
      for (const a of c.dnsAnswers) {
        if (a.type === 'CNAME') (cnames ??= new Map()).set(cleanNameOnce(cleaned, a.name), cleanNameOnce(cleaned, a.value));
      }
      const host = machineAddress(machines, c.origH);
      let mine = this.perHost.get(host);
      if (mine === undefined) this.perHost.set(host, (mine = new Map<string, ResolvedName>()));
      if (cnames === null) {
        // No CNAME (most answers): the chain is the query, and no list is made for the answer.
        let resolved = resolvedOnce.get(query);
        if (resolved === undefined) {
          resolved = { name: query, chain: [query] };
          if (resolvedOnce.size < RESOLVED_KEPT) resolvedOnce.set(query, resolved);
        }
        let matching = false;
        for (const a of c.dnsAnswers) {
          if (a.type !== 'CNAME' && cleanNameOnce(cleaned, a.name) === query) {
            matching = true;
            break;
          }
        }
        for (const a of c.dnsAnswers) {
          if (a.type === 'CNAME' || (matching && cleanNameOnce(cleaned, a.name) !== query)) continue;
          mine.set(a.value, resolved);
          this.answered(a.value, resolved);
        }
        continue;
      }
      const chain = [query];
      for (let next = cnames.get(query); next !== undefined && !chain.includes(next) && chain.length < 16; next = cnames.get(next))
        chain.push(next);
      const addresses: DnsAnswer[] = [];
      const matching: DnsAnswer[] = [];
      for (const a of c.dnsAnswers) {
        if (a.type === 'CNAME') continue;
        addresses.push(a);
        // The chain holds at most 16 names: a scan beats building a set per answer.
        if (chain.includes(cleanNameOnce(cleaned, a.name))) matching.push(a);
      }
      // One object for each name and chain: a host's every address of a name points at it.
      const chainKey = chain.length === 1 ? query : chain.join('\n');
      let resolved = resolvedOnce.get(chainKey);
      if (resolved === undefined) {
        resolved = { name: query, chain };
        if (resolvedOnce.size < RESOLVED_KEPT) resolvedOnce.set(chainKey, resolved);
        this.ledTo(chain);
      }
      for (const a of matching.length > 0 ? matching : addresses) {
        const address = a.value;
        // The asking host is the DNS originator; later answers win (addresses get reused).
        mine.set(address, resolved);
        this.answered(address, resolved);
      }
    }
    // A host's entry that names its address as the last answer to anyone did says nothing `global` does not.
    for (const [host, mine] of this.perHost) {
      for (const [address, resolved] of mine) if (this.global.get(address) === resolved) mine.delete(address);
      if (mine.size === 0) this.perHost.delete(host);
    }
  }

  lookup(host: string, address: string): ResolvedName | null {
    return this.perHost.get(host)?.get(address) ?? this.global.get(address) ?? null;
  }

  /** The names one host resolved, for lookups in a loop over that host's connections. */
  forHost(host: string): HostNames {
    return new HostNames(this.perHost.get(host), this.global, this.byQuery, this.shared, this.blocks, this.fronts);
  }
}

export class HostNames {
  constructor(
    private readonly mine: Map<string, ResolvedName> | undefined,
    private readonly global: Map<string, ResolvedName>,
    private readonly byQuery: Map<string, ResolvedName>,
    private readonly shared: Map<string, string[]>,
    private readonly blocks: Map<string, string[]>,
    private readonly fronts: Map<string, string[]>,
  ) {}

  /**
   * Whether CNAME chains from names of SHARED_FRONT_SITES sites or more lead to `name` (any host's
   * answers): a CDN's name its customers share (Fastly's `dualstack.j.sni.global.fastly.net`), not
   * one property of one vendor's (two of its domains meeting at one Akamai name).
   */
  sharedFront(name: string): boolean {
    return (this.fronts.get(name)?.length ?? 0) >= SHARED_FRONT_SITES;
  }

  lookup(address: string): ResolvedName | null {
    return this.mine?.get(address) ?? this.global.get(address) ?? null;
  }

  /** The chain of `name` (cleaned) where an answer gave it addresses; null where none did. */
  resolvedAs(name: string): ResolvedName | null {
    return this.byQuery.get(name) ?? null;
  }

  /** Whether a DNS answer gave `address` for the name asked for `name` (any host's answer). */
  answeredWith(address: string, name: string): boolean {
    if (this.mine?.get(address)?.name === name || this.global.get(address)?.name === name) return true;
    return this.shared.get(address)?.includes(name) ?? false;
  }

  /** Whether a DNS answer gave `name` an address in the netblock (/24, /48) `block`. */
  answeredInBlock(block: string, name: string): boolean {
    return this.blocks.get(name)?.includes(block) ?? false;
  }

  /** Whether no address has a name (no DNS answer was seen: a firewall log, a conn.log alone). */
  get empty(): boolean {
    return (this.mine === undefined || this.mine.size === 0) && this.global.size === 0;
  }
}

/** A destination key: never changed once made (hosts share some). */
export interface GroupKey {
  readonly key: string;
  readonly destination: string;
  readonly groupedBy: DestinationGroup['groupedBy'];
  readonly names: readonly string[];
}

function dnsKey(resolved: ResolvedName): GroupKey {
  return { key: `name:${resolved.name}`, destination: resolved.name, groupedBy: 'dns', names: resolved.chain };
}

function nameKey(name: string, groupedBy: 'host' | 'sni'): GroupKey {
  return { key: `name:${name}`, destination: name, groupedBy, names: [name] };
}

/** The names of a key by organisation or netblock: none, one list for all (a scanner's keys are hundreds of thousands). */
const NO_NAMES: readonly string[] = Object.freeze([]);

function addressKey(address: string, orgs: OrgTable): GroupKey {
  const org = orgs.lookup(address);
  if (org !== null) return { key: `org:${org}`, destination: org, groupedBy: 'org', names: NO_NAMES };
  const block = netblockOf(address);
  return { key: `net:${block}`, destination: block, groupedBy: 'netblock', names: NO_NAMES };
}

/**
 * IPv4 /24 (top 24 bits) → its key, for connections whose address nothing can name (no DNS
 * answer, no organisation table): the hosts of a firewall log denied at a new server every 40 s
 * meet thousands of addresses each, keyed by their /24 alone, and working each out from its text
 * was most of grouping their attempts. Keys are never changed, so every host shares them.
 */
const netblockKeys4 = new Map<number, GroupKey>();
const MAX_NETBLOCK_KEYS = 100_000;

function netblockKey4(c: Connection, n4: number): GroupKey {
  let key = netblockKeys4.get(n4 >>> 8);
  if (key === undefined) {
    if (netblockKeys4.size >= MAX_NETBLOCK_KEYS) netblockKeys4.clear();
    const block = respNetblock(c);
    netblockKeys4.set(n4 >>> 8, (key = { key: `net:${block}`, destination: block, groupedBy: 'netblock', names: NO_NAMES }));
  }
  return key;
}

/**
 * The destination key of each direct connection of one host — its DNS name, else Host, else SNI,
 * else organisation or netblock — with each distinct address, Host header and SNI cleaned and
 * named once (the same GroupKey object comes back for the same input).
 */
export class DirectKeys {
  private readonly byAddress = new Map<string, GroupKey>();
  /**
   * Made at their first use, as the host's connections need them: a network's tens of thousands
   * of hosts each make one of these.
   */
  private resolvedKeys: Map<ResolvedName, GroupKey> | null = null;
  /** Raw Host header / SNI → its key, or null when it cleans to nothing. */
  private byHost: Map<string, GroupKey | null> | null = null;
  private bySni: Map<string, GroupKey | null> | null = null;
  /** Raw Host header / SNI → the key of the name where DNS answered it, else null. */
  private byResolvedName: Map<string, GroupKey | null> | null = null;

  /** No DNS name for any address and no organisation table: an address's key is its netblock's. */
  private readonly unnamed: boolean;

  constructor(
    private readonly names: HostNames,
    private readonly orgs: OrgTable,
  ) {
    this.unnamed = names.empty && orgs.empty;
  }

  key(c: Connection): GroupKey {
    if (this.unnamed && c.http === null && c.sni === null) {
      const n4 = respV4(c);
      if (n4 >= 0) return netblockKey4(c, n4);
    }
    // The name the connection asked for, where DNS gave that name this address: one address of a
    // CDN serves many sites, and the name its last answer gave is only one of them. A Host or SNI
    // of a name DNS gave other addresses, never this one, is a claim (a beacon's made-up Host:
    // www.google.com): it names no destination of its own.
    const asked = c.http?.host || c.sni;
    let claimed: GroupKey | null = null;
    if (asked) {
      const named = this.resolvedNameKey(asked);
      if (named !== null) {
        if (this.names.answeredWith(c.respH, named.destination)) return named;
        claimed = named;
      }
    }
    const address = c.respH;
    const known = this.byAddress.get(address);
    // A DNS name wins over Host and SNI; an address-only key serves connections without them.
    if (known !== undefined && (known.groupedBy === 'dns' || (c.http === null && c.sni === null))) return known;
    if (known === undefined) {
      const resolved = this.names.lookup(address);
      if (resolved !== null) {
        const dns = this.dnsKeyOf(resolved);
        this.byAddress.set(address, dns);
        return dns;
      }
    }
    if (claimed !== null) {
      // A neighbour of the name's addresses (the answer that gave it not seen): the name's own.
      if (this.names.answeredInBlock(respNetblock(c), claimed.destination)) return claimed;
      // Else the address's own key (its organisation or netblock), the name it claimed among its names.
      if (known !== undefined) return known;
      const key: GroupKey = { ...addressKey(address, this.orgs), names: [claimed.destination] };
      this.byAddress.set(address, key);
      return key;
    }
    const rawHost = c.http?.host;
    if (rawHost) {
      const byHost = (this.byHost ??= new Map<string, GroupKey | null>());
      let hostKey = byHost.get(rawHost);
      if (hostKey === undefined) {
        const name = cleanName(hostWithoutPort(rawHost));
        byHost.set(rawHost, (hostKey = name === '' ? null : nameKey(name, 'host')));
      }
      if (hostKey !== null && hostKey.destination !== address) return hostKey;
    }
    const rawSni = c.sni;
    if (rawSni) {
      const bySni = (this.bySni ??= new Map<string, GroupKey | null>());
      let sniKey = bySni.get(rawSni);
      if (sniKey === undefined) {
        const name = cleanName(rawSni);
        bySni.set(rawSni, (sniKey = name === '' ? null : nameKey(name, 'sni')));
      }
      if (sniKey !== null) return sniKey;
    }
    if (known !== undefined) return known;
    const key = addressKey(address, this.orgs);
    this.byAddress.set(address, key);
    return key;
  }

  /** One key for each chain the host's names resolved through. */
  private dnsKeyOf(resolved: ResolvedName): GroupKey {
    const resolvedKeys = (this.resolvedKeys ??= new Map<ResolvedName, GroupKey>());
    let dns = resolvedKeys.get(resolved);
    if (dns === undefined) resolvedKeys.set(resolved, (dns = dnsKey(resolved)));
    return dns;
  }

  /** The DNS key of the name a Host header or SNI `raw` gives, where an answer resolved that name; else null. */
  private resolvedNameKey(raw: string): GroupKey | null {
    const byResolvedName = (this.byResolvedName ??= new Map<string, GroupKey | null>());
    let key = byResolvedName.get(raw);
    if (key === undefined) {
      const resolved = this.names.resolvedAs(cleanName(hostWithoutPort(raw)));
      byResolvedName.set(raw, (key = resolved === null ? null : this.dnsKeyOf(resolved)));
    }
    return key;
  }
}

/** What a client asked the proxy for: the Host header or CONNECT / absolute-URI target. */
export function proxiedKey(c: Connection): GroupKey {
  const target = proxiedTarget(c);
  const name = target === '' ? `proxy ${endpoint(c.respH, c.respP)}` : cleanName(target);
  return { key: `proxy:${name}`, destination: name, groupedBy: target === '' ? 'netblock' : 'host', names: target === '' ? [] : [name] };
}

function proxiedTarget(c: Connection): string {
  const http = c.http;
  let target = '';
  if (http !== null) {
    if (http.proxyForm === 'connect') target = hostWithoutPort(http.target);
    else if (http.proxyForm === 'absolute') {
      const m = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]+)/i.exec(http.target);
      target = m ? hostWithoutPort(m[1]!.replace(/^.*@/, '')) : '';
    }
    if (target === '' && http.host) target = hostWithoutPort(http.host);
  }
  if (target === '' && c.sni) target = c.sni;
  return target;
}

/**
 * proxiedKey for every proxied connection of one host: one GroupKey per destination (the first
 * made, as a group keeps the first key of each name), and CONNECT targets parsed once.
 */
export class ProxiedKeys {
  private readonly byKey = new Map<string, GroupKey>();
  private readonly byConnect = new Map<string, GroupKey>();

  key(c: Connection): GroupKey {
    const http = c.http;
    // A CONNECT whose target names a host is named by that target alone.
    const connect = http !== null && http.proxyForm === 'connect' ? http.target : null;
    if (connect !== null) {
      const known = this.byConnect.get(connect);
      if (known !== undefined) return known;
    }
    const fresh = proxiedKey(c);
    let key = this.byKey.get(fresh.key);
    if (key === undefined) this.byKey.set(fresh.key, (key = fresh));
    if (connect !== null && hostWithoutPort(connect) !== '') this.byConnect.set(connect, key);
    return key;
  }
}

/** Union-find over small integer ids (group merging by shared netblock). */
export class UnionFind {
  private readonly parent: number[] = [];
  add(): number {
    this.parent.push(this.parent.length);
    return this.parent.length - 1;
  }
  find(x: number): number {
    let root = x;
    while (this.parent[root] !== root) root = this.parent[root]!;
    while (this.parent[x] !== root) {
      const next = this.parent[x]!;
      this.parent[x] = root;
      x = next;
    }
    return root;
  }
  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent[rb] = ra;
  }
}

/**
 * A name's registered domain, by the Public Suffix List with its private section (tldts): the
 * part a registrant controls, so that customers of one hosting or CDN suffix are apart —
 * `d111.cloudfront.net` and `d222.cloudfront.net`, `a.github.io` and `b.github.io`, two names
 * under `duckdns.org` or `trycloudflare.com` are different sites, while `www.example.co.uk` is
 * `example.co.uk`. A name with none (a single label, an address written as a name) is its own.
 */
export function registeredDomain(name: string): string {
  const known = REGISTERED.get(name);
  if (known !== undefined) return known;
  // An address written as a name (Host: 192.0.2.7) is its own.
  const domain = name.includes(':') || /^[\d.]+$/.test(name) ? name : (getDomain(name, PRIVATE_SUFFIXES) ?? name.toLowerCase());
  // The same names come back host after host: each worked out once (a bounded number of them).
  if (REGISTERED.size < REGISTERED_KEPT) REGISTERED.set(name, domain);
  return domain;
}

const PRIVATE_SUFFIXES = { allowPrivateDomains: true } as const;
const REGISTERED = new Map<string, string>();
const REGISTERED_KEPT = 1 << 16;
