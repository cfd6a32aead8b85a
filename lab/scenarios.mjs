// The lab's scenarios: what runs where, where the sniffer sits, and the truth each capture
// carries by construction (labels from the label definitions of DESIGN.md applied to what the
// programs do and what the firewall rules make of it; periods from the programs' schedules;
// reset senders from the rules: the firewall's REJECT, or the server's own kernel).
import {
  ADNET,
  DARK,
  DARK6,
  DNS,
  DROPPED_PREFIX,
  FIREWALL,
  HOSTS,
  HOSTS6,
  IOT,
  LAN6_PREFIX,
  LAN_PREFIX,
  PROXY,
  PROXY6,
  WEB_PORTS,
  WWW,
} from './topology.mjs';

const proxy = `${PROXY.address}:${PROXY.port}`;
const ADDR = HOSTS;

const agent = (ns, schedule) => ({
  ns,
  program: 'update-agent',
  params: {
    dns: DNS.address,
    port: 80,
    localAddress: schedule.family === 6 ? HOSTS6[ns] : ADDR[ns],
    connectTimeout: 3,
    userAgent: 'AVUpdate/4.2 (lab)',
    ...schedule,
  },
  schedule: {
    kind: 'update-agent',
    host: schedule.family === 6 ? HOSTS6[ns] : ADDR[ns],
    name: schedule.name,
    port: schedule.port ?? 80,
    burstSize: schedule.burstSize,
    spacingSeconds: schedule.spacing,
    pauseSeconds: schedule.pause,
    jitter: schedule.jitter ?? 0,
    triesPerPort: schedule.triesPerPort ?? 1,
    bursts: schedule.bursts,
    firstPort: schedule.firstPort,
    // Start to start: the burst's own length, then the pause (its jitter's mean is zero).
    periodSeconds: (schedule.burstSize - 1) * schedule.spacing + schedule.pause,
  },
});

/**
 * A TLS beacon of host `ns` to the web server: every `interval` s, `count` times, naming
 * `servername` in its ClientHello (resolving it first through `dns`, when given); the truth's
 * schedule of it.
 */
const tlsBeacon = (ns, { dns, port, servername, interval, count, startDelay }) => ({
  ns,
  program: 'beacon',
  params: { server: WWW, ...(dns ? { dns } : {}), port, servername, interval, count, startDelay },
  schedule: {
    kind: 'beacon',
    host: ADDR[ns],
    name: servername,
    address: WWW,
    port,
    burstSize: 1,
    periodSeconds: interval,
    bursts: count,
  },
});

const browser = (ns, pages, extra = {}) => ({
  ns,
  program: 'browser',
  params: { proxy, pages, interval: 6, ...extra },
});

const NEWS = ['http://www.news.test/', 'http://www.news.test/sport.html', 'www.news.test:443'];

