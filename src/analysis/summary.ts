/**
 * The run summary: a few sentences for the whole analysis, most important first — the proxy,
 * who bypasses it, which device turns them away, and whether this is a flood.
 */
import type { HostAnalysis, OutsideOpeners } from './hosts.js';
import { proxyName, type ProxyIndex } from './proxies.js';
import { count, duration, hops, plural, rate, share } from '../quantities.js';
import { floodTargetPlace, floodUnits } from './flood-targets.js';
import { insideBurstWords, periodWords } from './schedule-words.js';
import type { DestinationGroup, FloodTarget, HostFinding, ResetSource, Schedule, UnderstoodDestinations } from './types.js';
import { pingsOnly, scheduleGetsThrough } from './groups.js';
import { likelyFirewall } from './attribution.js';
import { namingWords, type Flood } from './tally.js';
import { allCutOff, hostTotals, QuietTally } from './quiet.js';
import { ABANDONED, CUT_OFF_SECONDS } from './outcomes.js';
import { periodicOutcome, turnedAwayOf } from './verdict.js';
import { PassedOver } from './udp.js';
import type { Interception } from './interception.js';
import { mailOutLine } from './mail-out.js';
import { atGuessedServer, guessingLines, spreadWords } from './guessing.js';

/**
 * When the middlebox `s` turned hosts away on the name they asked for (HostAnalysis.filteredOnName),
 * the words that say so: " as soon as the client's TLS ClientHello named the site (SNI filtering)",
 * for how many of its hosts when not for all; else nothing.
 */
function onNameWords(s: ResetSource, analyses: readonly HostAnalysis[]): string {
  if (s.kind !== 'rst') return '';
  const hosts = new Set(s.hosts);
  let by: 'sni' | 'http' | null = null;
  let n = 0;
  for (const a of analyses) {
    const f = a.filteredOnName;
    if (f === undefined || f.ttl !== s.ttl || !hosts.has(a.finding.address)) continue;
    by ??= f.by;
    n++;
  }
  if (by === null) return '';
  const { message, filter } = namingWords(by);
  // The source's host list stops at its first 50: "all" only of a list that is whole.
  const all = n === hosts.size && hosts.size < 50;
  return `${all ? '' : `, for ${plural(n, 'host')},`} as soon as the client's ${message} named the site (${filter})`;
}

