/**
 * The "Calling Home?" case study as two captures, generated deterministically:
 *
 * - department-host.pcap: a sniffer on the department PC 192.168.0.13 (Windows XP, Internet
 *   Explorer through the proxy, Symantec LiveUpdate ignoring the proxy and being reset by the
 *   firewall in bursts of 14 with rising source ports — the firewall log of the case study).
 * - consultant-laptop.pcap: the visiting consultant's DELL laptop 192.168.0.57 on a mirror
 *   port (Firefox through the proxy, AVG updating directly on its own schedule, Windows Update
 *   going direct because Internet Explorer had no proxy set: port 80 reset, port 443 dropped).
 *
 * Every parameter is exported so tests can compare what callhome finds with what was made.
 */

import { Rng } from './capture.js';
import {
  planBrowsingSession,
  proxyConnection,
  Scenario,
  type BrowserProfile,
  type DirectAttempt,
  type DnsServerProfile,
  type FirewallProfile,
  type ProxyProfile,
} from './scenario.js';

export const CASE_STUDY_SEED = 20061117;

/** Seconds since the epoch of a wall-clock time (the firewall log's clock, written as UTC). */
function utc(y: number, mo: number, d: number, h: number, mi: number, s: number): number {
  return Date.UTC(y, mo - 1, d, h, mi, s) / 1000;
}

/** The firewall: the LAN's default gateway, one hop away; it resets blocked port-80 SYNs. */
export const FIREWALL: FirewallProfile = {
  ip: '192.168.0.254',
  mac: '00:09:0f:4a:11:2c',
  ttl: 255,
  resetDelayMs: [0.2, 0.5],
  ipIdStep: [1, 3],
};

export const PROXY: ProxyProfile = {
  ip: '192.168.0.2',
  port: 8080,
  mac: '00:30:48:5c:a2:10',
  ttl: 64,
  via: '1.1 proxy (squid/2.6.STABLE5)',
};

export const DNS_SERVER: DnsServerProfile = { ip: '192.168.0.1', mac: '00:13:72:0b:44:e1', ttl: 64 };

export const LAN = {
  network: '192.168.0.0/24',
  broadcast: '192.168.0.255',
  /** Other department PCs whose broadcasts (ARP, NetBIOS) reach every capture. */
  neighbours: [
    { ip: '192.168.0.11', mac: '00:11:0a:2b:10:11', name: 'DEPT-PC11' },
    { ip: '192.168.0.12', mac: '00:11:0a:2b:10:12', name: 'DEPT-PC12' },
    { ip: '192.168.0.14', mac: '00:11:0a:2b:10:14', name: 'DEPT-PC14' },
    { ip: '192.168.0.21', mac: '00:11:0a:2b:10:21', name: 'ACCOUNTS1' },
    { ip: '192.168.0.30', mac: '00:11:0a:2b:10:30', name: 'RECEPTION' },
  ],
  workgroup: 'DEPARTMENT',
} as const;

/** A direct attempt's cadence: bursts of `burstSize` attempts `attemptIntervalSeconds` apart. */
export interface BurstSchedule {
  burstSize: number;
  attemptIntervalSeconds: number;
  /** Each attempt is moved by a uniform offset in ±this (no accumulation). */
  attemptJitterSeconds: number;
  /** Start of one burst to the start of the next. */
  periodSeconds: number;
  periodJitterSeconds: number;
}

const IE6_UA = 'Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1; SV1; .NET CLR 1.1.4322)';
const FIREFOX2_UA = 'Mozilla/5.0 (Windows; U; Windows NT 5.1; en-US; rv:1.8.1) Gecko/20061010 Firefox/2.0';

