/**
 * Verdicts: one paragraph per host that says what its behaviour most likely is, weighs the
 * alternatives (an update agent turned away, a beacon, a scan, a flood) and gives the numbers.
 */
import { likelyFirewall } from './attribution.js';
import type { CidrSet } from './cidr.js';
import {
  destinationCount,
  pingsOnly,
  scheduleGetsThrough,
  targetsOf,
  totalsOf,
  turnedAwayAmong,
  type Destinations,
  type HostGroups,
  type TurnedAwayOf,
} from './groups.js';
import { dnsTunnelWords, reachesOutside, type Labelling } from './labels.js';
import { mailSentence, type MailOut } from './mail-out.js';
import { guessingSentence, spreadSentence } from './guessing.js';
import { answersOnLink, type Interception } from './interception.js';
import {
  ABANDONED,
  abandonedByClient,
  CUT_OFF_SECONDS,
  DENIED_IN_LOG,
  deniedInLog,
  middleboxOutcome,
  opensAttempt,
  type Items,
} from './outcomes.js';
import { bytes, count, duration, hops, plural, rate, share, ttl } from '../quantities.js';
import {
  certaintyWords,
  cycleWords,
  insideBurstWords,
  jitterWords,
  pauseWords,
  randomisedWords,
  periodWords,
  portWords,
  shapeWords,
  spellWords,
  untimedWords,
} from './schedule-words.js';
import { directRate, directSpread, filteredOnName, floodWords, namingWords, scanWords, type Flood, type Tally } from './tally.js';
import type { DestinationGroup, HostFinding, Label, ResetAttribution, ResetSource, Schedule } from './types.js';
import { backsOff, dnsFacts, isQuic } from './udp.js';
import type { Connection } from '../flows/connection.js';
import type { DnsSchedule } from './dns-schedule.js';

export interface VerdictFacts extends Labelling {
  /** Resolvers inside the network that answered DNS. */
  resolvers?: readonly string[];
  items: Items;
  destinations: Destinations;
  tally: Tally;
  /** The host's destination groups it shows (HostGroups.shown), heaviest first. */
  groups: DestinationGroup[];
  /** All of them, and each item's. */
  hostGroups: HostGroups;
  isProxyHost: boolean;
  internal: CidrSet;
  /** A transparent proxy in the path (interception.ts), or null: what "gets through" reaches. */
  interception?: Interception | null;
  /** The browser every direct web request that names an agent names (HostAnalysis.browser), or null. */
  browser?: string | null;
  /** Whether the run reaches outside the internal networks at all (HostContext.outsideSeen). */
  outsideSeen?: boolean;
  /** Its SMTP connections outside the network, most turned away (HostAnalysis.mailOut), or null. */
  mail?: MailOut | null;
}

/**
 * A schedule as the verdict gives it: its shape when it has one, a longer cycle on top, and how sure
 * it is. `single`: what one event is called when events come singly ("one exchange every 15 s
 * (jitter ±1%)"), for the packet bursts of a UDP flow, which are no requests.
 */
function scheduleFacts(s: Schedule, single: string | null = null, to = ''): string {
  const parts: string[] = [];
  if (single !== null && s.periodic && s.periodSeconds !== null && (s.burstSize === null || s.burstSize <= 1)) {
    parts.push(
      `one ${single} ${periodWords(s.periodSeconds)}${randomisedWords(s)}${s.jitter !== null ? ` (${jitterWords(s.jitter)})` : ''}`,
    );
  } else if (s.periodic || (s.burstSize !== null && s.burstSize > 1)) {
    // Bursts with no period to give: the pause between them says how they recur.
    parts.push(
      !s.periodic && s.pauseSeconds !== undefined ? `${shapeWords(s)} ${pauseWords(s.pauseSeconds)}${spellWords(s)}` : shapeWords(s),
    );
  }
  // Where it goes, right after the shape: "one connection every 3 min to X, in spells that repeat …".
  if (to !== '') {
    if (parts.length > 0) parts[0] += to;
    else parts.push(to.trimStart());
  }
  if (s.cycleSeconds !== null) parts.push(cycleWords(s.cycleSeconds, s.burstSize));
  const sure = certaintyWords(s);
  if (sure !== '') parts.push(sure);
  return parts.join(', ');
}

/**
 * A periodic group's schedule with where it goes (`to`: " to X", `notes` in a bracket after it):
 * "one connection every 3 min 27 s to 51.68.170.0/24, in spells that repeat every 17 h 56 min". A
 * schedule one address of the group keeps is said as that address's: "one connection every 1 min
 * to www.google.com (at 142.251.221.68 alone)".
 */
function scheduleTo(g: DestinationGroup, to: string, ...notes: string[]): string {
  const { address, ...rest } = g.schedule;
  return address === undefined
    ? scheduleFacts(g.schedule, null, `${to}${bracketed(...notes)}`)
    : scheduleFacts(rest, null, `${to}${bracketed(`at ${address} alone`, ...notes)}`);
}

/** The direct group that stands for what a blocked host's software tried (see `turnedAwayAmong`). */
export type TurnedAway = TurnedAwayOf<DestinationGroup>;

/**
 * What a blocked host tried to reach, from its destination groups in order of weight (all of
 * them, or those a finding kept with `omitted`, the totals of the rest).
 */
export function turnedAwayOf(groups: readonly DestinationGroup[], omitted?: HostFinding['groupsOmitted']): TurnedAway {
  return turnedAwayAmong(groups, totalsOf, omitted);
}

/** What becomes of a group's attempts on a schedule, in a word: "gets through", "reset", "dropped", "fails". */
export function periodicOutcome(g: DestinationGroup): string {
  const reset = g.resets.middlebox + g.resets.endpoint + g.resets.unknown;
  const abandoned = g.abandonedByClient ?? 0;
  if (g.established > g.failed) return 'gets through';
  if (reset >= g.unanswered + abandoned && reset > 0) return 'reset';
  return g.unanswered >= abandoned && g.unanswered > 0 ? 'dropped' : abandoned > 0 ? ABANDONED : 'fails';
}