/** A few sentences for the whole analysis, most important first. */
export function summarize(
  analyses: readonly HostAnalysis[],
  proxyIndex: ProxyIndex,
  resetSources: readonly ResetSource[],
  understood: readonly UnderstoodDestinations[] = [],
  quiet: QuietTally = new QuietTally(),
  outside?: OutsideOpeners,
  passedOver: PassedOver = new PassedOver(),
  interception: Interception | null = null,
  floodTargets: readonly FloodTarget[] = [],
  inboundGuessing: readonly Flood[] = [],
): string[] {
  // A flood of many sources at one target comes first: nothing else in the capture weighs as much.
  const summary: string[] = floodTargets.slice(0, FLOOD_TARGETS_SAID).map(floodTargetLine);
  const hosts = analyses.map((a) => a.finding);
  // The hosts told apart from the flood's sources: their attempts are the flood's, told above.
  const own = floodTargets.length > 0 ? analyses.filter((a) => a.floodSource !== true).map((a) => a.finding) : hosts;
  const bypass = hosts.filter((h) => h.labels.includes('proxy-bypass'));
  const proxies = proxyIndex.proxies.map(proxyName).slice(0, 3).join(', ');
  if (proxyIndex.proxies.length > 0) {
    summary.push(`Proxy in use: ${proxies} (${proxyIndex.proxies[0]!.source === 'given' ? 'given' : proxyIndex.proxies[0]!.evidence}).`);
  }
  for (const p of proxyIndex.outside ?? []) {
    const hosts = p.clients.slice(0, 3).join(', ');
    summary.push(
      `${hosts}${p.clients.length > 3 ? ` and ${plural(p.clients.length - 3, 'more host')}` : ''} ${p.clients.length === 1 ? 'sends its' : 'send their'} web ` +
        `through a proxy outside the network, ${proxyName(p)} (${p.evidence}), past the network's proxy ${proxies}.`,
    );
  }
  if (interception !== null) {
    const ports = interception.ports.join(', ');
    summary.push(
      `A transparent proxy answers web connections for the servers: ${plural(interception.connections, 'connection')} to ` +
        `${plural(interception.servers, 'server')} on the Internet (port${interception.ports.length > 1 ? 's' : ''} ${ports}) ` +
        `were answered with TTL ${interception.ttl} (${hops(0)}) in ${interception.medianRttMs} ms, which no server out there can — ` +
        'a device on the way takes them over, so "established" means the proxy answered, not the server.',
    );
  }
  if (bypass.length > 0) {
    const names = bypass.slice(0, 5).map((h) => {
      const direct = h.groups.filter((x) => !x.viaProxy);
      const g = direct[0];
      if (g === undefined) return h.address;
      if (g.schedule.periodic && g.schedule.periodSeconds !== null) {
        return `${h.address} (to ${g.destination}, ${periodWords(g.schedule.periodSeconds)})`;
      }
      // Nothing regular: a host that goes to many places directly is not named by the first of them.
      const destinations = direct.length + (h.groupsOmitted?.groups ?? 0);
      if (destinations === 1) return `${h.address} (to ${g.destination})`;
      if (destinations <= 3) return `${h.address} (to ${g.destination} and ${destinations - 1} more)`;
      return `${h.address} (to ${plural(destinations, 'destination')})`;
    });
    summary.push(
      `${plural(bypass.length, 'host')} ${bypass.length === 1 ? 'bypasses' : 'bypass'} the proxy and ${bypass.length === 1 ? 'tries' : 'try'} the web directly: ${bypass.length > 5 ? `${names.join(', ')} and ${count(bypass.length - 5)} more` : names.join(', ')}.`,
    );
  }
  const middlebox = resetSources.filter((s) => s.attribution === 'middlebox');
  for (const s of middlebox.slice(0, 2)) {
    if (s.kind === 'log') {
      // A denied stray ACK or ICMP message is a connection the log denied, not an attempt.
      const others = s.resets - s.attempts;
      // The Internet's attempts at the network's public address among them, said apart where one log denied them all.
      const inbound = outside?.inbound;
      const fromOutside =
        inbound !== undefined && inbound.denied > 0 && middlebox.filter((m) => m.kind === 'log').length === 1
          ? `; ${count(inbound.denied)} of them came from the Internet to ${inbound.target} (below)`
          : '';
      summary.push(
        `${others > 0 ? `${plural(s.attempts, 'attempt')} and ${plural(others, 'other connection')}` : plural(s.resets, 'attempt')}` +
          ` to ${plural(s.remoteAddresses, 'address', 'addresses')}` +
          `${s.netblocks.length > 0 && s.netblocks.length <= 3 ? ` (${s.netblocks.join(', ')})` : ''} ${s.resets === 1 ? 'was' : 'were'} ${s.evidence}${fromOutside}.`,
      );
      continue;
    }
    summary.push(
      `${plural(s.resets, s.kind === 'rst' ? 'reset' : 'ICMP refusal')} for ${plural(s.remoteAddresses, 'address', 'addresses')}` +
        `${s.netblocks.length > 0 && s.netblocks.length <= 3 ? ` (${s.netblocks.join(', ')})` : ''} came from a device in the path ` +
        `with ${hops(s.hops)}${likelyFirewall(s) ? ' (most likely the firewall)' : ''}${onNameWords(s, analyses)}, not from the servers: ${s.evidence}.`,
    );
  }
  summary.push(...guessingLines(analyses, inboundGuessing));
  const floods = analyses.filter((a) => a.finding.labels.includes('flood') && a.guessing === undefined).map((a) => a.finding);
  if (floods.length > 0) {
    summary.push(
      `${floods
        .slice(0, 5)
        .map((h) => h.address)
        .join(
          ', ',
        )}${floods.length > 5 ? ` and ${plural(floods.length - 5, 'more host')}` : ''} ${floods.length === 1 ? 'looks' : 'look'} like a flood at one target — what a DDoS participant would do.`,
    );
  } else {
    const blocked = analyses.filter((a) => a.finding.labels.includes('blocked'));
    if (blocked.length > 0) {
      let mostRate = 0;
      // The burstiest failing schedule among them: its pace inside a burst is said.
      let bursts: Schedule | null = null;
      // Hosts whose failures go to one destination (an agent calling home) and hosts whose
      // failures are scattered over many (software going to the web directly).
      let agents = 0;
      let addresses = 0;
      let scheduled = false;
      let scattered = 0;
      let destinations = 0;
      let mostAtOne = 0;
      // The browsers the hosts calling one destination browse the web directly with, and how many such hosts browse with none.
      const browsers = new Set<string>();
      let agentsNotBrowsers = 0;
      for (const a of blocked) {
        const { finding: h, directRate } = a;
        mostRate = Math.max(mostRate, directRate);
        for (const g of h.groups)
          if (g.schedule.burstRate !== null && g.failed > 0 && (bursts === null || g.schedule.burstRate > bursts.burstRate!))
            bursts = g.schedule;
        const away = turnedAwayOf(h.groups, h.groupsOmitted);
        if (away.group === undefined) continue;
        if (away.concentrated) {
          agents++;
          addresses = Math.max(addresses, away.widest);
          // A burst of parallel connections (a page load, retried with a growing back-off) is no schedule.
          if (away.group.schedule.periodic) scheduled = true;
          if (a.browser !== undefined) browsers.add(a.browser);
          else agentsNotBrowsers++;
        } else {
          scattered++;
          destinations = Math.max(destinations, away.destinations);
          mostAtOne = Math.max(mostAtOne, away.group.failed);
        }
      }
      const spread: string[] = [];
      const hostCount = (n: number): string => (agents > 0 && scattered > 0 ? ` (${plural(n, 'host')})` : '');
      if (agents > 0) {
        spread.push(
          `${addresses > 1 ? `spread over up to ${count(addresses)} addresses of one destination` : 'to one address'}${scheduled ? ' on a schedule' : ''}${hostCount(agents)}`,
        );
      }
      if (scattered > 0) {
        spread.push(
          `${agents > 0 ? 'or spread' : 'spread'} over up to ${plural(destinations, 'destination')}${scattered > 1 ? ' each' : ''}, ` +
            `no more than ${plural(mostAtOne, 'failed attempt')} at any one${hostCount(scattered)}`,
        );
      }
      const who = blocked.length === 1 ? 'the blocked host makes' : `the ${plural(blocked.length, 'blocked host')} make`;
      summary.push(
        `Not a DDoS: ${who} at most ${rate(mostRate)} on average` +
          `${bursts !== null && bursts.burstRate! > 0 ? insideBurstWords(bursts) : ''}${spread.length > 0 ? `, ${spread.join(' ')}` : ''}; ` +
          'a flood would send hundreds per second at one address. ' +
          (agents === 0
            ? 'This is how software that goes to the web directly looks when the network turns it away.'
            : agentsNotBrowsers === 0 && browsers.size > 0
              ? `${blocked.length === 1 ? 'Its' : 'Their'} direct web requests come from ${browsers.size === 1 ? 'a browser' : 'browsers'} (${[...browsers].slice(0, 3).join(', ')}): ` +
                'more likely a page loading from a server the network turns away than an update agent calling home.'
              : proxyIndex.proxies.length > 0
                ? 'This is how an update agent calls home when it cannot get past the proxy.'
                : 'This is how an update agent calls home when the network turns it away.'),
      );
    }
  }
  const mail = mailOutLine(analyses.flatMap((a) => (a.mailOut !== undefined ? [{ address: a.finding.address, mail: a.mailOut }] : [])));
  if (mail !== null) summary.push(mail);
  const scanners = hosts.filter((h) => h.labels.includes('scanner'));
  // The first scanner's logins at what it found, said with its scan.
  const spread = analyses.find((a) => a.finding === scanners[0])?.spreadGuessing;
  if (scanners.length > 0)
    summary.push(
      `${scanners
        .slice(0, 5)
        .map((h) => h.address)
        .join(
          ', ',
        )}${scanners.length > 5 ? ` and ${plural(scanners.length - 5, 'more host')}` : ''}: scanning (${scanners[0]!.evidence.find((e) => e.startsWith('scanner:'))?.slice(9) ?? ''})` +
        `${spread !== undefined ? `, and ${spreadWords(spread)}: password guessing` : ''}.`,
    );
  const tunnels = analyses.filter((a) => a.finding.labels.includes('dns-tunnel'));
  if (tunnels.length > 0) {
    summary.push(
      `${tunnels
        .slice(0, 5)
        .map(
          (a) =>
            `${a.finding.address} (${
              a.finding.evidence
                .find((e) => e.startsWith('dns-tunnel:'))
                ?.slice(12)
                .split(',')[0] ?? ''
            })`,
        )
        .join(', ')}${tunnels.length > 5 ? ` and ${plural(tunnels.length - 5, 'more host')}` : ''} ` +
        `${tunnels.length === 1 ? 'carries' : 'carry'} data in DNS: many unique, random-looking subdomains under one domain — a DNS tunnel or exfiltration.`,
    );
  }
  // A blocked host is told above; one whose other schedule gets through is a beacon besides.
  let beacons = 0;
  for (const a of analyses) {
    if (beacons === 3 || !a.finding.labels.includes('periodic')) continue;
    const blocked = a.finding.labels.includes('blocked');
    const through = blocked ? throughGroup(a.finding) : undefined;
    if (blocked && through === undefined) continue;
    // A guessing tool's pace at the server it guesses at is said in its own line above.
    const guessed = a.guessing !== undefined || a.spreadGuessing !== undefined;
    if (guessed && a.finding.groups.every((g) => !g.schedule.periodic || atGuessedServer(g, a.guessing, a.spreadGuessing ?? null)))
      continue;
    summary.push(through !== undefined ? alsoThroughLine(a.finding.address, through) : beaconLine(a));
    beacons++;
  }
  const noDns = analyses.filter((a) => a.dnsUnanswered !== undefined);
  if (noDns.length > 0) {
    const resolvers = [...new Set(noDns.flatMap((a) => a.dnsUnanswered!.resolvers))];
    summary.push(
      `DNS to resolvers outside the network (${resolvers.slice(0, 4).join(', ')}${resolvers.length > 4 ? ', …' : ''}) goes unanswered: ` +
        `${noDns
          .slice(0, 5)
          .map((a) => `${a.finding.address} (${plural(a.dnsUnanswered!.queries, 'query', 'queries')})`)
          .join(', ')}` +
        `${noDns.length > 5 ? ` and ${plural(noDns.length - 5, 'more host')}` : ''} — dropped on the way out, not a flood.`,
    );
  }
  const past = analyses.filter((a) => a.dnsPastResolver !== undefined);
  if (past.length > 0) {
    const outside = [...new Set(past.flatMap((a) => a.dnsPastResolver!.resolvers))];
    summary.push(
      `DNS past the network's resolver ${past[0]!.dnsPastResolver!.inside.slice(0, 3).join(', ')}: ` +
        `${past
          .slice(0, 5)
          .map((a) => `${a.finding.address} (${plural(a.dnsPastResolver!.queries, 'query', 'queries')})`)
          .join(', ')}` +
        `${past.length > 5 ? ` and ${plural(past.length - 5, 'more host')}` : ''} ${past.length === 1 ? 'asks' : 'ask'} ` +
        `${outside.slice(0, 4).join(', ')}${outside.length > 4 ? ', …' : ''} directly and ${past.length === 1 ? 'gets' : 'get'} answers — ` +
        'resolver settings of their own, out of the network resolver’s sight.',
    );
  }
  if (summary.length === Math.min(floodTargets.length, FLOOD_TARGETS_SAID)) {
    summary.push(quietSummary(own, quiet, proxyIndex, resetSources, passedOver, floodTargets, hosts.length - own.length));
  }
  const late = cutOffLine(own, quiet);
  if (late !== null) summary.push(late);
  if (outside?.inbound !== undefined) {
    const { target, connections, openers, established } = outside.inbound;
    // Mostly let in: the clients of a service it offers; else the Internet's scans, turned away.
    const what =
      established * 2 > connections
        ? `the clients of a service on what is most likely the network's own public address (${count(established)} of them established)`
        : "the Internet reaching what is most likely the network's own public address (scans and probes)";
    const from = `came from ${plural(openers, 'address', 'addresses')} outside the internal networks`;
    summary.push(
      `${plural(outside.connections, 'connection')} of ${count(outside.total)} ` +
        (connections === outside.connections
          ? `${from} to ${target}, itself outside them: `
          : `${from} to others outside them, ${count(connections)} of them to ${target}: `) +
        `${what}, not hosts calling out. ` +
        (outside.analysedAsHosts === true
          ? 'No address of the internal networks opens a connection, so each of them is analysed as a host (--internal names the network’s own).'
          : 'They are not analysed as hosts.'),
    );
  } else if (outside?.subnet !== undefined) {
    const { prefix, openers } = outside.subnet;
    summary.push(
      `${plural(outside.connections, 'connection')} of ${count(outside.total)} were opened from addresses outside the internal networks to others outside them, ` +
        `${count(outside.topConnections)} by ${outside.top}${openers > 1 ? ` (one of ${count(openers)} such addresses in ${prefix})` : ''}: ` +
        `hosts with global IPv6 addresses, which the default internal networks (private and link-local) do not hold. ` +
        `They are not analysed as hosts; give --internal ${prefix} (their subnet, or the site's prefix) for that.`,
    );
  } else if (outside !== undefined) {
    summary.push(
      `${plural(outside.connections, 'connection')} of ${count(outside.total)} were opened from addresses outside the internal networks to others outside them, ` +
        `${count(outside.topConnections)} by ${outside.top}: a capture on the outside of a NAT sees every host as that address. ` +
        `They are not analysed as hosts; give --internal ${outside.top}${outside.top.includes(':') ? '/128' : '/32'} (or its network) for that.`,
    );
  }
  const known = understood.filter((u) => u.connections > 0);
  if (known.length > 0) {
    const connections = known.reduce((n, u) => n + u.connections, 0);
    const attempts = known.reduce((n, u) => n + u.attempts, 0);
    summary.push(
      `${plural(known.length, 'known destination line')} (--known) explained ${plural(connections, 'connection')} (${plural(attempts, 'attempt')}); ` +
        'they are kept out of the findings and counted under understood destinations.',
    );
  }
  if (passedOver.ntp > 0) {
    const { servers, count: n } = passedOver.timeServers();
    const from = `${servers.join(', ')}${n > servers.length ? ` and ${plural(n - servers.length, 'more server')}` : ''}`;
    const clients = passedOver.ntpClients();
    summary.push(
      passedOver.upstream
        ? `The network's time ${clients.length === 1 ? 'server' : 'servers'} ${clients.join(', ')}${passedOver.ntpHosts > clients.length ? ', …' : ''} ` +
            `${clients.length === 1 ? 'keeps its' : 'keep their'} clock by NTP from ${from} outside: ${plural(passedOver.ntp, 'flow')}, ordinary, not counted as attempts.`
        : `Clocks kept by NTP from ${from}, outside the network (no time server inside answers): ` +
            `${plural(passedOver.ntp, 'flow')} from ${plural(passedOver.ntpHosts, 'host')}, ordinary, not counted as attempts.`,
    );
  }
  const traced = passedOver.tracedRoutes();
  if (traced.length > 0) {
    const routes = traced
      .slice(0, 3)
      .map((t) => `${t.host} to ${t.destination} (${plural(t.probes, 'probe')}, TTL up to ${t.highest})`)
      .join(', ');
    summary.push(
      `Routes traced, as traceroute and tracert do — probes sent to expire on the way, one router further each time: ${routes}` +
        `${traced.length > 3 ? ` and ${count(traced.length - 3)} more` : ''}; not counted as attempts.`,
    );
  }
  return summary;
}

