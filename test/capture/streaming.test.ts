/**
 * Streaming: gzip read transparently, standard input, chunks of any size (1–7 bytes give the
 * same records as one buffer), and files larger than the reader's buffer (records and
 * blocks straddling reads are carried over; a block larger than the buffer grows it).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import ts from 'typescript';
import { CaptureError, STDIN_NAME, readCapture, readCaptureBytes, readCaptureStream } from '../../src/capture/index.js';
import type { CaptureFileInfo, CaptureRecord } from '../../src/capture/index.js';
import { PcapWriter, PcapngWriter } from '../../src/capture/writer.js';
import { corpusPath, projectRoot } from '../support/corpus.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'callhome-capture-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Every record as one line of text (timestamps, lengths, interface, a hash of the bytes). */
function line(r: CaptureRecord): string {
  const hash = createHash('sha1').update(r.data).digest('hex').slice(0, 12);
  return `${r.index} ${r.offset} ${r.tsSec}.${r.tsNsec} ${r.caplen}/${r.origlen} if${r.interfaceId} lt${r.linktype} ${hash}`;
}

async function linesOf(
  read: (cb: (r: CaptureRecord) => void) => Promise<CaptureFileInfo>,
): Promise<{ lines: string[]; info: CaptureFileInfo }> {
  const lines: string[] = [];
  const info = await read((r) => lines.push(line(r)));
  return { lines, info };
}

/** `bytes` cut into chunks of 1, 2, … 7 bytes in turn. */
function* tinyChunks(bytes: Uint8Array): Generator<Uint8Array> {
  let size = 1;
  for (let at = 0; at < bytes.length; at += size, size = (size % 7) + 1) yield bytes.subarray(at, Math.min(at + size, bytes.length));
}

const samples = [
  'zeek/wikipedia.pcap',
  'wireshark/tcpdump_pptp.pcap',
  'wireshark/tcpdump_tcp-handshake-nano.pcap',
  'wireshark/pcapng-testgen_le_test202.pcapng',
  'wireshark/pcapng-testgen_be_test102.pcapng',
  'beacon/cryptowall4_c2.pcapng',
  'malformed/pcap-parser_modified-format.pcap',
];

describe('the same records whatever the chunking', () => {
  test.each(samples.map((s) => [s]))('%s: 1–7 byte chunks, one buffer, and the file agree', async (path) => {
    const bytes = readFileSync(corpusPath(path));
    const whole = await linesOf((cb) => readCaptureBytes(path, bytes, cb));
    const tiny = await linesOf((cb) => readCaptureStream(path, tinyChunks(bytes), cb));
    const file = await linesOf((cb) => readCapture(corpusPath(path), cb));
    // Bytes that are a view into a larger buffer (a Buffer from Node's pool, a slice).
    const padded = new Uint8Array(bytes.length + 13);
    padded.set(bytes, 13);
    const view = await linesOf((cb) => readCaptureBytes(path, padded.subarray(13), cb));
    expect(view.lines).toEqual(whole.lines);
    expect(whole.lines.length).toBeGreaterThan(0);
    expect(tiny.lines).toEqual(whole.lines);
    expect(file.lines).toEqual(whole.lines);
    // A stream's size is not known; bytes in memory and a file on disk have theirs.
    expect(tiny.info.fileSize).toBeNull();
    expect(whole.info.fileSize).toBe(bytes.length);
    expect(file.info.fileSize).toBe(bytes.length);
    expect({ ...tiny.info, file: '' }).toEqual({ ...whole.info, file: '', fileSize: null });
  });
});