/** The other direct destination groups on a schedule, briefly: "x every 4 min 56 s (reset)". */
function alsoPeriodic(groups: readonly DestinationGroup[], main: DestinationGroup | undefined): string {
  const words: string[] = [];
  for (const g of groups) {
    if (g === main || g.viaProxy || !g.schedule.periodic || g.schedule.periodSeconds === null) continue;
    words.push(`${g.destination} ${periodWords(g.schedule.periodSeconds)} (${periodicOutcome(g)})`);
  }
  if (words.length > 3) return `${words.slice(0, 3).join(', ')} and ${plural(words.length - 3, 'more group')}`;
  return words.join(', ');
}

function deviceWords(source: ResetSource | undefined): string {
  if (source === undefined) return 'a device in the path';
  if (source.kind === 'log') return `the firewall (its log: ${source.senders.join(', ')})`;
  if (source.kind === 'icmp' && source.senders.length === 1) {
    return `${source.senders[0]} (${hops(source.hops)}, ICMP "administratively prohibited" or unreachable)`;
  }
  return `a device with ${hops(source.hops)} (${ttl(source.ttl, source.addressList)}${source.medianRttMs !== null ? `, ${duration(source.medianRttMs / 1000)}` : ''}${likelyFirewall(source) ? ', most likely the firewall' : ''})`;
}

/** How a group's failed attempts failed, by who turned them away. */
function failureWords(f: VerdictFacts, g: DestinationGroup, noun = 'attempt'): string {
  const refused = refusedAttempts(f, g);
  const parts: string[] = [];
  if (refused.endpoint > 0) parts.push(`${howMany(refused.endpoint, g.attempts, noun)} refused by the server itself`);
  if (refused.middlebox > refused.denied)
    parts.push(`${howMany(refused.middlebox - refused.denied, g.attempts, noun)} refused by a device in the path`);
  if (refused.denied > 0) parts.push(`${howMany(refused.denied, g.attempts, noun)} ${DENIED_IN_LOG}`);
  if (refused.unknown > 0) parts.push(`${howMany(refused.unknown, g.attempts, noun)} refused (by whom cannot be told)`);
  if (g.unanswered > 0) parts.push(`${howMany(g.unanswered, g.attempts, noun)} never answered`);
  const abandoned = g.abandonedByClient ?? 0;
  if (abandoned > 0) parts.push(`${howMany(abandoned, g.attempts, noun)} ${ABANDONED}`);
  return parts.length > 0 ? parts.join(', ') : `${plural(g.failed, noun)} failed`;
}

/**
 * What became of a flood's attempts: "100% of 600 connections failing", with those the end of the
 * capture cut off said apart ("…, 40 more cut off by the end of the capture"; "all 200 cut off by
 * the end of the capture, too soon to tell whether they were answered").
 */
function floodOutcomeWords(flood: Flood, noun: string, failing: string): string {
  const { attempts, failed } = flood.t;
  const cut = flood.cutOff;
  if (attempts === 0) return `all ${plural(cut, noun)} cut off by the end of the capture, too soon to tell whether they were answered`;
  return `${share(failed, attempts)} of ${plural(attempts, noun)} ${failing}${cut > 0 ? `, ${count(cut)} more cut off by the end of the capture` : ''}`;
}

/**
 * A group's attempts that were refused, by who refused them; `denied`, among the middlebox's,
 * those only a firewall's log tells of. The group's `resets` count the connections reset, and
 * Windows sends a refused SYN again, twice, each a connection of its own reset again
 * (outcomes.ts): "119 of 42 attempts" is what counting those against attempts says.
 */
function refusedAttempts(f: VerdictFacts, g: DestinationGroup): Record<ResetAttribution | 'denied', number> {
  const n = { middlebox: 0, endpoint: 0, unknown: 0, denied: 0 };
  for (const i of f.hostGroups.itemsOf(g)) {
    const refusal = f.items.refusal[i];
    if (f.items.attempt[i] === 0 || refusal === undefined || f.items.outcome[i] === 'established') continue;
    n[refusal.attribution]++;
    if (deniedInLog(refusal)) n.denied++;
  }
  return n;
}

/**
 * The share of a host's direct attempts a device in the path must refuse for the verdict to tell
 * the story of software turned away in the path when the host is not labelled blocked: one in ten
 * (one reset among 94 attempts is a device's slip, not what the host's software runs into).
 */
const TURNED_AWAY_SHARE = 0.1;

/** "every attempt", "the one attempt", "405 of 420 attempts". */
function howMany(part: number, whole: number, noun: string): string {
  if (part === whole) return whole === 1 ? `the one ${noun}` : `every ${noun}`;
  return `${count(part)} of ${plural(whole, noun)}`;
}

/** A sentence in two parts: what it is about ("A periodic beacon that gets through — worth investigating"), and its facts. */
interface Headed {
  head: string;
  rest: string;
}

const sentence = (h: Headed): string => `${h.head}: ${h.rest}`;

/** A host's verdict, and what the run summary says of the host's schedule. */
export interface Verdict {
  text: string;
  /**
   * The head of the verdict's sentence about what recurs on a schedule ("A periodic beacon that
   * gets through — worth investigating") and the destination group it is about (null: a name
   * looked up); null when no sentence of the verdict leads with the host's schedule.
   */
  schedule: { head: string; destination: string | null } | null;
}