export const SCENARIOS = [
  {
    name: 'three-bursts',
    description:
      'Host-side sniffer on 192.168.0.11: an update agent ignores the proxy, makes three bursts of 6 attempts at ' +
      '1/s (source ports rising by one from 2480) at a CDN name with a CNAME chain to 15 addresses, each reset by ' +
      'the firewall; the same host browses through the proxy.',
    capture: { ns: 'h11', dev: 'eth0' },
    seconds: 40,
    programs: [
      agent('h11', {
        name: 'liveupdate.avvendor.test',
        burstSize: 6,
        spacing: 1,
        pause: 9,
        bursts: 3,
        firstPort: 2480,
        seed: 11,
        startDelay: 2,
      }),
      browser('h11', NEWS, { duration: 34, seed: 5 }),
    ],
    hosts: {
      [ADDR.h11]: ['blocked', 'periodic', 'proxy-bypass', 'via-proxy'],
      [PROXY.address]: [],
      [DNS.address]: [],
    },
    proxyVisible: true,
  },
  {
    name: 'jittered-pauses',
    description:
      'Host-side sniffer on 192.168.0.12: bursts of 4 attempts at 1/s, pauses of 10 s ± 20 % (uniform) between ' +
      'bursts, 9 bursts, 8 CDN addresses, every attempt reset by the firewall; the host also browses via the proxy.',
    capture: { ns: 'h12', dev: 'eth0' },
    seconds: 114,
    programs: [
      agent('h12', {
        name: 'update.antivir.test',
        burstSize: 4,
        spacing: 1,
        pause: 10,
        jitter: 0.2,
        bursts: 9,
        firstPort: 3100,
        seed: 12,
        startDelay: 2,
      }),
      browser('h12', NEWS, { duration: 108, interval: 10, seed: 6 }),
    ],
    hosts: {
      [ADDR.h12]: ['blocked', 'periodic', 'proxy-bypass', 'via-proxy'],
      [PROXY.address]: [],
      [DNS.address]: [],
    },
    proxyVisible: true,
  },
  {
    name: 'far-end-resets',
    description:
      'Host-side sniffer on 192.168.0.14: an agent goes direct to update.oldvendor.test:80, which the firewall ' +
      'allows; the server has nothing listening on port 80, so its own kernel resets each SYN (no handshake ever ' +
      'completes). Bursts of 3 at 1/s every 10 s, 5 bursts. The host also browses via the proxy.',
    capture: { ns: 'h14', dev: 'eth0' },
    seconds: 50,
    programs: [
      agent('h14', {
        name: 'update.oldvendor.test',
        burstSize: 3,
        spacing: 1,
        pause: 8,
        bursts: 5,
        firstPort: 4200,
        seed: 14,
        startDelay: 2,
      }),
      browser('h14', NEWS, { duration: 44, seed: 7 }),
    ],
    hosts: {
      // Refused by the server itself, not blocked in the path: not `blocked`.
      [ADDR.h14]: ['periodic', 'proxy-bypass', 'via-proxy'],
      [PROXY.address]: [],
      [DNS.address]: [],
    },
    proxyVisible: true,
  },
  {
    name: 'firewall-tap',
    description:
      "Sniffer on the firewall's LAN interface (what crosses the firewall, nothing of the LAN behind it): three " +
      'update agents (one reset by the firewall, one reset by it and retrying every source port twice with jittered ' +
      'pauses, one silently dropped), the proxy fetching for two browsers (the browsers never cross the firewall), ' +
      'a beacon allowed out every 5 s, a connect() scan of 500 high ports, and a flood of 600 SYNs at 150/s.',
    capture: { ns: 'fw', dev: 'eth0' },
    seconds: 150,
    programs: [
      agent('h11', {
        name: 'liveupdate.avvendor.test',
        burstSize: 6,
        spacing: 1,
        pause: 12,
        bursts: 9,
        firstPort: 2480,
        seed: 21,
        startDelay: 1,
      }),
      agent('h12', {
        name: 'update.antivir.test',
        burstSize: 4,
        spacing: 1,
        pause: 8,
        jitter: 0.2,
        triesPerPort: 2,
        bursts: 13,
        firstPort: 3100,
        seed: 22,
        startDelay: 3,
      }),
      agent('h13', {
        name: 'telemetry.adnet.test',
        burstSize: 3,
        spacing: 2,
        pause: 10,
        bursts: 10,
        firstPort: 5500,
        seed: 23,
        startDelay: 5,
        connectTimeout: 1.5,
      }),
      browser('h21', [...NEWS, 'http://liveupdate.avvendor.test/update/definitions.zip'], { duration: 140, seed: 8 }),
      browser('h22', NEWS, { duration: 140, interval: 9, seed: 9 }),
      {
        ns: 'h31',
        program: 'beacon',
        params: { server: IOT, port: 8883, interval: 5, count: 28, startDelay: 2 },
        schedule: { kind: 'beacon', host: ADDR.h31, address: IOT, port: 8883, burstSize: 1, periodSeconds: 5, bursts: 28 },
      },
      { ns: 'h41', program: 'scan', params: { target: DARK, ports: [1024, 1523], rate: 100, startDelay: 30 } },
      { ns: 'h42', program: 'flood', params: { target: WWW, port: 80, rate: 150, count: 600, startDelay: 70 } },
    ],
    hosts: {
      [PROXY.address]: [], // goes out to the web for its clients: never a bypasser
      [ADDR.h11]: ['blocked', 'periodic', 'proxy-bypass'],
      [ADDR.h12]: ['blocked', 'periodic', 'proxy-bypass'],
      [ADDR.h13]: ['blocked', 'periodic', 'proxy-bypass'], // never answered (DROP)
      [ADDR.h31]: ['periodic'], // allowed, answered, not a web port
      [ADDR.h41]: ['scanner'], // ports 1024–1523: no web port among them
      [ADDR.h42]: ['blocked', 'flood', 'proxy-bypass'], // direct to port 80, reset by the firewall
    },
    notInCapture: {
      [ADDR.h21]: 'browses only through the proxy, so none of its packets cross the firewall',
      [ADDR.h22]: 'browses only through the proxy, so none of its packets cross the firewall',
    },
    unanswered: ADNET,
    proxyVisible: false, // only its outbound requests (with Via) cross the tap, not its port
  },
  {
    name: 'proxy-host',
    description:
      'Sniffer on the proxy (tinyproxy, 192.168.0.2:8080): two browsers send absolute-URI GETs and CONNECTs, ' +
      'and the proxy itself goes out to the web for them — including to update.oldvendor.test:80, whose kernel ' +
      'resets it. The proxy is never a bypasser.',
    capture: { ns: 'proxy', dev: 'eth0' },
    seconds: 40,
    programs: [
      browser('h21', [...NEWS, 'http://update.oldvendor.test/'], {
        duration: 34,
        interval: 4,
        seed: 10,
        firstPages: ['http://www.news.test/', 'http://update.oldvendor.test/'],
      }),
      browser('h22', [...NEWS, 'http://liveupdate.avvendor.test/update/definitions.zip'], { duration: 34, interval: 4, seed: 11 }),
    ],
    hosts: {
      [PROXY.address]: [],
      [ADDR.h21]: ['via-proxy'],
      [ADDR.h22]: ['via-proxy'],
      [DNS.address]: [],
    },
    proxyVisible: true,
  },
];

