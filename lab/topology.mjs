// The lab's network, declared once: who lives where, and the firewall's rules. Every address
// is private (RFC 1918) or reserved for documentation (RFC 5737, 198.18/15 of RFC 2544), and
// lives only inside the lab's namespaces; no namespace has a default route.
//
//  LAN 192.168.0.0/24 (bridge in chlab-lan)                       "Internet" (bridge in chlab-ix)
//  hosts .11–.42, proxy .2, dns .3 ── fw ═ wan-delay ═ r1 ── r2 ── r3 ── 203.0.113.0/24 cdn
//                                   .1    (TUN, 20 ms     198.18.1/30 198.18.2/30  198.51.100.0/24 www, dark
//                                          each way)                     └── r4 ── 192.0.2.0/24 iot
//
// Hop counts seen on the LAN (initial TTL 64 everywhere, Linux): the firewall's own resets
// arrive with TTL 64; cdn/www/dark packets with 60 (r3, r2, r1, fw); iot with 59.

export const PREFIX = 'chlab-';
export const LAN_PREFIX = '192.168.0.0/24';
export const INTERNET_PREFIXES = ['203.0.113.0/24', '198.51.100.0/24', '192.0.2.0/24'];
export const WEB_PORTS = [80, 443, 8080, 8443];
export const WAN_DELAY_MS = 20;

export const FIREWALL = { ns: 'fw', lan: '192.168.0.1' };
export const PROXY = { ns: 'proxy', address: '192.168.0.2', port: 8080 };
export const DNS = { ns: 'dns', address: '192.168.0.3' };

/** Internal hosts that run clients (one namespace each). */
export const HOSTS = {
  h11: '192.168.0.11',
  h12: '192.168.0.12',
  h13: '192.168.0.13',
  h14: '192.168.0.14',
  h21: '192.168.0.21',
  h22: '192.168.0.22',
  h31: '192.168.0.31',
  h41: '192.168.0.41',
  h42: '192.168.0.42',
};

const range = (prefix, first, last) => Array.from({ length: last - first + 1 }, (_, i) => `${prefix}.${first + i}`);

/** Servers on the Internet side, and the names dnsmasq gives them. */
export const CDN1 = range('203.0.113', 72, 86); // 15 edge addresses, like the Akamai /24
export const CDN2 = range('203.0.113', 100, 107);
export const WWW = '198.51.100.10';
export const DARK = '198.51.100.50'; // a partner host on the allow-list with nothing on port 80
export const ADNET = range('198.51.100', 130, 133); // inside 198.51.100.128/25, silently dropped
export const IOT = '192.0.2.10';
export const DROPPED_PREFIX = '198.51.100.128/25';

export const NAMES = {
  hosts: [
    ...CDN1.map((a) => [a, 'a1.g.cdn-edge.test']),
    ...CDN2.map((a) => [a, 'a7.g.cdn-edge.test']),
    ...ADNET.map((a) => [a, 'telemetry.adnet.test']),
    [WWW, 'www.news.test'],
    [DARK, 'update.oldvendor.test'],
    [IOT, 'mqtt.iot.test'],
  ],
  cnames: [
    ['liveupdate.avvendor.test', 'liveupdate.avvendor.test.edgesuite.test'],
    ['liveupdate.avvendor.test.edgesuite.test', 'a1.g.cdn-edge.test'],
    ['update.antivir.test', 'update.antivir.test.cdn-edge.test'],
    ['update.antivir.test.cdn-edge.test', 'a7.g.cdn-edge.test'],
  ],
};

/**
 * The firewall (FORWARD chain, policy DROP). Each rule's comment is the behaviour the truth
 * files rely on.
 */