export function verdictOf(f: VerdictFacts): Verdict {
  const has = (l: Label): boolean => f.labels.includes(l);
  const t = f.tally;
  const sentences: string[] = [];
  let schedule: Verdict['schedule'] = null;
  const lead = (h: Headed, destination: string): void => {
    sentences.push(sentence(h));
    schedule = { head: h.head, destination };
  };
  const past = pastResolverWords(f);
  const inPath = t.directRefusedInPath;
  if (f.isProxyHost) {
    sentences.push(`The proxy itself: its direct web connections are expected (${plural(f.items.n, 'connection')}).`);
    return { text: sentences.join(' '), schedule };
  }
  if (has('flood') && f.flood?.guessing !== undefined) {
    sentences.push(guessingSentence(f.flood));
  } else if (has('flood') && f.flood !== null) {
    sentences.push(
      `Looks like a flood — what a DDoS participant would do: ${floodWords(f.flood)}, ` +
        (f.flood.unit === 'SYN'
          ? `${portWords(f.flood.sequential)}, ${floodOutcomeWords(f.flood, 'connection', 'failing')}; `
          : `from ${plural(new Set(f.flood.t.ports).size, 'source port')}, ${floodOutcomeWords(f.flood, 'flow', 'never answered')}; `) +
        'an update agent or a beacon would not hammer one address like this.',
    );
  } else if (has('scanner') && f.scan !== null) {
    sentences.push(
      `A scan: ${scanWords(f.scan)} — ` +
        `probing for ${f.scan.pings ? 'live hosts' : 'open services'}, not software calling home and not a flood at one target.`,
    );
    if (f.spreadGuessing !== null) sentences.push(spreadSentence(f.spreadGuessing));
  } else if (t.direct.length > 0 && (has('blocked') || (inPath > 0 && inPath >= TURNED_AWAY_SHARE * t.direct.length))) {
    // The direct group that failed most, periodic ones first: that is the software turned away.
    const away = f.hostGroups.turnedAway();
    const group = away.group;
    const s = group?.schedule;
    const facts: string[] = [];
    // A scattered host's largest group has no schedule that stands for the host.
    const sched = s !== undefined && away.concentrated ? scheduleFacts(s) : '';
    if (sched) facts.push(sched);
    if (group !== undefined && !away.concentrated) {
      // Scattered: no one destination stands for what the host tried.
      facts.push(
        `${plural(away.failed, 'failed attempt')} spread over ${plural(away.destinations, 'destination')}, ` +
          `no more than ${count(group.failed)} at any one (${group.destination})`,
      );
    } else if (group !== undefined) {
      const blocks = group.netblocks.length;
      const cdn = group.addresses >= 3 && blocks === 1 ? ' (a CDN)' : '';
      // A name reached over both (a dual-stack host trying one, then the other): said, for the bursts that makes.
      const v6 = group.netblocks.filter((b) => b.includes(':')).length;
      const families = v6 > 0 && v6 < blocks ? ' (IPv4 and IPv6)' : '';
      // A group named by its one netblock is said by it: "in 72.246.53.0/24 (a CDN)".
      const block = blocks === 1 && group.netblocks[0] === group.destination;
      const named =
        group.groupedBy === 'dns' || group.groupedBy === 'host' || group.groupedBy === 'sni'
          ? ` for ${group.destination}`
          : group.groupedBy === 'org'
            ? ` of ${group.destination}`
            : '';
      // One address is said as itself: "one address (203.0.113.94)", not "1 address in one /24".
      const one = group.addresses === 1 ? group.addressList[0] : undefined;
      facts.push(
        one !== undefined
          ? `one address (${one})${named}`
          : `${plural(group.addresses, 'address', 'addresses')} in ${block ? group.destination : blocks === 1 ? `one ${group.netblocks[0]!.endsWith('/48') ? '/48' : '/24'}` : `${blocks} netblocks`}${families}${cdn}` +
              `${block ? '' : named !== '' ? named : ` (${group.destination})`}`,
      );
    }
    if (s?.sequentialPorts) facts.push(portWords(true));
    // Past a proxy (or QUIC, which a network with a proxy drops) silence is the firewall's drop;
    // else it may as well be a server that is gone.
    const quic = t.directUdp > t.direct.length / 2;
    // Attempts never answered, and those a device refused after they had closed (which are neither).
    const dropped = t.directBlocked - t.directMiddlebox;
    const refusedWords =
      inPath > 0 || dropped === 0
        ? `${howMany(inPath > 0 ? inPath : t.directMiddlebox, t.direct.length, 'attempt')} ${f.mainRefusal?.attribution === 'middlebox' && f.mainSource?.kind === 'icmp' ? 'refused by' : f.mainSource?.kind === 'log' ? 'denied by' : 'reset by'} ${deviceWords(f.mainSource?.attribution === 'middlebox' ? f.mainSource : undefined)}`
        : `${howMany(dropped, t.direct.length, 'attempt')} never answered${quic || has('proxy-bypass') ? ' (silently dropped)' : ''}`;
    // Reset once the client named the site, after a handshake with the server itself: a filter by name.
    const main = f.mainRefusal;
    const by = inPath > 0 ? filteredOnName(main) : null;
    const named = by !== null ? namingWords(by) : null;
    facts.push(named === null ? refusedWords : `${refusedWords} as soon as its ${named.message} named the site (${named.filter})`);
    // A browser's requests with no schedule: a page loading from a server the network turns away
    // (software calling home on a schedule may name a browser too).
    const browser = f.browser ?? null;
    const page = browser !== null && !quic && s?.periodic !== true;
    const what = quic
      ? `HTTP/3 (QUIC over UDP) straight to the Internet${has('proxy-bypass') ? ` past the proxy ${f.proxyWords}, which carries no QUIC` : ''}, ` +
        `turned away in the path — a browser or agent trying QUIC before falling back, not a DDoS participant`
      : page
        ? `A browser (${browser}) going to the web directly${has('proxy-bypass') ? ` past the proxy ${f.proxyWords}` : ''}, ` +
          `${inPath > 0 || dropped === 0 ? 'turned away in the path' : 'unanswered (dropped in the path, or its server is down)'} — ` +
          'more likely a page loading than an update agent calling home, and not a DDoS participant'
        : has('proxy-bypass')
          ? `An update agent (or similar software) that ignores the proxy ${f.proxyWords}, not a DDoS participant`
          : inPath > 0 || dropped === 0
            ? 'Software that keeps trying to reach the web directly and is turned away in the path, not a DDoS participant'
            : // Nothing refused it: silence is a firewall's drop, or a server that is gone.
              'Software that keeps trying to reach the web directly and goes unanswered (dropped in the path, or its server is down), not a DDoS participant';
    sentences.push(`${what}: ${facts.join(', ')}.`);
    const others = alsoPeriodic(f.groups, group);
    if (others !== '') sentences.push(`Also: ${others}.`);
    const overall = directRate(f.items, t.direct);
    sentences.push(
      `A flood would send hundreds of attempts per second at one address; this host averages ${rate(overall)}` +
        `${s !== undefined ? insideBurstWords(s) : ''} spread over ${plural(directSpread(t).addresses, 'address', 'addresses')}` +
        `${s?.periodic ? ' on a regular retry schedule' : ''}.`,
    );
  } else if (f.periodicGroups.length > 0) {
    const g = f.periodicGroups[0]!;
    // Through the proxy, the address is the proxy's: where the requests go is the name they ask for.
    const external = reachesOutside(g, f.internal);
    const flow = g.schedule.basis === 'requests in one connection' ? udpFlowOf(f, g) : null;
    if (flow !== null) {
      lead(udpBeaconWords(f, g, flow, external), g.destination);
      return finish(f, sentences, past, schedule);
    }
    if (pingsOnly(g)) {
      lead(pingWords(f, g, external), g.destination);
      return finish(f, sentences, past, schedule);
    }
    const noun = g.schedule.basis === 'requests in one connection' ? 'request' : 'connection';
    const where = g.schedule.basis === 'requests in one connection' ? ' on one long-lived connection' : '';
    // Requests in one connection: that connection's bytes over its requests — not the group's, whose
    // other connections (an upload beside a keep-alive) sent bytes of their own.
    const carrier = g.schedule.basis === 'requests in one connection' ? requestsCarrierOf(f, g) : null;
    const perAttempt =
      carrier !== null
        ? carrier.c.origBytes / Math.max(1, carrier.c.requestTimes.length)
        : g.bytesOut / Math.max(1, g.attempts > 0 ? g.attempts : g.schedule.attempts);
    const refusedByProxy = g.viaProxy ? proxyAnswers(f, g) : null;
    if (mostlyRefused(refusedByProxy)) {
      lead(
        {
          head: 'Periodic requests the proxy turns away',
          rest:
            `${scheduleTo(g, `${where} to ${g.destination}`, 'through the proxy')}; ${proxyRefusalWords(refusedByProxy)} — ` +
            (refusedByProxy.status === 407
              ? "software that cannot give the proxy credentials (running without the user's: an update agent, a service, a beacon) and tries again on its schedule."
              : "requests the proxy's policy forbids, tried again on a schedule."),
        },
        g.destination,
      );
    } else if (scheduleGetsThrough(g) && !external && f.outsideSeen !== false) {
      // Between internal machines (every schedule of the host is: one reaching outside would lead),
      // in a run that shows the network reaching outside too.
      lead(
        {
          head: `Periodic ${noun}s inside the network`,
          rest:
            scheduleTo(g, `${where} to ${g.destination}`, portUse(f, g), 'an internal address') +
            `${bytesCounted(f, g) ? `, ~${bytes(Math.round(perAttempt))} out per ${noun}` : ''}: ` +
            'how monitoring, backup and management systems poll the machines they look after, or a service checks in with its server — ' +
            'and how an intruder’s foothold checks in across the network; worth a look if neither machine is expected to.',
        },
        g.destination,
      );
    } else if (scheduleGetsThrough(g)) {
      // A firewall log counts no bytes: none is said, rather than "~0 B".
      const size = bytesCounted(f, g)
        ? `, ~${bytes(Math.round(perAttempt))} out per ${noun}; regular small check-ins`
        : '; regular check-ins';
      lead(
        {
          head: 'A periodic beacon that gets through — worth investigating',
          rest:
            scheduleTo(
              g,
              `${where} to ${g.destination}`,
              portUse(f, g),
              g.viaProxy ? 'through the proxy' : '',
              external ? '' : 'an internal address',
            ) + `${size} like this are how C2 agents and update checkers behave.`,
        },
        g.destination,
      );
      if (interceptedGroup(f, g)) {
        sentences.push(
          `Its connections were answered by the transparent proxy in the path (TTL ${f.interception!.ttl}, ${f.interception!.medianRttMs} ms), ` +
            'not by the server: whether the proxy passed them on, its own log says.',
        );
      }
    } else {
      lead(
        {
          head: 'Periodic attempts that fail',
          rest: `${scheduleTo(g, ` to ${g.destination}`, portUse(f, g))}, ${failureWords(f, g)}.`,
        },
        g.destination,
      );
    }
  } else if (has('proxy-bypass') && t.directEstablished > t.direct.length / 2) {
    sentences.push(
      `Reaches the web directly, past the proxy ${f.proxyWords}: ${plural(t.direct.length, 'direct attempt')} to ${plural(destinationCount(f.destinations, t.direct), 'destination')}, ` +
        `${count(t.directEstablished)} established — the firewall lets them through; nothing regular.`,
    );
  } else {
    const { items } = f;
    const refused = t.attempts.filter(
      (i) => items.outcome[i] === 'reset-endpoint' || items.outcome[i] === 'reset-unknown' || items.outcome[i] === 'refused-icmp',
    );
    // Attempts that got nothing back: those left without an answer, and those their client gave up on first.
    const silent = t.attempts.filter((i) => items.outcome[i] === 'unanswered');
    const abandoned = silent.filter((i) => abandonedByClient(items.conn.peek(i)));
    const unanswered = abandoned.length === 0 ? silent : silent.filter((i) => !abandonedByClient(items.conn.peek(i)));
    if (t.attempts.length > 0 && refused.length / t.attempts.length > 0.5) {
      const targets = targetsOf(items, refused, 4);
      const attribution = items.refusal[refused[0]!];
      const firstPort = items.conn.get(refused[0]!).origP;
      const samePort = refused.length > 1 && refused.every((i) => items.conn.get(i).origP === firstPort);
      const resent = resentRefusedSyns(items);
      const again =
        resent > 0
          ? `, ${refused.length === 1 ? 'its SYN' : 'their SYNs'} sent again after each reset (${plural(refused.length + resent, 'SYN')} in all, as Windows does)`
          : '';
      sentences.push(
        `Refused connection attempts: ${plural(refused.length, 'attempt')} to ${targets.slice(0, 3).join(', ')}${targets.length > 3 ? ' …' : ''}` +
          `${refused.length > 1 ? ` retried${samePort ? ' from the same source port' : ''}` : ''}${again}, ` +
          `refused by ${attribution?.attribution === 'endpoint' ? 'the server itself' : attribution?.attribution === 'middlebox' ? 'a device in the path' : 'someone we cannot tell'}` +
          ` (${attribution?.attribution ?? 'unknown'}: ${attribution?.evidence ?? ''}).`,
      );
    } else if (t.attempts.length > 0 && silent.length / t.attempts.length > 0.5) {
      const dns = dnsFacts(items.conn, silent);
      if (dns !== null && dns.flows > silent.length / 2) {
        sentences.push(dnsUnansweredWords(dns, t.attempts.length));
      } else if (abandoned.length >= unanswered.length) {
        // The client reset its own SYN before any answer came: nothing dropped it on the way.
        const one = abandoned.length === 1;
        const which =
          abandoned.length < t.attempts.length
            ? `${count(abandoned.length)} of ${plural(t.attempts.length, 'attempt')}`
            : one
              ? 'its one attempt'
              : `all ${plural(abandoned.length, 'attempt')}`;
        const others = unanswered.length > 0 ? ` ${count(unanswered.length)} more never answered.` : '';
        sentences.push(
          `Connection ${one ? 'attempt' : 'attempts'} the client abandoned itself: ${which} ` +
            `reset by the client before any answer came — it gave up on ${one ? 'it' : 'them'}; nothing in the capture turned ${one ? 'it' : 'them'} away.${others}`,
        );
      } else {
        const syns = unanswered.reduce((n, i) => n + items.conn.get(i).synCount, 0);
        const datagrams = unanswered.reduce((n, i) => n + (items.conn.get(i).proto === 'udp' ? items.conn.get(i).origPkts : 0), 0);
        const sent = [
          syns > 0 || datagrams === 0 ? plural(syns, 'SYN') : '',
          datagrams > 0 ? plural(datagrams, 'UDP datagram') : '',
        ].filter((x) => x !== '');
        sentences.push(
          `Connection attempts that are never answered: ${count(unanswered.length)} of ${plural(t.attempts.length, 'attempt')}` +
            ` (${sent.join(' and ')}) — silently dropped on the way or the server is down` +
            `${abandoned.length > 0 ? `; ${count(abandoned.length)} more ${ABANDONED}, reset by it before any answer came` : ''}.`,
        );
      }
    } else if (items.cutOff.length > 0 && t.attempts.length === 0) {
      sentences.push(
        `Connection ${items.cutOff.length === 1 ? 'attempt' : 'attempts'} cut off by the end of the capture: ${plural(items.cutOff.length, 'attempt')} ` +
          `had no answer in the last ${duration(CUT_OFF_SECONDS)} before the capture ended — too soon to call ${items.cutOff.length === 1 ? 'it' : 'them'} unanswered.`,
      );
    } else if (t.proxied.length > 0) {
      const refused = proxyAnswers(f);
      sentences.push(
        mostlyRefused(refused)
          ? `Turned away by the proxy ${f.proxyWords}: ${plural(t.proxied.length, 'connection')} through it to ${plural(destinationCount(f.destinations, t.proxied), 'destination')}, and ${proxyRefusalWords(refused)}; nothing regular.`
          : `Ordinary browsing through the proxy ${f.proxyWords}: ${plural(t.proxied.length, 'connection')} to ${plural(destinationCount(f.destinations, t.proxied), 'destination')}, nothing regular.`,
      );
    } else if (past === null && !(items.n === 0 && (has('dns-tunnel') || f.dnsSchedules.length > 0))) {
      // (DNS past the network's resolver is said by finish())
      // Attempts that failed here and there are said, as the summary counts them.
      let refused = 0;
      let unanswered = 0;
      let abandoned = 0;
      const failedAt: number[] = [];
      for (const i of t.attempts) {
        const outcome = items.outcome[i];
        if (outcome === 'unanswered') {
          if (abandonedByClient(items.conn.peek(i))) abandoned++;
          else unanswered++;
        } else if (outcome !== 'established') refused++;
        if (outcome !== 'established') failedAt.push(i);
      }
      const failed = [
        refused > 0 ? `${count(refused)} refused` : '',
        unanswered > 0 ? `${count(unanswered)} never answered` : '',
        abandoned > 0 ? `${count(abandoned)} ${ABANDONED}` : '',
      ]
        .filter((x) => x !== '')
        .join(', ');
      // Scattered only when they are: failures at one destination are that destination's.
      const where =
        failedAt.length === 1 ? '' : destinationCount(f.destinations, failedAt) === 1 ? ', all at one destination' : ', scattered';
      sentences.push(
        `Ordinary traffic: ${plural(items.n, 'connection')} to ${plural(destinationCount(f.destinations, null), 'destination')}, ` +
          (failed === ''
            ? 'nothing regular and nothing refused in the path.'
            : `nothing regular; ${count(refused + unanswered + abandoned)} of ${plural(t.attempts.length, 'attempt')} failed (${failed})${where}.`),
      );
    }
  }
  return finish(f, sentences, past, schedule);
}

