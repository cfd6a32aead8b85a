/**
 * Opening a capture: plain files are read in 1 MiB chunks into one reused buffer by the parsing
 * thread itself (offset arithmetic, the tail of a record that straddles two reads carried over);
 * gzip files, standard input and other streams feed the same push parser chunk by chunk. Memory
 * stays bounded by the buffer and the largest record, whatever the file's size.
 */
import { closeSync, createReadStream, fstatSync, openSync, readSync } from 'node:fs';
import { Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { CaptureError } from './types.js';
import type { CaptureFileInfo, RecordCallback } from './types.js';
import type { CaptureParser } from './parser.js';
import { PcapParser } from './pcap.js';
import { PcapngParser } from './pcapng.js';
import { DESCRIBE_BYTES, MAGIC_BYTES, describeNonCapture, isGzip, sniffCapture } from './sniff.js';
import { newInfo } from './parser.js';

export interface ReadOptions {
  /** Called after each chunk read: bytes of the file (compressed bytes for gzip) read so far. */
  onProgress?: (bytesRead: number, totalBytes: number | null) => void;
  /** readCaptureStream: the size of what the stream reads, when it is a file of known size. */
  fileSize?: number;
  /**
   * Called after each chunk is parsed: a promise when what was made of it cannot be taken yet
   * (the output is a pipe whose reader is behind), and reading waits for it; else null.
   */
  pause?: () => Promise<void> | null;
}

/** What standard input is called in messages. */
export const STDIN_NAME = '(standard input)';

/**
 * Read size for plain files. The parsing thread reads each chunk itself, right before parsing it,
 * so the kernel's copy leaves it in this core's cache. Reading ahead on libuv's thread pool into a
 * second buffer was slower on the benchmark capture (read+decode+track 0.92x the time with
 * reads made here): the copy landed in the other core's cache, the parser waited for the pool's
 * wake-ups, and the other core is the one the collector and the optimising compiler work on.
 */
const CHUNK_BYTES = 1 << 20;
const STREAM_BUFFER_BYTES = 1 << 20;
/** Compact the buffer before a read when less than this is free at its end. */
const MIN_ROOM = 64 << 10;

/** The bytes read but not yet parsed, and the parser they go to. */
class Engine {
  private buf: Uint8Array;
  private view: DataView;
  /** First unparsed byte, end of the bytes held, and the file offset of buf[0]. */
  private pos = 0;
  private end = 0;
  private base = 0;
  parser: CaptureParser | null = null;
  /** Bytes on disk (compressed for gzip), null for a stream of unknown length. */
  fileSize: number | null = null;

  constructor(
    readonly name: string,
    readonly compressed: 'gzip' | null,
    private readonly onRecord: RecordCallback,
    initial: Uint8Array,
    filled: number,
  ) {
    this.buf = initial;
    this.view = new DataView(initial.buffer, initial.byteOffset, initial.byteLength);
    this.end = filled;
  }

  get stopped(): boolean {
    return this.parser !== null && this.parser.stopped;
  }

  /** The file offset of the first unparsed byte. */
  get offset(): number {
    return this.base + this.pos;
  }

  /** Makes room at the end of the buffer (carrying the unparsed tail to the front) and returns it. */
  room(): { buffer: Uint8Array; at: number; length: number } {
    const free = this.buf.length - this.end;
    if (this.pos > 0 && (this.pos === this.end || free < MIN_ROOM || free < this.wanted())) {
      this.buf.copyWithin(0, this.pos, this.end);
      this.base += this.pos;
      this.end -= this.pos;
      this.pos = 0;
    }
    const wanted = this.wanted();
    if (this.end === this.buf.length || wanted > this.buf.length) {
      const grown = new Uint8Array(Math.max(this.buf.length * 2, wanted));
      grown.set(this.buf.subarray(0, this.end));
      this.buf = grown;
      this.view = new DataView(grown.buffer);
    }
    return { buffer: this.buf, at: this.end, length: this.buf.length - this.end };
  }

  private wanted(): number {
    return this.parser ? this.parser.need : DESCRIBE_BYTES;
  }

  /** `n` bytes were written at the end of the buffer. */
  filled(n: number): void {
    this.end += n;
  }

  /** Parses what is held; at the end of the input, closes the read. */
  step(eof: boolean): void {
    if (this.parser === null && !this.sniff(eof)) return;
    const parser = this.parser!;
    if (!parser.stopped) this.pos = parser.parse(this.buf, this.view, this.pos, this.end, this.base);
    if (eof) parser.finish(this.end - this.pos, this.base + this.pos);
  }

  private sniff(eof: boolean): boolean {
    const held = this.end - this.pos;
    const head = this.buf.subarray(this.pos, this.end);
    const kind = held >= MAGIC_BYTES ? sniffCapture(head) : null;
    if (kind === null) {
      if (!eof && held < DESCRIBE_BYTES) return false;
      const described = describeNonCapture(head);
      // Text reaches the capture reader when no log reader claimed it: it is none of those either.
      const looks = described === 'a text file' ? `${described}, and not a Zeek log or a firewall log callhome reads` : described;
      const what = this.compressed ? `a gzip file that does not hold a capture (inside: ${held === 0 ? 'nothing' : looks})` : looks;
      throw new CaptureError('not-a-capture', this.name, `${this.name}: not a capture file — it looks like ${what}`, 0, null);
    }
    const info = newInfo(this.name, kind.format, this.compressed);
    this.parser = kind.format === 'pcap' ? new PcapParser(info, this.onRecord, kind) : new PcapngParser(info, this.onRecord);
    return true;
  }

  /** The input failed part-way (gzip damage, read error). */
  inputFailed(error: unknown): void {
    const why = describeInputError(error, this.compressed);
    if (this.parser === null) {
      const code = this.compressed ? 'not-a-capture' : 'io';
      throw new CaptureError(code, this.name, `${this.name}: ${why}`, null, null);
    }
    this.parser.inputFailed(this.compressed ? 'truncated' : 'io', this.offset, why);
  }

  result(): CaptureFileInfo {
    const parser = this.parser!;
    parser.syncInfo();
    const info = parser.info;
    info.fileSize = this.fileSize;
    // Every byte the input gave: the decompressed size, unless reading stopped early.
    if (this.compressed) info.uncompressedSize = this.base + this.end;
    return info;
  }
}

function describeInputError(error: unknown, compressed: 'gzip' | null): string {
  const e = error as NodeJS.ErrnoException;
  if (compressed && typeof e?.code === 'string' && e.code.startsWith('Z_')) {
    return e.code === 'Z_BUF_ERROR' ? 'the gzip data ends early' : `the gzip data is damaged (${e.message})`;
  }
  return `reading failed (${e?.message ?? String(error)})`;
}

function openError(path: string, error: unknown): CaptureError {
  const e = error as NodeJS.ErrnoException;
  const why =
    e.code === 'ENOENT'
      ? 'no such file'
      : e.code === 'EACCES' || e.code === 'EPERM'
        ? 'permission denied'
        : e.code === 'EISDIR'
          ? 'it is a directory'
          : e.message;
  return new CaptureError('io', path, `${path}: cannot be read: ${why}`);
}

/**
 * Reads a capture file (or '-' for standard input), calling `onRecord` for every packet record.
 * Resolves with the file info; damage after a readable start is in `info.damage` and
 * `info.warnings` (the records before it were delivered). Throws CaptureError when the file
 * cannot be read at all.
 */
export async function readCapture(source: string, onRecord: RecordCallback, options: ReadOptions = {}): Promise<CaptureFileInfo> {
  if (source === '-') return readCaptureStream(STDIN_NAME, process.stdin, onRecord, options);
  let fd: number;
  try {
    fd = openSync(source, 'r');
  } catch (e) {
    throw openError(source, e);
  }
  let streamed = false;
  try {
    let stat: ReturnType<typeof fstatSync>;
    const head = new Uint8Array(2);
    let got = 0;
    try {
      stat = fstatSync(fd);
      if (stat.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
      if (stat.isFile()) got = readSync(fd, head, 0, 2, 0);
    } catch (e) {
      throw openError(source, e);
    }
    if (!stat.isFile()) {
      // A pipe or device (e.g. `<(zcat …)`): a stream, read once from where it stands.
      streamed = true;
      return await readCaptureStream(source, createReadStream(source, { fd, highWaterMark: STREAM_BUFFER_BYTES }), onRecord, options);
    }
    if (isGzip(head.subarray(0, got))) {
      streamed = true;
      const stream = createReadStream(source, { fd, start: 0, highWaterMark: STREAM_BUFFER_BYTES });
      const total = stat.size;
      return await readCaptureStream(source, stream, onRecord, {
        onProgress: options.onProgress ? () => options.onProgress!(stream.bytesRead, total) : undefined,
        fileSize: total,
        pause: options.pause,
      });
    }
    return await readPlainFile(source, fd, stat.size, onRecord, options);
  } finally {
    if (!streamed) closeSync(fd);
  }
}

/** A plain file: one buffer, refilled by the parsing thread after each parse. */
async function readPlainFile(
  name: string,
  fd: number,
  size: number,
  onRecord: RecordCallback,
  options: ReadOptions,
): Promise<CaptureFileInfo> {
  const engine = new Engine(name, null, onRecord, new Uint8Array(Math.min(CHUNK_BYTES, Math.max(size, DESCRIBE_BYTES))), 0);
  engine.fileSize = size;
  const onProgress = options.onProgress;
  let position = 0;
  let eof = false;
  for (;;) {
    onProgress?.(position, size);
    engine.step(eof);
    if (eof || engine.stopped) break;
    const room = engine.room();
    let n: number;
    try {
      n = readSync(fd, room.buffer, room.at, room.length, position);
    } catch (e) {
      engine.inputFailed(e);
      break;
    }
    engine.filled(n);
    position += n;
    if (n === 0) eof = true;
    const wait = options.pause?.();
    if (wait) await wait;
  }
  return engine.result();
}

/** Reads a capture held in memory (tests, generated captures); `name` is used in messages. */
export async function readCaptureBytes(
  name: string,
  bytes: Uint8Array,
  onRecord: RecordCallback,
  options: ReadOptions = {},
): Promise<CaptureFileInfo> {
  if (isGzip(bytes)) return readCaptureStream(name, [bytes], onRecord, { ...options, fileSize: bytes.length });
  const engine = new Engine(name, null, onRecord, bytes, bytes.length);
  engine.fileSize = bytes.length;
  options.onProgress?.(bytes.length, bytes.length);
  // One window over the caller's bytes: never compacted, never written to.
  engine.step(true);
  return engine.result();
}

/**
 * Reads a capture from a stream of chunks of any size (standard input, a socket, a test feeding
 * a few bytes at a time); gzip is recognised from the first bytes.
 */
export async function readCaptureStream(
  name: string,
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  onRecord: RecordCallback,
  options: ReadOptions = {},
): Promise<CaptureFileInfo> {
  const iterator = toAsyncIterator(source);
  // Peek until the gzip magic can be seen.
  const peeked: Uint8Array[] = [];
  let peekedBytes = 0;
  let done = false;
  while (peekedBytes < 2) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    peeked.push(next.value);
    peekedBytes += next.value.length;
  }
  const head = concatHead(peeked, 2);
  let read = 0;
  const onProgress = options.onProgress;
  async function* replay(): AsyncGenerator<Uint8Array> {
    try {
      for (const chunk of peeked) {
        read += chunk.length;
        yield chunk;
      }
      if (done) return;
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        read += next.value.length;
        yield next.value;
      }
    } finally {
      if (!done) await iterator.return?.();
    }
  }
  const fileSize = options.fileSize ?? null;
  if (isGzip(head)) {
    const gunzip = createGunzip({ chunkSize: STREAM_BUFFER_BYTES });
    pipeline(Readable.from(replay(), { objectMode: false }), gunzip, () => {});
    const engine = new Engine(name, 'gzip', onRecord, new Uint8Array(STREAM_BUFFER_BYTES), 0);
    engine.fileSize = fileSize;
    return consume(engine, gunzip, () => onProgress?.(read, null), options.pause);
  }
  const engine = new Engine(name, null, onRecord, new Uint8Array(STREAM_BUFFER_BYTES), 0);
  engine.fileSize = fileSize;
  return consume(engine, replay(), () => onProgress?.(read, null), options.pause);
}

