/**
 * Hand-built findings shaped like the case study ("Calling Home?"): a department host whose
 * update agent retries a CDN /24 past the proxy and is reset by the firewall, a browsing
 * host that uses the proxy, and a scanner. Deterministic: no randomness, no clock.
 */
import type {
  AnalysisResult,
  Attempt,
  CaptureSummary,
  CompareResult,
  DestinationGroup,
  HostFinding,
  Schedule,
} from '../../src/analysis/types.js';
import type { Connection } from '../../src/flows/connection.js';
import { countQuietHosts } from '../../src/analysis/quiet.js';

/** 2006-11-17T13:00:00Z, the afternoon of the case study. */
export const START = Date.UTC(2006, 10, 17, 13, 0, 0) / 1000;

const iso = (ts: number) => new Date(ts * 1000).toISOString();

const CDN = [72, 73, 74, 80, 81, 83, 89, 90, 91, 96, 97, 98, 99, 104, 105].map((n) => `72.246.53.${n}`);

export function capture(file: string, packets: number, start: number, end: number, warnings: string[] = []): CaptureSummary {
  return {
    file,
    format: 'pcap',
    formatDetail: 'microsecond, little-endian',
    compressed: null,
    linktype: 1,
    linktypes: [1],
    interfaces: 1,
    packets,
    bytes: packets * 74,
    start: iso(start),
    end: iso(end),
    durationSeconds: end - start,
    decoded: { ipv4: packets, ipv6: 0, tcp: packets - 40, udp: 40, icmp: 0, other: 0 },
    skipped: {},
    anomalies: {},
    warnings,
    damage: null,
    snaplen: 65535,
    interfaceDetails: [
      {
        id: 0,
        name: null,
        description: null,
        os: null,
        hardware: null,
        linktype: 1,
        snaplen: 65535,
        tsresol: null,
        tsUnitsPerSecond: 1e6,
        tsOffset: 0,
      },
    ],
    writtenBy: null,
    fileSize: 24 + packets * (16 + 74),
    uncompressedSize: null,
    wireBytes: packets * 74,
    cutShort: null,
    dataByteRate: end > start ? (packets * 74) / (end - start) : null,
    dataBitRate: end > start ? (packets * 74 * 8) / (end - start) : null,
    averagePacketRate: end > start ? packets / (end - start) : null,
    averagePacketSize: packets > 0 ? 74 : null,
    timeOrder: { ordered: true, earlierRecords: 0, firstEarlierRecord: null, untimedRecords: 0 },
  };
}

function notPeriodic(bursts: number, evidence = 'no regular gap between attempts'): Schedule {
  return {
    periodic: false,
    periodSeconds: null,
    jitter: null,
    burstSize: null,
    burstRate: null,
    bursts,
    sequentialPorts: false,
    score: 0.05,
    cycleSeconds: null,
    evidence,
    basis: 'all attempts',
    attempts: bursts,
    repetitions: 0,
    confidence: 0,
  };
}

/** Bursts of 14 attempts (one a second, two in some seconds) every 32 s, rising source ports, all reset by the firewall. */
export function updateAgentAttempts(bursts = 36, start = START, firstPort = 2000): Attempt[] {
  const attempts: Attempt[] = [];
  let port = firstPort;
  for (let b = 0; b < bursts; b++) {
    const burstStart = start + b * 32 + (b % 3) * 0.4;
    for (let i = 0; i < 14; i++) {
      const ts = burstStart + i * 0.85 + ((i * 7) % 5) * 0.01;
      attempts.push({
        ts,
        destination: '72.246.53.0/24',
        address: CDN[(b * 14 + i * 7) % CDN.length]!,
        port: 80,
        sourcePort: port++,
        outcome: 'reset-middlebox',
      });
    }
    port++; // the agent skips a port between bursts, as in the firewall log
  }
  return attempts;
}