/** The sentences every verdict ends with; a DNS tunnel leads them. */
function finish(f: VerdictFacts, sentences: string[], past: string | null, schedule: Verdict['schedule']): Verdict {
  const has = (l: Label): boolean => f.labels.includes(l);
  const t = f.tally;
  if (has('dns-tunnel') && f.dnsTunnels.length > 0) {
    const [first, ...more] = f.dnsTunnels;
    sentences.unshift(
      `Carries data in DNS — a DNS tunnel or exfiltration by lookups, worth investigating: ${dnsTunnelWords(first!)}` +
        `${
          more.length > 0
            ? ` (also under ${more
                .slice(0, 3)
                .map((m) => m.domain)
                .join(', ')})`
            : ''
        }; ` +
        'ordinary lookups repeat a few readable names, they do not ask for hundreds of encoded ones under one domain.',
    );
  }
  if (past !== null) sentences.push(past);
  // Mail turned away leads what is otherwise ordinary traffic.
  if (f.mail !== undefined && f.mail !== null) {
    if (f.labels.every((l) => l === 'via-proxy')) sentences.unshift(mailSentence(f.mail));
    else sentences.push(mailSentence(f.mail));
  }
  // The heaviest group whose UDP flows may keep a schedule its log cannot show.
  const untimed = f.groups.find((g) => g.untimed !== undefined && !g.schedule.periodic);
  if (untimed?.untimed !== undefined) {
    const u = untimed.untimed;
    sentences.push(`To ${untimed.destination}: ${untimedWords(u.flows, u.datagrams, u.seconds)}.`);
  }
  const lookups = f.dnsSchedules;
  if (lookups.length > 0) {
    // The lead when nothing else about the host is a finding.
    const alone = f.periodicGroups.length === 0 && f.labels.every((l) => l === 'periodic' || l === 'via-proxy');
    const words = dnsScheduleWords(lookups[0]!, lookups.length - 1);
    if (alone) sentences.unshift(sentence(words));
    else sentences.push(sentence(words));
    // What a host whose connections keep no schedule does on one.
    if (f.periodicGroups.length === 0) schedule = { head: words.head, destination: null };
  }
  if (has('proxy-bypass') && has('via-proxy')) {
    sentences.push(
      `It reaches the web both through the proxy (${plural(t.proxied.length, 'connection')}) and directly (${plural(t.direct.length, 'attempt')}): ` +
        'some software on it does not use the proxy settings.',
    );
  }
  if (has('periodic') && !(t.direct.length > 0 && has('blocked')) && f.periodicGroups.length > 1) {
    sentences.push(`${f.periodicGroups.length} destination groups recur on a schedule.`);
  }
  return { text: sentences.join(' '), schedule };
}

