/**
 * Findings: what analysis hands the renderers. The JSON of `callhome analyze` is exactly
 * `AnalysisResult` (DESIGN.md, version 1). Fields may be added, never renamed or removed.
 */
import type { FirewallFormat } from '../logs/firewall/types.js';
import type { DnsSchedule } from './dns-schedule.js';
import type { DnsTunnel } from './dns-tunnel.js';

export type Label = 'proxy-bypass' | 'blocked' | 'periodic' | 'via-proxy' | 'scanner' | 'flood' | 'dns-tunnel';

export type ResetAttribution = 'middlebox' | 'endpoint' | 'unknown';

/**
 * The capture object shared by `info` and `analyze`: one per input file. For a Zeek log
 * (`zeek-tsv`, `zeek-json`) `packets` counts its rows, `start`/`end` are its rows' times,
 * `linktype` is -1, `decoded` counts conn.log rows by address family and transport, and
 * `anomalies['zeek.malformed_row']` the rows that could not be read (first few named in `warnings`),
 * `skipped['dup.seen-in-earlier-log']` the rows an earlier log file already had (counted once).
 */
export interface CaptureSummary {
  file: string;
  /** Capture formats, Zeek logs, and firewall logs by the format that wrote them (logs/). */
  format: 'pcap' | 'pcapng' | 'zeek-tsv' | 'zeek-json' | FirewallFormat;
  formatDetail: string;
  compressed: 'gzip' | null;
  linktype: number;
  linktypes: number[];
  interfaces: number;
  packets: number;
  bytes: number;
  start: string | null;
  end: string | null;
  durationSeconds: number | null;
  decoded: { ipv4: number; ipv6: number; tcp: number; udp: number; icmp: number; other: number };
  /** Packets not decoded, by reason code. */
  skipped: Record<string, number>;
  /** Malformed packets, by anomaly code. */
  anomalies: Record<string, number>;
  /**
   * A capture of a packet logger (pf's pflog, Linux's NFLOG): its decoded packets by what the
   * firewall did with them, as the logger says (pflog's action, the NFLOG rule's prefix). Absent
   * for a capture of the wire and when no packet's logger named a decision.
   */
  logged?: { blocked: number; passed: number };
  warnings: string[];
  /** Where reading stopped early because of damage (records before it were analysed), else null. */
  damage: { offset: number; record: number; message: string } | null;
  // What capinfos tells about a capture file. Logs have null (and no interface details).
  /** pcap: the file header's snapshot length (0: none given); null for pcapng (each interface has its own) and logs. */
  snaplen: number | null;
  /** Each interface in file order: pcapng's Interface Description Blocks, pcap's one link. */
  interfaceDetails: CaptureInterfaceDetail[];
  /** What the first pcapng section says wrote the file (shb_hardware, shb_os, shb_userappl), else null. */
  writtenBy: { hardware: string | null; os: string | null; application: string | null } | null;
  /** Bytes on disk (compressed bytes for gzip); null for standard input and pipes. */
  fileSize: number | null;
  /** gzip: bytes of capture data after decompression (as far as it was read); null otherwise. */
  uncompressedSize: number | null;
  /** Sum of the packets' original (wire) lengths: capinfos's "Data size" (`bytes` sums the captured lengths). */
  wireBytes: number | null;
  /**
   * Packets captured shorter than they were on the wire (the sniffer's snapshot length), and the
   * most bytes one of them kept; null when none was, and for logs.
   */
  cutShort: { packets: number; capturedUpTo: number } | null;
  /**
   * `wireBytes` per second and bits per second, and packets per second, over the span from the
   * first to the last packet (capinfos's data byte rate, data bit rate, average packet rate);
   * null when that span is 0 or unknown.
   */
  dataByteRate: number | null;
  dataBitRate: number | null;
  averagePacketRate: number | null;
  /** `wireBytes` per packet (capinfos's average packet size); null without packets. */
  averagePacketSize: number | null;
  /** Whether packets are in chronological order; null for logs. */
  timeOrder: TimeOrder | null;
  /** The network (`AnalysisResult.networks[].id`) it was analysed in; only when there are several. */
  network?: number;
  /**
   * A firewall log joined with a capture: how far its clock runs ahead of the capture's, seconds
   * (`start` and `end` stay the log's own times); absent otherwise.
   */
  clockOffsetSeconds?: number;
}