export const DEPARTMENT = {
  seed: CASE_STUDY_SEED,
  file: 'department-host.pcap',
  host: '192.168.0.13',
  hostMac: '00:11:0a:2b:10:13',
  hostName: 'DEPT-PC13',
  hostTtl: 128,
  /** The sniffer runs on the host: its own TCP/UDP checksums are left to the NIC. */
  checksumOffload: true,
  proxy: PROXY.ip,
  proxyPort: PROXY.port,
  dnsServer: DNS_SERVER.ip,
  firewall: FIREWALL.ip,
  start: utc(2006, 11, 17, 12, 25, 0),
  durationSeconds: 7200,
  liveUpdate: {
    agent: 'liveupdate',
    name: 'liveupdate.symantecliveupdate.com',
    cnames: ['liveupdate.symantecliveupdate.com.edgesuite.net', 'a1.g.akamai.net'],
    dnsTtl: 20,
    /** The 15 addresses of 72.246.53.0/24 the CDN hands out; each cycle's answer lists 10. */
    addressPool: [65, 66, 72, 73, 74, 80, 81, 83, 89, 90, 91, 96, 97, 98, 99].map((n) => `72.246.53.${n}`),
    answersPerCycle: 10,
    network: '72.246.53.0/24',
    port: 80,
    burstSize: 14,
    attemptIntervalSeconds: 1.0,
    attemptJitterSeconds: 0.04,
    /** 13 s of attempts then an 18 s pause. */
    periodSeconds: 31,
    periodJitterSeconds: 0.25,
    burstsPerCycle: 6,
    /** Start of one cycle to the next: 6 bursts (~2.9 min), then quiet for ~15 min. */
    cycleSeconds: 1080,
    cycleJitterSeconds: 20,
    /**
     * The firewall log's burst: the third burst of a cycle starts at 13:12:40 from source port
     * 2486, with these destinations; the burst before ends with ports 2480–2484 at 13:12:18–22,
     * and one browser connection between them takes port 2485.
     */
    anchor: {
      burstStart: utc(2006, 11, 17, 13, 12, 40) + 0.2,
      burstInCycle: 2,
      firstPort: 2486,
      destinations: [90, 96, 80, 72, 81, 73, 83, 74, 89, 96, 89, 91, 96, 81].map((n) => `72.246.53.${n}`),
      previousTail: [73, 74, 80, 81, 83].map((n) => `72.246.53.${n}`),
      cycleAnswer: [72, 73, 74, 80, 81, 83, 89, 90, 91, 96].map((n) => `72.246.53.${n}`),
      browsingAt: utc(2006, 11, 17, 13, 12, 30) + 0.4,
    },
  },
  browser: { userAgent: IE6_UA, style: 'ie', sendsSni: false } as BrowserProfile,
  browsingSessions: 36,
  sites: {
    http: ['www.gov.lk', 'www.news.lk', 'www.dailynews.lk', 'www.cbsl.gov.lk', 'www.yahoo.com', 'www.msn.com', 'www.bbc.co.uk'],
    https: ['www.google.com', 'mail.yahoo.com', 'login.live.com'],
    paths: ['/', '/index.php', '/news/today.html', '/about/contact.html', '/style.css', '/scripts/menu.js'],
  },
  /** XP re-ARPs its gateway about every 10 minutes. */
  arpRefreshSeconds: 600,
  netbiosQueries: 24,
} as const;