/** When nothing stands out: say so in the network's own terms, without contradicting the hosts below. */
function quietSummary(
  hosts: readonly HostFinding[],
  quiet: QuietTally,
  proxyIndex: ProxyIndex,
  resetSources: readonly ResetSource[],
  passedOver: PassedOver,
  floodTargets: readonly FloodTarget[],
  floodSources: number,
): string {
  if (hosts.length + quiet.hosts + floodSources === 0) {
    const services = [passedOver.dns > 0 ? 'DNS' : '', passedOver.ntp > 0 ? 'NTP' : ''].filter((x) => x !== '').join(' and ');
    const besides = [services !== '' ? `${services} to the servers the network uses` : '', passedOver.probes > 0 ? 'traceroute probes' : '']
      .filter((x) => x !== '')
      .join(' and ');
    return `No TCP connections, UDP flows or pings to the Internet from internal hosts in the capture${besides !== '' ? ` besides ${besides}` : ''}.`;
  }

  // A flood's attempts are told with it: those left are the network's own.
  const floodRefused = floodTargets.reduce((n, t) => n + t.refused, 0);
  // Refusals of attempts: a server's reset of a connection it had taken is no refusal.
  const refused = Math.max(0, resetSources.reduce((n, s) => n + s.attempts, 0) - floodRefused);
  const other = floodTargets.length > 0 ? ' other' : '';
  // Over every group, those a host's finding leaves out too (a host of thousands of destinations keeps fifty).
  const totals = hosts.map((h) => hostTotals(h, 0));
  const unanswered = totals.reduce((n, t) => n + t.unanswered, quiet.unanswered);
  // Attempts their clients gave up on: no answer was held back, so not among those never answered.
  const abandoned = totals.reduce((n, t) => n + t.abandoned, quiet.abandoned);
  const untimed = totals.reduce((n, t) => n + t.untimed, quiet.untimed);
  const first =
    proxyIndex.proxies.length > 0
      ? 'Nothing calls home past the proxy'
      : `Nothing calls home on a schedule${untimed > 0 ? ' the inputs show' : ''}`;
  // Flows whose datagrams' times the log does not keep: nothing can be said of their schedule.
  const hidden =
    untimed > 0
      ? ` ${untimed === 1 ? 'A UDP flow' : `${count(untimed)} UDP flows`} kept sending datagrams whose times Zeek's conn.log does not record: ` +
        'whether they recur on a schedule cannot be read from the log — run callhome on the capture.'
      : '';
  if (refused === 0 && unanswered === 0 && abandoned === 0)
    return `${first}, and no${other} attempt is refused or left unanswered.${hidden}`;
  const parts: string[] = [];
  if (refused > 0) {
    const byServers = resetSources.filter((s) => s.attribution === 'endpoint').reduce((n, s) => n + s.attempts, 0);
    parts.push(
      `${plural(refused, `${other.trim()} refusal`.trim())}${byServers === refused ? ' by the servers themselves' : byServers > 0 ? ` (${byServers} by the servers themselves)` : ''}`,
    );
  }
  if (unanswered > 0) parts.push(`${plural(unanswered, `${other.trim()} attempt`.trim())} never answered`);
  if (abandoned > 0) parts.push(`${plural(abandoned, `${other.trim()} attempt`.trim())} ${ABANDONED}`);
  // One failure is neither scattered nor repeated.
  const failures = refused + unanswered + abandoned;
  const scattered = untimed === 0 && failures > 1 ? ', scattered rather than repeated' : '';
  const said = parts.length > 2 ? `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}` : parts.join(' and ');
  return `${first}; ${said}${scattered} (see the hosts below).${hidden}`;
}

