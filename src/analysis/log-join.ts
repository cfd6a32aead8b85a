/**
 * A firewall log analysed with a capture of the same network (DESIGN.md "Inputs": several inputs
 * of one network are one timeline; what is seen twice counts once). The firewall logs the same
 * attempts the sniffer saw, on its own clock: each log's entries are matched to the capture's
 * attempts by 5-tuple and time once the clock offset is estimated (logs/firewall/match.ts). A
 * matched attempt is the capture's connection — it has the TTLs and the timing — with the log's
 * word on it (denied or allowed); an entry the capture lacks stays an attempt of its own, moved
 * onto the capture's clock. The words say how many of the capture's attempts the firewall logged,
 * the offset, and whether the capture's physics of the resets agree with the log's word.
 */
import { listOf, type ConnectionList } from '../flows/store.js';
import { resetTimed, type Connection } from '../flows/connection.js';
import { isAttempt, matchLogToCapture } from '../logs/firewall/match.js';
import type { FirewallAction, FirewallFormat } from '../logs/firewall/types.js';
import { clockOffset, count, duration, plural, round } from '../quantities.js';
import type { AttributedReset, Refusals } from './attribution.js';
import type { CidrSet } from './cidr.js';
import { machineAddress, NO_MACHINES, type Machines } from './machines.js';
import { median } from './stats.js';
import type { CaptureSummary, HostFinding, LogMatch } from './types.js';

/** Input formats that are firewall logs (CaptureSummary.format): every format the firewall reader tells, a new one named here by the compiler. */
const FIREWALL_LOG_FORMATS: Record<FirewallFormat, true> = {
  netfilter: true,
  'cisco-asa': true,
  filterlog: true,
  pfirewall: true,
  mikrotik: true,
  meraki: true,
  'key-value': true,
  'pan-os': true,
  'cisco-ios': true,
  pflog: true,
  'vpc-flow': true,
  table: true,
};

export function isFirewallLog(capture: CaptureSummary): boolean {
  return Object.hasOwn(FIREWALL_LOG_FORMATS, capture.format);
}

/** A log's word on one captured attempt. */
export interface LoggedVerdict {
  /** Index into `LogJoin.logs`. */
  log: number;
  action: FirewallAction;
}

/** One firewall log joined to the captures of its network. */
export interface JoinedLog {
  match: LogMatch;
  /** Per internal host: its capture attempts the firewall could see, and the log's attempts the capture lacks. */
  byHost: Map<string, { attempts: number; logOnly: number }>;
}

export interface LogJoin {
  /** The capture's connections, and the log entries no captured attempt matched (on the capture's clock), in time order. */
  connections: ConnectionList;
  logs: JoinedLog[];
  /** The logs' word on each captured attempt they matched. */
  logged: Map<Connection, LoggedVerdict[]>;
  /** Machines of several addresses: a host's lines are its machine's (machines.ts). */
  machines: Machines;
}

/** A connection the firewall at the network's edge sees: one end inside, the other outside. */
function crossesEdge(internal: CidrSet): (c: Connection) => boolean {
  return (c) => internal.hasOrig(c) !== internal.hasResp(c);
}

/** The internal end of a connection: the host it is about, a machine's by the address it is named by. */
function hostOf(c: Connection, internal: CidrSet, machines: Machines): string {
  return machineAddress(machines, internal.hasOrig(c) || !internal.hasResp(c) ? c.origH : c.respH);
}

/** The log connection moved onto the capture's clock. */
function shifted(c: Connection, offset: number): Connection {
  if (offset === 0) return c;
  return {
    ...c,
    ts: c.ts - offset,
    lastTs: c.lastTs - offset,
    resets: c.resets.map((r) => ({ ...r, ts: r.ts - offset })),
    requestTimes: c.requestTimes.map((t) => t - offset),
  };
}

const byTime = (a: Connection, b: Connection): number => a.ts - b.ts || (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0);

/**
 * The connections of one network's inputs (`captures` indexed by `Connection.capture`), each
 * firewall log joined to the packet captures and Zeek logs beside it. Without both kinds of input
 * the connections are returned as they are.
 */
