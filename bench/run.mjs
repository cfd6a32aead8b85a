#!/usr/bin/env node
/**
 * callhome benchmark: writes a deterministic capture of realistic mixed traffic (≥ 1 GiB by
 * default) with callhome's own writer and packet builder, then measures each pipeline stage in a
 * child process of its own (so peak RSS is per stage): read, read+decode, read+decode+track,
 * analyze, and the pcap-parser package reading the same file. Stages whose modules are not
 * built are skipped. Results go to the terminal and to bench/results.json.
 *
 *   npm run bench                      # 1024 MB
 *   BENCH_SIZE_MB=256 npm run bench    # smaller
 *   BENCH_SEED=7 npm run bench         # other traffic
 *   BENCH_RUNS=1 npm run bench         # one run per stage (default: best of 3)
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, statSync, writeFileSync, writeSync, ftruncateSync, copyFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const dist = join(root, 'dist');
const GENERATOR_VERSION = 2;

const distModule = (rel) => join(dist, rel);
const have = (rel) => existsSync(distModule(rel));
const load = (rel) => import(pathToFileURL(distModule(rel)).href);

// ---------------------------------------------------------------------------------------------
// Stages (run in a child: node --expose-gc bench/run.mjs --stage NAME FILE)

const STAGES = [
  { name: 'read', needs: ['capture/index.js'] },
  { name: 'read+decode', needs: ['capture/index.js', 'decode/index.js', 'decode/packet.js'] },
  { name: 'read+decode+track', needs: ['capture/index.js', 'decode/index.js', 'decode/packet.js', 'flows/index.js'] },
  // `callhome flows` without the rendering: every connection kept and sorted by start time.
  { name: 'flows', needs: ['index.js', 'capture/index.js', 'decode/index.js', 'flows/index.js'] },
  { name: 'analyze', needs: ['index.js', 'capture/index.js', 'decode/index.js', 'flows/index.js', 'analysis/index.js'] },
  { name: 'pcap-parser', needs: [] },
];

async function runStage(name, file) {
  globalThis.gc?.();
  let packets = 0;
  let bytes = 0;
  let extra = {};
  // Modules are loaded before the clock starts: the stage measures reading, not start-up.
  const modules = {};
  for (const m of STAGES.find((s) => s.name === name).needs) modules[m] = await load(m);
  const t0 = process.hrtime.bigint();
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
    packets = loaded.captures.reduce((n, c) => n + c.packets, 0);
    bytes = loaded.captures.reduce((n, c) => n + c.bytes, 0);
    extra = { connections: loaded.connections.length };
  } else if (name === 'analyze') {
    const { analyze } = modules['index.js'];
    const { result, loaded } = await analyze([file]);
    packets = loaded.captures.reduce((n, c) => n + c.packets, 0);
    bytes = loaded.captures.reduce((n, c) => n + c.bytes, 0);
    extra = { connections: loaded.connections.length, hosts: result.hosts.length };
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
  const usage = process.resourceUsage();
  const cpuSeconds = (usage.userCPUTime + usage.systemCPUTime) / 1e6;
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

/** The fastest of `runs` runs (the machine may be shared; the best run is the least disturbed). */
function measure(name, file, runs = RUNS) {
  let best = null;
  for (let i = 0; i < runs; i++) {
    const r = measureOnce(name, file);
    if (r.error) return r;
    if (best === null || r.seconds < best.seconds) best = { ...r, maxRssMB: Math.max(r.maxRssMB, best?.maxRssMB ?? 0) };
  }
  return best;
}

const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));