/** An address of the silently dropped network. */
const DROPPED = DROPPED_PREFIX.replace(/\.\d+\/\d+$/, '.200');

SCENARIOS.push({
  name: 'udp-channels',
  description:
    "Host-side sniffer on 192.168.0.13: the kernel's UDP sockets calling home — checkin.c2.test looked up every 5 s " +
    '(a new socket each time, answered by dnsmasq), a DNS tunnel keeping one socket (90 hex-encoded names under ' +
    't.exfil.test, one every 0.5 s), and 1,200-byte datagrams to ' +
    DROPPED +
    ':443 every 5 s from one socket, dropped by the firewall; the host also browses through the proxy.',
  capture: { ns: 'h13', dev: 'eth0' },
  seconds: 75,
  programs: [
    {
      ns: 'h13',
      program: 'udp-client',
      params: {
        dns: DNS.address,
        localAddress: ADDR.h13,
        name: 'checkin.c2.test',
        lookups: 14,
        lookupInterval: 5,
        tunnelZone: 't.exfil.test',
        tunnelQueries: 90,
        tunnelSpacing: 0.5,
        udpTarget: DROPPED,
        udpPort: 443,
        udpCount: 14,
        udpInterval: 5,
        startDelay: 2,
        seed: 13,
      },
      schedule: { kind: 'udp-beacon', host: ADDR.h13, address: DROPPED, port: 443, burstSize: 1, periodSeconds: 5 },
    },
    browser('h13', NEWS, { duration: 70, seed: 9 }),
  ],
  hosts: {
    [ADDR.h13]: ['dns-tunnel', 'periodic', 'proxy-bypass', 'via-proxy'],
    [PROXY.address]: [],
    [DNS.address]: [],
  },
  dnsSchedules: [{ host: ADDR.h13, name: 'checkin.c2.test', periodSeconds: 5 }],
  dnsTunnels: [{ host: ADDR.h13, zone: 't.exfil.test', queries: 90 }],
  proxyVisible: true,
});