export const CONSULTANT = {
  seed: CASE_STUDY_SEED + 1,
  file: 'consultant-laptop.pcap',
  host: '192.168.0.57',
  hostMac: '00:14:22:3e:91:07',
  hostName: 'CONSULT-DELL',
  hostTtl: 128,
  /** Captured on a switch mirror port: checksums are complete. */
  checksumOffload: false,
  proxy: PROXY.ip,
  proxyPort: PROXY.port,
  dnsServer: DNS_SERVER.ip,
  firewall: FIREWALL.ip,
  start: utc(2006, 11, 16, 9, 40, 0),
  durationSeconds: 4500,
  firstPort: 1148,
  avg: {
    agent: 'avg',
    name: 'update.grisoft.com',
    cnames: ['update.grisoft.com.edgesuite.net', 'a1295.g.akamai.net'],
    dnsTtl: 20,
    /** Resolved before every burst; each answer holds 2 of these, the burst alternates between them. */
    addressPool: [10, 11, 24, 25, 40, 41, 56, 57].map((n) => `96.17.166.${n}`),
    network: '96.17.166.0/24',
    port: 80,
    burstSize: 5,
    attemptIntervalSeconds: 2.0,
    attemptJitterSeconds: 0.05,
    periodSeconds: 60,
    periodJitterSeconds: 1.5,
    firstBurstOffsetSeconds: 25,
  },
  windowsUpdate: {
    agent: 'windows-update',
    /** Every round: one HTTPS attempt (dropped: SYN at 0, 3, 9 s), then two HTTP attempts (reset). */
    roundSeconds: 300,
    roundJitterSeconds: 20,
    firstRoundOffsetSeconds: 100,
    https: {
      name: 'update.microsoft.com',
      cnames: ['update.microsoft.com.nsatc.net'],
      addresses: ['65.55.184.93', '65.55.184.125'],
      port: 443,
    },
    http: {
      name: 'download.windowsupdate.com',
      cnames: ['download.windowsupdate.com.edgesuite.net', 'a26.ms.akamai.net'],
      addresses: ['92.123.69.8', '92.123.69.17'],
      port: 80,
    },
    /** Seconds after the HTTPS attempt that the HTTP attempts start (XP gives up the SYN at 21 s). */
    httpAfterSeconds: 21,
  },
  browser: { userAgent: FIREFOX2_UA, style: 'firefox', sendsSni: true } as BrowserProfile,
  browsingSessions: 22,
  sites: {
    http: ['www.sans.org', 'isc.sans.org', 'www.securityfocus.com', 'www.grisoft.com', 'www.slashdot.org'],
    https: ['www.google.com', 'mail.google.com', 'www.paypal.com'],
    paths: ['/', '/index.html', '/newsletters/', '/reading_room/', '/style.css', '/scripts/site.js'],
  },
  arpRefreshSeconds: 600,
  netbiosQueries: 14,
} as const;

export interface GeneratedCapture {
  file: string;
  pcap: Buffer;
  /** Every direct attempt, in time order. */
  attempts: DirectAttempt[];
}

function hostProfile(p: typeof DEPARTMENT | typeof CONSULTANT) {
  return { ip: p.host, mac: p.hostMac, ttl: p.hostTtl, checksum: p.checksumOffload ? ('offload' as const) : undefined };
}

/** Start times of browsing sessions, uniform over the capture but outside `avoid` windows. */
function sessionTimes(rng: Rng, n: number, from: number, to: number, avoid: [number, number][]): number[] {
  const out: number[] = [];
  while (out.length < n) {
    const t = rng.uniform(from, to);
    if (avoid.some(([a, b]) => t >= a && t <= b)) continue;
    out.push(t);
  }
  return out.sort((a, b) => a - b);
}

function lanNoise(sc: Scenario, p: typeof DEPARTMENT | typeof CONSULTANT, end: number): void {
  const rng = sc.rng;
  // The host's gateway ARP, at the start and then as the cache entry expires.
  for (let t = p.start + rng.uniform(1, 5); t < end; t += p.arpRefreshSeconds + rng.uniform(-30, 30)) {
    sc.arpExchange(t, FIREWALL.ip, FIREWALL.mac);
  }
  sc.arpExchange(p.start + rng.uniform(6, 9), PROXY.ip, PROXY.mac);
  for (let i = 0; i < 10; i++) {
    const n = rng.pick(LAN.neighbours);
    sc.neighbourArp(rng.uniform(p.start, end), n.ip, n.mac, rng.pick([FIREWALL.ip, PROXY.ip, DNS_SERVER.ip, '192.168.0.13']));
  }
  // NetBIOS name queries: neighbours looking for the workgroup browser and each other, and
  // the host announcing itself.
  for (let i = 0; i < p.netbiosQueries; i++) {
    const n = rng.pick(LAN.neighbours);
    const target = rng.next() < 0.5 ? { name: LAN.workgroup, suffix: 0x1d } : { name: rng.pick(LAN.neighbours).name, suffix: 0x20 };
    sc.netbiosQuery(rng.uniform(p.start, end), n.ip, n.mac, target.name, target.suffix, LAN.broadcast);
  }
  for (let i = 0; i < 3; i++) {
    sc.netbiosQuery(p.start + rng.uniform(10, end - p.start), p.host, p.hostMac, LAN.workgroup, 0x1b, LAN.broadcast);
  }
}