/** Whether most of group `g`'s connections were answered by the transparent proxy `f.interception` names. */
function interceptedGroup(f: VerdictFacts, g: DestinationGroup): boolean {
  const proxy = f.interception;
  if (proxy === null || proxy === undefined || g.viaProxy) return false;
  let answered = 0;
  let intercepted = 0;
  for (const i of f.hostGroups.itemsOf(g)) {
    const c = f.items.conn.peek(i);
    if (c.proto !== 'tcp' || c.handshakeRtt === null) continue;
    answered++;
    if (answersOnLink(proxy, c)) intercepted++;
  }
  return intercepted * 2 > answered;
}

/** HTTP statuses a proxy refuses a request with, and what each says. */
const PROXY_REFUSALS = new Map<number, string>([
  [407, 'Proxy Authentication Required'],
  [403, 'Forbidden'],
]);

/** What the proxy answered a host's requests through it: how many were answered, and its most common refusal. */
interface ProxyAnswers {
  answered: number;
  refused: number;
  status: number;
}

/**
 * The proxy's answers to the host's requests through it (those of group `g` only, when given):
 * null when it refused none. A proxy says 407 to a client that gives no credentials (software that
 * runs without the user's, an update agent, a beacon) and 403 to what its policy forbids — the
 * connection to the proxy is made all the same, and only its answer tells.
 */