SCENARIOS.push({
  name: 'privacy-addresses',
  description:
    'Host-side sniffer on 192.168.0.31, dual-stack with privacy extensions (use_tempaddr=2): the kernel makes a ' +
    'temporary IPv6 address every 20 s and opens new connections from it. A beacon checks in over IPv6 with ' +
    DARK6 +
    ':3389 every 4 s (allowed, answered), from whichever temporary address is current; the host browses through ' +
    'the IPv4 proxy. One machine: its IPv4 address and every temporary address on one card.',
  capture: { ns: 'h31', dev: 'eth0' },
  ipv6: true,
  privacy: ['h31'],
  internal: [LAN_PREFIX, LAN6_PREFIX],
  seconds: 64,
  programs: [
    {
      ns: 'h31',
      program: 'beacon',
      params: { server: DARK6, port: 3389, interval: 4, count: 15, startDelay: 2 },
      schedule: { kind: 'beacon', host: ADDR.h31, address: DARK6, port: 3389, burstSize: 1, periodSeconds: 4, bursts: 15 },
    },
    browser('h31', NEWS, { duration: 58, seed: 14 }),
  ],
  // The machine (its temporary addresses are the kernel's: the truth's machines lists those its beacon sent from).
  hosts: {
    [ADDR.h31]: ['periodic', 'via-proxy'],
    [PROXY.address]: [],
  },
  proxyVisible: true,
});

const DROPPED_PING = '198.51.100.140';

SCENARIOS.push({
  name: 'pings',
  description:
    "Sniffer on the firewall's LAN interface: the system's own ping on a schedule — .31 a monitoring check " +
    '(`ping -c 1`, a new ICMP identifier each time) of ' +
    IOT +
    ' every 5 s, answered; .41 one `ping -i 3` left running (one identifier) to ' +
    DARK +
    ', answered; .42 a check every 4 s of ' +
    DROPPED_PING +
    ', in the network the firewall silently drops.',
  capture: { ns: 'fw', dev: 'eth0' },
  seconds: 62,
  programs: [
    {
      ns: 'h31',
      program: 'pinger',
      params: { target: IOT, interval: 5, count: 12, startDelay: 1 },
      schedule: { kind: 'ping', host: ADDR.h31, address: IOT, port: 0, burstSize: 1, periodSeconds: 5, bursts: 12 },
    },
    {
      ns: 'h41',
      program: 'pinger',
      params: { target: DARK, mode: 'one-process', interval: 3, count: 18, startDelay: 2 },
      schedule: { kind: 'ping', host: ADDR.h41, address: DARK, port: 0, burstSize: 1, periodSeconds: 3, bursts: 18 },
    },
    {
      ns: 'h42',
      program: 'pinger',
      params: { target: DROPPED_PING, interval: 4, count: 14, startDelay: 3 },
      schedule: { kind: 'ping', host: ADDR.h42, address: DROPPED_PING, port: 0, burstSize: 1, periodSeconds: 4, bursts: 14 },
    },
  ],
  // Pings are attempts (DESIGN.md: attempts to one destination group on a regular schedule are
  // periodic); no web port, so none bypasses the proxy, and `blocked` speaks of those web attempts.
  hosts: {
    [ADDR.h31]: ['periodic'],
    [ADDR.h41]: ['periodic'],
    [ADDR.h42]: ['periodic'],
  },
  // Nothing uses the proxy: no proxy is in the capture (the truth names none).
  proxyVisible: null,
});

/** The name the firewall resets TLS connections for, by the SNI of their ClientHello. */
const FILTERED_NAME = 'metrics.tracker.test';