function group(partial: Partial<DestinationGroup> & Pick<DestinationGroup, 'destination' | 'attempts'>): DestinationGroup {
  return {
    groupedBy: 'netblock',
    names: [],
    ports: [80],
    addresses: 1,
    addressList: [],
    established: 0,
    unanswered: 0,
    resets: { middlebox: 0, endpoint: 0, unknown: 0 },
    viaProxy: false,
    bytesOut: 0,
    bytesIn: 0,
    firstSeen: iso(START),
    lastSeen: iso(START + 60),
    schedule: notPeriodic(1),
    netblocks: [],
    failed: 0,
    ...partial,
  };
}

export function departmentHost(address = '192.168.0.13', bursts = 36): HostFinding {
  const direct = updateAgentAttempts(bursts);
  const last = direct[direct.length - 1]!.ts;
  const viaProxy: Attempt[] = [0, 300, 600, 900].map((offset, i) => ({
    ts: START + 5 + offset,
    destination: 'liveupdate.symantec.com',
    address: '192.168.0.2',
    port: 8080,
    sourcePort: 1500 + i,
    outcome: 'established',
  }));
  return {
    address,
    labels: ['proxy-bypass', 'blocked', 'periodic', 'via-proxy'],
    verdict:
      'An update agent retrying through a CDN, not a flood: bursts of 14 attempts (about 1 a second) every ~32 s to 15 addresses in 72.246.53.0/24 (liveupdate.symantecliveupdate.com), sequential source ports, all reset by a device in the path (TTL 255). The same host reaches the web through the proxy 192.168.0.2:8080, so this program ignores the proxy setting.',
    evidence: [
      `${direct.length} direct attempts to port 80 of 15 external addresses while 192.168.0.2:8080 is the proxy`,
      `${direct.length} of ${direct.length} reset with TTL 255 by one sender claiming 15 addresses (median RTT 0.4 ms)`,
      `${bursts} bursts of 14 attempts every 32 s (jitter ±2%), source ports 2000–${direct[direct.length - 1]!.sourcePort} rising`,
      '4 requests through the proxy (absolute-URI GET)',
    ],
    score: 0.97,
    userAgents: ['Symantec LiveUpdate'],
    groups: [
      group({
        destination: '72.246.53.0/24',
        groupedBy: 'netblock',
        names: ['liveupdate.symantecliveupdate.com', 'liveupdate.symantec.com.edgesuite.net', 'a1926.g.akamai.net'],
        ports: [80],
        addresses: CDN.length,
        addressList: CDN,
        attempts: direct.length,
        failed: direct.length,
        netblocks: ['72.246.53.0/24'],
        resets: { middlebox: direct.length, endpoint: 0, unknown: 0 },
        bytesOut: 0,
        bytesIn: 0,
        firstSeen: iso(START),
        lastSeen: iso(last),
        schedule: {
          periodic: true,
          periodSeconds: 32,
          jitter: 0.02,
          burstSize: 14,
          burstRate: 1.18,
          bursts,
          sequentialPorts: true,
          score: 0.93,
          cycleSeconds: null,
          evidence: `${bursts} bursts, median gap 32 s, MAD 0.6 s`,
          basis: 'failed attempts',
          attempts: direct.length,
          repetitions: bursts,
          confidence: 0.99,
        },
      }),
      group({
        destination: 'liveupdate.symantec.com',
        groupedBy: 'host',
        names: ['liveupdate.symantec.com'],
        ports: [8080],
        addresses: 1,
        addressList: ['192.168.0.2'],
        attempts: viaProxy.length,
        established: viaProxy.length,
        viaProxy: true,
        bytesOut: 1840,
        bytesIn: 96_000,
        firstSeen: iso(START + 5),
        lastSeen: iso(START + 905),
      }),
    ],
    attempts: [...direct, ...viaProxy].sort((a, b) => a.ts - b.ts),
  };
}

