#!/usr/bin/env node
/**
 * callhome benchmark, on two deterministic 1 GiB captures written with callhome's own writer and
 * packet builder:
 *
 *   kind  mixed traffic that is kind to us: 1.1 M mostly full-size packets, 30 k connections,
 *         a few hundred hosts;
 *   busy  a busy LAN (src/synth/busylan.ts): 1.9 M packets of 550 B on average, ~17,700 internal
 *         hosts, Poisson arrivals, interactive flows, DNS, refused and unanswered connections,
 *         3–4 k connections in progress at any moment.
 *
 * For each profile it measures, each in a child process of its own (so peak RSS is per run):
 * the pipeline stages (read, read+decode, read+decode+track, flows, analyze), rendering and
 * writing the output as a stage of its own (analyze → JSON, flows → CSV), the pcap-parser package
 * reading the same file, and the CLI end to end (`analyze` text and JSON, `flows` CSV and Zeek)
 * under /usr/bin/time. Where `argus` and `tcptrace` are installed it runs them on the same file
 * in the same run and prints callhome's speed as a multiple of theirs, with each peer's time on a
 * capture of no packets (Argus waits out a whole second whatever it reads: its CPU time is the
 * measure). `compare` of the file's two halves on one thread and on two is measured beside the
 * same two analyses as two processes one after the other and at once: what a second core gives on
 * this machine to runs that share nothing. Results, with the load average at each measurement, go
 * to the terminal and to bench/results.json.
 *
 *   npm run bench                               # every profile: busy and kind at 1024 MB each, then logs
 *   npm run bench -- --profile busy             # one profile (busy, kind or logs); both: busy and kind
 *   BENCH_LOG_ROWS=10000000 BENCH_FIREWALL_MB=1024 npm run bench -- --profile logs   # the logs at the targets' size
 *   BENCH_DAY_ROWS=0 npm run bench              # without the 10 M-row conn.log (measured once by default)
 *   BENCH_FIREWALL_DAY_MB=0 npm run bench       # without the 1 GB netfilter log (measured once by default)
 *   BENCH_SIZE_MB=256 npm run bench             # smaller
 *   BENCH_SEED=7 npm run bench                  # other traffic
 *   BENCH_RUNS=1 npm run bench                  # one run per measurement (default: best of 3)
 *   BENCH_CLIENTS=200000 npm run bench -- --profile busy   # the busy LAN drawn from more clients
 *   BENCH_PEERS=0 npm run bench                 # skip argus and tcptrace
 *
 * The captures stay in the temporary folder for the next run; delete them when done.
 */
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  copyFileSync,
  existsSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const dist = join(root, 'dist');
const cliMain = join(dist, 'cli', 'main.js');
const GENERATOR_VERSION = { kind: 2, busy: 1 };

const distModule = (rel) => join(dist, rel);
const have = (rel) => existsSync(distModule(rel));
const load = (rel) => import(pathToFileURL(distModule(rel)).href);

// ---------------------------------------------------------------------------------------------
// Stages (run in a child: node --expose-gc bench/run.mjs --stage NAME FILE)

const PIPELINE = ['index.js', 'capture/index.js', 'decode/index.js', 'flows/index.js'];
const STAGES = [
  { name: 'read', needs: ['capture/index.js'] },
  { name: 'read+decode', needs: ['capture/index.js', 'decode/index.js', 'decode/packet.js'] },
  { name: 'read+decode+track', needs: ['capture/index.js', 'decode/index.js', 'decode/packet.js', 'flows/index.js'] },
  // `callhome flows` without the rendering: every connection kept and sorted by start time.
  { name: 'flows', needs: PIPELINE },
  { name: 'analyze', needs: [...PIPELINE, 'analysis/index.js'] },
  // Rendering and writing alone, timed after the analysis (or the flows) it renders is done.
  { name: 'render analyze json', needs: [...PIPELINE, 'analysis/index.js', 'report/index.js'] },
  { name: 'render flows csv', needs: [...PIPELINE, 'report/index.js'] },
  { name: 'pcap-parser', needs: [] },
];

/** The CLI end to end, output written to a file; the capture path is appended. */
const COMMANDS = [
  { name: 'callhome analyze', args: ['analyze'] },
  { name: 'callhome analyze --format json', args: ['analyze', '--format', 'json'] },
  { name: 'callhome flows --format csv', args: ['flows', '--format', 'csv'] },
  { name: 'callhome flows --format zeek', args: ['flows', '--format', 'zeek'] },
];

/** Other tools run on the same file, where installed; stdout goes to a file. */
const PEERS = [
  { name: 'argus -r FILE -w /dev/null', program: 'argus', args: (file) => ['-r', file, '-w', '/dev/null'] },
  { name: 'tcptrace -n FILE', program: 'tcptrace', args: (file) => ['-n', file] },
];

/** callhome's speed as a multiple of a peer's: [callhome run, peer program]. */
const RATIOS = [
  ['callhome analyze', 'argus'],
  ['callhome analyze --format json', 'argus'],
  ['callhome flows --format csv', 'argus'],
  ['callhome analyze', 'tcptrace'],
  ['callhome flows --format csv', 'tcptrace'],
  ['read+decode+track', 'argus'],
];