export const FIREWALL_RULES = [
  ['-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'ACCEPT'],
  // Nothing new comes in from the Internet.
  ['-i', 'wan0', '-j', 'DROP'],
  // Silently dropped destinations: a blocked telemetry network. SYNs go unanswered.
  ['-d', DROPPED_PREFIX, '-j', 'DROP'],
  // The proxy may go out to the web.
  ['-s', PROXY.address, '-p', 'tcp', '-m', 'multiport', '--dports', WEB_PORTS.join(','), '-j', 'ACCEPT'],
  // An allow-listed partner: anyone may reach it on port 80 (its kernel answers, it has no server there).
  ['-d', DARK, '-p', 'tcp', '--dport', '80', '-j', 'ACCEPT'],
  // Everyone else is refused on web ports with a reset in the server's name.
  ['-p', 'tcp', '-m', 'multiport', '--dports', WEB_PORTS.join(','), '-j', 'REJECT', '--reject-with', 'tcp-reset'],
  // Other outbound traffic from the LAN is allowed (the beacon, the scan of high ports).
  ['-s', LAN_PREFIX, '-j', 'ACCEPT'],
];

/** Namespaces, in creation order. `switch` namespaces hold a bridge br0 and nothing else. */
export const NAMESPACES = ['lan', 'ix', 'fw', 'r1', 'r2', 'r3', 'r4', 'proxy', 'dns', ...Object.keys(HOSTS), 'cdn', 'www', 'dark', 'iot'];

/**
 * Links and addresses. `lan`/`ix` entries plug a namespace into a bridge; `p2p` joins two
 * namespaces with a veth pair; `routes` never include a default route.
 */
export const LINKS = {
  lan: [['fw', FIREWALL.lan], [PROXY.ns, PROXY.address], [DNS.ns, DNS.address], ...Object.entries(HOSTS)],
  ix: [
    ['r3', ['203.0.113.1', '198.51.100.1']],
    ['cdn', [...CDN1, ...CDN2]],
    ['www', [WWW]],
    ['dark', [DARK]],
  ],
  p2p: [
    ['r1', 'eth1', '198.18.1.1/30', 'r2', 'eth0', '198.18.1.2/30'],
    ['r2', 'eth1', '198.18.2.1/30', 'r3', 'eth1', '198.18.2.2/30'],
    ['r3', 'eth2', '198.18.3.1/30', 'r4', 'eth0', '198.18.3.2/30'],
    ['r4', 'eth1', '192.0.2.1/24', 'iot', 'eth0', `${IOT}/24`],
  ],
  /** The delayed WAN link: TUN wan0 in both namespaces, carried by wan-delay.py. */
  wan: { a: ['fw', '198.18.0.1', '198.18.0.2'], b: ['r1', '198.18.0.2', '198.18.0.1'] },
};

export const ROUTES = {
  fw: INTERNET_PREFIXES.map((p) => [p, 'dev', 'wan0']),
  r1: [[LAN_PREFIX, 'dev', 'wan0'], ...INTERNET_PREFIXES.map((p) => [p, 'via', '198.18.1.2'])],
  r2: [[LAN_PREFIX, 'via', '198.18.1.1'], ...INTERNET_PREFIXES.map((p) => [p, 'via', '198.18.2.2'])],
  r3: [
    [LAN_PREFIX, 'via', '198.18.2.1'],
    ['192.0.2.0/24', 'via', '198.18.3.2'],
  ],
  r4: [[LAN_PREFIX, 'via', '198.18.3.1']],
  cdn: [[LAN_PREFIX, 'via', '203.0.113.1']],
  www: [[LAN_PREFIX, 'via', '198.51.100.1']],
  dark: [[LAN_PREFIX, 'via', '198.51.100.1']],
  iot: [[LAN_PREFIX, 'via', '192.0.2.1']],
  // LAN hosts (and the proxy) reach the Internet prefixes through the firewall only.
  ...Object.fromEntries([PROXY.ns, ...Object.keys(HOSTS)].map((ns) => [ns, INTERNET_PREFIXES.map((p) => [p, 'via', FIREWALL.lan])])),
};

export const ROUTERS = ['fw', 'r1', 'r2', 'r3', 'r4'];

/** What each server namespace runs (lab/programs/servers.mjs parameters). */
export const SERVERS = {
  cdn: { http: [80] },
  www: { http: [80], tls: [443] },
  dark: { open: [1433, 3389] }, // nothing on 80: its kernel answers SYNs there with RST
  iot: { lines: [8883] },
};
