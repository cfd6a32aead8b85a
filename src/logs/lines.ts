/**
 * A text log, line by line: plain files are read in 1 MiB chunks by the reading thread, gzip
 * files are inflated as a stream. Each chunk is cut after its last newline and decoded in runs
 * of whole lines (a newline byte is never part of a UTF-8 sequence); the rest waits for the
 * next chunk.
 * Memory stays bounded by the chunk and the longest line, never the file.
 */
import { closeSync, createReadStream, fstatSync, openSync, readSync } from 'node:fs';
import { Readable, pipeline, type TransformOptions } from 'node:stream';
import { createGunzip, gunzipSync, constants as zlib, type Gunzip, type ZlibOptions } from 'node:zlib';
import { isGzip } from '../capture/sniff.js';
import { plural } from '../quantities.js';

const CHUNK_BYTES = 1 << 20;
/**
 * Bytes decoded into one string at most: a longer string is a large object to V8, made and
 * collected many times slower than a young one (decoding 1 MiB at a time was 30 times slower).
 */
const TEXT_BYTES = 64 << 10;
/** Bytes a reader is shown to tell what a file is (inflated when the file is gzip). */
export const HEAD_BYTES = 64 << 10;

export interface LineStats {
  /** Bytes of the file (compressed bytes for gzip). */
  bytes: number;
  compressed: 'gzip' | null;
  /** Text after the last newline: a line cut short (null when the file ends with a newline). */
  cutShort: string | null;
  /** Why the input ended early (gzip damage, read error), else null. */
  failure: string | null;
}

/** Called for every whole line (without its newline), numbered from 1; return false to stop. */
export type LineCallback = (line: string, lineNumber: number) => boolean | void;

/**
 * A gzip stream inflated in 1 MiB chunks by zlib's thread, up to 4 MiB ahead of the lines cut
 * from it, so inflating and reading rows overlap.
 */
const INFLATE: ZlibOptions & Pick<TransformOptions, 'highWaterMark'> = { chunkSize: CHUNK_BYTES, highWaterMark: 4 * CHUNK_BYTES };
const inflater = (): Gunzip => createGunzip(INFLATE);

/** The first bytes as a reader's `sniff` sees them: inflated when gzip (as far as they allow), at most HEAD_BYTES. */
export function inflatedHead(raw: Uint8Array): Uint8Array {
  if (!isGzip(raw)) return raw.subarray(0, HEAD_BYTES);
  try {
    return gunzipSync(raw, { finishFlush: zlib.Z_SYNC_FLUSH }).subarray(0, HEAD_BYTES);
  } catch {
    return new Uint8Array(0);
  }
}

/** The first bytes of a file, inflated when it is gzip (as far as the bytes read allow). */
export function readHead(path: string): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const raw = new Uint8Array(HEAD_BYTES);
    return inflatedHead(raw.subarray(0, readSync(fd, raw, 0, raw.length, 0)));
  } finally {
    closeSync(fd);
  }
}

/**
 * A file opened for `read` with its size, when it is not gzip (its bytes can be read where they
 * lie): what `read` gives, else null — for gzip, a file too short to tell, or one that cannot be
 * read.
 */