function browsingHost(): HostFinding {
  const attempts: Attempt[] = Array.from({ length: 40 }, (_, i) => ({
    ts: START + 17 + i * 23.5 + (i % 4) * 3,
    destination: i % 2 ? 'www.google.com' : 'www.bbc.co.uk',
    address: '192.168.0.2',
    port: 8080,
    sourcePort: 3100 + i,
    outcome: 'established',
  }));
  return {
    address: '192.168.0.21',
    labels: ['via-proxy'],
    verdict: 'Browses the web through the proxy 192.168.0.2:8080; no direct attempts.',
    evidence: ['40 requests through the proxy'],
    score: 0.1,
    userAgents: ['Mozilla/5.0 (Windows; U; Windows NT 5.1; en-GB; rv:1.8.1) Gecko/20061010 Firefox/2.0'],
    groups: [
      group({
        destination: 'www.google.com',
        groupedBy: 'host',
        names: ['www.google.com'],
        ports: [8080],
        attempts: 20,
        established: 20,
        viaProxy: true,
        bytesOut: 9000,
        bytesIn: 420_000,
      }),
      group({
        destination: 'www.bbc.co.uk',
        groupedBy: 'host',
        names: ['www.bbc.co.uk'],
        ports: [8080],
        attempts: 20,
        established: 20,
        viaProxy: true,
        bytesOut: 8000,
        bytesIn: 1_200_000,
      }),
    ],
    attempts,
  };
}

function scannerHost(): HostFinding {
  const attempts: Attempt[] = Array.from({ length: 300 }, (_, i) => ({
    ts: START + 400 + i * 0.02,
    destination: '203.0.113.0/24',
    address: `203.0.113.${1 + (i % 60)}`,
    port: 20 + Math.floor(i / 60) * 100,
    sourcePort: 40000 + i,
    outcome: i % 6 === 0 ? 'reset-endpoint' : 'unanswered',
  }));
  return {
    address: '192.168.0.50',
    labels: ['scanner'],
    verdict: 'Probes 60 addresses of 203.0.113.0/24 on 5 ports in 6 s: a scan, not an update agent.',
    evidence: ['300 attempts to 60 addresses and 5 ports in 6 s', '250 unanswered, 50 refused by the hosts themselves'],
    score: 0.8,
    userAgents: [],
    groups: [
      group({
        destination: '203.0.113.0/24',
        ports: [20, 120, 220, 320, 420],
        addresses: 60,
        addressList: Array.from({ length: 60 }, (_, i) => `203.0.113.${i + 1}`),
        attempts: 300,
        failed: 300,
        netblocks: ['203.0.113.0/24'],
        unanswered: 250,
        resets: { middlebox: 0, endpoint: 50, unknown: 0 },
        firstSeen: iso(START + 400),
        lastSeen: iso(START + 406),
        schedule: notPeriodic(1),
      }),
    ],
    attempts,
  };
}