/** Flood targets named in the summary; the JSON's `floodTargets` has them all. */
const FLOOD_TARGETS_SAID = 3;

/**
 * A flood of many sources at one target: "10.10.10.10:25565 is the target of a SYN flood: 37,841
 * SYNs from 37,623 sources in 24 s (1,577 SYNs/s), 99.5% of 37,420 connections never answered,
 * 421 more cut off by the end of the capture — the sources are likely spoofed (…)".
 */
function floodTargetLine(t: FloodTarget): string {
  if (t.anyPort !== undefined) return anyPortLine(t, t.anyPort.sourcePorts);
  const udp = t.proto === 'udp';
  const noun = udp ? 'flow' : 'connection';
  const judged = t.attempts - t.cutOff;
  // "99% of 37,248 connections never answered, 1% refused": the first failure names the whole.
  const failures: [string, string][] = [];
  if (t.unanswered > 0) failures.push([share(t.unanswered, judged), 'never answered']);
  if (t.refused > 0) failures.push([share(t.refused, judged), 'refused']);
  const outcome =
    judged === 0
      ? `all ${plural(t.cutOff, noun)} cut off by the end of the capture, too soon to tell whether they were answered`
      : failures.map(([part, what], k) => (k === 0 ? `${part} of ${plural(judged, noun)} ${what}` : `${part} ${what}`)).join(', ') +
        `${t.cutOff > 0 ? `, ${count(t.cutOff)} more cut off by the end of the capture` : ''}`;
  const span = t.durationSeconds < 1 ? 'within a second' : `in ${duration(t.durationSeconds)}`;
  return (
    `${floodTargetPlace(t)} is the target of a ${udp ? 'UDP' : 'SYN'} flood: ` +
    `${plural(t.packets, t.unit)} from ${t.sourcesCapped === true ? 'at least ' : ''}${plural(t.sources, 'source')} ${span} ` +
    `(${rate(t.rate, t.unit)}), ${outcome} — ` +
    (t.likelySpoofed
      ? 'the sources are likely spoofed (most sent one SYN and nothing more); they are not hosts of this network calling out.'
      : `many sources together, none of them a flood by itself: a distributed flood at one target, not software calling home.`)
  );
}