async function runStage(name, file) {
  globalThis.gc?.();
  let packets = 0;
  let bytes = 0;
  let extra = {};
  // Modules are loaded before the clock starts: the stage measures reading, not start-up.
  const modules = {};
  for (const m of STAGES.find((s) => s.name === name).needs) modules[m] = await load(m);
  let t0 = process.hrtime.bigint();
  let cpu0 = process.cpuUsage();
  const countLoaded = (loaded) => {
    packets = loaded.captures.reduce((n, c) => n + c.packets, 0);
    bytes = loaded.captures.reduce((n, c) => n + c.bytes, 0);
  };
  /** Restarts the clock: what came before was setup, not the stage. */
  const restart = () => {
    t0 = process.hrtime.bigint();
    cpu0 = process.cpuUsage();
  };
  if (name === 'read') {
    const { readCapture } = modules['capture/index.js'];
    await readCapture(file, (r) => {
      packets++;
      bytes += r.caplen;
    });
  } else if (name === 'read+decode') {
    const { readCapture } = modules['capture/index.js'];
    const { decodePacket } = modules['decode/index.js'];
    const { newPacket } = modules['decode/packet.js'];
    const packet = newPacket();
    let tcp = 0;
    await readCapture(file, (r) => {
      decodePacket(r, packet);
      packets++;
      bytes += r.caplen;
      if (packet.proto === 6) tcp++;
    });
    extra = { tcp };
  } else if (name === 'read+decode+track') {
    const { readCapture } = modules['capture/index.js'];
    const { decodePacket } = modules['decode/index.js'];
    const { newPacket } = modules['decode/packet.js'];
    const { ConnectionTracker } = modules['flows/index.js'];
    const packet = newPacket();
    let connections = 0;
    const tracker = new ConnectionTracker({ onConnection: () => void connections++ });
    await readCapture(file, (r) => {
      decodePacket(r, packet);
      tracker.add(packet);
      packets++;
      bytes += r.caplen;
    });
    tracker.finish();
    extra = { connections };
  } else if (name === 'flows') {
    const { loadCaptures } = modules['index.js'];
    const loaded = await loadCaptures([file]);
    countLoaded(loaded);
    extra = { connections: loaded.connections.length };
  } else if (name === 'analyze') {
    const { analyze } = modules['index.js'];
    const { result, loaded } = await analyze([file]);
    countLoaded(loaded);
    extra = { connections: loaded.connections.length, hosts: result.hosts.length };
  } else if (name === 'render analyze json' || name === 'render flows csv') {
    const { analyze, loadCaptures } = modules['index.js'];
    const { analyzeRenderers, flowsRenderers } = modules['report/index.js'];
    const out = join(tmpdir(), `callhome-bench-render-${process.pid}`);
    let text;
    if (name === 'render analyze json') {
      const { result, loaded } = await analyze([file]);
      countLoaded(loaded);
      restart();
      text = analyzeRenderers.json(result, { color: false });
    } else {
      const loaded = await loadCaptures([file]);
      countLoaded(loaded);
      restart();
      text = flowsRenderers.csv(loaded.connections, { color: false });
    }
    writeFileSync(out, text);
    extra = { outputMB: statSync(out).size / 1e6 };
    rmSync(out);
  } else if (name === 'pcap-parser') {
    const require = createRequire(join(root, 'package.json'));
    const pcapParser = require('pcap-parser');
    await new Promise((resolve, reject) => {
      const parser = pcapParser.parse(file);
      parser.on('packet', (p) => {
        packets++;
        bytes += p.header.capturedLength;
      });
      parser.on('error', reject);
      parser.on('end', resolve);
    });
  } else {
    throw new Error(`unknown stage ${name}`);
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  process.stdout.write(JSON.stringify({ name, seconds, cpuSeconds, packets, bytes, maxRssMB: peakRssMB(), ...extra }) + '\n');
}

/**
 * This process's peak resident set. VmHWM belongs to the process image since exec; getrusage's
 * maxRSS would also count the parent's pages the child shared between fork and exec.
 */
function peakRssMB() {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch {
    // No /proc (not Linux): getrusage's figure is the best there is.
  }
  return process.resourceUsage().maxRSS / 1024;
}

// ---------------------------------------------------------------------------------------------
// Measuring: the fastest of RUNS runs (the machine may be shared; the best run is the least
// disturbed), with the highest peak RSS of them and the load average when the best one ended.

const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));

function best(runOnce, runs = RUNS) {
  let top = null;
  let peak = null;
  for (let i = 0; i < runs; i++) {
    const r = runOnce();
    if (r.error) return r;
    if (r.maxRssMB !== null) peak = Math.max(peak ?? 0, r.maxRssMB);
    if (top === null || r.seconds < top.seconds) top = { ...r, load1: loadavg()[0] };
  }
  return { ...top, maxRssMB: peak };
}

function stageOnce(name, file) {
  const run = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--stage', name, file], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (run.status !== 0) {
    const why = (run.stderr || '').trim().split('\n').slice(-3).join(' | ');
    return { name, error: why || `exit ${run.status}` };
  }
  const lines = run.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}

/**
 * A peer's wall time on a capture of no packets (the file's 24-byte header): what it takes
 * whatever the file. Argus ends its run on a whole second — 1.0 s on an empty capture, and 1.0 s
 * on a GiB it read in 0.5–1 CPU s — so its wall time is rounded up and its CPU time is the measure
 * of its work.
 */
function peerFloor(peer, program, file) {
  const empty = join(tmpdir(), `callhome-bench-empty-${process.pid}.pcap`);
  const header = Buffer.alloc(24);
  const fd = openSync(file, 'r');
  readSync(fd, header, 0, 24, 0);
  closeSync(fd);
  writeFileSync(empty, header);
  const r = programOnce(`${peer.name} (empty capture)`, program, peer.args(empty));
  rmSync(empty);
  return r.error ? null : r.seconds;
}

const TIME = '/usr/bin/time';
const haveTime = existsSync(TIME);

function onPath(program) {
  for (const d of (process.env.PATH ?? '').split(delimiter)) {
    if (d && existsSync(join(d, program))) return join(d, program);
  }
  return null;
}

/**
 * A program end to end, stdout to a file: wall time from here (start-up included), CPU time and
 * peak RSS from /usr/bin/time (null without it).
 */