/** One capture interface; strings are as the file has them (hostile text). */
export interface CaptureInterfaceDetail {
  id: number;
  /** if_name, if_description, if_os, if_hardware; null when absent (always for pcap). */
  name: string | null;
  description: string | null;
  os: string | null;
  hardware: string | null;
  linktype: number;
  /** Snapshot length; 0: none given. */
  snaplen: number;
  /** The if_tsresol byte when present (10^-n s, or 2^-n s with the top bit set), else null. */
  tsresol: number | null;
  /** Time stamp units per second (1e6 for pcap microseconds and pcapng without if_tsresol). */
  tsUnitsPerSecond: number;
  /** if_tsoffset, seconds (0 when absent). */
  tsOffset: number;
}

/**
 * Time order as capinfos's "Strict time order" sees it: `ordered` is false when some record is
 * earlier than the one before it, null (unknown) when none is but some records carry no time of
 * their own (pcapng Simple Packet Blocks), true otherwise. Equal times are in order.
 */
export interface TimeOrder {
  ordered: boolean | null;
  /** Records earlier than the record before them, and the number of the first (null when none). */
  earlierRecords: number;
  firstEarlierRecord: number | null;
  /** Records without a time of their own. */
  untimedRecords: number;
}

/** The capinfos figures of a log, which has none of them. */
export function noCaptureFileFacts(): CaptureFileFacts {
  return {
    snaplen: null,
    interfaceDetails: [],
    writtenBy: null,
    fileSize: null,
    uncompressedSize: null,
    wireBytes: null,
    cutShort: null,
    dataByteRate: null,
    dataBitRate: null,
    averagePacketRate: null,
    averagePacketSize: null,
    timeOrder: null,
  };
}

/** The fields of a capture summary that only a capture file has. */
export type CaptureFileFacts = Pick<CaptureSummary, CaptureFileFact>;

type CaptureFileFact =
  | 'snaplen'
  | 'interfaceDetails'
  | 'writtenBy'
  | 'fileSize'
  | 'uncompressedSize'
  | 'wireBytes'
  | 'cutShort'
  | 'dataByteRate'
  | 'dataBitRate'
  | 'averagePacketRate'
  | 'averagePacketSize'
  | 'timeOrder';

export interface ProxyFinding {
  address: string;
  port: number | null;
  source: 'given' | 'detected';
  evidence: string;
  /** Internal clients seen using it. */
  clients: string[];
  /** The network (`AnalysisResult.networks[].id`) it serves; only when there are several. */
  network?: number;
}

export interface ResetSource {
  attribution: ResetAttribution;
  /** TTL / hop limit the resets arrived with. */
  ttl: number;
  resets: number;
  /**
   * Of `resets`, those that refused an attempt (a SYN, a UDP flow); the others refused connections
   * seen without their opening (a stray ACK denied for want of a connection, an ICMP message).
   */
  attempts: number;
  /** How many distinct remote addresses these resets claimed to come from. */
  remoteAddresses: number;
  medianRttMs: number | null;
  /** 'rst' or 'icmp' refusals, or denials a firewall wrote in its log ('log': TTL -1, no hops, no RTT). */
  kind: 'rst' | 'icmp' | 'log';
  /** Plain-words reason for the attribution. */
  evidence: string;
  /** Router hops between the reset's sender and the capture point, from its TTL. */
  hops: number;
  /** Addresses that actually sent the refusals (ICMP: the routers; RST: the claimed addresses). */
  senders: string[];
  /** The remote addresses these refusals answered for (first 50). */
  addressList: string[];
  /** Their /24 (/48) netblocks (first 50). */
  netblocks: string[];
  /** How many of the remote addresses are outside the internal networks. */
  externalAddresses: number;
  /** Internal hosts that received these refusals (first 50). */
  hosts: string[];
  /** The network (`AnalysisResult.networks[].id`) it was seen in; only when there are several. */
  network?: number;
}