function measureOnce(name, file) {
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

// ---------------------------------------------------------------------------------------------
// The capture: many TCP connections (handshake, MSS-size data both ways with ACKs, FIN or RST
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

async function generate(file, halfFile, sizeBytes, seed) {
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
  const request = new TextEncoder().encode('GET /update/check?id=00000000 HTTP/1.1\r\nHost: updates.example.com\r\nUser-Agent: agent/1.0\r\n\r\n');
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
        heap.push({ ts: t + rng.uniform(0.001, 0.03), frame: udpFrame({ src: resolver, dst: client, sport: 53, dport: sport, vlan, payload: answer }) });
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
      s.syn(at).synAck((at += rtt / 2)).ack((at += rtt / 2));
      if (!upload) s.send((at += 0.0001), 'client', request);
      const segments = Math.floor(1 + rng.next() ** 3 * 120);
      at += rtt;
      for (let i = 1; i <= segments; i++) {
        s.send((at += 0.00012), sender, segment);
        if (i % 2 === 0 || i === segments) s.ack(at + rtt / 2, receiver);
      }
      if (upload) s.send((at += rtt), 'server', request);
      at += rtt;
      if (rng.next() < 0.8) s.fin(at, 'client').fin((at += rtt / 2), 'server').ack(at + rtt / 2, 'client');
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

function fmt(n, digits = 1) {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

async function main() {
  if (!have('capture/index.js') || !have('capture/writer.js') || !have('synth/index.js')) {
    console.error('bench: dist/ lacks capture/ or synth/ — run `npm run build` first');
    process.exit(1);
  }
  const sizeMB = Number(process.env.BENCH_SIZE_MB ?? 1024);
  const seed = Number(process.env.BENCH_SEED ?? 1);
  const base = join(tmpdir(), `callhome-bench-${sizeMB}MB-seed${seed}`);
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
    marker.version === GENERATOR_VERSION &&
    marker.sizeMB === sizeMB &&
    marker.seed === seed &&
    existsSync(file) &&
    statSync(file).size === marker.bytes &&
    existsSync(halfFile) &&
    statSync(halfFile).size === marker.halfBytes;
  if (!fresh) {
    process.stderr.write(`bench: writing ${sizeMB} MB of mixed traffic to ${file} (seed ${seed}) …\n`);
    const t0 = Date.now();
    const made = await generate(file, halfFile, sizeMB * 1024 * 1024, seed);
    marker = { version: GENERATOR_VERSION, sizeMB, seed, ...made };
    writeFileSync(markerFile, JSON.stringify(marker));
    process.stderr.write(`bench: ${made.packets.toLocaleString('en-US')} packets in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  } else {
    process.stderr.write(`bench: reusing ${file}\n`);
  }

  const fileBytes = statSync(file).size;
  const results = [];
  const skipped = [];
  for (const stage of STAGES) {
    const missing = stage.needs.filter((m) => !have(m));
    if (missing.length > 0) {
      skipped.push(`${stage.name} (missing dist/${missing.join(', dist/')})`);
      continue;
    }
    process.stderr.write(`bench: ${stage.name} …\n`);
    const r = measure(stage.name, file);
    if (r.error) {
      skipped.push(`${stage.name} (failed: ${r.error})`);
      continue;
    }
    results.push(r);
  }
  const half = [];
  for (const name of ['read', 'read+decode', 'read+decode+track']) {
    if (!results.some((r) => r.name === name)) continue;
    const r = measure(name, halfFile, 1);
    if (!r.error) half.push(r);
  }

  const read = results.find((r) => r.name === 'read');
  const reference = results.find((r) => r.name === 'pcap-parser');
  const rows = results.map((r) => ({
    stage: r.name,
    seconds: r.seconds,
    cpuSeconds: r.cpuSeconds,
    mbPerSecond: fileBytes / 1e6 / r.seconds,
    packetsPerSecond: r.packets / r.seconds,
    packets: r.packets,
    peakRssMB: r.maxRssMB,
    vsRead: read ? r.seconds / read.seconds : null,
    speedupVsPcapParser: reference ? reference.seconds / r.seconds : null,
    ...(r.connections !== undefined ? { connections: r.connections } : {}),
  }));

  const header = ['stage', 'seconds', 'CPU s', 'MB/s', 'packets/s', 'peak RSS MB', '× read time', '× faster than pcap-parser'];
  const table = rows.map((r) => [
    r.stage,
    fmt(r.seconds, 2),
    fmt(r.cpuSeconds, 2),
    fmt(r.mbPerSecond, 0),
    fmt(r.packetsPerSecond, 0),
    fmt(r.peakRssMB, 0),
    r.vsRead === null ? '—' : fmt(r.vsRead, 2),
    r.speedupVsPcapParser === null ? '—' : fmt(r.speedupVsPcapParser, 1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
  const print = (cells) => console.log(cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
  console.log(`\ncapture: ${file} (best of ${RUNS} runs per stage; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')})`);
  console.log(`         ${fmt(fileBytes / 1e6, 0)} MB, ${marker.packets.toLocaleString('en-US')} packets, node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}\n`);
  print(header);
  for (const row of table) print(row);
  if (half.length > 0) {
    const halfBytes = statSync(halfFile).size;
    console.log(`\npeak RSS against file size (memory must not grow with the file):`);
    for (const h of half) {
      const full = results.find((r) => r.name === h.name);
      console.log(`  ${h.name.padEnd(18)} ${fmt(halfBytes / 1e6, 0).padStart(6)} MB → ${fmt(h.maxRssMB, 0).padStart(4)} MB RSS   ${fmt(fileBytes / 1e6, 0).padStart(6)} MB → ${fmt(full.maxRssMB, 0).padStart(4)} MB RSS`);
    }
  }
  const flowsRun = results.find((r) => r.name === 'flows');
  const analyzeRun = results.find((r) => r.name === 'analyze');
  if (flowsRun && analyzeRun) {
    console.log(`\nanalyze takes ${fmt(analyzeRun.seconds / flowsRun.seconds, 2)}× the time of flows (target: at most 1.2×)`);
  }
  if (skipped.length > 0) console.log(`\nskipped: ${skipped.join('; ')}`);
  const out = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    runsPerStage: RUNS,
    loadAverage: loadavg(),
    cpuModel: cpus()[0]?.model ?? null,
    file: { path: file, bytes: fileBytes, packets: marker.packets, seed, sizeMB },
    stages: rows,
    memoryAtHalfSize: half.map((h) => ({ stage: h.name, bytes: statSync(halfFile).size, peakRssMB: h.maxRssMB, seconds: h.seconds })),
    skipped,
  };
  writeFileSync(join(here, 'results.json'), JSON.stringify(out, null, 2) + '\n');
  console.log(`\nwritten: bench/results.json`);
}

if (process.argv[2] === '--stage') {
  await runStage(process.argv[3], process.argv[4]);
} else {
  await main();
}