async function consume(
  engine: Engine,
  chunks: AsyncIterable<Uint8Array>,
  progress: () => void,
  pause?: () => Promise<void> | null,
): Promise<CaptureFileInfo> {
  try {
    for await (const chunk of chunks) {
      let at = 0;
      while (at < chunk.length) {
        const room = engine.room();
        const n = Math.min(room.length, chunk.length - at);
        room.buffer.set(chunk.subarray(at, at + n), room.at);
        engine.filled(n);
        at += n;
        engine.step(false);
        if (engine.stopped) break;
      }
      progress();
      if (engine.stopped) break;
      const wait = pause?.();
      if (wait) await wait;
    }
  } catch (e) {
    if (e instanceof CaptureError) throw e;
    if (engine.parser === null || !isInputError(e)) {
      if (isInputError(e)) engine.inputFailed(e);
      throw e;
    }
    engine.inputFailed(e);
    return engine.result();
  }
  if (!engine.stopped) engine.step(true);
  return engine.result();
}

/** An error of the input (zlib, fs), as opposed to one thrown by the record callback. */
function isInputError(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException)?.code;
  return typeof code === 'string' && (code.startsWith('Z_') || code.startsWith('E'));
}

function concatHead(chunks: Uint8Array[], n: number): Uint8Array {
  const head = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) {
    const take = Math.min(c.length, n - at);
    head.set(c.subarray(0, take), at);
    at += take;
    if (at === n) break;
  }
  return head.subarray(0, at);
}