describe('gzip', () => {
  test.each(['zeek/ssh__ssh.pcap', 'beacon/synscan.pcapng'])('%s.gz reads like the plain file', async (path) => {
    const gz = join(dir, path.replace('/', '_') + '.gz');
    writeFileSync(gz, gzipSync(readFileSync(corpusPath(path))));
    const plain = await linesOf((cb) => readCapture(corpusPath(path), cb));
    const progress: [number, number | null][] = [];
    const zipped = await linesOf((cb) => readCapture(gz, cb, { onProgress: (n, total) => progress.push([n, total]) }));
    expect(zipped.lines).toEqual(plain.lines);
    expect(zipped.info.compressed).toBe('gzip');
    expect(zipped.info.packets).toBe(plain.info.packets);
    const size = readFileSync(gz).length;
    expect(progress.at(-1)).toEqual([size, size]);
    const inMemory = await linesOf((cb) => readCaptureBytes('x.gz', readFileSync(gz), cb));
    expect(inMemory.lines).toEqual(plain.lines);
  });

  test('gzip data arriving 1–7 bytes at a time', async () => {
    const bytes = readFileSync(corpusPath('zeek/wikipedia.pcap'));
    const plain = await linesOf((cb) => readCaptureBytes('w.pcap', bytes, cb));
    const tiny = await linesOf((cb) => readCaptureStream('w.pcap.gz', tinyChunks(gzipSync(bytes)), cb));
    expect(tiny.lines).toEqual(plain.lines);
    expect(tiny.info.compressed).toBe('gzip');
  });

  test('a gzip cut short: the records before the cut, and a warning', async () => {
    const full = gzipSync(readFileSync(corpusPath('zeek/ssh__ssh.pcap')));
    const cut = join(dir, 'cut.pcap.gz');
    writeFileSync(cut, full.subarray(0, Math.floor(full.length / 2)));
    let count = 0;
    const info = await readCapture(cut, () => void count++);
    expect(count).toBeGreaterThan(100);
    expect(count).toBeLessThan(1797);
    expect(info.packets).toBe(count);
    expect(info.damage).not.toBeNull();
    expect(info.warnings[0]).toMatch(
      /cut\.pcap\.gz: record [\d,]+ at byte \(uncompressed\) [\d,]+ is cut short: .*— reading stopped there/,
    );
  });

  test('a file named .gz that is a plain capture is read as one (magic numbers, not names)', async () => {
    const misnamed = join(dir, 'plain.pcapng.gz');
    writeFileSync(misnamed, readFileSync(corpusPath('beacon/nowebaccess2.pcapng')));
    const info = await readCapture(misnamed, () => {});
    expect(info.compressed).toBeNull();
    expect(info.packets).toBe(8);
  });
});

describe('files larger than the read buffer', () => {
  test('a 40 MiB pcap read from disk: every record, in order, bytes intact', async () => {
    const w = new PcapWriter({ linktype: 1 });
    const hash = createHash('sha1');
    let n = 0;
    let size = 24;
    for (let i = 0; size < 40 << 20; i++) {
      // Odd sizes so that records straddle every read boundary at different places.
      const len = 60 + ((i * 7919) % 1455);
      const f = new Uint8Array(len);
      f.fill(i & 0xff);
      f[0] = i >>> 8;
      w.add(1700000000 + Math.floor(i / 1000), (i % 1000) * 1000000, f);
      hash.update(f);
      size += 16 + len;
      n++;
    }
    const path = join(dir, 'big.pcap');
    writeFileSync(path, w.toBuffer());
    const read = createHash('sha1');
    let count = 0;
    let lastOffset = -1;
    const info = await readCapture(path, (r) => {
      count++;
      expect(r.offset).toBeGreaterThan(lastOffset);
      lastOffset = r.offset;
      read.update(r.data);
    });
    expect(count).toBe(n);
    expect(info.damage).toBeNull();
    expect(info.bytes + 24 + 16 * n).toBe(size);
    expect(read.digest('hex')).toBe(hash.digest('hex'));
  });

  test('a pcapng block of 20 MiB (larger than the buffer) is skipped and the packets after it read', async () => {
    const w = new PcapngWriter();
    w.addInterface(1);
    w.add(0, 1700000000, 0, new Uint8Array(100).fill(1));
    const head = Buffer.from(w.toBuffer());
    const big = Buffer.alloc(20 << 20);
    big.writeUInt32LE(0x00000bad, 0);
    big.writeUInt32LE(big.length, 4);
    big.writeUInt32LE(big.length, big.length - 4);
    const tail = new PcapngWriter();
    tail.addInterface(1);
    tail.add(0, 1700000001, 0, new Uint8Array(50).fill(2));
    // Only the EPB of the second writer (skip its SHB and IDB).
    const tailBytes = Buffer.from(tail.toBuffer());
    const shbLen = tailBytes.readUInt32LE(4);
    const idbLen = tailBytes.readUInt32LE(shbLen + 4);
    const path = join(dir, 'bigblock.pcapng');
    writeFileSync(path, Buffer.concat([head, big, tailBytes.subarray(shbLen + idbLen)]));
    const sizes: number[] = [];
    const info = await readCapture(path, (r) => sizes.push(r.caplen));
    expect(sizes).toEqual([100, 50]);
    expect(info.damage).toBeNull();
  });
});

