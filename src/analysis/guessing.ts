/**
 * Password guessing: a host that logs in to one login service (SSH, RDP, FTP, Telnet, VNC,
 * WinRM) again and again, fast, each session answered and over within seconds. A brute-force
 * tool (Hydra, Medusa, a worm's own) opens a connection, tries a password or a few, is turned
 * away by the server and opens the next; the handshakes complete, so no count of failed attempts
 * shows it (a flood's, tally.ts, needs most of them to fail). A person or a program that logs in
 * keeps its session, or comes back minutes apart; a monitoring check opens one now and then.
 *
 * It is a high rate of attempts at one target — DESIGN.md's `flood` — and is labelled so, its
 * verdict saying what it is: password guessing, not a DDoS. Two more of its kind are said, not
 * labelled: a scan that logs in a few times at every server it finds (a worm's), with the scan;
 * and the Internet's clients guessing at the network's own servers, which are no hosts of the
 * analysis, in the summary.
 */
import { floodWords, type Flood, type Tally, type TargetStats } from './tally.js';
import type { CidrSet } from './cidr.js';
import type { Connection } from '../flows/connection.js';
import type { ConnectionList } from '../flows/store.js';
import type { Refusals } from './attribution.js';
import { outcomeOf } from './outcomes.js';
import { sequentialPorts } from './schedule.js';
import { median } from './stats.js';
import { bytes, count, duration, endpoint, firstOf, plural } from '../quantities.js';
import { isoSeconds } from '../time.js';

/**
 * Login services by TCP port. Databases (1433, 3306, 5432) and file sharing (445) are left out:
 * an application without a connection pool opens a short session to its database for every
 * request, hundreds a second, and Windows opens SMB sessions to its domain controller for much
 * of what it does. So are mailboxes (POP3, IMAP): a NAT gateway's phones check their mail at one
 * provider in short sessions, hundreds an hour, from the one address.
 */
export const LOGIN_SERVICES: ReadonlyMap<number, string> = new Map([
  [21, 'FTP'],
  [22, 'SSH'],
  [23, 'Telnet'],
  [3389, 'RDP'],
  [5900, 'VNC'],
  [5985, 'WinRM'],
  [5986, 'WinRM over TLS'],
]);

/** Sessions answered at one login service, at least: a person mistyping a password tries a few times. */
export const GUESS_SESSIONS = 100;
/** …at this rate or faster over their span: one every 5 s (a slow tool's pace; Hydra's is several a second). */
export const GUESS_RATE = 0.2;
/**
 * Or half as many at ten times the pace, two a second or more: a tool of many tasks (Hydra runs
 * sixteen at once) tries a short list of passwords in seconds.
 */
export const FAST_GUESS_SESSIONS = 40;
export const FAST_GUESS_RATE = 2;
/** …of which this share at least were short and small (SHORT_SECONDS, SMALL_BYTES). */
const SHORT_SHARE = 0.8;
/** A guess's session is over within this: the server closes it after the last password it allows. */
const SHORT_SECONDS = 30;
/** …and the client sent no more than this in it: a key exchange and a few passwords, no file, no command output. */
const SMALL_BYTES = 16 * 1024;
/** Attempts (SYNs seen) at a login service's port, at least, before its sessions are counted: half of the fewest a guessing is. */
const FEW_ATTEMPTS = FAST_GUESS_SESSIONS / 2;
/** FTP's control port; its transfers are connections to other ports of the server (passive mode). */
const FTP = 21;
/** FTP sessions that transferred something, this share of them or more: logins that succeeded. */
const TRANSFER_SHARE = 0.1;
/**
 * A pause between sessions at one server this long or longer is a poller's between its rounds;
 * rounds enough (POLL_ROUNDS, and one pause or more every SESSIONS_PER_PAUSE sessions) make the
 * sessions a poller's, not a guessing's: a tool stopped and started again pauses a few times in
 * hundreds of tries.
 */
const POLL_PAUSE_SECONDS = 30;
const POLL_ROUNDS = 3;
const SESSIONS_PER_PAUSE = 100;
/** Short sessions before a longer one at the same server, at least, for that one to be a password that worked. */
const GUESSES_BEFORE = 5;
/** Durations and byte counts kept per target for their medians. */
const KEPT = 2000;

