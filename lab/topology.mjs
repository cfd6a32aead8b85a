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
    // More sites on the same address, as one CDN address serves many (scenario shared-address).
    [WWW, 'update.badcdn.test'],
    [WWW, 'shop.other.test'],
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
  www: { http: [80], tls: [443, 8443] },
  dark: { open: [1433, 3389] }, // nothing on 80: its kernel answers SYNs there with RST
  iot: { lines: [8883] },
};

// ---------------------------------------------------------------- IPv6 (the dual-stack scenario)
//
// Only the documentation prefix 2001:db8::/32 (RFC 3849): the LAN is 2001:db8:0:1::/64 (the
// site's /48 is 2001:db8::/48, its links to the routers 2001:db8:0:ff0N::/64); on the Internet
// side the CDN lives in 2001:db8:100:1::/64 and the web servers in 2001:db8:200:1::/64, each a
// /48 of its own. Like IPv4: every address lives inside the namespaces and no namespace has a
// default route. IPv6 is switched on for the scenarios that ask for it and off again after, so
// the other captures stay IPv4-only. Hop limits seen on the LAN are the TTLs above: the
// firewall's own packets 64, the servers' 60 (r3, r2, r1 and the firewall decrement them).

export const LAN6_PREFIX = '2001:db8:0:1::/64';
export const INTERNET6_PREFIXES = ['2001:db8:100:1::/64', '2001:db8:200:1::/64'];
const lan6 = (n) => `2001:db8:0:1::${n}`;
const range6 = (prefix, first, last) => Array.from({ length: last - first + 1 }, (_, i) => `${prefix}${(first + i).toString(16)}`);

export const FIREWALL6 = lan6(1);
export const PROXY6 = lan6(2);
export const DNS6 = lan6(3);
/** Internal hosts' IPv6 addresses (the same interface ids as their IPv4 host numbers). */
export const HOSTS6 = Object.fromEntries(Object.entries(HOSTS).map(([n, a]) => [n, lan6(a.split('.')[3])]));

export const CDN6 = range6('2001:db8:100:1::', 0x72, 0x7d); // 12 edge addresses in one /64
export const WWW6 = '2001:db8:200:1::10';
export const DARK6 = '2001:db8:200:1::50'; // allow-listed on port 80, nothing listening there
export const ADNET6 = range6('2001:db8:200:1::', 0x130, 0x133); // 2001:db8:200:1::100/120, silently dropped
export const TRACKER6 = range6('2001:db8:200:1::', 0x240, 0x243); // 2001:db8:200:1::240/126, ICMPv6-rejected
export const DROPPED6_PREFIX = '2001:db8:200:1::100/120';
export const REJECTED6_PREFIX = '2001:db8:200:1::240/126';

/** Names with IPv6 addresses (AAAA), names of their own so the IPv4 scenarios' answers do not change. */
export const NAMES6 = [
  ...CDN6.map((a) => [a, 'a6.g.cdn-edge.test']),
  ...ADNET6.map((a) => [a, 'telemetry6.adnet.test']),
  ...TRACKER6.map((a) => [a, 'metrics.trackco.test']),
  [WWW6, 'www.news6.test'],
  [DARK6, 'update6.oldvendor.test'],
];
export const CNAMES6 = [['update6.avvendor.test', 'a6.g.cdn-edge.test']];

/** ip6tables FORWARD rules (policy DROP), in the order and with the meaning of the IPv4 ones. */
export const FIREWALL6_RULES = [
  ['-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'ACCEPT'],
  ['-i', 'wan0', '-j', 'DROP'],
  // Silently dropped: SYNs go unanswered.
  ['-d', DROPPED6_PREFIX, '-j', 'DROP'],
  // Refused with an ICMPv6 "administratively prohibited" from the firewall.
  ['-d', REJECTED6_PREFIX, '-p', 'tcp', '-j', 'REJECT', '--reject-with', 'icmp6-adm-prohibited'],
  ['-s', PROXY6, '-p', 'tcp', '-m', 'multiport', '--dports', WEB_PORTS.join(','), '-j', 'ACCEPT'],
  ['-d', DARK6, '-p', 'tcp', '--dport', '80', '-j', 'ACCEPT'],
  ['-p', 'tcp', '-m', 'multiport', '--dports', WEB_PORTS.join(','), '-j', 'REJECT', '--reject-with', 'tcp-reset'],
  ['-s', LAN6_PREFIX, '-j', 'ACCEPT'],
];

/** Addresses (/64 unless given) by namespace and interface; the WAN TUN pair is point to point. */
export const ADDRESSES6 = {
  fw: [
    ['eth0', `${FIREWALL6}/64`],
    ['wan0', '2001:db8:0:ff00::1/64'],
  ],
  r1: [
    ['wan0', '2001:db8:0:ff00::2/64'],
    ['eth1', '2001:db8:0:ff01::1/64'],
  ],
  r2: [
    ['eth0', '2001:db8:0:ff01::2/64'],
    ['eth1', '2001:db8:0:ff02::1/64'],
  ],
  r3: [
    ['eth1', '2001:db8:0:ff02::2/64'],
    ['eth0', '2001:db8:100:1::1/64'],
    ['eth0', '2001:db8:200:1::1/64'],
  ],
  proxy: [['eth0', `${PROXY6}/64`]],
  dns: [['eth0', `${DNS6}/64`]],
  ...Object.fromEntries(Object.entries(HOSTS6).map(([n, a]) => [n, [['eth0', `${a}/64`]]])),
  cdn: CDN6.map((a) => ['eth0', `${a}/64`]),
  www: [['eth0', `${WWW6}/64`]],
  dark: [['eth0', `${DARK6}/64`]],
};

export const ROUTES6 = {
  fw: INTERNET6_PREFIXES.map((p) => [p, 'dev', 'wan0']),
  r1: [[LAN6_PREFIX, 'dev', 'wan0'], ...INTERNET6_PREFIXES.map((p) => [p, 'via', '2001:db8:0:ff01::2'])],
  r2: [[LAN6_PREFIX, 'via', '2001:db8:0:ff01::1'], ...INTERNET6_PREFIXES.map((p) => [p, 'via', '2001:db8:0:ff02::2'])],
  r3: [[LAN6_PREFIX, 'via', '2001:db8:0:ff02::1']],
  cdn: [[LAN6_PREFIX, 'via', '2001:db8:100:1::1']],
  www: [[LAN6_PREFIX, 'via', '2001:db8:200:1::1']],
  dark: [[LAN6_PREFIX, 'via', '2001:db8:200:1::1']],
  ...Object.fromEntries([PROXY.ns, ...Object.keys(HOSTS)].map((ns) => [ns, INTERNET6_PREFIXES.map((p) => [p, 'via', FIREWALL6])])),
};

/** The namespaces that take part in IPv6 (r4 and iot stay IPv4-only). */
export const NAMESPACES6 = Object.keys(ADDRESSES6);
