/**
 * Destinations: group a host's connections by the DNS name it resolved (CNAME chains kept),
 * else the HTTP Host or TLS SNI it sent, else the organisation from the user's --orgs file,
 * else the /24 (/48). Names that resolve into one /24 belong together (a CDN rotating
 * addresses), so groups sharing a netblock are merged.
 */
import type { Connection } from '../flows/connection.js';
import { CidrSet, isCidr, netblockOf } from './cidr.js';
import type { DestinationGroup } from './types.js';

export interface OrgRow { cidr: string; organisation: string }

/** Capture text is hostile: no control characters, bounded length, lower case for names. */
export function cleanText(text: string, max = 253): string {
  // eslint-disable-next-line no-control-regex
  const cleaned = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, '');
  return cleaned.length > max ? `${cleaned.slice(0, max)}…` : cleaned;
}

export function cleanName(name: string): string {
  return cleanText(name.trim().toLowerCase().replace(/\.$/, ''));
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
      if (ch === '"' && line[i + 1] === '"') { field += '"'; i++; }
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { fields.push(field); field = ''; }
    else field += ch;
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

/** Address → the name a host resolved to reach it, from the DNS answers in the captures. */
export class NameBook {
  private readonly perHost = new Map<string, ResolvedName>();
  private readonly global = new Map<string, ResolvedName>();

  constructor(connections: readonly Connection[]) {
    for (const c of connections) {
      if (c.dnsQuery === null || c.dnsAnswers.length === 0) continue;
      const query = cleanName(c.dnsQuery);
      const cnames = new Map<string, string>();
      for (const a of c.dnsAnswers) if (a.type === 'CNAME') cnames.set(cleanName(a.name), cleanName(a.value));
      const chain = [query];
      for (let next = cnames.get(query); next !== undefined && !chain.includes(next) && chain.length < 16; next = cnames.get(next)) chain.push(next);
      const inChain = new Set(chain);
      const addresses = c.dnsAnswers.filter((a) => a.type !== 'CNAME');
      const matching = addresses.filter((a) => inChain.has(cleanName(a.name)));
      const resolved: ResolvedName = { name: query, chain };
      for (const a of matching.length > 0 ? matching : addresses) {
        const address = a.value;
        // The asking host is the DNS originator; later answers win (addresses get reused).
        this.perHost.set(`${c.origH}|${address}`, resolved);
        this.global.set(address, resolved);
      }
    }
  }

  lookup(host: string, address: string): ResolvedName | null {
    return this.perHost.get(`${host}|${address}`) ?? this.global.get(address) ?? null;
  }
}

export interface GroupKey {
  key: string;
  destination: string;
  groupedBy: DestinationGroup['groupedBy'];
  names: string[];
}

/** How one direct connection is named: DNS, Host, SNI, organisation, netblock — in that order. */
export function directKey(c: Connection, host: string, names: NameBook, orgs: OrgTable, cache?: Map<string, GroupKey>): GroupKey {
  // Most connections carry no Host or SNI: their key depends on the address alone.
  if (cache !== undefined && c.http === null && c.sni === null) {
    let key = cache.get(c.respH);
    if (key === undefined) cache.set(c.respH, (key = directKey(c, host, names, orgs)));
    return key;
  }
  const resolved = names.lookup(host, c.respH);
  if (resolved !== null) return { key: `name:${resolved.name}`, destination: resolved.name, groupedBy: 'dns', names: resolved.chain };
  const httpHost = c.http?.host ? cleanName(hostWithoutPort(c.http.host)) : '';
  if (httpHost !== '' && httpHost !== c.respH) return { key: `name:${httpHost}`, destination: httpHost, groupedBy: 'host', names: [httpHost] };
  const sni = c.sni ? cleanName(c.sni) : '';
  if (sni !== '') return { key: `name:${sni}`, destination: sni, groupedBy: 'sni', names: [sni] };
  const org = orgs.lookup(c.respH);
  if (org !== null) return { key: `org:${org}`, destination: org, groupedBy: 'org', names: [] };
  const block = netblockOf(c.respH);
  return { key: `net:${block}`, destination: block, groupedBy: 'netblock', names: [] };
}

/** What a client asked the proxy for: the Host header or CONNECT / absolute-URI target. */
export function proxiedKey(c: Connection): GroupKey {
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
  const name = target === '' ? `proxy ${c.respH}:${c.respP}` : cleanName(target);
  return { key: `proxy:${name}`, destination: name, groupedBy: target === '' ? 'netblock' : 'host', names: target === '' ? [] : [name] };
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