/** `text` as one word to the shell. */
const shellWord = (text) => `'${text.replace(/'/g, `'\\''`)}'`;

function programOnce(name, command, args) {
  const out = join(tmpdir(), `callhome-bench-out-${process.pid}`);
  const timing = join(tmpdir(), `callhome-bench-time-${process.pid}`);
  const fd = openSync(out, 'w');
  const argv = haveTime ? [TIME, '-f', '%U %S %M', '-o', timing, command, ...args] : [command, ...args];
  const t0 = process.hrtime.bigint();
  const run = spawnSync(argv[0], argv.slice(1), { stdio: ['ignore', fd, 'pipe'], encoding: 'utf8', maxBuffer: 16 << 20 });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  closeSync(fd);
  const outputMB = statSync(out).size / 1e6;
  rmSync(out);
  if (run.status !== 0) {
    const why = (run.stderr || '').trim().split('\n').slice(-3).join(' | ');
    return { name, error: why || `exit ${run.status}` };
  }
  let cpuSeconds = null;
  let maxRssMB = null;
  if (haveTime) {
    const fields = readFileSync(timing, 'utf8').trim().split('\n').pop().split(' ').map(Number);
    rmSync(timing);
    cpuSeconds = fields[0] + fields[1];
    maxRssMB = fields[2] / 1024;
  }
  return { name, seconds, cpuSeconds, maxRssMB, outputMB };
}

// ---------------------------------------------------------------------------------------------
// The kind profile: many TCP connections (handshake, MSS-size data both ways with ACKs, FIN or RST
// teardown), refused and unanswered SYNs, DNS over UDP, an IPv6 share and a VLAN-tagged share.

/** Min-heap of frames by timestamp, so that overlapping connections come out in time order. */
class FrameHeap {
  constructor() {
    this.items = [];
  }
  get size() {
    return this.items.length;
  }
  peek() {
    return this.items[0];
  }
  push(x) {
    const a = this.items;
    a.push(x);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p].ts <= x.ts) break;
      a[i] = a[p];
      i = p;
    }
    a[i] = x;
  }
  pop() {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= a.length) break;
        const r = l + 1;
        const c = r < a.length && a[r].ts < a[l].ts ? r : l;
        if (a[c].ts >= last.ts) break;
        a[i] = a[c];
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
}

async function generateKind(file, halfFile, sizeBytes, seed) {
  const { PcapWriter } = await load('capture/writer.js');
  const synth = await load('synth/index.js');
  const { Rng, TcpSession, udpFrame, dnsQueryPayload, dnsResponsePayload, splitTimestamp } = synth;
  const rng = new Rng(seed);
  const writer = new PcapWriter({ linktype: 1, snaplen: 65535 });
  const fd = openSync(file, 'w');
  let written = 0;
  /** Bytes added to the writer since its last drain. */
  let pending = 0;
  let halfAt = 0;
  const flush = () => {
    const chunk = writer.drain();
    if (chunk.length === 0) return;
    writeSync(fd, chunk);
    written += chunk.length;
  };
  const segment = new Uint8Array(1460);
  for (let i = 0; i < segment.length; i++) segment[i] = (i * 131 + 17) & 0xff;
  const request = new TextEncoder().encode(
    'GET /update/check?id=00000000 HTTP/1.1\r\nHost: updates.example.com\r\nUser-Agent: agent/1.0\r\n\r\n',
  );
  const heap = new FrameHeap();
  const servers4 = Array.from({ length: 400 }, (_, i) => `198.51.${100 + (i >> 8)}.${i & 0xff}`);
  const servers6 = Array.from({ length: 100 }, (_, i) => `2001:db8:${(i >> 8).toString(16)}::${(i & 0xff).toString(16)}`);
  const clients4 = Array.from({ length: 300 }, (_, i) => `10.1.${i >> 7}.${(i & 0x7f) + 1}`);
  const clients6 = Array.from({ length: 60 }, (_, i) => `fd00::${(i + 1).toString(16)}`);
  let t = 1700000000;
  let nextPort = 1024;
  const port = () => (nextPort = nextPort >= 65000 ? 1024 : nextPort + 1);
  let packets = 0;
  const add = (frames) => {
    for (const f of frames) heap.push(f);
  };

  while (written + pending < sizeBytes) {
    t += rng.uniform(0.0002, 0.002);
    const v6 = rng.next() < 0.15;
    const vlan = rng.next() < 0.1 ? rng.int(2, 40) : undefined;
    const client = v6 ? rng.pick(clients6) : rng.pick(clients4);
    const server = v6 ? rng.pick(servers6) : rng.pick(servers4);
    const kind = rng.next();
    if (kind < 0.15) {
      // DNS over UDP.
      const id = rng.int(0, 0xffff);
      const name = `host${rng.int(1, 5000)}.example.net`;
      const sport = port();
      const resolver = v6 ? 'fd00::53' : '10.1.255.53';
      heap.push({ ts: t, frame: udpFrame({ src: client, dst: resolver, sport, dport: 53, vlan, payload: dnsQueryPayload({ id, name }) }) });
      if (rng.next() < 0.9) {
        const answer = dnsResponsePayload({ id, name, addresses: [v6 ? '2001:db8::1' : '198.51.100.1'], qtype: v6 ? 'AAAA' : 'A' });
        heap.push({
          ts: t + rng.uniform(0.001, 0.03),
          frame: udpFrame({ src: resolver, dst: client, sport: 53, dport: sport, vlan, payload: answer }),
        });
      }
    } else if (kind < 0.25) {
      // A refused or unanswered attempt (the firewall's or the server's reset, or silence and SYN retries).
      const s = new TcpSession({ client, server, sport: port(), dport: rng.pick([80, 443, 8080]), rng, vlan });
      s.syn(t);
      if (rng.next() < 0.6) s.rst(t + rng.uniform(0.0003, 0.02), 'server');
      else s.syn(t + 1).syn(t + 3);
      add(s.frames());
    } else {
      // A full connection: a download (request, then 1–120 MSS segments from the server) or an
      // upload (MSS segments from the client, then a short answer), every second segment ACKed.
      const s = new TcpSession({ client, server, sport: port(), dport: rng.pick([80, 443, 443, 8443]), rng, vlan });
      const rtt = rng.uniform(0.002, 0.08);
      const upload = rng.next() < 0.2;
      const sender = upload ? 'client' : 'server';
      const receiver = upload ? 'server' : 'client';
      let at = t;
      s.syn(at)
        .synAck((at += rtt / 2))
        .ack((at += rtt / 2));
      if (!upload) s.send((at += 0.0001), 'client', request);
      const segments = Math.floor(1 + rng.next() ** 3 * 120);
      at += rtt;
      for (let i = 1; i <= segments; i++) {
        s.send((at += 0.00012), sender, segment);
        if (i % 2 === 0 || i === segments) s.ack(at + rtt / 2, receiver);
      }
      if (upload) s.send((at += rtt), 'server', request);
      at += rtt;
      if (rng.next() < 0.8)
        s.fin(at, 'client')
          .fin((at += rtt / 2), 'server')
          .ack(at + rtt / 2, 'client');
      else s.rst(at, rng.next() < 0.5 ? 'client' : 'server');
      add(s.frames());
    }
    // Everything due before the next connection can start is final: write it.
    while (heap.size > 0 && heap.peek().ts <= t) {
      const f = heap.pop();
      const { sec, nsec } = splitTimestamp(f.ts);
      writer.add(sec, nsec, f.frame);
      packets++;
      pending += 16 + f.frame.length;
      if (pending >= 8 << 20) {
        flush();
        pending = 0;
      }
      if (halfAt === 0 && written + pending >= sizeBytes / 2) {
        flush();
        pending = 0;
        halfAt = written;
      }
    }
  }
  while (heap.size > 0) {
    const f = heap.pop();
    const { sec, nsec } = splitTimestamp(f.ts);
    writer.add(sec, nsec, f.frame);
    packets++;
  }
  flush();
  closeSync(fd);
  // The half-size capture: the same traffic cut at a record boundary.
  copyFileSync(file, halfFile);
  const hfd = openSync(halfFile, 'r+');
  ftruncateSync(hfd, halfAt);
  closeSync(hfd);
  return { packets, bytes: written, halfBytes: halfAt };
}

// ---------------------------------------------------------------------------------------------
// The busy LAN (src/synth/busylan.ts): frames come out of the generator in time order, one at a
// time, and are written in 8 MiB pieces; the capture simply ends, mid-connection, at the size.

async function generateBusy(file, halfFile, sizeBytes, seed, clients) {
  const { PcapWriter } = await load('capture/writer.js');
  const { BusyLan, splitTimestamp } = await load('synth/index.js');
  const traffic = new BusyLan({ seed, clients });
  const writer = new PcapWriter({ linktype: 1, snaplen: 65535 });
  const fd = openSync(file, 'w');
  let written = 0;
  let pending = 0;
  let halfAt = 0;
  let frameBytes = 0;
  let first = null;
  let last = null;
  const flush = () => {
    const chunk = writer.drain();
    writeSync(fd, chunk);
    written += chunk.length;
    pending = 0;
  };
  while (written + pending < sizeBytes) {
    const { ts, frame } = traffic.next();
    const { sec, nsec } = splitTimestamp(ts);
    writer.add(sec, nsec, frame);
    first ??= ts;
    last = ts;
    frameBytes += frame.length;
    pending += 16 + frame.length;
    if (pending >= 8 << 20) flush();
    if (halfAt === 0 && written + pending >= sizeBytes / 2) {
      flush();
      halfAt = written;
    }
  }
  flush();
  closeSync(fd);
  copyFileSync(file, halfFile);
  const hfd = openSync(halfFile, 'r+');
  ftruncateSync(hfd, halfAt);
  closeSync(hfd);
  const s = traffic.stats;
  return {
    packets: s.frames,
    bytes: written,
    halfBytes: halfAt,
    shape: {
      meanFrameBytes: frameBytes / s.frames,
      seconds: last - first,
      internalClients: s.clientsSeen,
      connectionsBegun: s.connections,
      dnsLookups: s.dnsLookups,
      refused: s.refused,
      unanswered: s.unanswered,
      inProgress: { min: s.inProgressMin, mean: Math.round(s.inProgressMean), max: s.inProgressMax },
    },
  };
}

// ---------------------------------------------------------------------------------------------

function fmt(n, digits = 1) {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

const loadNow = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

/** The profile's capture, written afresh unless a marker says the one in the temporary folder is current. */
async function ensureCapture(profile, sizeMB, seed, clients) {
  const tag = profile === 'kind' ? '' : `busy-${clients === undefined ? '' : `${clients}clients-`}`;
  const base = join(tmpdir(), `callhome-bench-${tag}${sizeMB}MB-seed${seed}`);
  const file = `${base}.pcap`;
  const halfFile = `${base}-half.pcap`;
  const markerFile = `${base}.json`;
  let marker = null;
  try {
    marker = JSON.parse(readFileSync(markerFile, 'utf8'));
  } catch {
    // No marker, or a torn one: the capture is written afresh.
  }
  const fresh =
    marker &&
    marker.version === GENERATOR_VERSION[profile] &&
    marker.sizeMB === sizeMB &&
    marker.seed === seed &&
    existsSync(file) &&
    statSync(file).size === marker.bytes &&
    existsSync(halfFile) &&
    statSync(halfFile).size === marker.halfBytes;
  if (fresh) {
    process.stderr.write(`bench: reusing ${file}\n`);
    return { file, halfFile, marker };
  }
  process.stderr.write(
    `bench: writing ${sizeMB} MB of ${profile === 'kind' ? 'mixed traffic' : 'busy-LAN traffic'} to ${file} (seed ${seed}) …\n`,
  );
  const t0 = Date.now();
  const made =
    profile === 'kind'
      ? await generateKind(file, halfFile, sizeMB * 1024 * 1024, seed)
      : await generateBusy(file, halfFile, sizeMB * 1024 * 1024, seed, clients);
  marker = { version: GENERATOR_VERSION[profile], profile, sizeMB, seed, ...made };
  writeFileSync(markerFile, JSON.stringify(marker));
  process.stderr.write(`bench: ${made.packets.toLocaleString('en-US')} packets in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  return { file, halfFile, marker };
}

