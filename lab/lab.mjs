#!/usr/bin/env node
// The lab: real Linux network stacks in network namespaces — hosts, a firewall that resets
// and drops, tinyproxy, dnsmasq, routers and delayed WAN — running the scenarios of
// scenarios.mjs and writing test/lab/<scenario>.pcap and .truth.json.
//
//   node lab/lab.mjs [--only a,b] [--out dir]     build, run, tear down (Linux, root)
//   node lab/lab.mjs --cleanup                    remove what an interrupted run left
//
// Safety: every address lives inside the lab's namespaces, no namespace has a default route,
// nothing is attached to the host's interfaces (the bridges live in namespaces of their own),
// every process runs under `timeout`, and everything is removed on exit, error or signal.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as topo from './topology.mjs';
import { FIREWALL_TTL, SCENARIOS, resetSender } from './scenarios.mjs';

const LAB = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(LAB, '..');
const TMP_PREFIX = join(tmpdir(), `${topo.PREFIX}run-`);
const SNAPLEN = 600;

const ns = (name) => topo.PREFIX + name;
const say = (...a) => console.log('lab:', ...a);
const sleepSync = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- commands and processes

function run(cmd, args, { allowFail = false, timeout = 20_000 } = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout });
  if (r.status !== 0 && !allowFail) {
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}): ${(r.stderr || r.error?.message || '').trim()}`);
  }
  return r.stdout ?? '';
}
const ip = (name, ...args) => run('ip', ['-n', ns(name), ...args]);
const exec = (name, cmd, ...args) => run('ip', ['netns', 'exec', ns(name), cmd, ...args]);

/** Processes this run started, by pid. */
const children = [];
let temp = null;

/** Start `argv` in namespace `name` (or none), under a hard `timeout`. */
function start(name, label, argv, seconds) {
  const out = join(temp, `${label}.out`);
  const full = ['timeout', '-k', '3', String(Math.ceil(seconds)), ...argv];
  const cmd = name === null ? full : ['ip', 'netns', 'exec', ns(name), ...full];
  const child = spawn(cmd[0], cmd.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  const entry = { label, child, output: '', exited: null };
  child.stdout.on('data', (d) => (entry.output += d));
  child.stderr.on('data', (d) => (entry.output += d));
  entry.done = new Promise((res) =>
    child.on('exit', (code, signal) => {
      entry.exited = code ?? signal;
      if (existsSync(temp)) writeFileSync(out, entry.output);
      res(entry.exited);
    }),
  );
  children.push(entry);
  return entry;
}

async function waitFor(entry, text, ms = 10_000) {
  const until = Date.now() + ms;
  while (!entry.output.includes(text)) {
    if (entry.exited !== null) throw new Error(`${entry.label} exited (${entry.exited}) before "${text}": ${entry.output.trim()}`);
    if (Date.now() > until) throw new Error(`${entry.label}: no "${text}" within ${ms} ms: ${entry.output.trim()}`);
    await sleep(50);
  }
}

function stop(entry, signal = 'SIGTERM') {
  if (entry.exited === null) {
    try {
      process.kill(entry.child.pid, signal);
    } catch {
      /* already gone */
    }
  }
}

// ---------------------------------------------------------------- teardown

function ourNamespaces() {
  const list = run('ip', ['netns', 'list'], { allowFail: true });
  return list
    .split('\n')
    .map((l) => l.split(' ')[0])
    .filter((n) => n.startsWith(topo.PREFIX));
}

let cleaned = false;
function cleanup() {
  if (cleaned) return;
  cleaned = true;
  for (const c of children) stop(c);
  if (children.some((c) => c.exited === null)) sleepSync(1500);
  for (const c of children) stop(c, 'SIGKILL');
  // Anything still running inside a lab namespace was started by the lab: end it by pid.
  for (const name of ourNamespaces()) {
    for (const pid of run('ip', ['netns', 'pids', name], { allowFail: true }).split(/\s+/).filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
  // Deleting a namespace removes its veths, bridges and TUN devices with it.
  for (const name of ourNamespaces()) run('ip', ['netns', 'del', name], { allowFail: true });
  // The run's own temporary folder (mkdtemp: the prefix and six characters), and any an
  // interrupted run left.
  const dir = dirname(TMP_PREFIX);
  const ours = new RegExp(`^${basename(TMP_PREFIX)}[A-Za-z0-9]{6}$`);
  for (const f of readdirSync(dir)) if (ours.test(f)) rmSync(join(dir, f), { recursive: true, force: true });
}

// ---------------------------------------------------------------- the network

function preflight() {
  if (process.platform !== 'linux') throw new Error('the lab needs Linux (network namespaces)');
  if (process.getuid?.() !== 0) throw new Error('the lab needs root (network namespaces, iptables)');
  for (const tool of [
    'ip',
    'iptables',
    'tcpdump',
    'tshark',
    'dnsmasq',
    'tinyproxy',
    'python3',
    'openssl',
    'timeout',
    'unshare',
    'ip6tables',
    'mergecap',
    'ping',
  ]) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) throw new Error(`the lab needs ${tool}`);
  }
  if (!existsSync('/dev/net/tun')) throw new Error('the lab needs /dev/net/tun');
  if (ourNamespaces().length > 0) {
    say('removing what an earlier run left:', ourNamespaces().join(' '));
    cleanup();
    cleaned = false;
  }
}

async function build() {
  for (const name of topo.NAMESPACES) {
    run('ip', ['netns', 'add', ns(name)]);
    exec(name, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1');
    ip(name, 'link', 'set', 'lo', 'up');
  }
  for (const sw of ['lan', 'ix']) {
    ip(sw, 'link', 'add', 'br0', 'type', 'bridge');
    ip(sw, 'link', 'set', 'br0', 'up');
    for (const [member, addresses] of topo.LINKS[sw]) {
      const port = `p-${member}`;
      ip(sw, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns(member));
      ip(sw, 'link', 'set', port, 'master', 'br0', 'up');
      for (const a of [addresses].flat()) ip(member, 'addr', 'add', `${a}/24`, 'dev', 'eth0');
      ip(member, 'link', 'set', 'eth0', 'up');
    }
  }
  for (const [a, ifA, addrA, b, ifB, addrB] of topo.LINKS.p2p) {
    ip(a, 'link', 'add', ifA, 'type', 'veth', 'peer', 'name', ifB, 'netns', ns(b));
    ip(a, 'addr', 'add', addrA, 'dev', ifA);
    ip(b, 'addr', 'add', addrB, 'dev', ifB);
    ip(a, 'link', 'set', ifA, 'up');
    ip(b, 'link', 'set', ifB, 'up');
  }
  for (const r of topo.ROUTERS) exec(r, 'sysctl', '-qw', 'net.ipv4.ip_forward=1');

  // The delayed WAN link between the firewall and the first router.
  const { a, b } = topo.LINKS.wan;
  for (const [name] of [a, b]) ip(name, 'tuntap', 'add', 'dev', 'wan0', 'mode', 'tun');
  const relay = start(
    null,
    'wan-delay',
    [
      'python3',
      join(LAB, 'wan-delay.py'),
      '--a-netns',
      `/run/netns/${ns(a[0])}`,
      '--a-dev',
      'wan0',
      '--b-netns',
      `/run/netns/${ns(b[0])}`,
      '--b-dev',
      'wan0',
      '--delay-ms',
      String(topo.WAN_DELAY_MS),
      '--jitter-ms',
      '1',
      '--seconds',
      '880',
    ],
    885,
  );
  await waitFor(relay, 'ready');
  for (const [name, local, peer] of [a, b]) {
    ip(name, 'addr', 'add', local, 'peer', peer, 'dev', 'wan0');
    ip(name, 'link', 'set', 'wan0', 'up');
  }

  for (const [name, routes] of Object.entries(topo.ROUTES)) {
    for (const [prefix, how, where] of routes) ip(name, 'route', 'add', prefix, how, where);
  }
  for (const name of topo.NAMESPACES) {
    if (ip(name, 'route', 'show', 'default').trim() !== '') throw new Error(`${ns(name)} has a default route`);
  }

  exec('fw', 'iptables', '-P', 'FORWARD', 'DROP');
  for (const rule of topo.FIREWALL_RULES) exec('fw', 'iptables', '-A', 'FORWARD', ...rule);
}

/**
 * tinyproxy on one address. It resolves names through /etc/resolv.conf: give it the lab's DNS
 * server in a private mount namespace, without touching the host's file.
 */
function startProxy(label, address, allow, seconds) {
  const resolvConf = join(temp, 'resolv.conf');
  writeFileSync(resolvConf, `nameserver ${topo.DNS.address}\n`);
  const proxyConf = join(temp, `${label}.conf`);
  writeFileSync(
    proxyConf,
    [
      `Port ${topo.PROXY.port}`,
      `Listen ${address}`,
      'Timeout 20',
      'MaxClients 50',
      `Allow ${allow}`,
      'ConnectPort 443',
      'LogLevel Connect',
      'User nobody',
      'Group nogroup',
    ].join('\n') + '\n',
  );
  return start(
    topo.PROXY.ns,
    label,
    ['unshare', '-m', 'sh', '-c', `mount --bind ${resolvConf} /etc/resolv.conf && exec tinyproxy -d -c ${proxyConf}`],
    seconds,
  );
}

// ---------------------------------------------------------------- IPv6, for the scenarios that ask

/** Seconds a temporary IPv6 address is preferred for new connections before the next is made. */
const TEMP_PREFERRED = 20;

const ipv6Switch = (name, off) =>
  exec(name, 'sysctl', '-qw', `net.ipv6.conf.all.disable_ipv6=${off}`, `net.ipv6.conf.default.disable_ipv6=${off}`);

/**
 * Switch IPv6 on in the namespaces of topo.ADDRESSES6: addresses (no duplicate address
 * detection to wait for), routes naming the documentation prefixes only, forwarding routers,
 * ip6tables rules, and tinyproxy on the proxy's IPv6 address (the IPv4 one listens on one
 * address). Returns what it started, for `ipv6Off`.
 */
async function ipv6On(seconds, privacy = []) {
  for (const sw of ['lan', 'ix']) ip(sw, 'link', 'set', 'br0', 'type', 'bridge', 'mcast_snooping', '0');
  for (const [name, addresses] of Object.entries(topo.ADDRESSES6)) {
    ipv6Switch(name, 0);
    // A host with privacy extensions (RFC 8981): temporary addresses made from its address's /64,
    // preferred for what it opens, a new one every TEMP_PREFERRED s (no duplicate address detection to wait for).
    const temporary = privacy.includes(name);
    if (temporary) {
      const conf = 'net.ipv6.conf.eth0';
      exec(name, 'sysctl', '-qw', `${conf}.accept_dad=0`, `${conf}.max_desync_factor=1`, `${conf}.temp_valid_lft=${TEMP_PREFERRED * 4}`);
      exec(name, 'sysctl', '-qw', `${conf}.temp_prefered_lft=${TEMP_PREFERRED}`, `${conf}.use_tempaddr=2`);
    }
    for (const [dev, address] of addresses) {
      ip(name, '-6', 'addr', 'add', address, 'dev', dev, 'nodad', ...(temporary && dev === 'eth0' ? ['mngtmpaddr'] : []));
    }
  }
  for (const r of topo.ROUTERS.filter((r) => topo.NAMESPACES6.includes(r))) exec(r, 'sysctl', '-qw', 'net.ipv6.conf.all.forwarding=1');
  for (const [name, routes] of Object.entries(topo.ROUTES6)) {
    for (const [prefix, how, where] of routes) ip(name, '-6', 'route', 'add', prefix, how, where);
  }
  for (const name of topo.NAMESPACES6) {
    if (ip(name, '-6', 'route', 'show', 'default').trim() !== '') throw new Error(`${ns(name)} has an IPv6 default route`);
  }
  exec('fw', 'ip6tables', '-P', 'FORWARD', 'DROP');
  for (const rule of topo.FIREWALL6_RULES) exec('fw', 'ip6tables', '-A', 'FORWARD', ...rule);

  // The servers listen on :: already (an IPv6 socket binds with IPv6 off on every interface).
  const started = [];
  started.push(startProxy('tinyproxy6', topo.PROXY6, topo.LAN6_PREFIX, seconds + 5));
  await sleep(1000);
  for (const s of started) if (s.exited !== null) throw new Error(`${s.label} exited: ${s.output.trim()}`);
  const handshake = exec(
    topo.PROXY.ns,
    'node',
    '-e',
    `const t=performance.now();require('net').connect(80,'${topo.WWW6}',function(){console.log((performance.now()-t).toFixed(1));this.destroy()})`,
  );
  say(`IPv6 on; the proxy's TCP handshake with [${topo.WWW6}]:80 takes ${handshake.trim()} ms`);
  return started;
}