/** The department capture: what `callhome analyze` would find in it. */
export function caseStudyResult(): AnalysisResult {
  const department = departmentHost();
  const end = department.attempts[department.attempts.length - 1]!.ts + 3;
  const hosts = [department, scannerHost(), browsingHost()];
  return {
    version: 1,
    captures: [capture('captures/department-host.pcap', 4_212, START, end)],
    proxies: [
      {
        address: '192.168.0.2',
        port: 8080,
        source: 'detected',
        evidence: '2 internal clients sent absolute-URI requests to it, and it opens outbound web connections itself',
        clients: ['192.168.0.13', '192.168.0.21'],
      },
    ],
    resetSources: [
      {
        attribution: 'middlebox',
        ttl: 255,
        resets: 504,
        attempts: 504,
        remoteAddresses: 15,
        medianRttMs: 0.4,
        kind: 'rst',
        evidence:
          '15 different remote addresses answered with the same TTL 255 and the same 0.4 ms delay, faster than any server 10 hops away could',
        hops: 0,
        senders: CDN,
        addressList: CDN,
        netblocks: ['72.246.53.0/24'],
        externalAddresses: 15,
        hosts: ['192.168.0.13'],
      },
      {
        attribution: 'endpoint',
        ttl: 52,
        resets: 50,
        attempts: 50,
        remoteAddresses: 50,
        medianRttMs: 81.2,
        kind: 'rst',
        evidence: 'TTL matches the SYN-ACKs of the same addresses; delay equals the handshake round trip',
        hops: 12,
        senders: Array.from({ length: 50 }, (_, i) => `203.0.113.${i * 6 + 1}`),
        addressList: Array.from({ length: 50 }, (_, i) => `203.0.113.${i * 6 + 1}`),
        netblocks: ['203.0.113.0/24'],
        externalAddresses: 50,
        hosts: ['192.168.0.50'],
      },
    ],
    hosts,
    summary: [
      '192.168.0.13 keeps calling 72.246.53.0/24 (liveupdate.symantecliveupdate.com) directly, past the proxy 192.168.0.2:8080: 504 attempts in bursts of 14 every 32 s, all reset by the firewall.',
      'Not a DDoS: about one attempt a second, spread over 15 CDN addresses, sequential source ports — an update agent retrying.',
      '192.168.0.50 scanned 60 addresses of 203.0.113.0/24.',
    ],
    quietHosts: countQuietHosts(
      hosts.map((finding) => ({ finding, connections: finding.groups.reduce((n, g) => n + g.attempts, 0) })),
      [],
    ),
    understood: [],
  };
}

/** Strings that try to escape every output: markup, script, quotes, terminal escapes, formulas. */
export const HOSTILE = {
  script: '<script>window.__pwned = 1</script>',
  img: '<img src=x onerror="window.__pwned=1">',
  attribute: '"><svg onload=window.__pwned=1>',
  quotes: `it's "quoted"`,
  terminal: 'evil\x1b[2J\x1b]0;owned\x07\x9b31m\r\x85name',
  markdown: '[click](http://evil.example) @admin `code` | pipe #1',
  formula: '=HYPERLINK("http://evil.example","x")',
};

/** A result whose capture-derived strings (names, Host headers, user agents) are all hostile. */
export function hostileResult(): AnalysisResult {
  const result = caseStudyResult();
  const host = result.hosts[0]!;
  const names = Object.values(HOSTILE);
  host.userAgents = [HOSTILE.script, HOSTILE.img, HOSTILE.terminal];
  // A Zeek log's addresses are its text: a machine's other addresses too.
  host.otherAddresses = [HOSTILE.terminal, HOSTILE.attribute, HOSTILE.markdown];
  host.mac = '02:00:5e:10:00:01';
  host.groups[0]!.names = names;
  host.groups[0]!.destination = `${HOSTILE.img}.example`;
  for (const a of host.attempts) if (a.destination === '72.246.53.0/24') a.destination = host.groups[0]!.destination;
  host.groups[1]!.destination = HOSTILE.attribute;
  host.verdict = `Calls ${HOSTILE.script} and ${HOSTILE.markdown} directly ${HOSTILE.terminal}.`;
  host.evidence.push(`Host header ${HOSTILE.img} ${HOSTILE.quotes}`, `SNI ${HOSTILE.attribute}`);
  result.summary.unshift(`Summary with ${HOSTILE.script} ${HOSTILE.terminal}`);
  result.proxies[0]!.evidence = `User-Agent ${HOSTILE.img}`;
  result.captures[0]!.file = `captures/${HOSTILE.quotes}<b>.pcap`;
  return result;
}