/** What a schedule was measured on. */
export type ScheduleBasis = 'failed attempts' | 'completed sessions' | 'all attempts' | 'requests in one connection' | 'DNS lookups';

export interface Schedule {
  periodic: boolean;
  /** Seconds between burst starts (median), null when not periodic / not enough data. */
  periodSeconds: number | null;
  /**
   * Jitter of the period: the half-width of the intervals' spread relative to the period
   * (0.2 = ±20 %, a pause drawn from 200–300 s), 0 = perfectly regular.
   */
  jitter: number | null;
  /** Median attempts per burst. */
  burstSize: number | null;
  /** Attempts per second inside a burst. */
  burstRate: number | null;
  bursts: number;
  sequentialPorts: boolean;
  /** 0..1 periodicity score. */
  score: number;
  /**
   * Median quiet between bursts of several events (last event of one to first of the next),
   * seconds — within a spell when there are `spells`; absent with one burst or single events.
   */
  pauseSeconds?: number;
  /**
   * Not periodic, bursts of several events whose sizes differ: the smallest and the largest
   * (`burstSize` is their median); absent otherwise.
   */
  smallestBurst?: number;
  largestBurst?: number;
  /**
   * Not periodic, bursts of several events that come in spells with a long quiet between them (a
   * page loaded, then loaded again a minute later): how many spells, and the median quiet between
   * them, seconds; absent otherwise.
   */
  spells?: number;
  spellPauseSeconds?: number;
  /**
   * Periodic by a wide random jitter spread evenly between two bounds (a C2 agent's randomised
   * sleep, schedule.ts MAX_JITTER_WIDE): the shortest and longest interval of that spread, seconds;
   * absent otherwise.
   */
  shortestSeconds?: number;
  longestSeconds?: number;
  /** Longer cycle on top of the bursts (e.g. a burst train every hour), seconds. */
  cycleSeconds: number | null;
  evidence: string;
  /** What the schedule was measured on; null when there was nothing to measure. */
  basis: ScheduleBasis | null;
  /** How many events (attempts or requests) the schedule was measured on. */
  attempts: number;
  /** How many times the pattern was seen (bursts) when periodic, else 0. */
  repetitions: number;
  /** 0–1: how sure the schedule is, from its repetitions and jitter; 0 when not periodic. */
  confidence: number;
  /**
   * How often times at random keep a schedule as tight over as many repetitions (one series in
   * 1/chance), when the rules found one; absent otherwise. A run that judges so many series that
   * chance would make such schedules (more than 0.1 of one expected) calls none of them periodic.
   */
  chance?: number;
  /**
   * The one address of its group the schedule was found on, when the group's attempts as a
   * whole keep none (two programs retrying two servers of one netblock); absent otherwise.
   */
  address?: string;
}