/** Switch IPv6 off again: its addresses and routes go with it. */
async function ipv6Off(started) {
  for (const s of started) stop(s);
  await Promise.all(started.map((s) => s.done));
  exec('fw', 'ip6tables', '-F', 'FORWARD');
  for (const name of topo.NAMESPACES6) ipv6Switch(name, 1);
}

async function services() {
  // A throw-away certificate for the TLS web server.
  const key = join(temp, 'server.key');
  const cert = join(temp, 'server.crt');
  run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=www.news.test',
    '-keyout',
    key,
    '-out',
    cert,
  ]);
  const servers = [];
  for (const [name, params] of Object.entries(topo.SERVERS)) {
    servers.push(
      start(
        name,
        `server-${name}`,
        ['node', join(LAB, 'programs/servers.mjs'), JSON.stringify({ ...params, key, cert, maxSeconds: 870 })],
        875,
      ),
    );
  }

  const hosts = join(temp, 'hosts');
  writeFileSync(hosts, [...topo.NAMES.hosts, ...topo.NAMES6].map(([a, n]) => `${a} ${n}`).join('\n') + '\n');
  const dnsConf = join(temp, 'dnsmasq.conf');
  writeFileSync(
    dnsConf,
    [
      'no-resolv',
      'no-hosts',
      'no-poll',
      'bind-interfaces',
      `listen-address=${topo.DNS.address}`,
      'local=/test/',
      `addn-hosts=${hosts}`,
      ...[...topo.NAMES.cnames, ...topo.CNAMES6].map(([n, t]) => `cname=${n},${t}`),
      'pid-file=',
      'user=root',
      'log-facility=-',
    ].join('\n') + '\n',
  );
  const dns = start(topo.DNS.ns, 'dnsmasq', ['dnsmasq', '-k', `--conf-file=${dnsConf}`], 875);

  const proxy = startProxy('tinyproxy', topo.PROXY.address, topo.LAN_PREFIX, 875);

  for (const s of servers) await waitFor(s, 'ready');
  await sleep(1000);
  for (const s of [dns, proxy]) if (s.exited !== null) throw new Error(`${s.label} exited: ${s.output.trim()}`);

  // The lab answers as built: names, delay and hop counts.
  const answer = exec(
    'h11',
    'python3',
    '-c',
    'import socket,struct,sys\n' +
      'q=b"\\x12\\x34\\x01\\x00\\x00\\x01\\x00\\x00\\x00\\x00\\x00\\x00"+b"".join(bytes([len(p)])+p.encode() for p in "liveupdate.avvendor.test".split("."))+b"\\x00\\x00\\x01\\x00\\x01"\n' +
      `s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);s.settimeout(2);s.sendto(q,("${topo.DNS.address}",53));r=s.recv(2048)\n` +
      'print(struct.unpack("!H",r[6:8])[0])',
  );
  const handshake = exec(
    topo.PROXY.ns,
    'node',
    '-e',
    `const t=performance.now();require('net').connect(80,'${topo.WWW}',function(){console.log((performance.now()-t).toFixed(1));this.destroy()})`,
  );
  say(
    `DNS answers liveupdate.avvendor.test with ${answer.trim()} records; the proxy's TCP handshake with ${topo.WWW}:80 takes ${handshake.trim()} ms`,
  );
}

