/**
 * Periodic DNS (DESIGN.md "Labels": `periodic`): one host looking up one name on a schedule — a
 * beacon whose check-in is the lookup itself (DNS C2 asking for a TXT record every minute), or a
 * program polling its server by name. The lookup times go through the same schedule machinery as
 * attempts (period, jitter, repetitions, confidence).
 *
 * Every lookup counts, those to the network's own resolver too: a DNS beacon goes through the
 * resolver like any lookup. A lookup is a burst of queries for the name (a stub asks for A and
 * AAAA from one socket and retries after a second of silence: one lookup). Names that carry no
 * beacon — reverse lookups, DNS-SD, `.local`, single labels — are not followed.
 */
import type { Connection } from '../flows/connection.js';
import { analyzeSchedule } from './schedule.js';
import type { Schedule } from './types.js';
import { isDns, notUnicast, queryNames } from './udp.js';

/** A name needs this many lookups before its schedule is judged: a handful of lookups is browsing. */
export const MIN_LOOKUPS = 6;
/** Names followed per host, and lookup times kept per name: bounded whatever a host asks. */
const MAX_NAMES = 5_000;
const MAX_TIMES = 10_000;
/** Lookups of one name closer than this are one lookup (A then AAAA, a retry). */
const SAME_LOOKUP_SECONDS = 1;

/** One name a host looks up on a schedule. */
export interface DnsSchedule {
  name: string;
  lookups: number;
  /** The resolvers asked (the first few). */
  resolvers: string[];
  /** The smallest TTL among the answers for the name, or null when none was seen. */
  ttl: number | null;
  schedule: Schedule;
  first: number;
  last: number;
}

interface NameLookups {
  times: number[];
  resolvers: string[];
  ttl: number | null;
}

/**
 * Names Windows itself looks up again and again under the network's own domain: its proxy
 * auto-discovery (WPAD, `wpad.corp.example`) and its IPv6 transition router (ISATAP) — asked on
 * the system's timers by every Windows machine of a network that has neither.
 */
const WINDOWS_DISCOVERY = /^(wpad|isatap)\./;

/**
 * Whether a name can be a server's: not a reverse lookup, DNS-SD, `.local`, a single label or
 * one of Windows' discovery names.
 */
function followed(name: string): boolean {
  if (name.startsWith('_') || name.includes('._')) return false;
  const lower = name.toLowerCase().replace(/\.+$/, '');
  return lower.includes('.') && !lower.endsWith('.arpa') && !lower.endsWith('.local') && !WINDOWS_DISCOVERY.test(lower);
}

/** Ports of the LAN's own name services Zeek's DNS analyzer reads too: NetBIOS names, mDNS, LLMNR — no resolver's. */
const LAN_NAME_PORTS = new Set([137, 5353, 5355]);

/** The lookups of one host, by name, kept while reading. */
export class DnsLookups {
  private readonly names = new Map<string, NameLookups>();
  /** Names whose lookups were judged for a schedule (MIN_LOOKUPS or more): series the run weighs its schedules' chance among. */
  judged = 0;

  /**
   * One DNS flow. A flow asking for one name (the usual case: one socket per lookup, or a client
   * that keeps its socket for one name) gives its lookups' times; a flow asking for many names
   * (a tunnel, a busy stub) has no time per name and is left to the tunnel detector.
   */
  add(c: Connection): void {
    if (c.proto !== 'udp' || !isDns(c) || LAN_NAME_PORTS.has(c.respP) || notUnicast(c.respH)) return;
    const asked = queryNames(c);
    if (asked.length === 0) return;
    const name = asked[0]!.toLowerCase();
    for (let i = 1; i < asked.length; i++) if (asked[i]!.toLowerCase() !== name) return;
    let n = this.names.get(name);
    if (n === undefined) {
      // A name followed already is not looked at again: a beacon asks for it thousands of times.
      if (this.names.size >= MAX_NAMES || !followed(name)) return;
      this.names.set(name, (n = { times: [], resolvers: [], ttl: null }));
    }
    const times = c.requestTimes.length > 0 ? c.requestTimes : [c.ts];
    for (const t of times) if (n.times.length < MAX_TIMES) n.times.push(t);
    if (!n.resolvers.includes(c.respH) && n.resolvers.length < 4) n.resolvers.push(c.respH);
    for (const a of c.dnsAnswers) if (a.ttl >= 0 && (n.ttl === null || a.ttl < n.ttl)) n.ttl = a.ttl;
  }

  /** The names looked up on a schedule, most lookups first. */
  schedules(): DnsSchedule[] {
    const out: DnsSchedule[] = [];
    for (const [name, n] of this.names) {
      if (n.times.length < MIN_LOOKUPS) continue;
      const lookups = oneLookupEach(n.times);
      if (lookups.length < MIN_LOOKUPS) continue;
      this.judged++;
      const schedule = analyzeSchedule(lookups, null, 'DNS lookups');
      if (!schedule.periodic) continue;
      out.push({
        name,
        lookups: lookups.length,
        resolvers: n.resolvers,
        ttl: n.ttl,
        schedule,
        first: lookups[0]!,
        last: lookups[lookups.length - 1]!,
      });
    }
    return out.sort((a, b) => b.lookups - a.lookups || (a.name < b.name ? -1 : 1));
  }
}

/** The times in order, queries within SAME_LOOKUP_SECONDS of the lookup before them merged into it. */
function oneLookupEach(times: number[]): number[] {
  const sorted = [...times].sort((a, b) => a - b);
  const out: number[] = [];
  for (const t of sorted) if (out.length === 0 || t - out[out.length - 1]! >= SAME_LOOKUP_SECONDS) out.push(t);
  return out;
}