export interface DestinationGroup {
  /** Group key: a DNS name / Host / SNI, an organisation from --orgs, or a netblock. */
  destination: string;
  /** How the group was formed. */
  groupedBy: 'dns' | 'host' | 'sni' | 'org' | 'netblock';
  names: string[];
  /** Responder ports of its TCP and UDP attempts (pings have none: `pings`). */
  ports: number[];
  /**
   * When `ports` holds ports of both TCP and UDP: how many of each (a number in both is counted
   * twice, as a scan counts it). Absent when they are of one protocol.
   */
  portsByProtocol?: { tcp: number; udp: number };
  /** Pings (ICMP echo requests) among its attempts; absent when none. */
  pings?: number;
  addresses: number;
  addressList: string[];
  /** Attempts made: those cut off by the end of the capture (`cutOff`) among them. */
  attempts: number;
  established: number;
  /** Attempts that got nothing back: not those their client abandoned (`abandonedByClient`). */
  unanswered: number;
  /**
   * Attempts the client reset itself before any answer came (Zeek: RSTOS0, history "SR"): it gave
   * up on them — nothing in the path was seen to drop them. Among `failed`, not `unanswered`.
   * Absent when none.
   */
  abandonedByClient?: number;
  /** Connections refused (reset, refused by ICMP, denied by a log), by who refused them: an attempt's, and those of `resent`. */
  resets: { middlebox: number; endpoint: number; unknown: number };
  /**
   * Of `resets`, SYNs sent again after their refusal — Windows sends a refused SYN twice more
   * (Microsoft KB 175523), the same attempt's — each a connection of its own, refused again, and
   * no attempt. Absent when none.
   */
  resent?: number;
  /**
   * Of `resets`, refusals known only from a firewall's log (a denied line, no packet of the
   * refusal seen): the log says it denied them, not how (a reset, an ICMP message or silence).
   * Absent when none.
   */
  denied?: number;
  viaProxy: boolean;
  bytesOut: number;
  bytesIn: number;
  firstSeen: string;
  lastSeen: string;
  schedule: Schedule;
  /** The /24 (/48) netblocks of the addresses (first 50). */
  netblocks: string[];
  /** Attempts that did not complete a handshake. */
  failed: number;
  /**
   * Of `attempts`, those in the capture's last seconds that had no answer before it ended: made,
   * but their outcome unknown — neither `established` nor `failed`. Absent when none.
   */
  cutOff?: number;
  /**
   * When the schedule was measured on the requests (UDP: packet bursts) inside one long-lived
   * connection: their times, the first REQUEST_TIMES_SHOWN, for the report's timeline.
   */
  requestTimes?: number[];
  /**
   * Its UDP flows whose datagrams came over a time with no times of them kept (a row of Zeek's
   * conn.log is one flow, however long) — a schedule the input cannot show: how many, and the
   * largest one's datagrams and span in seconds. Absent when none.
   */
  untimed?: { flows: number; datagrams: number; seconds: number };
}

export interface Attempt {
  ts: number;
  destination: string;
  address: string;
  port: number;
  sourcePort: number;
  /** 'udp' for a UDP flow (QUIC, DNS …), 'icmp' for a ping (port: its code, sourcePort: its type); TCP when absent. */
  proto?: 'tcp' | 'udp' | 'icmp';
  /**
   * What came of it; `abandoned`: its client reset it itself before any answer came (Zeek:
   * RSTOS0, history "SR"), counted in its group's `abandonedByClient`, not `unanswered`.
   */
  outcome: 'established' | 'reset-middlebox' | 'reset-endpoint' | 'reset-unknown' | 'unanswered' | 'abandoned' | 'refused-icmp';
}

/**
 * A destination address:port that many sources flooded together (flood-targets.ts): a SYN flood
 * from spoofed sources, one SYN each, is no one host's flood. Times are ISO-8601.
 */
