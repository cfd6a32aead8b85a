/**
 * A large firewall log read on two threads (read.ts, netfilter-worker.ts): a worker reads the
 * file, cuts its lines and scans each netfilter LOG line while this thread makes attempts of them.
 * What the built command makes of such a log must be what one thread makes — the same lines, in
 * the same order, read into the same events: CRLF and CR CR line ends, a line that is not ASCII,
 * IPv6, ICMP and UDP lines, lines of no format, an impossible address, a run of NUL bytes, a
 * line of megabytes, a byte-order mark, a last line without its end, a log listing its newest lines first. gzip and
 * smaller logs stay on one thread. Worker threads run the built code (dist/, made by `pretest`):
 * these tests drive it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../support/corpus.js';
import { builtModule, runBuilt } from '../support/built.js';

const tmp = mkdtempSync(join(tmpdir(), 'callhome-fwthreads-'));

interface Read {
  mayScanOnWorker: (path: string, threads: number) => boolean;
  readFirewallLogFile: (
    path: string,
    options: object,
    emit: (c: unknown) => void,
    chunkBytes?: number,
    pause?: () => Promise<void> | null,
    threads?: number,
  ) => Promise<{ summary: unknown; warnings: unknown }>;
}
interface Threads {
  readOnWorker: <B, E>(script: URL, job: { path: string }, onBatch: (b: B) => void, pause?: () => Promise<void> | null) => Promise<E>;
}
interface Batch {
  bytes: Uint8Array;
  ends: Int32Array;
  read: Uint8Array;
  cut: number;
}
const built = <T>(module: string): Promise<T> => builtModule<T>(`logs/${module}`);
const worker = new URL(`file://${resolve(projectRoot, 'dist/logs/firewall/netfilter-worker.js')}`);

const run = runBuilt;

let log: string;
let newestFirst: string;
let gz: string;
let small: string;
let bytes: Buffer;
/** The lines of the log as one thread cuts them (after the byte-order mark; the last one without its end). */
let lines: Buffer[];
/** Numbers of the lines put in: that of no format, and that of an impossible address. */
let noFormat: number;
let impossible: number;
let overlong: number;

beforeAll(() => {
  // 60 MB of kern.log (past the size a worker reads) from 300 hosts, with lines of every other
  // shape put in among them.
  const day = join(tmp, 'kern.log');
  const made = spawnSync(process.execPath, [resolve(projectRoot, 'scripts/make-netfilter-log.mjs'), day, '60', '300'], {
    encoding: 'utf8',
  });
  expect(made.status).toBe(0);
  const plain = readFileSync(day, 'latin1').trimEnd().split('\n');
  newestFirst = join(tmp, 'newest-first.log');
  writeFileSync(newestFirst, `${plain.slice().reverse().join('\n')}\n`, 'latin1');
  const base = plain[100_000]!;
  const stamp = base.slice(0, 15);
  const put = [
    `${base}\r`,
    `${base.replace('DPT=', 'DPT=1')}\r\r`,
    base.replace(' gw ', ' gw-\u00fc '),
    `${stamp} gw kernel: DROP-OUT: IN=eth1 OUT=eth0 SRC=2001:db8::1 DST=2001:db8:1::2 LEN=80 TC=0 HOPLIMIT=64 FLOWLBL=0 PROTO=TCP SPT=40000 DPT=80 WINDOW=64800 RES=0x00 SYN URGP=0`,
    `${stamp} gw kernel: DROP-OUT: IN=eth1 OUT=eth0 SRC=192.168.0.9 DST=8.8.8.8 LEN=84 TOS=0x00 PREC=0x00 TTL=64 ID=1 DF PROTO=ICMP TYPE=8 CODE=0 ID=1 SEQ=1`,
    'this is not a log line',
    base.replace('SRC=192.168.', 'SRC=192.168.1.300.'),
    `${stamp} gw kernel: DROP-OUT: IN=eth1 OUT=eth0 SRC=192.168.0.9 DST=9.9.9.9 LEN=84 TOS=0x00 PREC=0x00 TTL=64 ID=1 DF PROTO=UDP SPT=5353 DPT=53 LEN=40`,
    base.replace(' SYN ', ' ACK PSH FIN '),
    base.replace('DROP-OUT:', '[UFW AUDIT]'),
    `Mar  5 2026 ${stamp.slice(7)} gw kernel: DROP-OUT: IN=eth1 OUT=eth0 SRC=192.168.0.9 DST=9.9.9.10 LEN=84 TOS=0x00 PREC=0x00 TTL=64 ID=1 DF PROTO=TCP SPT=5353 DPT=80 SYN URGP=0`,
    '',
    `\0\0\0${base.replace('DPT=', 'DPT=8')}`,
    base.replace('DROP-OUT:', 'REJECT-OUT:'),
    // 3 MB: longer than any log writes, over many of the worker's reads
    `${base} ${'X '.repeat(1_500_000)}`,
  ];
  const all = plain.slice();
  put.forEach((line, k) => all.splice(100_000 + 37 * k, 0, line));
  noFormat = 100_000 + 37 * 5 + 1;
  impossible = 100_000 + 37 * 6 + 1;
  overlong = 100_000 + 37 * 14 + 1;
  const text = `${all.join('\n')}\n${plain.at(-1)!.slice(0, 60)}`;
  bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);
  lines = text.split('\n').map((l) => Buffer.from(l, 'utf8'));
  log = join(tmp, 'busy-kern.log');
  writeFileSync(log, bytes);
  gz = join(tmp, 'busy-kern.log.gz');
  writeFileSync(gz, gzipSync(bytes));
  small = join(tmp, 'small-kern.log');
  writeFileSync(small, `${plain.slice(0, 1000).join('\n')}\n`);
});