/**
 * A flood at any port of one address: "10.10.10.10 (UDP, any port) is the target of a reflection
 * flood: 3,976 UDP datagrams from 3,976 sources' port 4500 within a second (…), 10.10.10.10
 * answering none — servers answering requests forged in its name (…)"; of TCP, the SYN-ACKs and
 * resets servers sent it in answer to SYNs forged in its name.
 */
function anyPortLine(t: FloodTarget, ports: readonly number[]): string {
  const udp = t.proto === 'udp';
  const reflection = ports.length > 0;
  const many = floodUnits(t);
  const from = `${t.sourcesCapped === true ? 'at least ' : ''}${plural(t.sources, 'source')}`;
  const portWords = ports.length === 1 ? `port ${ports[0]}` : `ports ${ports.slice(0, -1).join(', ')} and ${ports[ports.length - 1]}`;
  const span = t.durationSeconds < 1 ? 'within a second' : `in ${duration(t.durationSeconds)}`;
  return (
    `${floodTargetPlace(t)} is the target of a ${reflection ? 'reflection flood' : `${udp ? 'UDP' : 'TCP'} flood`}: ` +
    `${plural(t.packets, t.unit, many)} from ${reflection ? `${from}' ${portWords}` : from} ${span} (${rate(t.rate, t.unit, many)}), ` +
    `${t.target} answering none — ` +
    (reflection
      ? `servers answering ${udp ? 'requests' : 'SYNs'} forged in its name (${udp ? 'an amplification attack' : 'a TCP reflection attack'}); not software calling home.`
      : 'many sources together, none of them a flood by itself: a distributed flood at one target, not software calling home.')
  );
}