function readPlain<T>(path: string, read: (fd: number, size: number) => T | null): T | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  try {
    const magic = new Uint8Array(2);
    if (readSync(fd, magic, 0, 2, 0) < 2 || isGzip(magic)) return null;
    return read(fd, fstatSync(fd).size);
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/** The size and first `bytes` bytes (fewer in a shorter file) of a file that is not gzip; null for gzip, or a file that cannot be read. */
export function plainFileHead(path: string, bytes: number): { size: number; head: Uint8Array } | null {
  return readPlain(path, (fd, size) => {
    const head = new Uint8Array(bytes);
    return { size, head: head.subarray(0, readSync(fd, head, 0, bytes, 0)) };
  });
}

/**
 * The last HEAD_BYTES of a file longer than that, as they are; null for a gzip file (whose end
 * cannot be read alone), a shorter one (its head is all of it) or one that cannot be read.
 */
export function readTail(path: string): Uint8Array | null {
  return readPlain(path, (fd, size) => {
    if (size <= HEAD_BYTES) return null;
    const tail = new Uint8Array(HEAD_BYTES);
    return tail.subarray(0, readSync(fd, tail, 0, tail.length, size - HEAD_BYTES));
  });
}

/**
 * Cuts chunks of bytes into lines. The bytes up to a chunk's last newline are decoded as one
 * string and the lines cut from it; the bytes after it wait for the next chunk, where only the
 * line they begin is decoded with them (so a chunk is copied only when a line outgrows it).
 */
export class Splitter {
  /** The bytes of the line begun in the chunks before (copies: a chunk's buffer may be reused). */
  private carry: Buffer[] = [];
  private lineNumber = 0;
  stopped = false;

  constructor(private readonly onLine: LineCallback) {}

  push(chunk: Buffer): void {
    if (this.stopped) return;
    const last = chunk.lastIndexOf(10);
    if (last < 0) {
      if (chunk.length > 0) this.carry.push(Buffer.from(chunk));
      return;
    }
    let from = 0;
    if (this.carry.length > 0) {
      // the line begun in the chunks before
      const newline = chunk.indexOf(10);
      const line = Buffer.concat([...this.carry, chunk.subarray(0, newline)]).toString('utf8');
      this.carry = [];
      if (!this.line(line)) return;
      from = newline + 1;
    }
    if (last + 1 < chunk.length) this.carry.push(Buffer.from(chunk.subarray(last + 1)));
    while (from <= last) {
      // whole lines of up to TEXT_BYTES at a time (a longer line alone)
      let end = from + TEXT_BYTES > last ? last : chunk.lastIndexOf(10, from + TEXT_BYTES - 1);
      if (end < from) end = chunk.indexOf(10, from);
      const text = chunk.toString('utf8', from, end + 1);
      for (let start = 0; start < text.length;) {
        const newline = text.indexOf('\n', start);
        if (!this.line(text.slice(start, newline))) return;
        start = newline + 1;
      }
      from = end + 1;
    }
  }

  /** Hands on one line (a CR before its newline taken off); false once the reader stops. */
  private line(text: string): boolean {
    const line = text.length > 0 && text.charCodeAt(text.length - 1) === 13 ? text.slice(0, -1) : text;
    if (this.onLine(line, ++this.lineNumber) === false) {
      this.stopped = true;
      return false;
    }
    return true;
  }

  rest(): string | null {
    return this.carry.length === 0 || this.stopped ? null : Buffer.concat(this.carry).toString('utf8');
  }
}

/**
 * Reads `source` line by line: a file by its path, or a stream read once (standard input, a
 * pipe), gzip or not. Throws only when the file cannot be opened.
 */
export async function readLines(
  source: string | AsyncIterable<Uint8Array>,
  onLine: LineCallback,
  /** After each chunk: a promise while what was made of the lines cannot be taken yet (LoadOptions.pause). */
  pause?: () => Promise<void> | null,
): Promise<LineStats> {
  if (typeof source !== 'string') return readStreamLines(source, onLine, pause);
  const path = source;
  const fd = openSync(path, 'r');
  const size = fstatSync(fd).size;
  const splitter = new Splitter(onLine);
  const probe = new Uint8Array(2);
  const got = readSync(fd, probe, 0, 2, 0);
  if (isGzip(probe.subarray(0, got))) {
    const failure = await splitAll(createReadStream(path, { fd, highWaterMark: CHUNK_BYTES }).pipe(inflater()), splitter, pause);
    return { bytes: size, compressed: 'gzip', cutShort: splitter.rest(), failure };
  }
  let failure: string | null = null;
  try {
    const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    let position = 0;
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buffer, 0, buffer.length, position);
      } catch (e) {
        failure = `reading failed (${(e as Error).message})`;
        break;
      }
      if (n === 0) break;
      position += n;
      splitter.push(buffer.subarray(0, n));
      if (splitter.stopped) break;
      const wait = pause?.();
      if (wait) await wait;
    }
  } finally {
    closeSync(fd);
  }
  return { bytes: size, compressed: null, cutShort: splitter.rest(), failure };
}