/** What made a host's attempts at one login service password guessing. */
export interface Guessing {
  /** The service's name ("SSH"), the server's address and the client's. */
  service: string;
  address: string;
  client: string;
  /** Whether the client and the server are inside the internal networks, once labels.ts has asked. */
  clientInside?: boolean;
  serverInside?: boolean;
  /** Sessions the server answered (established). */
  sessions: number;
  /** Of them, those short and small. */
  short: number;
  /** Median session length, in seconds; null where the input keeps none (a firewall log's one line per attempt). */
  medianSeconds: number | null;
  /** Median bytes the client sent in a session; null where the input counts none. */
  medianBytesOut: number | null;
  /** Sessions neither short nor small once the guessing had begun, and the first of them: a password that worked. */
  longer?: { sessions: number; ts: number; seconds: number; bytesOut: number };
}

/** One client's counts at one login service, as its connections to it are met. */
interface TargetCounts {
  client: string;
  address: string;
  port: number;
  attempts: number;
  sessions: number;
  short: number;
  /** Data connections to the same server (passive FTP's): transfers of sessions that logged in. */
  transfers: number;
  /** Of the short sessions, those the client sent something in (or whose input counts no bytes): tries. */
  tries: number;
  /** Sessions neither short nor small after GUESSES_BEFORE short ones, and the first of them. */
  longer: number;
  firstLonger: { ts: number; seconds: number; bytesOut: number } | null;
  /** Start of its first session and of its last: the span its rate is over. */
  first: number;
  last: number;
  /** Pauses of POLL_PAUSE_SECONDS or more between one session's start and the next's. */
  pauses: number;
  ports: number[];
  seconds: number[];
  bytesOut: number[];
  anyBytes: boolean;
  anyDuration: boolean;
}

/** Counts of the client's connections at a login service of a server, by its key (`key`). */
class Targets {
  readonly map = new Map<string, TargetCounts>();

  /** A TCP connection `c` (an attempt, or one the server answered: `established`) counted at its target `key`. */
  add(key: string, c: Connection, established: boolean): void {
    let t = this.map.get(key);
    if (t === undefined) {
      t = {
        client: c.origH,
        address: c.respH,
        port: c.respP,
        attempts: 0,
        sessions: 0,
        short: 0,
        transfers: 0,
        tries: 0,
        longer: 0,
        firstLonger: null,
        first: Number.POSITIVE_INFINITY,
        last: Number.NEGATIVE_INFINITY,
        pauses: 0,
        ports: [],
        seconds: [],
        bytesOut: [],
        anyBytes: false,
        anyDuration: false,
      };
      this.map.set(key, t);
    }
    t.attempts++;
    if (t.ports.length < 500) t.ports.push(c.origP);
    if (!established) return;
    const seconds = c.lastTs - c.ts;
    t.sessions++;
    if (seconds <= SHORT_SECONDS && c.origBytes <= SMALL_BYTES) {
      t.short++;
      // A try sends something: a scanner's connect (nmap -sT, a banner grab) sends nothing. A
      // firewall log's allowed line counts no bytes and acknowledges nothing.
      if (c.origBytes > 0 || !c.history.includes('A')) t.tries++;
    } else if (t.short >= GUESSES_BEFORE) {
      t.longer++;
      t.firstLonger ??= { ts: c.ts, seconds, bytesOut: c.origBytes };
    }
    if (t.seconds.length < KEPT) {
      t.seconds.push(seconds);
      t.bytesOut.push(c.origBytes);
    }
    if (seconds > 0) t.anyDuration = true;
    if (c.origBytes > 0) t.anyBytes = true;
    if (t.sessions > 1 && c.ts - t.last >= POLL_PAUSE_SECONDS) t.pauses++;
    if (c.ts < t.first) t.first = c.ts;
    if (c.ts > t.last) t.last = c.ts;
  }

  /** The targets whose connections are password guessing, the most sessions first. */
  guessed(): Flood[] {
    const found: TargetCounts[] = [];
    for (const t of this.map.values()) {
      // Attempts that failed besides do not make it less a guessing: a server that bans the
      // client after so many (fail2ban) drops the rest of its SYNs.
      if (t.sessions < FAST_GUESS_SESSIONS || t.short < SHORT_SHARE * t.sessions) continue;
      const rate = t.sessions / Math.max(t.last - t.first, 1);
      if (rate < (t.sessions >= GUESS_SESSIONS ? GUESS_RATE : FAST_GUESS_RATE)) continue;
      // A script that logs in for every file it sends (curl, one upload at a time) opens a transfer for each.
      if (t.transfers >= TRANSFER_SHARE * t.sessions) continue;
      // A poller's rounds (a CI server asking a Git host about each of its repositories every
      // minute) pause between them; a guessing tool goes on until its list is done.
      if (t.pauses >= POLL_ROUNDS && t.pauses * SESSIONS_PER_PAUSE >= t.sessions) continue;
      found.push(t);
    }
    return found.sort((a, b) => b.sessions - a.sessions).map(floodOf);
  }
}