/**
 * The attempts the end of the capture cut off, said when some host made no other (a short capture
 * of a burst: its hosts did open connections, though none can be judged): "9,639 attempts in the
 * capture's last 5 s were left unjudged: it ended before they could be answered (9,639 hosts made
 * no other)."; else null.
 */
function cutOffLine(hosts: readonly HostFinding[], quiet: QuietTally): string | null {
  let attempts = quiet.cutOff;
  let only = quiet.row('cut-off')?.hosts ?? 0;
  for (const h of hosts) {
    if (h.cutOff === undefined) continue;
    attempts += h.cutOff;
    if (allCutOff(hostTotals(h, 0))) only++;
  }
  if (only === 0) return null;
  return (
    `${plural(attempts, 'attempt')} in the capture's last ${duration(CUT_OFF_SECONDS)} ${attempts === 1 ? 'was' : 'were'} left unjudged: ` +
    `it ended before ${attempts === 1 ? 'it' : 'they'} could be answered (${plural(only, 'host')} made no other).`
  );
}

/** A host's direct destination group on a schedule that gets through (pings aside: a connectivity check). */
function throughGroup(h: HostFinding): DestinationGroup | undefined {
  return h.groups.find((g) => g.schedule.periodic && !g.viaProxy && scheduleGetsThrough(g) && !pingsOnly(g));
}