/** The department PC's capture. */
export function generateDepartmentHost(seed: number = DEPARTMENT.seed): GeneratedCapture {
  const p = DEPARTMENT;
  const lu = p.liveUpdate;
  const rng = new Rng(seed);
  const sc = new Scenario(rng, hostProfile(p), FIREWALL, DNS_SERVER, 1031);
  const end = p.start + p.durationSeconds;

  // LiveUpdate cycles, numbered relative to the anchor cycle (0).
  const anchorCycleStart = lu.anchor.burstStart - lu.anchor.burstInCycle * lu.periodSeconds;
  const cycleFirst = Math.floor((p.start - anchorCycleStart) / lu.cycleSeconds);
  const cycleLast = Math.ceil((end - anchorCycleStart) / lu.cycleSeconds);
  let anchorPlanned: ReturnType<Scenario['plan']> | undefined;
  let burstIndex = 0;
  let cycleIndex = 0;
  for (let j = cycleFirst; j <= cycleLast; j++) {
    const cycleStart = anchorCycleStart + j * lu.cycleSeconds + (j === 0 ? 0 : rng.uniform(-lu.cycleJitterSeconds, lu.cycleJitterSeconds));
    const answer =
      j === 0 ? lu.anchor.cycleAnswer.slice() : shuffle(rng, lu.addressPool.slice()).slice(0, lu.answersPerCycle).sort(byLastOctet);
    let cycleUsed = false;
    for (let k = 0; k < lu.burstsPerCycle; k++) {
      const burstStart =
        j === 0 ? anchorCycleStart + k * lu.periodSeconds : cycleStart + k * lu.periodSeconds + rng.uniform(0, lu.periodJitterSeconds);
      const lastAttempt = burstStart + (lu.burstSize - 1) * lu.attemptIntervalSeconds + lu.attemptJitterSeconds;
      if (burstStart - 1 < p.start || lastAttempt + 1 > end) continue;
      if (!cycleUsed) {
        sc.dnsLookup(burstStart - rng.uniform(0.05, 0.3), lu.name, [...lu.cnames], answer, lu.dnsTtl);
        cycleUsed = true;
      }
      const burst = burstIndex++;
      const cycle = cycleIndex;
      for (let i = 0; i < lu.burstSize; i++) {
        const t = burstStart + i * lu.attemptIntervalSeconds + rng.uniform(-lu.attemptJitterSeconds, lu.attemptJitterSeconds);
        let dst = rng.pick(answer);
        if (j === 0 && k === lu.anchor.burstInCycle) dst = lu.anchor.destinations[i]!;
        if (j === 0 && k === lu.anchor.burstInCycle - 1 && i >= lu.burstSize - lu.anchor.previousTail.length) {
          dst = lu.anchor.previousTail[i - (lu.burstSize - lu.anchor.previousTail.length)]!;
        }
        const planned = sc.plan(t, (sport) => sc.directAttempt(t, sport, dst, lu.port, 'reset', { agent: lu.agent, burst, cycle }));
        if (j === 0 && k === lu.anchor.burstInCycle && i === 0) anchorPlanned = planned;
      }
    }
    if (cycleUsed) cycleIndex++;
  }

  // Browsing: random sessions, kept clear of the anchor bursts, plus the one connection that
  // takes port 2485 between them.
  const anchorWindow: [number, number] = [anchorCycleStart - 60, lu.anchor.burstStart + lu.burstSize + 5];
  for (const t of sessionTimes(rng, p.browsingSessions, p.start + 20, end - 120, [anchorWindow])) {
    planBrowsingSession(sc, PROXY, p.browser, t, p.sites);
  }
  const at = lu.anchor.browsingAt;
  sc.plan(at, (sport) => void proxyConnection(sc, PROXY, p.browser, at, sport, [{ kind: 'get', host: 'www.gov.lk', path: '/' }]));

  if (!anchorPlanned) throw new Error('the anchor burst fell outside the capture');
  sc.buildPlanned(0, { planned: anchorPlanned, port: lu.anchor.firstPort });
  lanNoise(sc, p, end);
  const pcap = sc.finish(rng.int(0, 0xffff), rng.int(0, 0xffff));
  return { file: p.file, pcap, attempts: sc.attempts };
}