/** A guessing's counts as a flood of its target. */
function floodOf(t: TargetCounts): Flood {
  const stats: TargetStats = {
    n: t.sessions,
    attempts: t.attempts,
    failed: t.attempts - t.sessions,
    first: t.first,
    last: t.last,
    ports: t.ports,
  };
  return {
    target: endpoint(t.address, t.port),
    t: stats,
    cutOff: 0,
    rate: t.sessions / Math.max(t.last - t.first, 1),
    sequential: sequentialPorts(t.ports).sequential,
    unit: 'SYN',
    guessing: {
      service: LOGIN_SERVICES.get(t.port)!,
      address: t.address,
      client: t.client,
      sessions: t.sessions,
      short: t.short,
      medianSeconds: t.anyDuration ? median(t.seconds) : null,
      medianBytesOut: t.anyBytes ? median(t.bytesOut) : null,
      ...(t.firstLonger !== null && { longer: { sessions: t.longer, ...t.firstLonger } }),
    },
  };
}

/**
 * The host's connections at login services counted per server and port; null where it attempts
 * none often enough to be read again (most hosts). Its sessions are the connections the server
 * answered, attempts or not: a capture begun while the tool runs holds sessions whose SYN it
 * missed, each a guess all the same.
 */
function loginTargets(tally: Tally): Targets | null {
  const items = tally.items;
  let often = false;
  for (const port of LOGIN_SERVICES.keys()) if ((tally.addressesByPort.get(port)?.n ?? 0) >= FEW_ATTEMPTS) often = true;
  if (!often) return null;
  const targets = new Targets();
  for (let i = 0; i < items.n; i++) {
    const established = items.outcome[i] === 'established';
    if (items.viaProxy[i] === 1 || (items.attempt[i] === 0 && !established)) continue;
    const c = items.conn.peek(i);
    if (c.proto !== 'tcp') continue;
    if (LOGIN_SERVICES.has(c.respP)) targets.add(`${c.respH} ${c.respP}`, c, established);
    else if (established && targets.map.size > 0) {
      // A transfer of an FTP session the host logged in to: the login was no guess.
      const ftp = targets.map.get(`${c.respH} ${FTP}`);
      if (ftp !== undefined) ftp.transfers++;
    }
  }
  return targets;
}

/**
 * A host's logins at many servers of one service, a few each (a worm that scans for Telnet or
 * SSH and tries its list of passwords at every server that answers), as its scan's words tell it.
 */
export interface SpreadGuessing {
  service: string;
  port: number;
  /** Servers logged in to SPREAD_SESSIONS times or more, and their tries (short sessions the client sent something in). */
  servers: number;
  sessions: number;
  /** Their addresses (SPREAD_ADDRESSES at most): where a schedule is the tool's pace, no beacon's. */
  addresses: Set<string>;
}

/** Tries at one server, at least, for the host to have logged in to it again and again. */
const SPREAD_SESSIONS = 3;
/** Servers so logged in to, at least, for a spread guessing. */
const SPREAD_SERVERS = 10;
/** Addresses kept of them. */
const SPREAD_ADDRESSES = 10_000;

/** What a host's logins at login services are: guessing at one server (a flood of it), at many, or neither. */
export interface Guessings {
  one: Flood | null;
  spread: SpreadGuessing | null;
}

/** The host's password guessing at one login service, the most sessions if several, and at many servers of one (see Guessings). */
export function findGuessing(tally: Tally): Guessings {
  const targets = loginTargets(tally);
  if (targets === null) return { one: null, spread: null };
  const byPort = new Map<number, SpreadGuessing>();
  for (const t of targets.map.values()) {
    if (t.tries < SPREAD_SESSIONS || t.short < SHORT_SHARE * t.sessions || t.transfers >= TRANSFER_SHARE * t.sessions) continue;
    let g = byPort.get(t.port);
    if (g === undefined)
      byPort.set(t.port, (g = { service: LOGIN_SERVICES.get(t.port)!, port: t.port, servers: 0, sessions: 0, addresses: new Set() }));
    g.servers++;
    g.sessions += t.tries;
    if (g.addresses.size < SPREAD_ADDRESSES) g.addresses.add(t.address);
  }
  let spread: SpreadGuessing | null = null;
  for (const g of byPort.values()) if (g.servers >= SPREAD_SERVERS && (spread === null || g.servers > spread.servers)) spread = g;
  return { one: targets.guessed()[0] ?? null, spread };
}