export interface FloodTarget {
  /** The target's address. */
  target: string;
  port: number;
  proto: 'tcp' | 'udp';
  /** What was counted: SYNs, UDP datagrams, or (at any port of a TCP target) the SYN-ACKs and resets it was sent. */
  unit: 'SYN' | 'UDP datagram' | 'SYN-ACK or reset';
  /** Connections (TCP) or flows (UDP) opened at it. */
  attempts: number;
  /** SYNs or datagrams sent at it: what `rate` counts. */
  packets: number;
  /** Distinct source addresses. */
  sources: number;
  /** Set when the sources were too many to count them all: `sources` is a floor. */
  sourcesCapped?: true;
  /** Attempts that failed: `refused` and `unanswered`; those cut off by the end of the capture are in none of these. */
  failed: number;
  refused: number;
  unanswered: number;
  /** Attempts in the capture's last seconds, their outcome unknown. */
  cutOff: number;
  first: string;
  last: string;
  durationSeconds: number;
  /** `packets` per second over first to last (a span under a second counts as one). */
  rate: number;
  /** Most sources sent one SYN and nothing else: addresses forged one per packet. */
  likelySpoofed: boolean;
  /**
   * Set for UDP datagrams at any port of the target (`port` is then 0), most of them from a few
   * service ports of many servers (`sourcePorts`, the commonest first) that the target never
   * sent to: servers answering requests forged in its name — a reflection (amplification) flood.
   * `sourcePorts` is empty when the sources' ports are as scattered as the target's.
   */
  anyPort?: { sourcePorts: number[] };
}

export interface HostFinding {
  /** The network (`AnalysisResult.networks[].id`) the host is in; only when there are several. */
  network?: number;
  address: string;
  /**
   * The machine's other addresses, when it sent from several through one network card (a
   * dual-stack host's IPv6 addresses, its temporary ones): its connections from each are this
   * host's. Absent for a host of one address.
   */
  otherAddresses?: string[];
  /** That network card's hardware address, with `otherAddresses`. */
  mac?: string;
  labels: Label[];
  verdict: string;
  evidence: string[];
  /** How much this host deserves attention, for ordering (higher first). */
  score: number;
  /** Names this host was seen with (DNS PTR not available offline: user agents, etc.). */
  userAgents: string[];
  groups: DestinationGroup[];
  /**
   * The host's outbound attempts in time order (for charts): every one, or on a host with
   * millions an even spread of them, first and last included (see `attemptsOmitted`).
   */
  attempts: Attempt[];
  /**
   * Names the host looks up on a schedule (its `periodic` label when no destination group is),
   * most lookups first; absent when none is. A DNS beacon checks in by the lookup itself.
   */
  dnsSchedules?: DnsScheduleFinding[];
  /** Domains the host carries data under in its DNS queries (`dns-tunnel`), most queries first; absent when none. */
  dnsTunnels?: DnsTunnelFinding[];
  /** Attempts left out of `attempts` to bound the output; absent when none were. */
  attemptsOmitted?: number;
  /**
   * Attempts in the capture's last seconds that had no answer before it ended: their outcome is
   * unknown. They are among the groups' `attempts` (each group's `cutOff`), not among `attempts`
   * here (the charts' outcomes); absent when none were.
   */
  cutOff?: number;
  /**
   * A scanner's probes without a SYN (nmap's ACK, FIN, NULL, Xmas and window scans: bare
   * segments, outcomes.ts): no attempts, so in no count of them, but its scan's (the ports it
   * counts); absent when none were, and on a host that is no scanner.
   */
  probes?: number;
  /**
   * Destination groups left out of `groups` to bound the output (a scan of half a million
   * networks): how many, and what they add up to; absent when none were. `groups` keeps the
   * MAX_GROUPS_KEPT that matter most (periodic first, then by failures and attempts).
   */
  groupsOmitted?: {
    groups: number;
    attempts: number;
    established: number;
    unanswered: number;
    failed: number;
    addresses: number;
    /** Of `attempts`, those cut off by the end of the capture (DestinationGroup.cutOff); absent when none. */
    cutOff?: number;
    /** Of `failed`, those the client abandoned (DestinationGroup.abandonedByClient); absent when none. */
    abandonedByClient?: number;
    /** DestinationGroup.untimed flows of the groups left out; absent when none. */
    untimedFlows?: number;
  };
}

/** When a DNS finding was first and last seen (ISO-8601, as a group's). */
interface SeenFromTo {
  firstSeen: string;
  lastSeen: string;
}