/** Pushes every chunk of `chunks` to the splitter; why the input ended early, else null. */
async function splitAll(
  chunks: AsyncIterable<Uint8Array> & { destroy?: () => void },
  splitter: Splitter,
  pause?: () => Promise<void> | null,
): Promise<string | null> {
  try {
    for await (const chunk of chunks) {
      splitter.push(chunk as Buffer);
      if (splitter.stopped) {
        chunks.destroy?.();
        break;
      }
      const wait = pause?.();
      if (wait) await wait;
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'Z_BUF_ERROR'
      ? 'the gzip data ends early'
      : code?.startsWith('Z_') === true
        ? `the gzip data is damaged (${(e as Error).message})`
        : `reading failed (${(e as Error).message})`;
  }
  return null;
}

/** A stream read once: gzip is told from its first bytes; `bytes` counts what came in. */
async function readStreamLines(
  source: AsyncIterable<Uint8Array>,
  onLine: LineCallback,
  pause?: () => Promise<void> | null,
): Promise<LineStats> {
  const splitter = new Splitter(onLine);
  const iterator = source[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done === true) return { bytes: 0, compressed: null, cutShort: null, failure: null };
  const gzip = isGzip(first.value);
  let bytes = 0;
  async function* chunks(): AsyncGenerator<Buffer> {
    let next: IteratorResult<Uint8Array> = first;
    try {
      while (next.done !== true) {
        const chunk = next.value;
        bytes += chunk.length;
        yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
        next = await iterator.next();
      }
    } finally {
      if (next.done !== true) await iterator.return?.();
    }
  }
  const failure = await splitAll(
    gzip ? pipeline(Readable.from(chunks(), { objectMode: false }), inflater(), () => {}) : chunks(),
    splitter,
    pause,
  );
  return { bytes, compressed: gzip ? 'gzip' : null, cutShort: splitter.rest(), failure };
}

/**
 * A stream whose first chunks (`read`) were read to tell what it is, given whole again: those
 * chunks, then the rest of `iterator` (nothing more where it had `ended`).
 */
export async function* resumed(
  read: readonly Uint8Array[],
  iterator: AsyncIterator<Uint8Array>,
  ended: boolean,
): AsyncGenerator<Uint8Array> {
  let finished = ended;
  try {
    yield* read;
    while (!finished) {
      const next = await iterator.next();
      if (next.done === true) finished = true;
      else yield next.value;
    }
  } finally {
    // A reader that stops early (damage, `--limit`) lets the source go.
    if (!finished) await iterator.return?.();
  }
}

/**
 * Runs of NUL bytes before a line: what a crash leaves where a log was being written (the file's
 * length was set, its bytes never were). The line the logger wrote next follows the run, and is
 * read from the first byte after it; the runs are counted for one warning.
 */
export class NulRuns {
  count = 0;

  /** `line` without the run before it; counted unless `counted` is false (a file read a second time). */
  after(line: string, counted = true): string {
    if (line.charCodeAt(0) !== 0) return line;
    if (counted) this.count++;
    return line.replace(/^\0+/, '');
  }

  /** The warning, naming what a line of the log is ("line", "row"); null when no line began with a run. */
  warning(unit: 'line' | 'row'): string | null {
    if (this.count === 0) return null;
    return (
      `${plural(this.count, `${unit} begins`, `${unit}s begin`)} with a run of NUL bytes (left by a crash while the log was written): ` +
      `read from the first byte after ${this.count === 1 ? 'it' : 'them'}`
    );
  }
}
