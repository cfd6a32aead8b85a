/**
 * Mail sent straight out: a host that keeps opening SMTP connections (ports 25, 465, 587) to
 * servers outside the network, most of them turned away. Networks send their mail through their
 * own mail server and deny the rest at the firewall, so a machine that goes to other domains'
 * mail servers itself — and is denied again and again — is an application mailing past the
 * network's server, or a spam bot. Not one of DESIGN.md's labels (they are about the web and
 * schedules): the run summary names such hosts, whatever else they are found to do.
 */
import type { CidrSet } from './cidr.js';
import { deniedInLog, middleboxOutcome, type Items } from './outcomes.js';
import { count, firstOf, plural } from '../quantities.js';

/** SMTP's ports: relay between mail servers (25), submission over TLS (465), submission (587). */
const MAIL_PORTS = new Set([25, 465, 587]);
/** Attempts before a host's mail is said: a handful is one message retried. */
const MIN_MAIL_ATTEMPTS = 20;
/** Addresses told apart per host, enough to count a spam run's. */
const MAX_ADDRESSES = 10_000;
/** Hosts named in the summary's line. */
const HOSTS_SAID = 3;

/** One host's SMTP connections to servers outside the network, when most of them failed. */
export interface MailOut {
  attempts: number;
  failed: number;
  /** Of the failed: turned away by a device in the path (a firewall's log denial among them), and those only a log's denial tells of. */
  inPath: number;
  denied: number;
  unanswered: number;
  addresses: number;
  ports: number[];
}

/**
 * A host's direct SMTP attempts outside the internal networks (`attempts`: positions in
 * `items`), when there are MIN_MAIL_ATTEMPTS of them or more and most failed; else undefined.
 */
export function mailOutOf(items: Items, attempts: readonly number[], internal: CidrSet): MailOut | undefined {
  let n = 0;
  let failed = 0;
  let inPath = 0;
  let denied = 0;
  let unanswered = 0;
  const addresses = new Set<string>();
  const ports = new Set<number>();
  for (const i of attempts) {
    if (items.viaProxy[i] === 1) continue;
    const c = items.conn.peek(i);
    if (c.proto !== 'tcp' || !MAIL_PORTS.has(c.respP) || internal.hasResp(c)) continue;
    n++;
    ports.add(c.respP);
    if (addresses.size < MAX_ADDRESSES) addresses.add(c.respH);
    const outcome = items.outcome[i]!;
    if (outcome === 'established') continue;
    failed++;
    const refusal = items.refusal[i];
    if (middleboxOutcome(outcome, refusal)) {
      inPath++;
      if (deniedInLog(refusal)) denied++;
    } else if (outcome === 'unanswered') unanswered++;
  }
  if (n < MIN_MAIL_ATTEMPTS || failed * 2 <= n) return undefined;
  return { attempts: n, failed, inPath, denied, unanswered, addresses: addresses.size, ports: [...ports].sort((a, b) => a - b) };
}

/** "2,851 SMTP connections on ports 25, 587 to 26 servers outside the network; 2,666 denied by the firewall". */
export function mailFacts(m: MailOut): string {
  const ways: string[] = [];
  const other = m.inPath - m.denied;
  if (m.denied > 0) ways.push(`${count(m.denied)} denied by the firewall`);
  if (other > 0) ways.push(`${count(other)} refused by a device in the path`);
  if (m.unanswered > 0) ways.push(`${count(m.unanswered)} never answered`);
  const rest = m.failed - m.inPath - m.unanswered;
  if (rest > 0) ways.push(`${count(rest)} refused by the servers`);
  return (
    `${plural(m.attempts, 'SMTP connection')} on port${m.ports.length > 1 ? 's' : ''} ${m.ports.join(', ')} ` +
    `to ${plural(m.addresses, 'server')} outside the network; ${ways.join(', ')}`
  );
}

/** What mail sent straight out and turned away is, for one host or several. */
function mailMeaning(one: boolean): string {
  return (
    `${one ? 'an application that mails' : 'applications that mail'} past the network's mail server, or a spam bot ` +
    "(the network's own mail server would not be turned away)"
  );
}

/** The host's verdict's sentence: "Sends mail straight out and is turned away: 2,086 SMTP connections … — an application …". */
export function mailSentence(m: MailOut): string {
  return `Sends mail straight out and is turned away: ${mailFacts(m)} — ${mailMeaning(true)}.`;
}

/**
 * The summary's line of the hosts sending mail straight out, most attempts first: "Mail sent
 * straight out, and turned away: 192.168.6.81 (2,666 SMTP connections on ports 25, 587 to 18
 * servers outside the network; 2,666 denied by the firewall) — an application that mails past
 * the network's mail server, or a spam bot …".
 */
export function mailOutLine(hosts: readonly { address: string; mail: MailOut }[]): string | null {
  if (hosts.length === 0) return null;
  const sorted = [...hosts].sort((a, b) => b.mail.attempts - a.mail.attempts || (a.address < b.address ? -1 : 1));
  const said = sorted.map(({ address, mail }) => `${address} (${mailFacts(mail)})`);
  return `Mail sent straight out, and turned away: ${firstOf(said, HOSTS_SAID, 'more host')} — ${mailMeaning(sorted.length === 1)}.`;
}