/** The consultant laptop's capture. */
export function generateConsultantLaptop(seed: number = CONSULTANT.seed): GeneratedCapture {
  const p = CONSULTANT;
  const rng = new Rng(seed);
  const sc = new Scenario(rng, hostProfile(p), FIREWALL, DNS_SERVER, 1029);
  const end = p.start + p.durationSeconds;

  // AVG: resolve, then a burst alternating between the two answers.
  const avg = p.avg;
  let burst = 0;
  for (let b = p.start + avg.firstBurstOffsetSeconds; b + avg.burstSize * avg.attemptIntervalSeconds + 1 < end; b += avg.periodSeconds) {
    const burstStart = b + rng.uniform(-avg.periodJitterSeconds, avg.periodJitterSeconds);
    const answer = shuffle(rng, avg.addressPool.slice()).slice(0, 2);
    sc.dnsLookup(burstStart - avg.attemptJitterSeconds - rng.uniform(0.02, 0.1), avg.name, [...avg.cnames], answer, avg.dnsTtl);
    const index = burst++;
    for (let i = 0; i < avg.burstSize; i++) {
      const t = burstStart + i * avg.attemptIntervalSeconds + rng.uniform(-avg.attemptJitterSeconds, avg.attemptJitterSeconds);
      const dst = answer[i % 2]!;
      sc.plan(t, (sport) => sc.directAttempt(t, sport, dst, avg.port, 'reset', { agent: avg.agent, burst: index }));
    }
  }

  // Windows Update without a proxy: HTTPS dropped, then HTTP reset.
  const wu = p.windowsUpdate;
  let round = 0;
  for (let r = p.start + wu.firstRoundOffsetSeconds; r + wu.httpAfterSeconds + 3 < end; r += wu.roundSeconds) {
    const t0 = r + rng.uniform(-wu.roundJitterSeconds, wu.roundJitterSeconds);
    const index = round++;
    sc.dnsLookup(t0 - rng.uniform(0.02, 0.1), wu.https.name, [...wu.https.cnames], [...wu.https.addresses], 3600);
    const httpsDst = wu.https.addresses[index % wu.https.addresses.length]!;
    sc.plan(t0, (sport) => sc.directAttempt(t0, sport, httpsDst, wu.https.port, 'dropped', { agent: wu.agent, burst: index }));
    const t1 = t0 + wu.httpAfterSeconds + rng.uniform(0, 0.5);
    sc.dnsLookup(t1 - rng.uniform(0.02, 0.1), wu.http.name, [...wu.http.cnames], [...wu.http.addresses], 20);
    wu.http.addresses.forEach((dst, i) => {
      const t = t1 + i * rng.uniform(0.8, 1.2);
      sc.plan(t, (sport) => sc.directAttempt(t, sport, dst, wu.http.port, 'reset', { agent: wu.agent, burst: index }));
    });
  }

  for (const t of sessionTimes(rng, p.browsingSessions, p.start + 30, end - 120, [])) {
    planBrowsingSession(sc, PROXY, p.browser, t, p.sites);
  }

  sc.buildPlanned(p.firstPort);
  lanNoise(sc, p, end);
  const pcap = sc.finish(rng.int(0, 0xffff), rng.int(0, 0xffff));
  return { file: p.file, pcap, attempts: sc.attempts };
}

/** Both case-study captures. */
export function generateCaseStudy(): GeneratedCapture[] {
  return [generateDepartmentHost(), generateConsultantLaptop()];
}

function shuffle<T>(rng: Rng, a: T[]): T[] {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

function byLastOctet(a: string, b: string): number {
  return Number(a.split('.')[3]) - Number(b.split('.')[3]);
}