/**
 * A blocked host's schedule that gets through, in one line: "192.168.0.14: turned away in the
 * path, and besides on a schedule that gets through: www.news.test every 7 s".
 */
function alsoThroughLine(address: string, g: DestinationGroup): string {
  const period = g.schedule.periodSeconds;
  return `${address}: turned away in the path, and besides on a schedule that gets through: ${g.destination}${period !== null ? ` ${periodWords(period)}` : ''} — worth investigating.`;
}

/**
 * A periodic host in one line: the head of its verdict's sentence about its schedule and what
 * recurs, "10.0.0.4: A QUIC beacon that gets through — worth investigating (24.199.110.233)"; when
 * its verdict leads with something else (software turned away in the path, a scan) and names the
 * schedule only in passing, its first group on a schedule: "10.0.0.4: On a schedule:
 * crl.example.com every 4.6 s (gets through)".
 */
function beaconLine(a: HostAnalysis): string {
  const h = a.finding;
  const said = a.schedule;
  if (said !== undefined) return `${h.address}: ${said.head}${said.destination !== null ? ` (${said.destination})` : ''}.`;
  const group = h.groups.find((g) => g.schedule.periodic);
  if (group === undefined) return `${h.address}: on a schedule (see its verdict).`;
  const period = group.schedule.periodSeconds;
  return `${h.address}: On a schedule: ${group.destination}${period !== null ? ` ${periodWords(period)}` : ''} (${periodicOutcome(group)}).`;
}