export function connection(partial: Partial<Connection> = {}): Connection {
  return {
    uid: 'CHhAvVGS1DHFjwGM9',
    proto: 'tcp',
    ts: START + 0.123456,
    lastTs: START + 0.123856,
    origH: '192.168.0.13',
    origP: 2486,
    respH: '72.246.53.90',
    respP: 80,
    service: null,
    duration: 0.0004,
    origBytes: 0,
    respBytes: 0,
    connState: 'REJ',
    localOrig: true,
    localResp: false,
    missedBytes: 0,
    history: 'Sr',
    origPkts: 1,
    origIpBytes: 48,
    respPkts: 1,
    respIpBytes: 40,
    capture: 0,
    synCount: 1,
    origTtl: 128,
    respTtl: -1,
    handshakeRtt: null,
    established: false,
    resets: [
      {
        kind: 'rst',
        origin: 'packet',
        ts: START + 0.123856,
        fromOriginator: false,
        ttl: 255,
        ipId: 0,
        sender: '72.246.53.90',
        delay: 0.0004,
        stage: 'syn',
        seq: 0,
        ack: 1234567,
        ackZero: false,
        senderKeptSending: false,
        peerTtls: [],
        peerIpIds: [],
        icmpType: 0,
        icmpCode: 0,
      },
    ],
    http: null,
    sni: null,
    quic: null,
    dnsQuery: null,
    dnsNames: [],
    dnsQueries: 0,
    dnsAnswers: [],
    requestTimes: [],
    ...partial,
  };
}

/** A handful of connections: a firewall reset, a proxied request with hostile headers, a one-packet UDP flow. */
export function connections(): Connection[] {
  return [
    connection(),
    connection({
      uid: 'C4J4Th3PJpwUYZZ6gc',
      ts: START + 5,
      lastTs: START + 6.5,
      origP: 1500,
      respH: '192.168.0.2',
      respP: 8080,
      service: 'http',
      duration: 1.5,
      origBytes: 460,
      respBytes: 24_000,
      connState: 'SF',
      localResp: true,
      history: 'ShADadFf',
      origPkts: 8,
      origIpBytes: 780,
      respPkts: 20,
      respIpBytes: 24_800,
      respTtl: 64,
      handshakeRtt: 0.0003,
      established: true,
      resets: [],
      http: {
        method: 'GET',
        target: 'http://liveupdate.symantec.com/minitri.flg',
        host: HOSTILE.formula,
        userAgent: `-cmd|' /C calc'!A0\t${HOSTILE.terminal}`,
        proxyForm: 'absolute',
        viaHeaders: [],
      },
      requestTimes: [START + 5.001],
    }),
    connection({
      uid: 'CmES5u32sYpV7JYN',
      proto: 'udp',
      ts: START + 1,
      lastTs: START + 1,
      origP: 1034,
      respH: '192.168.0.1',
      respP: 53,
      service: 'dns',
      duration: null,
      connState: 'S0',
      localResp: true,
      history: 'D',
      origIpBytes: 66,
      respPkts: 0,
      respIpBytes: 0,
      resets: [],
      dnsQuery: 'liveupdate.symantecliveupdate.com',
      dnsAnswers: [{ name: 'liveupdate.symantecliveupdate.com', type: 'A', value: '72.246.53.90', ttl: 20 }],
      respTtl: -1,
    }),
  ];
}

export function compareResult(): CompareResult {
  const department = caseStudyResult();
  const consultant = caseStudyResult();
  consultant.captures[0]!.file = 'captures/consultant-laptop.pcap';
  return {
    version: 1,
    captures: ['captures/department-host.pcap', 'captures/consultant-laptop.pcap'],
    shared: [
      {
        behaviour: 'direct attempts to 72.246.53.0/24 on port 80, reset by the firewall (TTL 255)',
        shared: true,
        perCapture: ['504 attempts, 15 addresses', '380 attempts, 12 addresses'],
      },
    ],
    different: [
      { behaviour: 'retry schedule', shared: false, perCapture: ['bursts of 14 every 32 s', 'bursts of 6 every 20 s'] },
      { behaviour: `user agent ${HOSTILE.markdown}`, shared: false, perCapture: ['Symantec LiveUpdate', 'AVG Update'] },
    ],
    conclusion: 'Both machines run an update agent that ignores the proxy; the schedules differ because the agents differ (Symantec, AVG).',
    analyses: [department, consultant],
  };
}