SCENARIOS.push({
  name: 'sni-filter',
  description:
    'Sniffer on 192.168.0.14, allowed straight to ' +
    WWW +
    ':443 and :8443 by rules of its own: every 5 s it checks in over TLS on 443 naming ' +
    FILTERED_NAME +
    ' in its ClientHello, and the firewall — an iptables string match on the name, put before the rule that ' +
    'accepts established connections — resets each connection once the handshake with the server has ' +
    'completed; every 7 s it checks in with the same server on 8443 naming www.news.test, which goes through (and ' +
    "whose resets, when the client's close comes after the server's, are the server's own).",
  capture: { ns: 'h14', dev: 'eth0' },
  seconds: 60,
  // Inserted at the head of FORWARD for this scenario, in this order, and removed after it.
  firewallRules: [
    [
      '-s',
      ADDR.h14,
      '-d',
      WWW,
      '-p',
      'tcp',
      '--dport',
      '443',
      '-m',
      'string',
      '--string',
      FILTERED_NAME,
      '--algo',
      'bm',
      '-j',
      'REJECT',
      '--reject-with',
      'tcp-reset',
    ],
    ['-s', ADDR.h14, '-d', WWW, '-p', 'tcp', '-m', 'multiport', '--dports', '443,8443', '-j', 'ACCEPT'],
  ],
  allowedServers: [{ address: WWW, port: 8443 }],
  programs: [
    tlsBeacon('h14', { port: 443, servername: FILTERED_NAME, interval: 5, count: 10, startDelay: 1 }),
    tlsBeacon('h14', { port: 8443, servername: 'www.news.test', interval: 7, count: 7, startDelay: 3 }),
  ],
  // Reset by the firewall on the name (blocked, on its schedule), and a beacon that gets through;
  // no proxy in the capture.
  hosts: {
    [ADDR.h14]: ['blocked', 'periodic'],
  },
  filteredByName: [{ host: ADDR.h14, name: FILTERED_NAME, by: 'sni' }],
  proxyVisible: null,
});

const BEACON_NAME = 'update.badcdn.test';

SCENARIOS.push({
  name: 'shared-address',
  description:
    'Sniffer on 192.168.0.14, allowed straight to ' +
    WWW +
    ':443 by a rule of its own; dnsmasq answers three names with that one address, as one CDN address serves ' +
    'many sites. Every 5 s a beacon resolves ' +
    BEACON_NAME +
    ' and checks in over TLS naming it in its ClientHello; at uneven times (0.3–3 s apart) the same host fetches ' +
    "from shop.other.test, resolved and named the same way. The address's last DNS answer names whichever was " +
    "asked last; each connection's ClientHello says which site it was for.",
  capture: { ns: 'h14', dev: 'eth0' },
  seconds: 60,
  firewallRules: [['-s', ADDR.h14, '-d', WWW, '-p', 'tcp', '--dport', '443', '-j', 'ACCEPT']],
  allowedServers: [{ address: WWW, port: 443 }],
  programs: [
    tlsBeacon('h14', { dns: DNS.address, port: 443, servername: BEACON_NAME, interval: 5, count: 10, startDelay: 1 }),
    {
      ns: 'h14',
      program: 'beacon',
      params: {
        server: WWW,
        dns: DNS.address,
        port: 443,
        servername: 'shop.other.test',
        interval: 3,
        jitter: 0.9,
        seed: 7,
        count: 25,
        startDelay: 2,
      },
    },
  ],
  // The beacon gets through on its schedule; the shop's fetches are nothing regular.
  hosts: {
    [ADDR.h14]: ['periodic'],
  },
  proxyVisible: null,
});

const proxy6 = `[${PROXY6}]:${PROXY.port}`;