export function joinFirewallLogs(
  given: ConnectionList,
  captures: readonly CaptureSummary[],
  internal: CidrSet,
  machines: Machines = NO_MACHINES,
): LogJoin {
  const logged = new Map<Connection, LoggedVerdict[]>();
  const kinds = new Set(captures.map((c) => isFirewallLog(c)));
  if (kinds.size < 2) return { connections: given, logs: [], logged, machines };
  const present = new Set<number>();
  for (let i = 0; i < given.length; i++) present.add(given.peek(i).capture);
  const logInputs = [...present].filter((i) => captures[i] !== undefined && isFirewallLog(captures[i])).sort((a, b) => a - b);
  const captureInputs = [...present].filter((i) => captures[i] !== undefined && !isFirewallLog(captures[i])).sort((a, b) => a - b);
  if (logInputs.length === 0 || captureInputs.length === 0) return { connections: given, logs: [], logged, machines };
  // A log and a capture joined: the objects themselves are compared and joined (a log is small
  // beside a capture; the join holds both sides as objects).
  const connections = given.toArray();

  const captureSide = connections.filter((c) => !logInputs.includes(c.capture)).sort(byTime);
  const crosses = crossesEdge(internal);
  const out: Connection[] = [...captureSide];
  const logs: JoinedLog[] = [];
  const captureFiles = captureInputs.map((i) => captures[i]!.file);
  for (const input of logInputs) {
    const log = connections.filter((c) => c.capture === input);
    const match = matchLogToCapture(log, captureSide, { crossesFirewall: crosses });
    const byHost = new Map<string, { attempts: number; logOnly: number }>();
    const hostRow = (address: string): { attempts: number; logOnly: number } => {
      let row = byHost.get(address);
      if (row === undefined) byHost.set(address, (row = { attempts: 0, logOnly: 0 }));
      return row;
    };
    captureSide.forEach((c, k) => {
      if (isAttempt(c) && crosses(c) && match.continues[k]! < 0) hostRow(hostOf(c, internal, machines)).attempts++;
    });
    captureSide.forEach((c, k) => {
      const i = match.matchOf[k]!;
      if (i < 0) return;
      const entry = log[i]!;
      const verdict: LoggedVerdict = { log: logs.length, action: entry.resets.some((r) => r.kind === 'log') ? 'deny' : 'allow' };
      const list = logged.get(c);
      if (list === undefined) logged.set(c, [verdict]);
      else list.push(verdict);
    });
    const offset = match.clockOffsetSeconds ?? 0;
    log.forEach((c, i) => {
      if (match.matchedBy[i]! >= 0) return;
      out.push(shifted(c, offset));
      if (isAttempt(c)) hostRow(hostOf(c, internal, machines)).logOnly++;
    });
    logs.push({
      match: {
        log: captures[input]!.file,
        captures: captureFiles,
        matched: match.logged,
        captureAttempts: match.captureAttempts,
        logAttempts: match.logAttempts,
        logOnly: match.logOnly,
        offsetSeconds: match.clockOffsetSeconds === null ? null : round(match.clockOffsetSeconds, 3),
        timeZoneLike: match.timeZoneLike,
        denied: 0,
        allowed: 0,
        conflicts: 0,
        resetTtl: null,
        resetDelayMs: null,
        words: '',
      },
      byHost,
    });
  }
  out.sort(byTime);
  return { connections: listOf(out), logs, logged, machines };
}

/** What the capture shows of the attempts one log matched, for one host or all of them. */
interface Tally {
  matched: number;
  denied: number;
  allowed: number;
  /** Denied, and reset by a device in the path by the capture's physics: both say the firewall. */
  deniedMiddlebox: number;
  /** Denied, and reset with the server's own TTL and timing by the capture's physics. */
  deniedEndpoint: number;
  /** Denied, the reset's sender not settled by the capture: the log settles it. */
  deniedUnknown: number;
  /** Denied, no answer in the capture: dropped. */
  deniedDropped: number;
  /** Denied, yet the capture shows the server's answer. */
  deniedEstablished: number;
  /** Allowed, yet the capture shows a device in the path resetting it. */
  allowedMiddlebox: number;
  ttls: Map<number, number>;
  delays: number[];
}