describe('a large firewall log read on two threads', () => {
  it('the worker gives every line as one thread cuts it, each plain LOG line scanned, the others left to the text reader', async () => {
    const { mayScanOnWorker } = await built<Read>('firewall/read.js');
    expect(mayScanOnWorker(log, 1)).toBe(true);
    // (gzip is read on one thread, its lines inflated on zlib's)
    expect(mayScanOnWorker(gz, 1)).toBe(false);
    expect(mayScanOnWorker(log, 0)).toBe(false);
    expect(mayScanOnWorker(small, 1)).toBe(false);
    const { readOnWorker } = await built<Threads>('read-threads.js');
    const got: Buffer[] = [];
    const scanned: boolean[] = [];
    const cut = new Map<number, number>();
    let batches = 0;
    let pauses = 0;
    const end = await readOnWorker<Batch, { tail: Uint8Array | null }>(
      worker,
      { path: log },
      ({ bytes: b, ends, read, cut: left }) => {
        batches++;
        if (left > 0) cut.set(got.length, left);
        let from = 0;
        for (let k = 0; k < ends.length; k++) {
          got.push(Buffer.from(b.subarray(from, ends[k])));
          scanned.push(read[k] === 1);
          from = ends[k]! + 1;
        }
        expect(from).toBe(b.length);
      },
      () => (++pauses % 10 === 0 ? new Promise((go) => setTimeout(go, 5)) : null),
    );
    got.push(Buffer.from(end.tail ?? []));
    expect(got.length).toBe(lines.length);
    // The overlong line is kept by its first 256 KB (and 4 bytes), what is left out counted.
    const long = overlong - 1;
    expect([...cut.keys()]).toEqual([long]);
    expect(got[long]!.equals(lines[long]!.subarray(0, got[long]!.length))).toBe(true);
    expect(got[long]!.length + cut.get(long)!).toBe(lines[long]!.length);
    got[long] = lines[long]!;
    expect(Buffer.concat(got.flatMap((l) => [l, Buffer.from('\n')])).equals(Buffer.concat([bytes.subarray(3), Buffer.from('\n')]))).toBe(
      true,
    );
    expect(batches).toBeGreaterThan(50);
    // Every line the generator wrote scans as a plain LOG line; of the 15 put in, seven: the CRLF
    // line (its CR dropped), IPv6, UDP, three flags, the audit line, the REJECT line, and the
    // impossible address (the text reader judges the addresses, the decision and the numbers).
    const plainLines = lines.length - 1 - 15 + 7;
    expect(scanned.filter(Boolean).length).toBe(plainLines);
    expect(scanned[100_000]).toBe(true);
    expect(scanned[100_000 + 37]).toBe(false);
    expect(scanned[100_000 + 2 * 37]).toBe(false);
  });

  it('reads the same attempts, summary and warnings as one thread', async () => {
    const { readFirewallLogFile } = await built<Read>('firewall/read.js');
    const options = { year: 2026, mtimeMs: Date.UTC(2026, 5, 1) };
    const one: unknown[] = [];
    const two: unknown[] = [];
    const oneLog = await readFirewallLogFile(log, options, (c) => one.push(c), undefined, undefined, 0);
    const twoLog = await readFirewallLogFile(log, options, (c) => two.push(c), undefined, undefined, 1);
    expect(two.length).toBeGreaterThan(100_000);
    expect(two).toEqual(one);
    expect(twoLog.summary).toEqual(oneLog.summary);
    expect(twoLog.warnings).toEqual(oneLog.warnings);
  });

  it('analyze and flows make of it what one thread makes, the lines of no format named by their numbers', () => {
    for (const file of [log, newestFirst]) {
      for (const command of [
        ['analyze', '--format', 'json'],
        ['flows', '--format', 'json'],
      ]) {
        const two = run([...command, '--threads', '2', file]);
        const one = run([...command, '--threads', '1', file]);
        expect(two.code, command[0]).toBe(0);
        expect(two.stdout, command[0]).toBe(one.stdout);
        expect(two.stderr).toBe(one.stderr);
        if (file !== log) continue;
        expect(two.stderr).toContain(
          `1 line matches no firewall log format: line ${noFormat.toLocaleString('en-US')} "this is not a log line"`,
        );
        expect(two.stderr).toContain(`cannot be, and is not read as attempts: line ${impossible.toLocaleString('en-US')} `);
        expect(two.stderr).toContain('1 line begins with a run of NUL bytes');
        expect(two.stderr).toContain(
          `1 line is longer than any firewall log writes (over 65,536 characters), not read: line ${overlong.toLocaleString('en-US')} `,
        );
      }
    }
  });

  it('piped in, is fed to the worker where a core is left for the writer, and makes what one thread makes', () => {
    for (const file of [log, newestFirst]) {
      const text = readFileSync(file);
      for (const command of [
        ['analyze', '--format', 'json'],
        ['flows', '--format', 'json'],
      ]) {
        // (Three threads: the worker, this one, and a core for the process writing the pipe.)
        const fed = run([...command, '--threads', '3', '-'], text);
        const one = run([...command, '--threads', '1', '-'], text);
        expect(fed.code, command[0]).toBe(0);
        expect(fed.stdout, command[0]).toBe(one.stdout);
        expect(fed.stderr).toBe(one.stderr);
        if (file === log) expect(fed.stderr).toContain(`line ${noFormat.toLocaleString('en-US')} "this is not a log line"`);
      }
    }
  });
});