async function benchProfile(profile, sizeMB, seed, clients) {
  const { file, halfFile, marker } = await ensureCapture(profile, sizeMB, seed, clients);
  const fileBytes = statSync(file).size;
  const loadBefore = loadavg();
  const measured = [];
  const skipped = [];
  for (const stage of STAGES) {
    const missing = stage.needs.filter((m) => !have(m));
    if (missing.length > 0) {
      skipped.push(`${stage.name} (missing dist/${missing.join(', dist/')})`);
      continue;
    }
    process.stderr.write(`bench: ${profile}: ${stage.name} …\n`);
    const r = best(() => stageOnce(stage.name, file));
    if (r.error) skipped.push(`${stage.name} (failed: ${r.error})`);
    else measured.push({ kind: 'stage', ...r });
  }
  if (existsSync(cliMain)) {
    for (const command of COMMANDS) {
      process.stderr.write(`bench: ${profile}: ${command.name} …\n`);
      const args = [cliMain, ...command.args, '--quiet', '--no-color', file];
      const r = best(() => programOnce(command.name, process.execPath, args));
      if (r.error) skipped.push(`${command.name} (failed: ${r.error})`);
      else measured.push({ kind: 'cli', packets: marker.packets, ...r });
    }
  } else {
    skipped.push('CLI (missing dist/cli/main.js)');
  }
  if (process.env.BENCH_PEERS !== '0') {
    for (const peer of PEERS) {
      const program = onPath(peer.program);
      if (program === null) {
        skipped.push(`${peer.program} (not installed)`);
        continue;
      }
      process.stderr.write(`bench: ${profile}: ${peer.name} …\n`);
      const r = best(() => programOnce(peer.name, program, peer.args(file)));
      if (r.error) skipped.push(`${peer.name} (failed: ${r.error})`);
      else
        measured.push({ kind: 'peer', program: peer.program, packets: marker.packets, ...r, floorSeconds: peerFloor(peer, program, file) });
    }
  }
  const cores = existsSync(cliMain) && process.env.BENCH_CORES !== '0' ? twoCaptures(profile, file, halfFile, marker) : null;
  const half = [];
  for (const name of ['read', 'read+decode', 'read+decode+track', 'analyze']) {
    if (!measured.some((r) => r.name === name)) continue;
    const r = stageOnce(name, halfFile);
    if (!r.error) half.push(r);
  }

  const read = measured.find((r) => r.name === 'read');
  const rows = measured.map((r) => ({
    kind: r.kind,
    name: r.name,
    seconds: r.seconds,
    cpuSeconds: r.cpuSeconds,
    mbPerSecond: fileBytes / 1e6 / r.seconds,
    packetsPerSecond: marker.packets / r.seconds,
    peakRssMB: r.maxRssMB,
    vsRead: read && r.kind === 'stage' ? r.seconds / read.seconds : null,
    loadAverage1: r.load1,
    ...(r.connections !== undefined ? { connections: r.connections } : {}),
    ...(r.hosts !== undefined ? { hosts: r.hosts } : {}),
    ...(r.outputMB !== undefined ? { outputMB: r.outputMB } : {}),
    ...(r.floorSeconds !== undefined ? { emptyCaptureSeconds: r.floorSeconds } : {}),
  }));
  const ratios = [];
  for (const [ours, program] of RATIOS) {
    const a = rows.find((r) => r.name === ours);
    const b = rows.find((r) => r.kind === 'peer' && measured.find((m) => m.name === r.name)?.program === program);
    if (a && b)
      ratios.push({
        callhome: ours,
        peer: b.name,
        peerSeconds: b.seconds,
        peerEmptyCaptureSeconds: b.emptyCaptureSeconds ?? null,
        callhomeSeconds: a.seconds,
        speedRatio: b.seconds / a.seconds,
        cpuRatio: a.cpuSeconds && b.cpuSeconds ? b.cpuSeconds / a.cpuSeconds : null,
      });
  }
  const loadAfter = loadavg();

  const header = ['run', 'seconds', 'CPU s', 'MB/s', 'packets/s', 'peak RSS MB', 'output MB', 'load'];
  const table = rows.map((r) => [
    r.kind === 'stage' ? `stage ${r.name}` : r.name,
    fmt(r.seconds, 2),
    r.cpuSeconds === null ? '—' : fmt(r.cpuSeconds, 2),
    fmt(r.mbPerSecond, 0),
    fmt(r.packetsPerSecond, 0),
    r.peakRssMB === null ? '—' : fmt(r.peakRssMB, 0),
    r.outputMB === undefined ? '' : fmt(r.outputMB, 1),
    fmt(r.loadAverage1, 2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
  const print = (cells) => console.log(cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
  console.log(
    `\n${profile}: ${file} (best of ${RUNS} runs each; load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')} before, ${loadAfter.map((l) => l.toFixed(2)).join(' ')} after)`,
  );
  console.log(
    `  ${fmt(fileBytes / 1e6, 0)} MB, ${marker.packets.toLocaleString('en-US')} packets (${fmt(fileBytes / marker.packets - 16, 0)} B a frame on average), node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`,
  );
  if (marker.shape) {
    const s = marker.shape;
    console.log(
      `  ${s.internalClients.toLocaleString('en-US')} internal clients, ${s.connectionsBegun.toLocaleString('en-US')} connections (${s.dnsLookups.toLocaleString('en-US')} DNS lookups, ${s.refused.toLocaleString('en-US')} refused, ${s.unanswered.toLocaleString('en-US')} unanswered), ${s.inProgress.min.toLocaleString('en-US')}–${s.inProgress.max.toLocaleString('en-US')} in progress, ${fmt(s.seconds, 0)} s of traffic`,
    );
  }
  console.log('');
  print(header);
  for (const row of table) print(row);
  if (ratios.length > 0) {
    console.log(
      `\ncallhome's speed as a multiple of the peers' on the same file (peer time ÷ callhome time; wall, and CPU where /usr/bin/time gave it):`,
    );
    for (const r of ratios)
      console.log(
        `  ${r.callhome.padEnd(31)} vs ${r.peer.padEnd(27)} ${fmt(r.speedRatio, 2)}× wall   (${fmt(r.callhomeSeconds, 2)} s vs ${fmt(r.peerSeconds, 2)} s)${r.cpuRatio === null ? '' : `   ${fmt(r.cpuRatio, 2)}× CPU`}`,
      );
    for (const peer of rows.filter((r) => r.kind === 'peer' && r.emptyCaptureSeconds !== undefined && r.emptyCaptureSeconds !== null))
      console.log(
        `  ${peer.name} on a capture of no packets: ${fmt(peer.emptyCaptureSeconds, 2)} s${peer.emptyCaptureSeconds >= 0.5 ? ' — its wall time is a floor it waits out, not work: compare CPU' : ''}`,
      );
  }
  if (half.length > 0) {
    const halfBytes = statSync(halfFile).size;
    console.log(`\npeak RSS against file size (memory must not grow with the file):`);
    for (const h of half) {
      const full = rows.find((r) => r.name === h.name);
      console.log(
        `  ${h.name.padEnd(18)} ${fmt(halfBytes / 1e6, 0).padStart(6)} MB → ${fmt(h.maxRssMB, 0).padStart(4)} MB RSS   ${fmt(fileBytes / 1e6, 0).padStart(6)} MB → ${fmt(full.peakRssMB, 0).padStart(4)} MB RSS`,
      );
    }
  }
  if (cores !== null) {
    console.log(`\ntwo captures (the file's halves) compared, each analysed on its own: one thread, then one a capture:`);
    for (const r of cores.runs)
      console.log(
        `  ${r.name.padEnd(34)} ${fmt(r.seconds, 2).padStart(6)} s  ${fmt(r.cpuSeconds ?? 0, 2).padStart(6)} CPU s  ${fmt(r.maxRssMB ?? 0, 0).padStart(4)} MB RSS  load ${fmt(r.load1, 2)}`,
      );
    for (const r of cores.processes?.runs ?? [])
      console.log(
        `  ${r.name.padEnd(42)} ${fmt(r.seconds, 2).padStart(6)} s  ${fmt(r.cpuSeconds ?? 0, 2).padStart(6)} CPU s  ${fmt(r.maxRssMB ?? 0, 0).padStart(4)} MB RSS  load ${fmt(r.load1, 2)}`,
      );
    if (cores.speedup !== null) console.log(`  throughput on ${cpus().length} cores: ${fmt(cores.speedup, 2)}× one thread's`);
    if (cores.processes)
      console.log(
        `  two processes at once: ${fmt(cores.processes.speedup, 2)}× the throughput of one after the other — what this machine gives two runs that share nothing`,
      );
  }
  if (skipped.length > 0) console.log(`\nskipped: ${skipped.join('; ')}`);
  return {
    file: { path: file, bytes: fileBytes, packets: marker.packets, seed, sizeMB, ...(marker.shape ? { shape: marker.shape } : {}) },
    ...(cores !== null ? { twoCaptures: cores } : {}),
    loadAverageBefore: loadBefore,
    loadAverageAfter: loadAfter,
    runs: rows,
    peerRatios: ratios,
    memoryAtHalfSize: half.map((h) => ({ stage: h.name, bytes: statSync(halfFile).size, peakRssMB: h.maxRssMB, seconds: h.seconds })),
    skipped,
  };
}

/**
 * `compare` of the capture's two halves (the first half, and the rest as a capture of its own) on
 * one thread and on one thread a capture: what a second core gives when captures are analysed
 * each on its own.
 */
function twoCaptures(profile, file, halfFile, marker) {
  const second = halfFile.replace(/-half\.pcap$/, '-second-half.pcap');
  const wanted = 24 + marker.bytes - marker.halfBytes;
  if (!existsSync(second) || statSync(second).size !== wanted) {
    const from = openSync(file, 'r');
    const to = openSync(second, 'w');
    const buf = Buffer.alloc(1 << 22);
    writeSync(to, buf, 0, readSync(from, buf, 0, 24, 0));
    for (let at = marker.halfBytes, n; (n = readSync(from, buf, 0, buf.length, at)) > 0; at += n) writeSync(to, buf, 0, n);
    closeSync(from);
    closeSync(to);
  }
  // Alternated, one thread then two, so that the machine's load moves both alike; best of each.
  const runs = [null, null];
  process.stderr.write(`bench: ${profile}: callhome compare --threads 1 and 2 …\n`);
  for (let i = 0; i < RUNS; i++) {
    for (const threads of [1, 2]) {
      const name = `callhome compare --threads ${threads}`;
      const args = [cliMain, 'compare', '--threads', String(threads), '--quiet', '--no-color', '--format', 'json', halfFile, second];
      const r = programOnce(name, process.execPath, args);
      if (r.error) return { runs: [], speedup: null, error: r.error };
      const kept = runs[threads - 1];
      const load1 = loadavg()[0];
      if (kept === null || r.seconds < kept.seconds)
        runs[threads - 1] = { ...r, threads, load1, maxRssMB: Math.max(r.maxRssMB ?? 0, kept?.maxRssMB ?? 0) };
      else kept.maxRssMB = Math.max(kept.maxRssMB ?? 0, r.maxRssMB ?? 0);
    }
  }
  const [one, two] = runs;
  return { runs, speedup: one.seconds / two.seconds, processes: twoProcesses(halfFile, second) };
}

/**
 * The machine's own answer to what a second core gives: the same two analyses as two processes of
 * their own (nothing shared), one after the other and then at once, alternated, best of each. A
 * machine whose cores share their memory bandwidth or whose second core is busy gives two
 * processes less than twice the throughput, and threads cannot do better than that.
 */
function twoProcesses(first, second) {
  const quote = (text) => `'${text.replaceAll("'", "'\\''")}'`;
  const analyze = (f) => `${quote(process.execPath)} ${quote(cliMain)} analyze --quiet --no-color --format json ${quote(f)} >/dev/null`;
  const shapes = [
    { name: 'two callhome analyze, one after the other', script: `${analyze(first)} && ${analyze(second)}` },
    { name: 'two callhome analyze at once', script: `${analyze(first)} & a=$!; ${analyze(second)}; s=$?; wait $a && exit $s` },
  ];
  const runs = [null, null];
  for (let i = 0; i < RUNS; i++) {
    shapes.forEach((shape, k) => {
      const r = programOnce(shape.name, '/bin/sh', ['-c', shape.script]);
      if (r.error) return;
      if (runs[k] === null || r.seconds < runs[k].seconds) runs[k] = { ...r, load1: loadavg()[0] };
    });
  }
  if (runs[0] === null || runs[1] === null) return null;
  return { runs, speedup: runs[0].seconds / runs[1].seconds };
}

// ---------------------------------------------------------------------------------------------
// The logs profile: a Zeek deployment's conn.log of a busy day (scripts/make-conn-log.mjs), the
// same gzip-compressed, and a firewall's kern.log of netfilter LOG lines
// (scripts/make-netfilter-log.mjs), each read end to end by the CLI; gunzip alone on the same file
// is the speed gzip input is measured against. The conn.log is read alone and in a folder with
// the dns.log, http.log and ssl.log a deployment writes beside it (joined to it by uid), every
// log rotated hourly, and as `zeek -r` writes them for a capture (one file each).

const LOG_TARGETS = {
  zeek: 'targets: 1 M conn rows/s (plain TSV), peak RSS under 512 MB at 10 M rows; gzip at the speed of zlib',
  firewall: 'targets: 200 MB/s, peak RSS under 256 MB on a 1 GB log',
};

function ensureLog(file, script, args) {
  if (existsSync(file)) return;
  process.stderr.write(`bench: writing ${file} …\n`);
  const run = spawnSync(process.execPath, [join(here, '..', 'scripts', script), file, ...args.map(String)], { stdio: 'inherit' });
  if (run.status !== 0) throw new Error(`${script} failed`);
}

function ensureGzip(file, gz) {
  if (existsSync(gz)) return;
  const run = spawnSync(
    process.execPath,
    [
      '-e',
      `const z=require('zlib'),fs=require('fs');fs.writeFileSync(${JSON.stringify(gz)},z.gzipSync(fs.readFileSync(${JSON.stringify(file)}),{level:6}))`,
    ],
    { stdio: 'inherit' },
  );
  if (run.status !== 0) throw new Error('gzip failed');
}

function benchLogs() {
  const rows = Number(process.env.BENCH_LOG_ROWS ?? 1_000_000);
  const firewallMB = Number(process.env.BENCH_FIREWALL_MB ?? 256);
  const conn = join(tmpdir(), `callhome-bench-conn-${rows}rows.log`);
  const gz = `${conn}.gz`;
  const fw = join(tmpdir(), `callhome-bench-netfilter-${firewallMB}MB.log`);
  ensureLog(conn, 'make-conn-log.mjs', [rows]);
  ensureGzip(conn, gz);
  // The same conn.log with the side logs a deployment writes beside it (dns.log, http.log,
  // ssl.log), each rotated hourly as a deployment's logger does: what callhome reads from a Zeek
  // log directory.
  const folder = join(tmpdir(), `callhome-bench-zeek-${rows}rows-hourly`);
  const hours = (name) =>
    Array.from({ length: 24 }, (_, h) =>
      join(folder, `${name}.${String(h).padStart(2, '0')}:00:00-${String(h + 1).padStart(2, '0')}:00:00.log`),
    );
  const sideLogs = ['conn', 'dns', 'http', 'ssl'].flatMap(hours);
  if (!sideLogs.every((f) => existsSync(f))) {
    rmSync(folder, { recursive: true, force: true });
    mkdirSync(folder);
    const run = spawnSync(process.execPath, [join(here, '..', 'scripts', 'make-conn-log.mjs'), folder, String(rows), '3000', 'hourly'], {
      stdio: 'inherit',
    });
    if (run.status !== 0) throw new Error('make-conn-log.mjs failed');
  }
  const folderBytes = sideLogs.reduce((n, f) => n + statSync(f).size, 0);
  // The same logs one file each, as `zeek -r` writes them for a capture.
  const single = join(tmpdir(), `callhome-bench-zeek-${rows}rows-single`);
  const singleLogs = ['conn', 'dns', 'http', 'ssl'].map((name) => join(single, `${name}.log`));
  if (!singleLogs.every((f) => existsSync(f))) {
    rmSync(single, { recursive: true, force: true });
    mkdirSync(single);
    const run = spawnSync(
      process.execPath,
      [join(here, '..', 'scripts', 'make-conn-log.mjs'), singleLogs[0], String(rows), '3000', 'side'],
      {
        stdio: 'inherit',
      },
    );
    if (run.status !== 0) throw new Error('make-conn-log.mjs failed');
  }
  const singleBytes = singleLogs.reduce((n, f) => n + statSync(f).size, 0);
  ensureLog(fw, 'make-netfilter-log.mjs', [firewallMB]);
  // A busy day at the target's size (10 M conn rows by default, BENCH_DAY_ROWS; 0 for none):
  // measured once (it takes half a minute), its peak RSS set against the conn.log's above.
  const dayRows = Number(process.env.BENCH_DAY_ROWS ?? 10_000_000);
  const day = join(tmpdir(), `callhome-bench-conn-${dayRows}rows.log`);
  if (dayRows > rows) ensureLog(day, 'make-conn-log.mjs', [dayRows]);
  // And a firewall log at the target's size (1 GB, about 4 M lines: BENCH_FIREWALL_DAY_MB; 0 for
  // none), measured once beside the smaller one's best of three.
  const fwDayMB = Number(process.env.BENCH_FIREWALL_DAY_MB ?? 1024);
  const fwDay = join(tmpdir(), `callhome-bench-netfilter-${fwDayMB}MB.log`);
  if (fwDayMB > firewallMB) ensureLog(fwDay, 'make-netfilter-log.mjs', [fwDayMB]);
  const loadBefore = loadavg();
  const runs = [
    {
      name: 'callhome analyze --format json conn.log',
      file: conn,
      unit: 'rows',
      amount: rows,
      args: ['analyze', '--format', 'json', conn],
    },
    { name: 'callhome flows --format csv conn.log', file: conn, unit: 'rows', amount: rows, args: ['flows', '--format', 'csv', conn] },
    {
      name: 'callhome analyze --format json zeek/ hourly',
      file: folder,
      bytes: folderBytes,
      unit: 'rows',
      amount: rows,
      args: ['analyze', '--format', 'json', folder],
    },
    {
      name: 'callhome analyze --format json zeek -r folder',
      file: single,
      bytes: singleBytes,
      unit: 'rows',
      amount: rows,
      args: ['analyze', '--format', 'json', single],
    },
    { name: 'callhome analyze --format json conn.log.gz', file: gz, unit: 'rows', amount: rows, args: ['analyze', '--format', 'json', gz] },
    {
      name: 'gunzip conn.log.gz (zlib alone)',
      file: gz,
      unit: 'rows',
      amount: rows,
      node: ['-e', `require('zlib').gunzipSync(require('fs').readFileSync(${JSON.stringify(gz)}))`],
    },
    {
      name: 'callhome analyze --format json netfilter.log',
      file: fw,
      unit: 'MB',
      amount: statSync(fw).size / 1e6,
      args: ['analyze', '--format', 'json', '--year', '2026', fw],
    },
    ...(fwDayMB > firewallMB
      ? [
          {
            name: `callhome analyze --format json ${fwDayMB} MB netfilter`,
            file: fwDay,
            unit: 'MB',
            amount: statSync(fwDay).size / 1e6,
            args: ['analyze', '--format', 'json', '--year', '2026', fwDay],
            once: true,
          },
        ]
      : []),
    {
      name: 'callhome flows --format csv netfilter.log',
      file: fw,
      unit: 'MB',
      amount: statSync(fw).size / 1e6,
      args: ['flows', '--format', 'csv', '--year', '2026', fw],
    },
  ];
  // Piped in, as `zcat conn.*.log.gz | callhome analyze -` reads a day: its rows wait until the
  // stream ends (side logs may follow them in it), then are the analysis's own.
  const piped = (source) => `${source} | ${shellWord(process.execPath)} ${shellWord(cliMain)} analyze --format json --quiet --no-color -`;
  // Every log of the hourly folder one after another in one stream, as a shell's glob orders them
  // (every conn.log before the first side log): the side rows wait on tapes, not in memory.
  runs.splice(runs.findIndex((r) => r.name.endsWith('zeek/ hourly')) + 1, 0, {
    name: 'cat zeek/ hourly/* | callhome analyze -',
    file: folder,
    bytes: folderBytes,
    unit: 'rows',
    amount: rows,
    shell: piped(
      `cat ${readdirSync(folder)
        .sort()
        .map((f) => shellWord(join(folder, f)))
        .join(' ')}`,
    ),
  });
  runs.splice(runs.findIndex((r) => r.name.startsWith('gunzip')) + 1, 0, {
    name: 'gzip -dc conn.log.gz | callhome analyze -',
    file: gz,
    unit: 'rows',
    amount: rows,
    shell: piped(`gzip -dc ${shellWord(gz)}`),
  });
  if (dayRows > rows)
    runs.splice(
      1,
      0,
      {
        name: `callhome analyze --format json ${dayRows / 1e6} M rows`,
        file: day,
        unit: 'rows',
        amount: dayRows,
        args: ['analyze', '--format', 'json', day],
        once: true,
      },
      {
        name: `cat ${dayRows / 1e6} M rows | callhome analyze -`,
        file: day,
        unit: 'rows',
        amount: dayRows,
        shell: piped(`cat ${shellWord(day)}`),
        once: true,
      },
    );
  const measured = [];
  const skipped = [];
  for (const r of runs) {
    process.stderr.write(`bench: logs: ${r.name} …\n`);
    const [command, argv] =
      r.shell !== undefined
        ? ['/bin/sh', ['-c', r.shell]]
        : [process.execPath, r.node ?? [cliMain, ...r.args.slice(0, -1), '--quiet', '--no-color', r.args[r.args.length - 1]]];
    const m = best(() => programOnce(r.name, command, argv), r.once === true ? 1 : RUNS);
    if (m.error) skipped.push(`${r.name} (failed: ${m.error})`);
    else
      measured.push({
        ...m,
        unit: r.unit,
        perSecond: r.amount / m.seconds,
        fileMB: (r.bytes ?? statSync(r.file).size) / 1e6,
        load: loadNow(),
      });
  }
  console.log(
    `\nlogs: conn.log of ${rows.toLocaleString('en-US')} rows (${(statSync(conn).size / 1e6).toFixed(0)} MB, gzip ${(statSync(gz).size / 1e6).toFixed(0)} MB); with its dns, http and ssl logs ${(folderBytes / 1e6).toFixed(0)} MB; netfilter logs of ${(statSync(fw).size / 1e6).toFixed(0)} MB${fwDayMB > firewallMB ? ` and ${(statSync(fwDay).size / 1e6).toFixed(0)} MB` : ''}`,
  );
  console.log(`  ${LOG_TARGETS.zeek}\n  ${LOG_TARGETS.firewall}\n`);
  console.log(`${'run'.padEnd(46)}${'seconds'.padStart(8)}${'CPU s'.padStart(7)}${'rate'.padStart(18)}${'peak RSS MB'.padStart(13)}  load`);
  for (const m of measured) {
    const rate = m.unit === 'rows' ? `${Math.round(m.perSecond).toLocaleString('en-US')} rows/s` : `${m.perSecond.toFixed(1)} MB/s`;
    console.log(
      `${m.name.padEnd(46)}${m.seconds.toFixed(2).padStart(8)}${(m.cpuSeconds ?? NaN).toFixed(2).padStart(7)}${rate.padStart(18)}${(m.maxRssMB === null ? '-' : Math.round(m.maxRssMB).toString()).padStart(13)}  ${m.load}`,
    );
  }
  for (const s of skipped) console.log(`  not measured: ${s}`);
  // Memory as rows grow: what each row beyond the conn.log's adds to the peak.
  const small = measured.find((m) => m.name === 'callhome analyze --format json conn.log');
  const big = measured.find((m) => m.name.endsWith(' M rows'));
  if (small?.maxRssMB && big?.maxRssMB)
    console.log(
      `  peak RSS ${Math.round(small.maxRssMB)} MB at ${rows.toLocaleString('en-US')} rows, ${Math.round(big.maxRssMB)} MB at ${dayRows.toLocaleString('en-US')}: ${(((big.maxRssMB - small.maxRssMB) * 1e6) / (dayRows - rows)).toFixed(0)} bytes a row more (flat: 0)`,
    );
  return {
    files: {
      conn: { path: conn, rows },
      gzip: { path: gz },
      zeekFolder: { path: folder, megabytes: folderBytes / 1e6 },
      zeekSingle: { path: single, megabytes: singleBytes / 1e6 },
      ...(dayRows > rows ? { day: { path: day, rows: dayRows } } : {}),
      netfilter: { path: fw, megabytes: firewallMB },
      ...(fwDayMB > firewallMB ? { netfilterDay: { path: fwDay, megabytes: fwDayMB } } : {}),
    },
    loadAverageBefore: loadBefore,
    runs: measured,
    skipped,
    targets: LOG_TARGETS,
  };
}

function profilesFromArgs(argv) {
  const i = argv.indexOf('--profile');
  const chosen = i >= 0 ? argv[i + 1] : undefined;
  if (chosen === undefined || chosen === 'all') return ['busy', 'kind', 'logs'];
  if (chosen === 'both') return ['busy', 'kind'];
  if (chosen === 'busy' || chosen === 'kind' || chosen === 'logs') return [chosen];
  console.error(`bench: --profile takes busy, kind, logs, both (busy and kind) or all, not ${chosen}`);
  process.exit(2);
}

async function main() {
  if (!have('capture/index.js') || !have('capture/writer.js') || !have('synth/index.js')) {
    console.error('bench: dist/ lacks capture/ or synth/ — run `npm run build` first');
    process.exit(1);
  }
  const profiles = profilesFromArgs(process.argv.slice(2));
  const sizeMB = Number(process.env.BENCH_SIZE_MB ?? 1024);
  const seed = Number(process.env.BENCH_SEED ?? 1);
  const clients = process.env.BENCH_CLIENTS === undefined ? undefined : Number(process.env.BENCH_CLIENTS);
  const out = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? null,
    runsPerMeasurement: RUNS,
    loadAverage: loadavg(),
    peakRssFrom: haveTime
      ? 'stages: VmHWM of the stage process; CLI and peers: /usr/bin/time %M'
      : 'stages: VmHWM of the stage process; CLI and peers: not measured (no /usr/bin/time)',
    profiles: {},
  };
  for (const profile of profiles)
    out.profiles[profile] =
      profile === 'logs' ? benchLogs() : await benchProfile(profile, sizeMB, seed, profile === 'busy' ? clients : undefined);
  out.loadAverageAtEnd = loadavg();
  writeFileSync(join(here, 'results.json'), JSON.stringify(out, null, 2) + '\n');
  console.log(`\nload average at the end ${loadNow()}; written: bench/results.json`);
}

if (process.argv[2] === '--stage') {
  await runStage(process.argv[3], process.argv[4]);
} else {
  await main();
}