function toAsyncIterator(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncIterator<Uint8Array> {
  if (Symbol.asyncIterator in source) return source[Symbol.asyncIterator]();
  const it = source[Symbol.iterator]();
  return {
    next: () => Promise.resolve(it.next()),
    return: () => Promise.resolve(it.return?.() ?? { done: true, value: undefined }),
  };
}

/** A record as a RecordCursor gives it: its number, time and bytes (a copy of its own). */
export interface HeldRecord {
  index: number;
  ts: number;
  linktype: number;
  data: Uint8Array;
}

/**
 * A capture read again from its start one record at a time, on the calling thread: a plain file
 * by its path, or bytes in memory (gzip and streams cannot be read twice). Each record is a copy,
 * taken a chunk at a time; memory is that chunk's. Null when the capture cannot be read so.
 */
export interface RecordCursor {
  /** The next record, or null at the end (or at damage: what the first read warned of). */
  next(): HeldRecord | null;
  close(): void;
}

export function openRecordCursor(name: string, source: string | Uint8Array): RecordCursor | null {
  let fd = -1;
  let size: number;
  try {
    if (typeof source === 'string') {
      fd = openSync(source, 'r');
      const stat = fstatSync(fd);
      if (!stat.isFile()) throw new Error('not a file');
      size = stat.size;
    } else size = source.length;
    const head = new Uint8Array(2);
    if (typeof source === 'string') readSync(fd, head, 0, 2, 0);
    else head.set(source.subarray(0, 2));
    if (isGzip(head)) throw new Error('gzip');
  } catch {
    if (fd >= 0) closeSync(fd);
    return null;
  }
  const held: HeldRecord[] = [];
  let taken = 0;
  const engine = new Engine(
    name,
    null,
    (r) => void held.push({ index: r.index, ts: r.ts, linktype: r.linktype, data: r.bytes.slice(r.dataOffset, r.dataOffset + r.caplen) }),
    new Uint8Array(Math.min(CHUNK_BYTES, Math.max(size, DESCRIBE_BYTES))),
    0,
  );
  let position = 0;
  let eof = false;
  const readInto = (buffer: Uint8Array, at: number, length: number): number => {
    if (typeof source !== 'string') {
      const n = Math.min(length, source.length - position);
      buffer.set(source.subarray(position, position + n), at);
      return n;
    }
    return readSync(fd, buffer, at, length, position);
  };
  const close = (): void => {
    if (fd >= 0) closeSync(fd);
    fd = -1;
    eof = true;
  };
  return {
    next(): HeldRecord | null {
      while (taken === held.length) {
        held.length = 0;
        taken = 0;
        if (eof || engine.stopped) return null;
        try {
          const room = engine.room();
          const n = readInto(room.buffer, room.at, room.length);
          engine.filled(n);
          position += n;
          if (n === 0) eof = true;
          engine.step(eof);
        } catch {
          close();
          return null;
        }
      }
      return held[taken++]!;
    },
    close,
  };
}