function proxyAnswers(f: VerdictFacts, g: DestinationGroup | null = null): ProxyAnswers | null {
  const { items } = f;
  const refusals = new Map<number, number>();
  let answered = 0;
  for (const i of g === null ? items.viaProxy.keys() : f.hostGroups.itemsOf(g)) {
    if (items.viaProxy[i] !== 1) continue;
    const status = items.conn.peek(i).http?.status;
    if (status === undefined) continue;
    answered++;
    if (PROXY_REFUSALS.has(status)) refusals.set(status, (refusals.get(status) ?? 0) + 1);
  }
  let status = 0;
  let refused = 0;
  for (const [s, n] of refusals) {
    refused += n;
    if (n > (refusals.get(status) ?? 0)) status = s;
  }
  return refused === 0 ? null : { answered, refused, status };
}

/** "the proxy answered 38 of its 40 requests 407 (Proxy Authentication Required)". */
function proxyRefusalWords(a: ProxyAnswers): string {
  return `the proxy answered ${a.refused === a.answered ? (a.answered === 1 ? 'its one request' : `all ${count(a.answered)} of its requests`) : `${count(a.refused)} of its ${plural(a.answered, 'request')}`} ${a.status} (${PROXY_REFUSALS.get(a.status)})`;
}

/** Most of the requests refused: the proxy turns the host away. */
const mostlyRefused = (a: ProxyAnswers | null): a is ProxyAnswers => a !== null && a.refused * 2 > a.answered;

/**
 * Whether the group's connections carry byte counts: a capture's and a Zeek log's do (IP bytes
 * at the least), a firewall log's attempts none.
 */
function bytesCounted(f: VerdictFacts, g: DestinationGroup): boolean {
  if (g.bytesOut > 0) return true;
  for (const i of f.hostGroups.itemsOf(g)) {
    const c = f.items.conn.peek(i);
    if (c.origIpBytes > 0 || c.respIpBytes > 0 || c.origBytes > 0) return true;
  }
  return false;
}

/**
 * The UDP flow of a group whose packet bursts made its schedule (the one with most of them) and
 * its position among the host's items, or null when that is a TCP connection.
 */
function udpFlowOf(f: VerdictFacts, g: DestinationGroup): { c: Connection; i: number } | null {
  const carrier = requestsCarrierOf(f, g);
  return carrier !== null && carrier.c.proto === 'udp' ? carrier : null;
}

/**
 * The connection (or UDP flow) of a group whose requests (packet bursts) made its schedule — the
 * one with most of them, as groups.ts measures it — and its position among the host's items.
 */
function requestsCarrierOf(f: VerdictFacts, g: DestinationGroup): { c: Connection; i: number } | null {
  let best: Connection | null = null;
  let at = -1;
  for (const i of f.hostGroups.itemsOf(g)) {
    const c = f.items.conn.get(i);
    if (best === null || c.requestTimes.length > best.requestTimes.length) {
      best = c;
      at = i;
    }
  }
  return best !== null ? { c: best, i: at } : null;
}

