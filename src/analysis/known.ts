/**
 * Known destinations: the analyst's list of destinations that are understood (an update service,
 * a licence server, a monitoring probe), one a line — a name pattern (`*.windowsupdate.com`), a
 * CIDR (or one address), or address:port — each with its reason. A host's destination groups that
 * match are taken out before its labels, verdict and score are worked out, and counted per line in
 * `AnalysisResult.understood`, so nothing is hidden without a word. `suggestKnown` proposes lines
 * for the destinations the verdicts already explain (update agents turned away on a schedule).
 */
import { Address6 } from 'ip-address';
import { CidrSet, isCidr } from './cidr.js';
import type { Destinations } from './groups.js';
import type { Items } from './outcomes.js';
import { periodWords } from './schedule-words.js';
import { endpoint } from '../quantities.js';
import type { AnalysisResult, DestinationGroup, HostFinding, UnderstoodDestinations } from './types.js';

/** What a line matches: a DNS / Host / SNI name (itself and, with `*.`, every name under it), addresses, or one address and port. */
export type KnownPattern =
  | { kind: 'name'; name: string; subdomains: boolean }
  | { kind: 'cidr'; cidr: string }
  | { kind: 'endpoint'; address: string; port: number };

export interface KnownRule {
  /** The pattern as written. */
  pattern: string;
  reason: string;
  /** Where the line is: "known:12". */
  source: string;
  match: KnownPattern;
}

/** A bad line: the file and line in the message. */
export class KnownFileError extends Error {}