function emptyTally(): Tally {
  return {
    matched: 0,
    denied: 0,
    allowed: 0,
    deniedMiddlebox: 0,
    deniedEndpoint: 0,
    deniedUnknown: 0,
    deniedDropped: 0,
    deniedEstablished: 0,
    allowedMiddlebox: 0,
    ttls: new Map(),
    delays: [],
  };
}

function addToTally(t: Tally, c: Connection, action: FirewallAction, refusal: AttributedReset | undefined): void {
  t.matched++;
  const packet = refusal !== undefined && refusal.reset.origin === 'packet' && refusal.reset.kind === 'rst' ? refusal : undefined;
  if (packet !== undefined) {
    t.ttls.set(packet.reset.ttl, (t.ttls.get(packet.reset.ttl) ?? 0) + 1);
    if (t.delays.length < 4096 && resetTimed(packet.reset)) t.delays.push(packet.reset.delay);
  }
  if (action === 'allow') {
    t.allowed++;
    if (refusal?.attribution === 'middlebox') t.allowedMiddlebox++;
    return;
  }
  t.denied++;
  if (refusal === undefined) {
    if (c.established || c.respPkts > 0) t.deniedEstablished++;
    else t.deniedDropped++;
    return;
  }
  if (refusal.attribution === 'middlebox') t.deniedMiddlebox++;
  else if (refusal.attribution === 'endpoint') t.deniedEndpoint++;
  else t.deniedUnknown++;
}

function conflicts(t: Tally): number {
  return t.deniedEndpoint + t.deniedEstablished + t.allowedMiddlebox;
}

function commonTtl(t: Tally): number | null {
  let best: number | null = null;
  let most = 0;
  for (const [ttl, n] of t.ttls) if (n > most) [best, most] = [ttl, n];
  return best;
}

/** "denied all 546; its resets carry TTL 255, 0.35 ms — the firewall's, as the log says", with any disagreement spelled out. */
function agreementWords(t: Tally): string {
  const parts: string[] = [];
  const all = (n: number): string => (n === t.matched ? (n === 1 ? 'it' : `all ${count(n)}`) : count(n));
  if (t.denied > 0) parts.push(`denied ${all(t.denied)}`);
  if (t.allowed > 0) parts.push(`allowed ${all(t.allowed)}`);
  let words = parts.join(', ');
  const ttl = commonTtl(t);
  const delay = median(t.delays);
  if (ttl !== null) {
    const ttlWords = t.ttls.size === 1 ? `TTL ${ttl}` : `TTL ${ttl} (mostly)`;
    words += `; its resets carry ${ttlWords}${delay !== null ? `, ${duration(delay)}` : ''}`;
  }
  const said: string[] = [];
  if (t.deniedMiddlebox > 0) {
    said.push(
      t.deniedMiddlebox === t.denied
        ? "a device in the path by the capture's physics too: the firewall's resets"
        : `${count(t.deniedMiddlebox)} reset by a device in the path by the capture's physics too: the firewall's`,
    );
  }
  if (t.deniedDropped > 0) said.push(`${plural(t.deniedDropped, 'denied attempt')} got no answer in the capture: dropped`);
  if (t.deniedUnknown > 0) {
    said.push(
      `${plural(t.deniedUnknown, 'reset')} the capture alone could not attribute ${t.deniedUnknown === 1 ? 'is' : 'are'} the firewall's by its log`,
    );
  }
  const disagree: string[] = [];
  if (t.deniedEndpoint > 0) {
    disagree.push(
      `${count(t.deniedEndpoint)} the log says it denied ${t.deniedEndpoint === 1 ? 'was' : 'were'} reset with the server's own TTL and timing (the endpoint, by the capture)`,
    );
  }
  if (t.deniedEstablished > 0) {
    disagree.push(
      `${count(t.deniedEstablished)} the log says it denied ${t.deniedEstablished === 1 ? 'was' : 'were'} answered by the server in the capture`,
    );
  }
  if (t.allowedMiddlebox > 0) {
    disagree.push(
      `${count(t.allowedMiddlebox)} the log says it allowed ${t.allowedMiddlebox === 1 ? 'was' : 'were'} reset by a device in the path in the capture`,
    );
  }
  if (said.length > 0) words += ` — ${said.join('; ')}`;
  if (disagree.length > 0) words += `; the log and the capture disagree: ${disagree.join('; ')}`;
  return words;
}