/**
 * TCP ports whose service says more than the destination's name: encrypted DNS past the
 * network's resolver, remote access, file sharing, chat and tunnels, for a group on one of them.
 */
const TCP_PORT_USES = new Map<number, string>([
  [21, 'FTP'],
  [22, 'SSH'],
  [23, 'Telnet'],
  [25, 'SMTP: mail sent straight out'],
  [445, 'SMB: file sharing'],
  [853, 'DNS over TLS: DNS past the network’s resolver'],
  [1723, 'PPTP: a VPN tunnel'],
  [1883, 'MQTT: a device reporting to its broker'],
  [3389, 'RDP: remote desktop'],
  [5900, 'VNC: remote desktop'],
  [5938, 'TeamViewer'],
  [6667, 'IRC'],
  [8883, 'MQTT over TLS: a device reporting to its broker'],
  [9001, 'Tor’s relay port'],
]);

/**
 * "TCP 853, DNS over TLS: …" for a direct group of TCP connections to one such port, "TCP 449" to
 * another port than HTTP's and HTTPS's — a beacon on a port of its own is half the finding — and
 * "UDP 123, NTP's port" or "UDP 4444" for one of UDP flows; "" otherwise.
 */
function portUse(f: VerdictFacts, g: DestinationGroup): string {
  if (g.viaProxy || g.ports.length !== 1 || g.pings !== undefined || g.portsByProtocol !== undefined) return '';
  const port = g.ports[0]!;
  let udp = false;
  for (const i of f.hostGroups.itemsOf(g)) {
    udp = f.items.conn.get(i).proto === 'udp';
    break;
  }
  const use = (udp ? UDP_PORT_USES : TCP_PORT_USES).get(port);
  if (use !== undefined) return `${udp ? 'UDP' : 'TCP'} ${port}, ${use}`;
  return !udp && (port === 80 || port === 443) ? '' : `${udp ? 'UDP' : 'TCP'} ${port}`;
}

/** Notes on a place, in one bracket: " (TCP 8888, an internal address)"; "" when there are none. */
function bracketed(...notes: string[]): string {
  const said = notes.filter((n) => n !== '');
  return said.length > 0 ? ` (${said.join(', ')})` : '';
}

/**
 * What a UDP port is the IANA-registered or customary port of, for a beacon's words: tunnels and
 * calls keep their flows open with datagrams on a schedule, and knowing the port is half of
 * telling a VPN client's keepalives from an agent's check-ins.
 */
const UDP_PORT_USES = new Map<number, string>([
  [123, "NTP's port"],
  [161, "SNMP's port"],
  [500, 'IPsec key exchange (IKE)'],
  [514, "syslog's port"],
  [1194, "OpenVPN's port"],
  [1701, "L2TP's port"],
  [1812, "RADIUS's port"],
  [3478, 'STUN/TURN: a call or a game keeping its way through NAT open'],
  [3544, 'Teredo, IPv6 tunnelled through NAT'],
  [4500, 'IPsec NAT traversal: a VPN tunnel'],
  [5060, "SIP's port: a phone"],
  [19302, "Google's STUN: a call keeping its way through NAT open"],
  [51820, "WireGuard's port: a VPN tunnel"],
]);

/**
 * A beacon inside one long-lived UDP flow: "A QUIC beacon that gets through — worth investigating:
 * one exchange every 15 s …", or, never answered, "A QUIC beacon that is never answered …: one
 * burst of datagrams every 15 s …", or, refused by a device in the path, "A UDP beacon that is
 * turned away in the path …".
 */
function udpBeaconWords(f: VerdictFacts, g: DestinationGroup, flow: { c: Connection; i: number }, external: boolean): Headed {
  const c = flow.c;
  const quic = isQuic(c);
  const bursts = Math.max(1, c.requestTimes.length);
  const answered = c.respPkts > 0 || c.established;
  const alpn = c.quic !== null && c.quic.alpn.length > 0 ? ` (${c.quic.version}, ALPN ${c.quic.alpn.slice(0, 3).join(', ')})` : '';
  const proxy = f.proxyWords !== '' && !g.viaProxy && external ? `, past the proxy ${f.proxyWords}` : '';
  const known = UDP_PORT_USES.get(c.respP);
  const to = `to ${g.destination} (UDP ${c.respP}${known !== undefined ? `, ${known}` : ''})${external ? '' : ' (an internal address)'}${proxy}`;
  // A firewall log counts no bytes: none is said, rather than "~0 B".
  const out = bytesCounted(f, g) ? `~${bytes(Math.round(c.origBytes / bursts))} out per burst` : null;
  const over = duration(Math.max(0, c.lastTs - c.ts));
  const refusal = f.items.refusal[flow.i];
  if (!answered && middleboxOutcome(f.items.outcome[flow.i]!, refusal)) {
    return {
      head: `A ${quic ? 'QUIC' : 'UDP'} beacon that is turned away in the path`,
      rest:
        `${scheduleFacts(g.schedule, 'burst of datagrams')} in one ${quic ? 'QUIC' : 'UDP'} flow${alpn} ${to}, ` +
        `${out !== null ? `${out}, ` : ''}${refusal?.evidence ?? 'refused by a device in the path'} over ${over}; ` +
        'software that keeps calling, on a fixed schedule, a server it is not allowed to reach is worth investigating (a VPN client, an agent, malware).',
    };
  }
  if (!answered) {
    return {
      head: `A ${quic ? 'QUIC' : 'UDP'} beacon that is never answered — dropped on the way out or its server is gone`,
      rest:
        `${scheduleFacts(g.schedule, 'burst of datagrams')} in one ${quic ? 'QUIC' : 'UDP'} flow${alpn} ${to}, ` +
        `${out !== null ? `${out} and ` : ''}nothing back over ${over}; ` +
        'software that keeps calling an unreachable server on a fixed schedule is worth investigating, whatever stops it.',
    };
  }
  return {
    head: `A ${quic ? 'QUIC' : 'UDP'} beacon that gets through — worth investigating`,
    rest:
      `${scheduleFacts(g.schedule, 'exchange')} in ` +
      `${quic ? `one long-lived QUIC connection${alpn}` : 'one long-lived UDP flow'} ${to}, ` +
      `~${bytes(Math.round(c.origBytes / bursts))} out and ~${bytes(Math.round(c.respBytes / bursts))} back per exchange over ${over}; ` +
      `regular small check-ins like this are how C2 agents and update checkers behave${quic ? ', and QUIC hides them from a TLS-inspecting proxy' : ''}.`,
  };
}