// ---------------------------------------------------------------- scenarios

function readLog(path) {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

/** What the agents' logs say happened: burst starts and the intervals between them. */
function observedSchedule(events) {
  const attempts = events.filter((e) => e.event === 'attempt' || e.event === 'beacon');
  const starts = attempts.filter((e) => e.event === 'beacon' || e.index === 0).map((e) => e.mono);
  const intervals = starts.slice(1).map((t, i) => Math.round((t - starts[i]) * 1000) / 1000);
  const outcomes = {};
  for (const e of events)
    if (e.event === 'outcome' || e.event === 'beacon') outcomes[e.outcome ?? e.result] = (outcomes[e.outcome ?? e.result] ?? 0) + 1;
  const mean = intervals.length ? intervals.reduce((a, b) => a + b, 0) / intervals.length : null;
  return {
    attempts: attempts.length,
    outcomes,
    burstIntervalsSeconds: intervals,
    meanPeriodSeconds: mean === null ? null : Math.round(mean * 1000) / 1000,
    ...(attempts[0]?.localPort ? { sourcePorts: [attempts[0].localPort, attempts.at(-1).localPort] } : {}),
    ...(attempts[0]?.address ? { addresses: [...new Set(attempts.map((e) => e.address))].sort() } : {}),
  };
}

/**
 * Every reset from an Internet address in the capture, with who sent it by construction (the
 * firewall rules, `resetSender`), checked against the TTL it arrived with: in this lab nothing
 * but the firewall puts a packet on the LAN with TTL 64 in an Internet address's name (every
 * server is 4 or more hops away), so a disagreement means the lab is not what it claims.
 */
function resetsInCapture(file, scenario) {
  const out = run(
    'tshark',
    [
      '-r',
      file,
      '-Y',
      'tcp.flags.reset == 1',
      '-T',
      'fields',
      ...['ip.src', 'ipv6.src', 'ip.dst', 'ipv6.dst', 'tcp.srcport', 'ip.ttl', 'ipv6.hlim'].flatMap((f) => ['-e', f]),
    ],
    { timeout: 60_000 },
  );
  const senders = new Map();
  for (const line of out.split('\n').filter(Boolean)) {
    const [src4, src6, dst4, dst6, sport, ttl4, hopLimit] = line.split('\t');
    const [src, dst, ttl] = src4 ? [src4, dst4, ttl4] : [src6, dst6, hopLimit];
    if (src.startsWith('192.168.') || src.startsWith(topo.LAN6_PREFIX.replace(/::\/64$/, ':'))) continue;
    const built = resetSender(src, dst, Number(sport), scenario);
    const seen = Number(ttl) === FIREWALL_TTL ? 'middlebox' : 'endpoint';
    if (built !== seen)
      throw new Error(`a reset from ${src}:${sport} to ${dst} arrived with TTL ${ttl}, but the lab built it to come from the ${built}`);
    const key = `${src} ${built}`;
    const entry = senders.get(key) ?? { address: src, attribution: built, resets: 0, ttl: Number(ttl), ports: new Set() };
    entry.resets++;
    entry.ports.add(Number(sport));
    senders.set(key, entry);
  }
  return [...senders.values()]
    .map((e) => ({ ...e, ports: [...e.ports].sort((x, y) => x - y) }))
    .sort((x, y) => x.address.localeCompare(y.address, 'en', { numeric: true }) || x.attribution.localeCompare(y.attribution));
}

/**
 * Every ICMP or ICMPv6 "unreachable" in the capture that refuses an attempt to an Internet
 * address: who sent it and for which addresses. In this lab only the firewall's REJECT sends them
 * (hop limit or TTL 64, from its LAN address), so each is the middlebox by construction.
 */
function icmpRefusalsInCapture(file) {
  const out = run(
    'tshark',
    [
      '-r',
      file,
      '-Y',
      'icmp.type == 3 || icmpv6.type == 1',
      '-T',
      'fields',
      ...['ip.src', 'ipv6.src', 'ip.dst', 'ipv6.dst', 'ip.ttl', 'ipv6.hlim'].flatMap((f) => ['-e', f]),
    ],
    { timeout: 60_000 },
  );
  const senders = new Map();
  for (const line of out.split('\n').filter(Boolean)) {
    const [src4, src6, dst4, dst6, ttl4, hopLimit] = line.split('\t');
    // The outer header first, then the quoted one: the refused attempt's destination is the last.
    const v6 = src4 === '';
    const sender = (v6 ? src6 : src4).split(',')[0];
    const refused = (v6 ? dst6 : dst4).split(',').at(-1);
    const ttl = Number((v6 ? hopLimit : ttl4).split(',')[0]);
    if (ttl !== FIREWALL_TTL || (sender !== topo.FIREWALL.lan && sender !== topo.FIREWALL6))
      throw new Error(`an ICMP refusal for ${refused} came from ${sender} with TTL ${ttl}, but only the firewall refuses so in this lab`);
    const entry = senders.get(sender) ?? { sender, attribution: 'middlebox', ttl, refusals: 0, addresses: new Set() };
    entry.refusals++;
    entry.addresses.add(refused);
    senders.set(sender, entry);
  }
  return [...senders.values()].map((e) => ({ ...e, addresses: [...e.addresses].sort() }));
}

function versions() {
  const first = (cmd, args) =>
    (spawnSync(cmd, args, { encoding: 'utf8' }).stdout + spawnSync(cmd, args, { encoding: 'utf8' }).stderr)
      .split('\n')
      .find(Boolean)
      ?.trim();
  return {
    kernel: run('uname', ['-sr']).trim(),
    node: process.version,
    iptables: first('iptables', ['--version']),
    tinyproxy: first('tinyproxy', ['-v']),
    dnsmasq: first('dnsmasq', ['-v']),
    tcpdump: first('tcpdump', ['--version']),
    tshark: first('tshark', ['-v']),
  };
}

async function runScenario(s, outDir, env) {
  say(`scenario ${s.name} (${s.seconds} s)`);
  const ipv6 = s.ipv6 ? await ipv6On(s.seconds + 30, s.privacy ?? []) : null;
  // The scenario's own rules, at the head of FORWARD (removed again below, and with the namespace on any exit).
  const extra = s.firewallRules ?? [];
  extra.forEach((rule, i) => exec('fw', 'iptables', '-I', 'FORWARD', String(i + 1), ...rule));
  // One sniffer, or one on each of several hosts (like mirrored access ports), merged in time.
  const points = [s.capture].flat();
  const sniffers = points.map((point, i) => {
    const pcap = join(temp, `${s.name}-${i}.pcap`);
    const filter = s.ipv6 ? [] : ['not ip6'];
    const entry = start(
      point.ns,
      `tcpdump-${s.name}-${i}`,
      ['tcpdump', '-i', point.dev, '-n', '-s', String(SNAPLEN), '-U', '-Z', 'root', '-w', pcap, ...filter],
      s.seconds + 40,
    );
    return { pcap, entry };
  });
  for (const { entry } of sniffers) await waitFor(entry, 'listening on');
  await sleep(1000);

  const programs = s.programs.map((p, i) => {
    const log = join(temp, `${s.name}-${i}-${p.program}.jsonl`);
    const params = { ...p.params, log, maxSeconds: s.seconds + 10 };
    return {
      spec: p,
      log,
      entry: start(
        p.ns,
        `${s.name}-${i}-${p.program}`,
        ['node', join(LAB, 'programs', `${p.program}.mjs`), JSON.stringify(params)],
        s.seconds + 15,
      ),
    };
  });
  for (const p of programs) {
    const code = await p.entry.done;
    if (code !== 0) throw new Error(`${p.entry.label} ended with ${code}: ${p.entry.output.trim()}`);
  }
  await sleep(1500);
  for (const { entry } of sniffers) stop(entry, 'SIGINT');
  for (const { entry } of sniffers) await entry.done;
  if (ipv6) await ipv6Off(ipv6);
  for (const rule of extra) exec('fw', 'iptables', '-D', 'FORWARD', ...rule);

  const file = join(outDir, `${s.name}.pcap`);
  if (sniffers.length === 1) copyFileSync(sniffers[0].pcap, file);
  else run('mergecap', ['-F', 'pcap', '-w', file, ...sniffers.map((x) => x.pcap)], { timeout: 60_000 });

  const resetSources = resetsInCapture(file, s).map(({ ports, ...r }) =>
    ports.length <= 10 ? { ...r, ports } : { ...r, portCount: ports.length },
  );
  const icmpRefusals = icmpRefusalsInCapture(file);
  // A host with temporary addresses: the machine of its IPv4 address and every IPv6 address its programs sent from.
  const temporaries = (s.privacy ?? []).map((name) => ({
    address: topo.HOSTS[name],
    others: [
      ...new Set(
        programs.filter((p) => p.spec.ns === name).flatMap((p) => readLog(p.log).flatMap((e) => (e.local?.includes(':') ? [e.local] : []))),
      ),
    ].sort(),
  }));
  const schedules = programs
    .filter((p) => p.spec.schedule)
    .map((p) => ({ ...p.spec.schedule, observed: observedSchedule(readLog(p.log)) }));
  const roles = {};
  const role = (a, r) => (roles[a] = [...(roles[a] ?? []), r]);
  role(topo.PROXY.address, `HTTP proxy (tinyproxy) on port ${topo.PROXY.port}`);
  role(topo.DNS.address, 'DNS server (dnsmasq)');
  if (s.ipv6) role(topo.PROXY6, `HTTP proxy (tinyproxy) on port ${topo.PROXY.port}`);
  const describe = {
    'update-agent': (q) => `update agent for ${q.name}`,
    browser: () => 'browser through the proxy',
    beacon: (q) => `beacon to ${q.server}:${q.port}${q.servername ? ` over TLS naming ${q.servername}` : ''}`,
    scan: (q) => `connect() scan of ${q.target} ports ${q.ports.join('–')}`,
    flood: (q) => `flood of ${q.count} attempts at ${q.rate}/s to ${q.target}:${q.port}`,
    pinger: (q) =>
      q.mode === 'one-process'
        ? `one ping left running to ${q.target}, every ${q.interval} s`
        : `ping -c 1 of ${q.target} every ${q.interval} s`,
    'udp-client': (q) =>
      `UDP client: ${q.name} looked up every ${q.lookupInterval} s, a DNS tunnel under ${q.tunnelZone}, datagrams to ${q.udpTarget}:${q.udpPort} every ${q.udpInterval} s`,
  };
  // The address a program speaks from: its own, or the family of the proxy it uses.
  const from = (p) => p.params.localAddress ?? (p.params.proxy?.startsWith('[') ? topo.HOSTS6[p.ns] : topo.HOSTS[p.ns]);
  for (const p of s.programs) role(from(p), describe[p.program](p.params));
  // An IPv6 agent asks for its name's AAAA records over IPv4, from the machine's IPv4 address.
  for (const p of s.programs)
    if (p.params.family === 6 && p.params.name) role(topo.HOSTS[p.ns], `looks up ${p.params.name} (AAAA) for its IPv6 update agent`);

  const truth = {
    scenario: s.name,
    description: s.description,
    capture: {
      file: `${s.name}.pcap`,
      point: points.map((point) => `${ns(point.ns)} ${point.dev}`).join(', '),
      snaplen: SNAPLEN,
      bytes: readFileSync(file).length,
    },
    // The networks an analyst of this site names with --internal (the defaults know no global IPv6).
    ...(s.internal ? { internal: s.internal } : {}),
    // The proxy, where the capture holds its traffic (`proxyVisible` null: nothing in it uses the proxy).
    ...(s.proxyVisible === null
      ? {}
      : { proxy: { address: topo.PROXY.address, port: topo.PROXY.port, portVisibleInCapture: s.proxyVisible } }),
    ...(s.proxies ? { proxies: s.proxies } : {}),
    // A machine's roles are those of each of its addresses.
    hosts: Object.entries(s.hosts).map(([address, labels]) => ({
      address,
      labels: [...labels].sort(),
      roles: [address, ...(s.machines?.[address] ?? [])].flatMap((a) => roles[a] ?? []),
    })),
    // Machines of several addresses (one namespace's IPv4 and IPv6 addresses on one card), named by their IPv4 address.
    ...(s.machines ? { machines: Object.entries(s.machines).map(([address, others]) => ({ address, others })) } : {}),
    ...(temporaries.length > 0 ? { machines: temporaries } : {}),
    ...(s.notInCapture
      ? { notInCapture: Object.entries(s.notInCapture).map(([address, why]) => ({ address, why, roles: roles[address] ?? [] })) }
      : {}),
    schedules,
    resetSources,
    ...(icmpRefusals.length > 0 ? { icmpRefusals } : {}),
    ...(s.unanswered ? { unansweredAddresses: s.unanswered } : {}),
    ...(s.dnsSchedules ? { dnsSchedules: s.dnsSchedules } : {}),
    ...(s.dnsTunnels ? { dnsTunnels: s.dnsTunnels } : {}),
    ...(s.filteredByName ? { filteredByName: s.filteredByName } : {}),
    network: {
      firewall: {
        lan: topo.FIREWALL.lan,
        resetTtl: FIREWALL_TTL,
        rules: [
          ...extra.map((r, i) => `iptables -I FORWARD ${i + 1} ${r.join(' ')}`),
          ...topo.FIREWALL_RULES.map((r) => `iptables -A FORWARD ${r.join(' ')}`),
        ],
      },
      ...(s.ipv6
        ? {
            firewall6: {
              lan: topo.FIREWALL6,
              resetHopLimit: FIREWALL_TTL,
              rules: topo.FIREWALL6_RULES.map((r) => `ip6tables -A FORWARD ${r.join(' ')}`),
            },
          }
        : {}),
      wanDelayMsEachWay: topo.WAN_DELAY_MS,
      serverTtlOnLan: { '203.0.113.0/24': 60, '198.51.100.0/24': 60, '192.0.2.0/24': 59 },
      ...(s.ipv6 ? { serverHopLimitOnLan: Object.fromEntries(topo.INTERNET6_PREFIXES.map((p) => [p, 60])) } : {}),
    },
    tools: env,
  };
  writeFileSync(join(outDir, `${s.name}.truth.json`), JSON.stringify(truth, null, 2) + '\n');
  say(
    `  ${s.name}.pcap ${truth.capture.bytes} bytes; ${resetSources.length} reset senders; schedules: ${schedules.map((x) => `${x.host} ${x.periodSeconds} s (seen ${x.observed.meanPeriodSeconds})`).join(', ') || 'none'}`,
  );
}

// ---------------------------------------------------------------- main

async function main() {
  const args = process.argv.slice(2);
  if (args.includes('--cleanup')) {
    cleanup();
    return;
  }
  const only = args.includes('--only') ? args[args.indexOf('--only') + 1].split(',') : null;
  const outDir = resolve(args.includes('--out') ? args[args.indexOf('--out') + 1] : join(ROOT, 'test/lab'));
  const scenarios = SCENARIOS.filter((s) => !only || only.includes(s.name));
  if (scenarios.length === 0) throw new Error(only ? `no scenario named ${only.join(',')}` : 'no scenarios defined');

  preflight();
  mkdirSync(outDir, { recursive: true });
  temp = mkdtempSync(TMP_PREFIX);
  const began = Date.now();
  await build();
  await services();
  const env = versions();
  for (const s of scenarios) await runScenario(s, outDir, env);
  say(`done in ${Math.round((Date.now() - began) / 1000)} s; captures and truth in ${outDir}`);
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    say(`${signal}: tearing the lab down`);
    cleanup();
    process.exit(130);
  });
}
try {
  await main();
} catch (e) {
  console.error('lab: error:', e.message);
  process.exitCode = 1;
} finally {
  cleanup();
}