/** A name one host looks up on a schedule (HostFinding.dnsSchedules): its lookups, resolvers, TTL and the lookups' schedule (basis "DNS lookups"). */
export type DnsScheduleFinding = Omit<DnsSchedule, 'first' | 'last'> & SeenFromTo;

/** A domain one host carries data under in its DNS queries (HostFinding.dnsTunnels). */
export type DnsTunnelFinding = Omit<DnsTunnel, 'first' | 'last'> & SeenFromTo;

/**
 * What a host without findings did, each with its meaning: the one table of them that stands in
 * for a row per host on a network of thousands.
 */
export const QUIET_ACTIVITIES = {
  'via-proxy': { name: 'through the proxy', meaning: 'reach the web through the proxy; nothing else stands out' },
  direct: { name: 'direct, ordinary', meaning: 'connect directly; nothing regular, and no block: failures, if any, are few or scattered' },
  'cut-off': {
    name: 'cut off by the end',
    meaning: "attempts only in the capture's last seconds: it ended before they could be answered, so none is judged",
  },
  'flood-source': {
    name: "a flood's sources",
    meaning:
      "every attempt went to the target of a flood from many sources (the summary names it): the flood's sources, not software calling home",
  },
  'no-attempts': { name: 'no new connections', meaning: 'only connections already open when the capture started' },
  understood: { name: 'known destinations only', meaning: 'every connection went to known destinations (--known)' },
} as const;

export type QuietActivity = keyof typeof QUIET_ACTIVITIES;

export interface QuietHostCounts {
  activity: QuietActivity;
  hosts: number;
  /** TCP connections of these hosts (attempts and connections seen mid-stream). */
  connections: number;
  attempts: number;
  established: number;
  /** Attempts that did not complete a handshake. */
  failed: number;
  /** Of `attempts`, those cut off by the end of the capture: neither established nor failed. Absent when none. */
  cutOff?: number;
  /** Of `failed`, those the client abandoned (DestinationGroup.abandonedByClient). Absent when none. */
  abandonedByClient?: number;
  /**
   * When the schedule was measured on the requests (UDP: packet bursts) inside one long-lived
   * connection: their times, the first REQUEST_TIMES_SHOWN, for the report's timeline.
   */
  requestTimes?: number[];
}

/** Hosts without findings (no label, or only via-proxy), counted. */
export interface QuietHosts {
  count: number;
  /**
   * Whether these hosts are in `hosts` as well. `analyze --format json` lists only hosts with
   * findings there unless `--all-hosts` is given.
   */
  listed: boolean;
  connections: number;
  attempts: number;
  /** By what the hosts did, in QUIET_ACTIVITIES order; activities with no host left out. */
  byActivity: QuietHostCounts[];
}

/** One known-destinations line (--known) and what it took out of the findings. */
export interface UnderstoodDestinations {
  /** The pattern as written: `*.windowsupdate.com`, `192.0.2.0/24`, `192.0.2.7:443`. */
  rule: string;
  reason: string;
  /** File and line. */
  source: string;
  /** Hosts with a destination group it matched. */
  hosts: number;
  attempts: number;
  connections: number;
  /** The matched groups' destinations (first 20). */
  destinations: string[];
}

/**
 * Inputs analysed as one network, when the inputs of one run cannot all be one network
 * (analysis/networks.ts: too far apart in time, or no internal address in common).
 */
export interface NetworkSummary {
  /** 1, 2, …: in order of the networks' first time stamps. */
  id: number;
  /** The files of its inputs (`captures[].file`), in `captures` order. */
  captures: string[];
  /** Its first and last time stamp (ISO-8601), null when no input has one. */
  start: string | null;
  end: string | null;
  /** Why it is not analysed with the nearest other network: "3.3 years apart from network 1, with no internal address in common". */
  reason: string;
  /** The summary sentences of this network alone. */
  summary: string[];
  /** The hosts of this network without findings, counted. */
  quietHosts: QuietHosts;
}