/**
 * A spread guessing in words: "logged in again and again to 98 of the servers that answered on
 * port 23 (Telnet): 686 short sessions, 7 on average".
 */
export function spreadWords(g: SpreadGuessing): string {
  return (
    `logged in again and again to ${count(g.servers)} of the servers that answered on port ${g.port} (${g.service}): ` +
    `${plural(g.sessions, 'short session')}, ${count(Math.round(g.sessions / g.servers))} on average`
  );
}

/** The verdict's sentence of a scan that logs in to what it finds. */
export function spreadSentence(g: SpreadGuessing): string {
  return (
    `It ${spreadWords(g).replace(/^logged/, 'logs')} — password guessing at every server it finds, ` +
    'how a worm spreads (Mirai over Telnet, the SSH worms); find the process that opened them.'
  );
}

/** Clients and servers told apart in the pass over every connection, at most: the Internet's scanners are many. */
const INBOUND_TRACKED = 100_000;

/**
 * Password guessing from outside the internal networks at a server inside them, over every
 * connection (`refusals` parallel to them), the most sessions first: the Internet trying to log
 * in to the network's SSH or RDP server. Its clients are no hosts of the analysis, which follows
 * the internal ones.
 */
export function findInboundGuessing(connections: ConnectionList, internal: CidrSet, refusals: Refusals): Flood[] {
  const targets = new Targets();
  for (let i = 0; i < connections.length; i++) {
    const c = connections.peek(i);
    if (!LOGIN_SERVICES.has(c.respP) || c.proto !== 'tcp' || !internal.hasResp(c) || internal.hasOrig(c)) continue;
    const established = outcomeOf(c, refusals.at(i)) === 'established';
    if (!established && c.synCount === 0) continue;
    const key = `${c.origH} ${c.respH} ${c.respP}`;
    if (targets.map.size < INBOUND_TRACKED || targets.map.has(key)) targets.add(key, c, established);
  }
  const found = targets.guessed();
  for (const f of found) {
    f.guessing!.clientInside = false;
    f.guessing!.serverInside = true;
  }
  return found;
}

/**
 * The sessions of a guessing, in words: "1,500 of 1,500 answered, 1,497 of them over within 30 s
 * (median 2.3 s, 1.5 KiB sent): password guessing".
 */
export function guessingWords(g: Guessing, attempts: number): string {
  const medians = [
    ...(g.medianSeconds !== null ? [`median ${duration(g.medianSeconds)}`] : []),
    ...(g.medianBytesOut !== null ? [`${bytes(g.medianBytesOut)} sent`] : []),
  ];
  const short =
    g.medianSeconds !== null || g.medianBytesOut !== null
      ? `, ${g.short === g.sessions ? 'each' : `${count(g.short)} of them`} over within ${duration(SHORT_SECONDS)}` +
        `${medians.length > 0 ? ` (${medians.join(', ')})` : ''}`
      : '';
  return `${count(g.sessions)} of ${count(attempts)} answered${short}${longerWords(g)}${GUESSING_MARK}`;
}

/**
 * The sessions that lasted longer or carried more once the guessing had begun, in words: "; then
 * a session of 12 min 3 s with 48 KiB sent, at 2025-05-12 09:14:31Z — a password that worked, most
 * likely"; empty where there is none.
 */
function longerWords(g: Guessing): string {
  const l = g.longer;
  if (l === undefined) return '';
  const first = `${l.sessions === 1 ? 'a session' : `${count(l.sessions)} sessions, the first`} of ${duration(l.seconds)} with ${bytes(l.bytesOut)} sent, at ${isoSeconds(l.ts).replace('T', ' ')}`;
  return `; then ${first} — a password that worked, most likely`;
}

/** How a flood's evidence line that is password guessing ends. */
export const GUESSING_MARK = ': password guessing';

/** Whether a host's finding (its JSON, as compare reads it) is labelled `flood` for guessing passwords. */
export function guessesPasswords(finding: { evidence: readonly string[] }): boolean {
  return finding.evidence.some((e) => e.startsWith('flood: ') && e.endsWith(GUESSING_MARK));
}