SCENARIOS.push({
  name: 'dual-stack',
  description:
    'Sniffers on four dual-stack hosts (2001:db8:0:1::11–14, their access ports merged), names answered with AAAA ' +
    'records by dnsmasq over IPv4: .11 runs an agent that goes straight to a CDN name over IPv6 (12 addresses in ' +
    "one /64) and is reset by the firewall's ip6tables REJECT (hop limit 64), and browses through tinyproxy's IPv6 " +
    "address; .14 goes to an allow-listed server with nothing on port 80 (its own kernel's resets, hop limit 60) " +
    'and browses through the IPv4 proxy; .12 is refused by ICMPv6 "administratively prohibited" from the ' +
    'firewall; .13 is silently dropped.',
  capture: ['h11', 'h12', 'h13', 'h14'].map((h) => ({ ns: h, dev: 'eth0' })),
  ipv6: true,
  internal: [LAN_PREFIX, LAN6_PREFIX],
  seconds: 64,
  programs: [
    agent('h11', {
      family: 6,
      name: 'update6.avvendor.test',
      burstSize: 4,
      spacing: 1,
      pause: 8,
      bursts: 6,
      firstPort: 2600,
      seed: 31,
      startDelay: 2,
    }),
    browser('h11', ['http://www.news6.test/', 'http://www.news6.test/sport.html', 'www.news6.test:443'], {
      proxy: proxy6,
      duration: 58,
      seed: 12,
    }),
    agent('h12', {
      family: 6,
      name: 'metrics.trackco.test',
      port: 443,
      burstSize: 3,
      spacing: 1,
      pause: 9,
      bursts: 6,
      firstPort: 3300,
      seed: 32,
      startDelay: 3,
    }),
    agent('h13', {
      family: 6,
      name: 'telemetry6.adnet.test',
      port: 443,
      burstSize: 2,
      spacing: 2,
      pause: 9,
      bursts: 6,
      firstPort: 5600,
      seed: 33,
      startDelay: 4,
      connectTimeout: 1.5,
    }),
    agent('h14', {
      family: 6,
      name: 'update6.oldvendor.test',
      burstSize: 3,
      spacing: 1,
      pause: 7,
      bursts: 6,
      firstPort: 4300,
      seed: 34,
      startDelay: 2,
    }),
    browser('h14', NEWS, { duration: 58, seed: 13 }),
  ],
  // Each host is one machine with an IPv4 and an IPv6 address on one card: callhome reads them as
  // one host, named by its IPv4 address. Its IPv6 agent's labels, and the IPv4 side's: each agent
  // asks for its name's AAAA records over IPv4 before every burst (six lookups on the agent's
  // schedule), and .14 browses through the IPv4 proxy.
  hosts: {
    [ADDR.h11]: ['blocked', 'periodic', 'proxy-bypass', 'via-proxy'],
    [ADDR.h12]: ['blocked', 'periodic', 'proxy-bypass'], // refused by the firewall's ICMPv6
    [ADDR.h13]: ['blocked', 'periodic', 'proxy-bypass'], // never answered (DROP)
    // Refused by the server itself, not blocked in the path: not `blocked`.
    [ADDR.h14]: ['periodic', 'proxy-bypass', 'via-proxy'],
    [PROXY.address]: [],
    [PROXY6]: [],
    [DNS.address]: [],
  },
  machines: {
    [ADDR.h11]: [HOSTS6.h11],
    [ADDR.h12]: [HOSTS6.h12],
    [ADDR.h13]: [HOSTS6.h13],
    [ADDR.h14]: [HOSTS6.h14],
  },
  // Each agent's AAAA lookups recur on its schedule, but they are its own machine's, whose
  // connections to the name already recur on it: the lookups say nothing new (no dnsSchedules).
  proxies: [
    { address: PROXY.address, port: PROXY.port },
    { address: PROXY6, port: PROXY.port },
  ],
  proxyVisible: true,
});

export const FIREWALL_TTL = 64;
export { FIREWALL };

/**
 * Who sends a reset that comes from an Internet address, by the firewall rules: a REJECT in
 * the server's name for web-port traffic of anyone but the proxy (and the allow-listed DARK);
 * anything else that resets is the server's own kernel.
 */
export function resetSender(source, destination, sourcePort, scenario = {}) {
  if (destination === PROXY.address) return 'endpoint';
  // A server a scenario's own rules let a host reach on a web port: its resets are its own.
  if ((scenario.allowedServers ?? []).some((a) => a.address === source && a.port === sourcePort)) return 'endpoint';
  if (WEB_PORTS.includes(sourcePort) && source !== DARK && source !== DARK6) return 'middlebox';
  return 'endpoint';
}
