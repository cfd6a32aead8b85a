/**
 * Password guessing: a host that logs in to one login service (SSH, RDP, FTP, Telnet, a mailbox,
 * VNC, WinRM) again and again, fast, each session answered and over within seconds. A brute-force
 * tool (Hydra, Medusa, a worm's own) opens a connection, tries a password or a few, is turned
 * away by the server and opens the next; the handshakes complete, so no count of failed attempts
 * shows it (a flood's, tally.ts, needs most of them to fail). A person or a program that logs in
 * keeps its session, or comes back minutes apart; a monitoring check opens one now and then.
 *
 * It is a high rate of attempts at one target — DESIGN.md's `flood` — and is labelled so, its
 * verdict saying what it is: password guessing, not a DDoS.
 */
import { floodWords, type Flood, type Tally, type TargetStats } from './tally.js';
import { sequentialPorts } from './schedule.js';
import { median } from './stats.js';
import { bytes, count, duration, endpoint } from '../quantities.js';

/**
 * Login services by TCP port. Databases (1433, 3306, 5432) and file sharing (445) are left out:
 * an application without a connection pool opens a short session to its database for every
 * request, hundreds a second, and Windows opens SMB sessions to its domain controller for much
 * of what it does.
 */
export const LOGIN_SERVICES: ReadonlyMap<number, string> = new Map([
  [21, 'FTP'],
  [22, 'SSH'],
  [23, 'Telnet'],
  [110, 'POP3'],
  [143, 'IMAP'],
  [993, 'IMAP over TLS'],
  [995, 'POP3 over TLS'],
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
/** Durations and byte counts kept per target for their medians. */
const KEPT = 2000;

/** What made a host's attempts at one login service password guessing. */
export interface Guessing {
  /** The service's name ("SSH"), and the server's address. */
  service: string;
  address: string;
  /** Sessions the server answered (established). */
  sessions: number;
  /** Of them, those short and small. */
  short: number;
  /** Median session length, in seconds; null where the input keeps none (a firewall log's one line per attempt). */
  medianSeconds: number | null;
  /** Median bytes the client sent in a session; null where the input counts none. */
  medianBytesOut: number | null;
}

/** One target's counts, as the host's attempts at it are met. */
interface TargetCounts {
  at: number;
  attempts: number;
  sessions: number;
  short: number;
  /** Data connections to the same server (passive FTP's): transfers of sessions that logged in. */
  transfers: number;
  first: number;
  last: number;
  ports: number[];
  seconds: number[];
  bytesOut: number[];
  anyBytes: boolean;
  anyDuration: boolean;
}

/**
 * The host's password guessing at one login service, as a flood of that target, the most
 * sessions if several; null where there is none. Its sessions are the connections the server
 * answered, attempts or not: a capture begun while the tool runs holds sessions whose SYN it
 * missed, each a guess all the same.
 */
export function findGuessing(tally: Tally): Flood | null {
  const items = tally.items;
  // Most hosts attempt no login service that often: their connections are not read again.
  let often = false;
  for (const port of LOGIN_SERVICES.keys()) if ((tally.addressesByPort.get(port)?.n ?? 0) >= FEW_ATTEMPTS) often = true;
  if (!often) return null;
  const targets = new Map<string, TargetCounts>();
  for (let i = 0; i < items.n; i++) {
    if (items.viaProxy[i] === 1 || (items.attempt[i] === 0 && items.outcome[i] !== 'established')) continue;
    const c = items.conn.peek(i);
    if (c.proto !== 'tcp') continue;
    if (!LOGIN_SERVICES.has(c.respP)) {
      // A transfer of an FTP session the host logged in to: the login was no guess.
      const ftp = targets.size > 0 ? targets.get(`${c.respH} ${FTP}`) : undefined;
      if (ftp !== undefined && items.outcome[i] === 'established') ftp.transfers++;
      continue;
    }
    const key = `${c.respH} ${c.respP}`;
    let t = targets.get(key);
    if (t === undefined) {
      t = {
        at: i,
        attempts: 0,
        sessions: 0,
        short: 0,
        transfers: 0,
        first: c.ts,
        last: c.ts,
        ports: [],
        seconds: [],
        bytesOut: [],
        anyBytes: false,
        anyDuration: false,
      };
      targets.set(key, t);
    }
    t.attempts++;
    if (t.ports.length < 500) t.ports.push(c.origP);
    if (items.outcome[i] !== 'established') continue;
    const seconds = c.lastTs - c.ts;
    t.sessions++;
    if (seconds <= SHORT_SECONDS && c.origBytes <= SMALL_BYTES) t.short++;
    if (t.seconds.length < KEPT) {
      t.seconds.push(seconds);
      t.bytesOut.push(c.origBytes);
    }
    if (seconds > 0) t.anyDuration = true;
    if (c.origBytes > 0) t.anyBytes = true;
    if (c.ts < t.first) t.first = c.ts;
    if (c.ts > t.last) t.last = c.ts;
  }
  let best: TargetCounts | null = null;
  for (const t of targets.values()) {
    if (t.sessions < FAST_GUESS_SESSIONS || t.sessions * 2 <= t.attempts || t.short < SHORT_SHARE * t.sessions) continue;
    const rate = t.sessions / Math.max(t.last - t.first, 1);
    if (rate < (t.sessions >= GUESS_SESSIONS ? GUESS_RATE : FAST_GUESS_RATE)) continue;
    // A script that logs in for every file it sends (curl, one upload at a time) opens a transfer for each.
    if (t.transfers >= TRANSFER_SHARE * t.sessions) continue;
    if (best === null || t.sessions > best.sessions) best = t;
  }
  if (best === null) return null;
  const c = items.conn.peek(best.at);
  const stats: TargetStats = {
    n: best.sessions,
    attempts: best.attempts,
    failed: best.attempts - best.sessions,
    first: best.first,
    last: best.last,
    ports: best.ports,
  };
  return {
    target: endpoint(c.respH, c.respP),
    t: stats,
    cutOff: 0,
    rate: best.sessions / Math.max(best.last - best.first, 1),
    sequential: sequentialPorts(best.ports).sequential,
    unit: 'SYN',
    guessing: {
      service: LOGIN_SERVICES.get(c.respP)!,
      address: c.respH,
      sessions: best.sessions,
      short: best.short,
      medianSeconds: best.anyDuration ? median(best.seconds) : null,
      medianBytesOut: best.anyBytes ? median(best.bytesOut) : null,
    },
  };
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
  return `${count(g.sessions)} of ${count(attempts)} answered${short}${GUESSING_MARK}`;
}

/** How a flood's evidence line that is password guessing ends. */
const GUESSING_MARK = ': password guessing';

/** Whether a host's finding (its JSON, as compare reads it) is labelled `flood` for guessing passwords. */
export function guessesPasswords(finding: { evidence: readonly string[] }): boolean {
  return finding.evidence.some((e) => e.startsWith('flood: ') && e.endsWith(GUESSING_MARK));
}

/**
 * The verdict's sentence of a host guessing passwords (`flood.guessing` set), told by whether
 * the service is inside the internal networks (`inside`).
 */
export function guessingSentence(flood: Flood, inside: boolean): string {
  const g = flood.guessing!;
  return (
    `Guesses passwords — a brute-force login at ${g.service}, not a DDoS: ${floodWords(flood)}, ` +
    `${guessingWords(g, flood.t.attempts).slice(0, -GUESSING_MARK.length)}; ` +
    `a person or a program that logs in keeps its session or comes back minutes later, it does not log in ${count(g.sessions)} times. ` +
    (inside
      ? 'The server is inside the network: an intruder moving from machine to machine, or a worm, tries passwords so — find the process on this host that opened them.'
      : 'The server is outside the network: this host is attacking others — a compromised machine or a worm; find the process that opened them.')
  );
}

/** Hosts named in the summary's line. */
const HOSTS_SAID = 5;

/**
 * The summary's line of the hosts guessing passwords, most sessions first: "10.0.0.5 guesses
 * passwords at 203.0.113.10:22 (SSH, 1,500 logins in 12 min) — a brute-force attack from inside
 * the network, not a DDoS."; null when none does.
 */
export function guessingLine(analyses: readonly { finding: { address: string }; guessing?: Flood }[]): string | null {
  const guessers = analyses.filter((a) => a.guessing !== undefined).sort((a, b) => b.guessing!.t.n - a.guessing!.t.n);
  if (guessers.length === 0) return null;
  const said = guessers.slice(0, HOSTS_SAID).map((a) => {
    const f = a.guessing!;
    return `${a.finding.address} at ${f.target} (${f.guessing!.service}, ${count(f.t.n)} connections in ${duration(f.t.last - f.t.first)})`;
  });
  const more = guessers.length - said.length;
  return (
    `Password guessing: ${said.join(', ')}${more > 0 ? ` and ${more} more host${more > 1 ? 's' : ''}` : ''} — ` +
    'logging in again and again, faster than a person or a program that logs in would: ' +
    "a brute-force attack from this network (a compromised machine, a worm, or someone's tool), not a DDoS."
  );
}