function offsetWords(m: LogMatch): string {
  if (m.offsetSeconds === null) return '';
  return ` (clock offset ${clockOffset(m.offsetSeconds)}${m.timeZoneLike ? '; the whole hours look like a time zone set wrong, see --tz' : ''})`;
}

/**
 * The logs' words, once reset attribution has run over the joined connections (`refusals` by
 * their index): each log's `LogMatch` completed, a summary sentence per log, and an evidence line
 * per host the log speaks of.
 */
export function logJoinWords(
  join: LogJoin,
  refusals: Refusals,
  internal: CidrSet,
): { matches: LogMatch[]; summary: string[]; byHost: Map<string, string[]> } {
  const totals = join.logs.map(() => emptyTally());
  const perHost = join.logs.map(() => new Map<string, Tally>());
  // Only a joined list (objects, listOf) has logged connections.
  if (join.logged.size > 0)
    join.connections.toArray().forEach((c, i) => {
      const verdicts = join.logged.get(c);
      if (verdicts === undefined) return;
      for (const v of verdicts) {
        addToTally(totals[v.log]!, c, v.action, refusals.at(i));
        const host = hostOf(c, internal, join.machines);
        let t = perHost[v.log]!.get(host);
        if (t === undefined) perHost[v.log]!.set(host, (t = emptyTally()));
        addToTally(t, c, v.action, refusals.at(i));
      }
    });
  const summary: string[] = [];
  const byHost = new Map<string, string[]>();
  const matches = join.logs.map((joined, k) => {
    const t = totals[k]!;
    const delay = median(t.delays);
    const m: LogMatch = {
      ...joined.match,
      denied: t.denied,
      allowed: t.allowed,
      conflicts: conflicts(t),
      resetTtl: commonTtl(t),
      resetDelayMs: delay === null ? null : round(delay * 1000, 3),
    };
    const extra =
      m.logOnly > 0
        ? `; ${plural(m.logOnly, 'more logged attempt')}, not in the capture, ${m.logOnly === 1 ? 'is' : 'are'} analysed on ${m.logOnly === 1 ? 'its' : 'their'} own`
        : '';
    m.words =
      m.matched === 0
        ? `The firewall log ${m.log} and the capture have no attempt in common (${plural(m.logAttempts, 'logged attempt')}, ` +
          `${plural(m.captureAttempts, 'attempt')} to outside addresses in the capture): nothing joined, each counted on its own.`
        : `The firewall log ${m.log} logged ${count(m.matched)} of the ${plural(m.captureAttempts, 'attempt')} to outside addresses ` +
          `in the capture${offsetWords(m)}, each counted once: ${agreementWords(t)}${extra}.`;
    summary.push(m.words);
    for (const [host, row] of joined.byHost) {
      const h = perHost[k]!.get(host) ?? emptyTally();
      if (h.matched === 0 && row.logOnly === 0) continue;
      const head =
        h.matched === 0
          ? `firewall log: ${m.log} logged none of the ${plural(row.attempts, 'attempt')} in the capture`
          : `firewall log: the firewall logged ${count(h.matched)} of the ${plural(row.attempts, 'attempt')}${offsetWords(m)}, ${agreementWords(h)}`;
      const line = head + (row.logOnly > 0 ? `; ${plural(row.logOnly, 'more logged attempt')} not in the capture` : '') + ` (${m.log})`;
      const lines = byHost.get(host);
      if (lines === undefined) byHost.set(host, [line]);
      else lines.push(line);
    }
    return m;
  });
  return { matches, summary, byHost };
}

/** The hosts with the logs' evidence lines added, and a sentence in the verdict where the log and the capture disagree. */
export function addLogEvidence(hosts: HostFinding[], byHost: ReadonlyMap<string, string[]>): void {
  for (const h of hosts) {
    const lines = byHost.get(h.address);
    if (lines === undefined) continue;
    h.evidence.push(...lines);
    if (lines.some((l) => l.includes('disagree'))) {
      h.verdict += ' The firewall log and the capture disagree about some of these attempts (see the evidence).';
    } else if (lines.some((l) => l.includes("by the capture's physics too"))) {
      h.verdict += " The firewall's own log confirms it denied them.";
    }
  }
}