/** Where a guessing comes from and goes, in the words of its verdict; empty where unknown or where neither end is inside. */
function whereWords(g: Guessing): string {
  if (g.clientInside === true && g.serverInside === false)
    return ' The server is outside the network: this host is attacking others — a compromised machine or a worm; find the process that opened them.';
  if (g.clientInside === true && g.serverInside === true)
    return (
      ' The server is inside the network: an intruder moving from machine to machine, or a worm, tries passwords so — ' +
      'find the process on this host that opened them.'
    );
  if (g.clientInside === false && g.serverInside === true)
    return (
      " From outside the network at a server inside it: someone on the Internet trying to log in to the network's server — " +
      `${g.longer === undefined ? 'look for a session that lasted longer or carried more (a password that worked), and ' : ''}ask whether the service should be reachable from outside at all.`
    );
  return '';
}

/** The verdict's sentence of a host guessing passwords (`flood.guessing` set). */
export function guessingSentence(flood: Flood): string {
  const g = flood.guessing!;
  return (
    `Guesses passwords — a brute-force login at ${g.service}, not a DDoS: ${floodWords(flood)}, ` +
    `${guessingWords(g, flood.t.attempts).slice(0, -GUESSING_MARK.length)}; ` +
    `a person or a program that logs in keeps its session or comes back minutes later, it does not log in ${count(g.sessions)} times.` +
    whereWords(g)
  );
}

/** Hosts named in the summary's line. */
const HOSTS_SAID = 5;

/** "10.0.0.5 at 203.0.113.10:22 (SSH, 1,500 connections in 12 min 23 s)": a guessing in a summary's list. */
function guessingItem(f: Flood): string {
  const g = f.guessing!;
  return `${g.client} at ${f.target} (${g.service}, ${count(f.t.n)} connections in ${duration(f.t.last - f.t.first)}${longerWords(g)})`;
}

/**
 * The summary's lines of password guessing, most sessions first: the hosts analysed that guess
 * ("Password guessing: 10.0.0.5 at 203.0.113.10:22 (SSH, 1,500 connections in 12 min) — … a
 * brute-force attack from this network …"), and the clients outside the network that guess at
 * its servers (`inbound`, findInboundGuessing).
 */
export function guessingLines(analyses: readonly { guessing?: Flood }[], inbound: readonly Flood[]): string[] {
  const lines: string[] = [];
  const guessers = analyses.flatMap((a) => (a.guessing !== undefined ? [a.guessing] : []));
  const most = (a: Flood, b: Flood): number => b.t.n - a.t.n;
  // A capture with no internal originator analyses the Internet's clients as its hosts: theirs is inbound guessing too.
  const fromInside = guessers.filter((f) => f.guessing!.clientInside !== false).sort(most);
  const fromOutside = [...guessers.filter((f) => f.guessing!.clientInside === false), ...inbound].sort(most);
  if (fromInside.length > 0) {
    lines.push(
      `Password guessing: ${firstOf(fromInside.map(guessingItem), HOSTS_SAID, 'more host')} — ` +
        'logging in again and again, faster than a person or a program that logs in would: ' +
        "a brute-force attack from this network (a compromised machine, a worm, or someone's tool), not a DDoS.",
    );
  }
  if (fromOutside.length > 0) {
    lines.push(
      `Password guessing from outside the network: ${firstOf(fromOutside.map(guessingItem), HOSTS_SAID, 'more client')} — ` +
        `${fromOutside.length === 1 ? 'a machine' : 'machines'} on the Internet logging in again and again to the network's ` +
        `${new Set(fromOutside.map((f) => f.target)).size === 1 ? 'server' : 'servers'}, not a DDoS: ` +
        (fromOutside.some((f) => f.guessing!.longer !== undefined)
          ? 'ask what the session after the guessing did, '
          : 'look for a session that lasted longer or carried more (a password that worked), ') +
        'and whether the service should be reachable from outside at all.',
    );
  }
  return lines;
}

/** Whether a destination group goes to a server a host guesses passwords at: its schedule is the tool's pace, no beacon's. */
export function atGuessedServer(
  g: { addressList: readonly string[] },
  flood: Flood | null | undefined,
  spread: SpreadGuessing | null = null,
): boolean {
  if (flood?.guessing !== undefined && g.addressList.includes(flood.guessing.address)) return true;
  return spread !== null && g.addressList.length > 0 && g.addressList.every((a) => spread.addresses.has(a));
}