/**
 * A host that pings one destination on a schedule: "Pings 203.0.113.50 on a schedule: one ping
 * every 1 min, ~56 B of data each, every one answered — …".
 */
function pingWords(f: VerdictFacts, g: DestinationGroup, external: boolean): Headed {
  const where = `${g.destination}${external ? '' : ' (an internal address)'}`;
  // Pings of one conversation are one attempt: the schedule counted each.
  const sent = Math.max(1, g.attempts, g.schedule.attempts);
  const data = bytesCounted(f, g) ? `, ~${bytes(Math.round(g.bytesOut / sent))} of data each` : '';
  if (g.established === 0) {
    // Pings of one conversation are one attempt: "every ping" where every attempt failed alike.
    const every = (n: number): boolean => n === g.attempts;
    const failure = every(g.resets.middlebox)
      ? 'every ping refused by a device in the path — ICMP stopped on the way'
      : every(g.unanswered)
        ? 'every ping never answered — ICMP stopped on the way or the host is down'
        : `${failureWords(f, g, 'ping')} — ICMP stopped on the way or the host is down`;
    return {
      head: `Pings ${where} on a schedule, never answered`,
      rest: `${scheduleFacts(g.schedule, 'ping')}${data}, ${failure}; a connectivity check that keeps failing, or an agent calling home over ICMP.`,
    };
  }
  const answered = g.established === g.attempts ? 'answered' : `${howMany(g.established, g.attempts, 'ping')} answered`;
  return {
    head: `Pings ${where} on a schedule`,
    rest:
      `${scheduleFacts(g.schedule, 'ping')}${data}, ${answered} — ` +
      'a connectivity check (a monitoring agent, a router or UPS watching its uplink) or, if its payloads are large or change, ' +
      'a channel over ICMP; worth knowing which program sends it.',
  };
}

/** A name looked up on a schedule: "Looks up beacon.example.net on a schedule — …: one lookup every 1 min …". */
function dnsScheduleWords(d: DnsSchedule, more: number): Headed {
  const s = d.schedule;
  const period = s.periodSeconds;
  const cache =
    d.ttl !== null && period !== null && Math.abs(period - d.ttl) <= Math.max(2, 0.1 * d.ttl)
      ? `; the lookups come as often as the answer's TTL (${duration(d.ttl)}) lets a cache expire, so something behind the cache asks for it continually`
      : '';
  return {
    head: `Looks up ${d.name} on a schedule — a beacon over DNS or a program polling its server by name, worth a look if the name is unfamiliar`,
    rest:
      `${scheduleFacts(s)}, ${plural(d.lookups, 'lookup')} to ${d.resolvers.join(', ')} over ${duration(d.last - d.first)}${cache}` +
      `${more > 0 ? ` (and ${plural(more, 'more name')} on a schedule)` : ''}.`,
  };
}

/**
 * DNS past the network's resolver: "Asks resolvers outside the network directly (8.8.8.8: 8
 * queries for updates.example.org, 8 answered) although the network's resolver …", or null.
 */
function pastResolverWords(f: VerdictFacts): string | null {
  const inside = f.resolvers ?? [];
  if (inside.length === 0) return null;
  const dns = dnsFacts(f.items.conn, f.tally.attempts);
  if (dns === null || dns.answered === 0) return null;
  return (
    `Asks resolvers outside the network directly (${dns.resolvers.slice(0, 3).join(', ')}: ${plural(dns.queries, 'query', 'queries')}` +
    `${dns.names.length > 0 ? ` for ${dns.names.slice(0, 3).join(', ')}` : ''}, ${count(dns.answered)} of ${plural(dns.flows, 'flow')} answered) ` +
    `although the network's resolver ${inside.slice(0, 3).join(', ')} answers the others — software with resolver settings of its own ` +
    '(a hard-coded resolver, a VPN client, malware), going past what the network sees and filters.'
  );
}

/** Unanswered DNS to resolvers outside the network: "DNS to resolvers outside the network goes unanswered: …". */
function dnsUnansweredWords(dns: NonNullable<ReturnType<typeof dnsFacts>>, attempts: number): string {
  const span = Math.max(0, dns.last - dns.first);
  const retry = backsOff(dns.times) ? 'retried with a growing back-off' : dns.queries > dns.flows ? 'retried' : 'not retried';
  const resolvers = dns.resolvers.length <= 3 ? dns.resolvers.join(' and ') : `${dns.resolvers.slice(0, 3).join(', ')} …`;
  const other = attempts > dns.flows ? ` (${plural(attempts - dns.flows, 'other attempt')} besides)` : '';
  return (
    `DNS to resolvers outside the network goes unanswered: ${plural(dns.queries, 'query', 'queries')}` +
    `${dns.names.length > 0 ? ` for ${dns.names.slice(0, 3).join(', ')}` : ''} to ${resolvers} in ${duration(span)}, ${retry}, none answered${other} — ` +
    'the firewall drops DNS to outside resolvers (or they are unreachable), so this host cannot resolve names that way; ' +
    'a stub resolver giving up, not a flood and not a schedule.'
  );
}

/** A host's refused SYNs sent again after their reset (outcomes.ts: no new attempts). */
function resentRefusedSyns(items: Items): number {
  let n = 0;
  for (let i = 0; i < items.n; i++) {
    if (items.attempt[i] === 1 || items.refusal[i] === undefined) continue;
    const outcome = items.outcome[i];
    if (outcome !== 'reset-endpoint' && outcome !== 'reset-unknown' && outcome !== 'reset-middlebox') continue;
    if (opensAttempt(items.conn.peek(i))) n++;
  }
  return n;
}