describe.skipIf(process.platform === 'win32')('a named pipe (as bash gives for <(zcat …))', () => {
  test('is read as a stream, gzip included', async () => {
    const fifo = join(dir, 'pipe.pcap');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    writeFileSync(join(dir, 'syn.pcap.gz'), gzipSync(readFileSync(corpusPath('beacon/synscan.pcapng'))));
    const writer = spawn('sh', ['-c', `cat "${join(dir, 'syn.pcap.gz')}" > "${fifo}"`]);
    const closed = new Promise((resolve) => writer.on('close', resolve));
    let count = 0;
    const info = await readCapture(fifo, () => void count++);
    expect(await closed).toBe(0);
    expect(count).toBe(2011);
    expect(info.compressed).toBe('gzip');
  });
});

describe('errors opening a file', () => {
  test.each([
    ['a missing file', () => join(dir, 'nope.pcap'), /nope\.pcap: cannot be read: no such file/],
    ['a directory', () => dir, /cannot be read: it is a directory/],
  ] as const)('%s', async (_name, path, pattern) => {
    const error = await readCapture(path(), () => {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CaptureError);
    expect((error as CaptureError).code).toBe('io');
    expect((error as Error).message).toMatch(pattern);
  });

  test('an empty file on disk: not a capture, in one line', async () => {
    const empty = join(dir, 'empty.pcap');
    writeFileSync(empty, '');
    await expect(readCapture(empty, () => {})).rejects.toThrow(`${empty}: not a capture file — it looks like an empty file`);
  });

  test('an HTML page saved under a .pcap name', async () => {
    const page = join(dir, 'download.pcap');
    writeFileSync(page, '<!DOCTYPE html><html><head><title>Sign in</title></head><body>' + 'x'.repeat(5000) + '</body></html>');
    await expect(readCapture(page, () => {})).rejects.toMatchObject({
      code: 'not-a-capture',
      message: `${page}: not a capture file — it looks like an HTML page`,
    });
  });
});

/**
 * Standard input, for real: the capture modules transpiled into a temporary folder and run in a
 * child node process reading '-'.
 */
describe('standard input', () => {
  let script: string;
  beforeAll(() => {
    const out = join(dir, 'capture-js');
    mkdirSync(out, { recursive: true });
    const src = join(projectRoot, 'src', 'capture');
    const transpile = (from: string, to: string): void => {
      const js = ts.transpileModule(readFileSync(from, 'utf8'), {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      }).outputText;
      writeFileSync(to, js);
    };
    for (const f of readdirSync(src).filter((f) => f.endsWith('.ts'))) transpile(join(src, f), join(out, f.replace(/\.ts$/, '.js')));
    // the modules outside capture/ that it imports: the quantity and time words every stage shares
    transpile(join(projectRoot, 'src', 'quantities.ts'), join(dir, 'quantities.js'));
    transpile(join(projectRoot, 'src', 'time.ts'), join(dir, 'time.js'));
    writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
    writeFileSync(join(out, 'package.json'), '{"type":"module"}');
    script = join(out, 'stdin.mjs');
    writeFileSync(
      script,
      `import { readCapture } from './index.js';
let n = 0;
try {
  const info = await readCapture('-', () => { n++; });
  console.log(JSON.stringify({ n, file: info.file, compressed: info.compressed, detail: info.formatDetail }));
} catch (e) { console.log(JSON.stringify({ error: e.message, code: e.code })); }
`,
    );
  });

  test.each([
    ['plain pcapng', () => readFileSync(corpusPath('beacon/synscan.pcapng')), { n: 2011, compressed: null }],
    ['gzip pcap', () => gzipSync(readFileSync(corpusPath('zeek/nmap-vsn.pcap'))), { n: 547, compressed: 'gzip' }],
  ] as const)('%s piped in', (_name, bytes, expected) => {
    const run = spawnSync(process.execPath, [script], { input: bytes() });
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout.toString())).toMatchObject({ ...expected, file: STDIN_NAME });
  });

  test('nothing piped in: an empty input, refused in one line', () => {
    const run = spawnSync(process.execPath, [script], { input: Buffer.alloc(0) });
    expect(JSON.parse(run.stdout.toString())).toEqual({
      error: `${STDIN_NAME}: not a capture file — it looks like an empty file`,
      code: 'not-a-capture',
    });
  });
});