/**
 * A firewall log analysed together with the capture(s) of its network: how many of the capture's
 * attempts the firewall logged, the clock offset between the two, and what the capture's resets
 * say next to the log's word. Attempts matched are counted once (the capture's connection).
 */
export interface LogMatch {
  /** The network (`AnalysisResult.networks[].id`); only when there are several. */
  network?: number;
  /** The firewall log's file. */
  log: string;
  /** The captures (packet captures, Zeek logs) of its network it was matched to. */
  captures: string[];
  /** The capture's attempts the log has an entry for: each counted once. */
  matched: number;
  /** The capture's attempts (TCP SYNs, UDP flows) between an internal and an outside address: those the firewall could see. */
  captureAttempts: number;
  /** The log's attempts (its entries, retransmissions folded in). */
  logAttempts: number;
  /** Log attempts the capture does not have: analysed as attempts of their own, moved onto the capture's clock. */
  logOnly: number;
  /** Log clock − capture clock, seconds (add it to a capture time to get the log's); null when nothing matched. */
  offsetSeconds: number | null;
  /** The offset is close to whole quarter hours: a time zone set wrong, most likely (`--tz`). */
  timeZoneLike: boolean;
  /** Of the matched attempts, how many the log says it denied and allowed. */
  denied: number;
  allowed: number;
  /** Matched attempts where the log's word and the capture's physics disagree (denied but the endpoint's reset or answer; allowed but reset in the path). */
  conflicts: number;
  /** The TTL most of the matched attempts' resets arrived with in the capture, and their median delay after the SYN; null without resets. */
  resetTtl: number | null;
  resetDelayMs: number | null;
  /** The sentence of the summary. */
  words: string;
}

export interface AnalysisResult {
  version: 1;
  captures: CaptureSummary[];
  /**
   * Present only when the inputs form several networks, each analysed on its own: then every host,
   * proxy, reset source and capture carries the `network` id it belongs to, and `summary`
   * starts with a sentence saying so. Absent for one network (the common case).
   */
  networks?: NetworkSummary[];
  proxies: ProxyFinding[];
  resetSources: ResetSource[];
  hosts: HostFinding[];
  /** Short summary sentences, most important first. */
  summary: string[];
  /** Hosts without findings, counted by what they did. */
  quietHosts: QuietHosts;
  /**
   * Every known-destinations line given, in file order, with the hosts, attempts and connections
   * it took out of the findings (empty without --known or a default known file).
   */
  understood: UnderstoodDestinations[];
  /** Each firewall log analysed with a capture of its network (absent when no such pair was given). */
  logMatches?: LogMatch[];
  /**
   * A transparent proxy seen answering web connections to the Internet in the servers' stead
   * (interception.ts): its ports, the TTL of its SYN-ACKs, the connections and servers it answered
   * for and its median handshake round trip. Absent when none is seen.
   */
  interception?: { ports: number[]; ttl: number; connections: number; servers: number; medianRttMs: number };
  /**
   * Proxies outside the network some hosts send their web through, past the network's own proxy
   * inside it (proxies.ts `outsideProxies`): no proxy of the network's, so not in `proxies`.
   * Absent when there are none.
   */
  outsideProxies?: ProxyFinding[];
  /**
   * Destinations flooded by many sources together (flood-targets.ts), the busiest first; absent
   * when there are none.
   */
  floodTargets?: FloodTarget[];
}

export interface CompareBehaviour {
  behaviour: string;
  shared: boolean;
  /** The numbers from each capture, in capture order. */
  perCapture: string[];
}

export interface CompareResult {
  version: 1;
  captures: string[];
  shared: CompareBehaviour[];
  different: CompareBehaviour[];
  conclusion: string;
  analyses: AnalysisResult[];
}