const NAME = /^(?:\*\.)?(?:[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?\.)*[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?$/;

/** An IPv6 address as the flows stage writes it (RFC 5952), or the text unchanged. */
function canonical(address: string): string {
  if (!address.includes(':')) return address;
  try {
    return new Address6(address).correctForm();
  } catch {
    return address;
  }
}

function parsePattern(text: string): KnownPattern | null {
  const bracketed = /^\[([^\]]+)\]:(\d{1,5})$/.exec(text);
  const v4port = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/.exec(text);
  const withPort = bracketed ?? v4port;
  if (withPort) {
    const port = Number(withPort[2]);
    if (!isCidr(withPort[1]!) || withPort[1]!.includes('/') || port < 1 || port > 65535) return null;
    return { kind: 'endpoint', address: canonical(withPort[1]!), port };
  }
  if (/^[0-9.]+(?:\/\d+)?$/.test(text) || text.includes(':')) return isCidr(text) ? { kind: 'cidr', cidr: text } : null;
  const name = text.toLowerCase().replace(/\.$/, '');
  if (!NAME.test(name)) return null;
  return name.startsWith('*.') ? { kind: 'name', name: name.slice(2), subdomains: true } : { kind: 'name', name, subdomains: false };
}

/**
 * The lines of a known-destinations file: `pattern  reason`, blank lines and `#` comments
 * skipped; the reason may itself be written as a trailing `# comment`. A bad line throws a
 * KnownFileError naming the file and line.
 */
export function parseKnown(text: string, file: string): KnownRule[] {
  const rules: KnownRule[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const [pattern = '', ...rest] = line.split(/\s+/);
    const reason = rest.join(' ').replace(/^#\s*/, '').trim();
    const match = parsePattern(pattern);
    if (match === null) {
      throw new KnownFileError(
        `${file}:${i + 1}: ${JSON.stringify(pattern.slice(0, 80))} is not a name pattern (*.example.com), CIDR (192.0.2.0/24) or address:port (192.0.2.7:443)`,
      );
    }
    if (reason === '') throw new KnownFileError(`${file}:${i + 1}: no reason after ${pattern} (expected "pattern  reason")`);
    rules.push({ pattern, reason, source: `${file}:${i + 1}`, match });
  }
  return rules;
}

/** Which rule, if any, each connection matches. */
export class KnownMatcher {
  private readonly cidrs: CidrSet;
  /** Rule index of each CIDR, in CidrSet order. */
  private readonly cidrRules: number[] = [];
  private readonly endpoints = new Map<string, number>();
  private readonly exactNames = new Map<string, number>();
  private readonly suffixes = new Map<string, number>();

  constructor(readonly rules: readonly KnownRule[]) {
    const cidrs: string[] = [];
    rules.forEach((r, index) => {
      const m = r.match;
      switch (m.kind) {
        case 'name':
          if (!this.exactNames.has(m.name)) this.exactNames.set(m.name, index);
          if (m.subdomains && !this.suffixes.has(m.name)) this.suffixes.set(m.name, index);
          break;
        case 'cidr':
          cidrs.push(m.cidr);
          this.cidrRules.push(index);
          break;
        case 'endpoint': {
          const key = `${m.address}|${m.port}`;
          if (!this.endpoints.has(key)) this.endpoints.set(key, index);
          break;
        }
      }
    });
    this.cidrs = new CidrSet(cidrs);
  }

  /** The rule of a name: exact first, then the longest `*.` suffix; -1 when none. */
  nameRule(name: string): number {
    const exact = this.exactNames.get(name);
    if (exact !== undefined) return exact;
    for (let dot = name.indexOf('.'); dot >= 0; dot = name.indexOf('.', dot + 1)) {
      const rule = this.suffixes.get(name.slice(dot + 1));
      if (rule !== undefined) return rule;
    }
    return -1;
  }

  /** The rule of an address and port: address:port first, then the longest CIDR; -1 when none. */
  addressRule(address: string, port: number): number {
    const endpoint = this.endpoints.get(`${address}|${port}`);
    if (endpoint !== undefined) return endpoint;
    const i = this.cidrs.lookup(address);
    return i < 0 ? -1 : this.cidrRules[i]!;
  }
}

/** One host's destination groups that a known line explains, with the rule of each. */
export interface UnderstoodGroups {
  /** Rule index of each group, -1 for the groups that stay. */
  ruleOfGroup: Int32Array;
  /** Whether any group is understood. */
  any: boolean;
}

/**
 * Which of a host's groups are understood. A connection matches by its address and port, else by
 * any name it was reached by (the DNS name and its CNAMEs, Host, SNI, the target asked of a proxy).
 * A group is understood when every connection in it matches; or, for a name line, when those that
 * do not carry no name at all (addresses of the same CDN netblock the group was joined by). A
 * connection that named some other destination keeps its group among the findings.
 */
export function understoodGroups(
  items: Items,
  d: Destinations,
  groupOf: Int32Array,
  groupCount: number,
  known: KnownMatcher,
): UnderstoodGroups {
  const ruleOfKey = new Int32Array(d.keys.length);
  for (let k = 0; k < d.keys.length; k++) {
    let rule = -1;
    for (const name of d.keys[k]!.names) {
      rule = known.nameRule(name);
      if (rule >= 0) break;
    }
    ruleOfKey[k] = rule;
  }
  // Per group: connections matched per rule (the first rule seen wins ties), unmatched named ones, unmatched anonymous ones.
  const votes: Map<number, number>[] = Array.from({ length: groupCount }, () => new Map<number, number>());
  const named = new Int32Array(groupCount);
  const anonymous = new Int32Array(groupCount);
  const byName = new Uint8Array(groupCount);
  for (let i = 0; i < items.n; i++) {
    const g = groupOf[i]!;
    const c = items.conn.get(i);
    let rule = known.addressRule(c.respH, c.respP);
    if (rule < 0) {
      rule = ruleOfKey[d.keyId[i]!]!;
      if (rule >= 0) byName[g] = 1;
    }
    if (rule >= 0) votes[g]!.set(rule, (votes[g]!.get(rule) ?? 0) + 1);
    else if (d.key[i]!.names.length > 0) named[g]!++;
    else anonymous[g]!++;
  }
  const ruleOfGroup = new Int32Array(groupCount).fill(-1);
  let any = false;
  for (let g = 0; g < groupCount; g++) {
    if (votes[g]!.size === 0 || named[g]! > 0 || (anonymous[g]! > 0 && byName[g] === 0)) continue;
    let best = -1;
    let most = 0;
    for (const [rule, n] of votes[g]!) {
      if (n > most) {
        best = rule;
        most = n;
      }
    }
    ruleOfGroup[g] = best;
    any = true;
  }
  return { ruleOfGroup, any };
}

/** Counts per known line over all hosts, in file order. */
export class UnderstoodTally {
  private readonly hosts: Set<string>[];
  private readonly attempts: number[];
  private readonly connections: number[];
  private readonly destinations: Set<string>[];

  constructor(private readonly rules: readonly KnownRule[]) {
    this.hosts = rules.map(() => new Set<string>());
    this.attempts = rules.map(() => 0);
    this.connections = rules.map(() => 0);
    this.destinations = rules.map(() => new Set<string>());
  }

  /** A group of `host` that `rule` explains: its attempts, destination and connections. */
  add(rule: number, host: string, attempts: number, destination: string, connections: number): void {
    this.hosts[rule]!.add(host);
    this.attempts[rule]! += attempts;
    this.connections[rule]! += connections;
    if (this.destinations[rule]!.size < 20) this.destinations[rule]!.add(destination);
  }

  result(): UnderstoodDestinations[] {
    return this.rules.map((r, i) => ({
      rule: r.pattern,
      reason: r.reason,
      source: r.source,
      hosts: this.hosts[i]!.size,
      attempts: this.attempts[i]!,
      connections: this.connections[i]!,
      destinations: [...this.destinations[i]!].sort(),
    }));
  }
}

/** A candidate known line: the pattern, its reason, and who made it. */
export interface KnownSuggestion {
  pattern: string;
  reason: string;
  hosts: string[];
  attempts: number;
}

/** The group a verdict explains as software turned away: failing, direct, on a schedule. */
function turnedAwayGroups(host: HostFinding): DestinationGroup[] {
  return host.groups.filter((g) => !g.viaProxy && g.failed > 0 && g.schedule.periodic && g.established === 0);
}

/** A line's pattern for a group: its name, else its one netblock, else its one address:port. */
function patternOf(g: DestinationGroup): string | null {
  if (g.groupedBy === 'dns' || g.groupedBy === 'host' || g.groupedBy === 'sni') return g.destination;
  if (g.netblocks.length === 1)
    return g.addresses === 1 && g.ports.length === 1 ? endpoint(g.addressList[0]!, g.ports[0]!) : g.netblocks[0]!;
  return null;
}

/**
 * Candidate known lines from a run: the destinations of hosts the verdicts already explain as
 * software turned away on a schedule (blocked and periodic, no scan, no flood, no beacon that
 * gets through), one line per destination with the hosts and schedule in its reason.
 */
export function suggestKnown(result: AnalysisResult): KnownSuggestion[] {
  const byPattern = new Map<string, { hosts: Set<string>; attempts: number; periods: number[]; ports: Set<number> }>();
  for (const host of result.hosts) {
    const l = host.labels;
    if (!l.includes('blocked') || !l.includes('periodic') || l.includes('scanner') || l.includes('flood') || l.includes('dns-tunnel'))
      continue;
    for (const g of turnedAwayGroups(host)) {
      const pattern = patternOf(g);
      // A name out of a capture is hostile: only what reads back as one pattern becomes a line.
      if (pattern === null || parsePattern(pattern) === null) continue;
      let s = byPattern.get(pattern);
      if (s === undefined) byPattern.set(pattern, (s = { hosts: new Set(), attempts: 0, periods: [], ports: new Set() }));
      s.hosts.add(host.address);
      s.attempts += g.attempts;
      if (g.schedule.periodSeconds !== null) s.periods.push(g.schedule.periodSeconds);
      for (const p of g.ports) s.ports.add(p);
    }
  }
  return [...byPattern.entries()]
    .map(([pattern, s]) => {
      const hosts = [...s.hosts].sort();
      const period = s.periods.length > 0 ? `, ${periodWords(Math.min(...s.periods))}` : '';
      const ports = [...s.ports]
        .sort((a, b) => a - b)
        .slice(0, 5)
        .join(', ');
      return {
        pattern,
        reason: `update agent turned away on a schedule (${s.ports.size === 1 ? 'port' : 'ports'} ${ports}${period})`,
        hosts,
        attempts: s.attempts,
      };
    })
    .sort((a, b) => b.attempts - a.attempts || (a.pattern < b.pattern ? -1 : 1));
}
