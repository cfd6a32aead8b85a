/**
 * A firewall log read from its file or stream a chunk at a time (inflated as it is read when it
 * is gzip): lines are split on their bytes, a netfilter LOG line is read from its bytes without
 * a string of its own, and the log's attempts are handed on as they are made. Memory is held by
 * the chunk size and the reader's window (see attempts.ts), not by the length of the log. A long
 * log that lists its newest lines first (a firewall's table exported from its console) is read
 * again from its end, oldest line first, when it is a file; gzip, standard input and UTF-16 (Windows
 * tools write it so) cannot be, and are held whole. A large plain file's lines are cut and
 * scanned on a worker thread (netfilter-worker.ts) while this one makes attempts of them.
 */
import { isAscii } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { isGzip } from '../../capture/sniff.js';
import type { Connection } from '../../flows/connection.js';
import { FirewallLogReader, firewallLogText, linesOf, NewestFirstLog, type FirewallLog, type FirewallLogOptions } from './index.js';
import { KEPT_BYTES, LONGEST_LINE } from './types.js';
import { SCAN_SLOTS } from './netfilter.js';
import type { ScanBatch, ScanEnd } from './scan-batch.js';
import { mayFeedWorker, mayReadOnWorker, readOnWorker } from '../read-threads.js';

/** Bytes read (or inflated) at a time. */
export const CHUNK_BYTES = 1 << 20;
const LF = 0x0a;
const CR = 0x0d;

/** What a line's UTF-8 is read with (a TextDecoder). */
interface Decoder {
  decode(bytes: Uint8Array): string;
}

/** Reads the firewall log at `path`, handing each connection to `emit` as it is made. */
export async function readFirewallLogFile(
  path: string,
  options: FirewallLogOptions,
  emit: (c: Connection) => void,
  chunkBytes = CHUNK_BYTES,
  pause?: () => Promise<void> | null,
  /** Worker threads that may read a large log's lines beside this one (LoadContext.readThreads). */
  threads = 0,
): Promise<FirewallLog> {
  const stream = mayScanOnWorker(path, threads) ? null : createReadStream(path, { highWaterMark: chunkBytes });
  try {
    if (stream !== null) return await readStream(path, stream, options, emit, chunkBytes, pause, true);
    const reader = new FirewallLogReader(path, options, emit);
    reader.turnRound = true;
    await readScannedLines(path, reader, pause);
    return reader.finish();
  } catch (e) {
    // Nothing has been handed on: the lines read so far were held to tell the log's order.
    if (!(e instanceof NewestFirstLog)) throw e;
    return await readFromEnd(path, e, options, emit, chunkBytes, pause);
  } finally {
    stream?.destroy();
  }
}

/** The netfilter-worker.ts script, as built beside this one. */
const SCAN_WORKER = new URL('./netfilter-worker.js', import.meta.url);

/**
 * Whether the log file at `path` is read on a worker thread (given `threads` that may read beside
 * this one): a plain file (neither gzip nor UTF-16) of CUT_ON_WORKER_BYTES or more.
 */
export function mayScanOnWorker(path: string, threads: number): boolean {
  return threads > 0 && mayReadOnWorker(SCAN_WORKER, path, threads, (head) => !isUtf16(head));
}

/** UTF-16 text, by its byte-order mark or by the zero bytes of its first ASCII characters. */
function isUtf16(head: Uint8Array): boolean {
  return (
    head.length >= 2 &&
    ((head[0] === 0xff && head[1] === 0xfe) ||
      (head[0] === 0xfe && head[1] === 0xff) ||
      (head.length >= 4 && head[1] === 0 && head[3] === 0 && head[0] !== 0))
  );
}

/**
 * The lines of the plain log file at `path`, read and scanned on a worker thread
 * (netfilter-worker.ts), given to `reader` on this one as `readLines` gives them: the first line and
 * any line not ASCII or not scanned as text, the others as their scan — the same lines in the same
 * order, read into the same events.
 */
async function readScannedLines(
  path: string,
  reader: FirewallLogReader,
  pause?: () => Promise<void> | null,
  /** The log's bytes as they arrive (a pipe), fed to the worker from here; `path` names it. */
  stream?: AsyncIterable<Uint8Array>,
): Promise<void> {
  const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });
  const text = textLines(reader, utf8);
  const end = await readOnWorker<ScanBatch, ScanEnd>(
    SCAN_WORKER,
    { path },
    ({ bytes, ends, scans, read, cut }) => {
      const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      let from = 0;
      for (let k = 0; k < ends.length; k++) {
        const nl = ends[k]!;
        const to = nl > from && b[nl - 1] === CR ? nl - 1 : nl;
        if (text.first || (k === 0 && cut > 0)) text.push(b, from, to, k === 0 ? cut : 0);
        else if (read[k] === 0 || !reader.pushScanned(b, from, to, scans, k * SCAN_SLOTS)) reader.push(textOf(utf8, b, from, to));
        from = nl + 1;
      }
      // Nothing made of the batch holds its bytes (every text is a copy): the worker fills them again.
      return [bytes.buffer as ArrayBuffer, ends.buffer as ArrayBuffer, scans.buffer as ArrayBuffer, read.buffer as ArrayBuffer];
    },
    pause,
    stream,
  );
  if (end.tail !== null) text.push(Buffer.from(end.tail.buffer, end.tail.byteOffset, end.tail.byteLength), 0, end.tail.byteLength, end.cut);
}

/**
 * Lines given to `reader` as text: the first without a byte-order mark, a line kept only by its
 * beginning (`dropped` bytes of it left out: longer than any log writes) with its whole length.
 */
function textLines(
  reader: FirewallLogReader,
  utf8: Decoder,
): { readonly first: boolean; push(b: Buffer, from: number, to: number, dropped?: number): void } {
  let first = true;
  return {
    get first() {
      return first;
    },
    push(b, from, to, dropped = 0) {
      let text = textOf(utf8, b, from, to);
      if (first) {
        first = false;
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      }
      reader.push(text, undefined, text.length + dropped);
    },
  };
}

/**
 * The same for a log's bytes as they arrive (standard input, a pipe); `name` names it in messages.
 * A long plain one is fed to a worker that cuts and scans its lines, where `threads` leave a core
 * for the process writing it (mayFeedWorker).
 */
export async function readFirewallLogStream(
  name: string,
  chunks: AsyncIterable<Uint8Array>,
  options: FirewallLogOptions,
  emit: (c: Connection) => void,
  chunkBytes = CHUNK_BYTES,
  /** After each chunk: a promise while what was made of it cannot be taken yet (LoadOptions.pause). */
  pause?: () => Promise<void> | null,
  /** Worker threads that may read a large log's lines beside this one (LoadContext.readThreads). */
  threads = 0,
): Promise<FirewallLog> {
  const given = await mayFeedWorker(SCAN_WORKER, chunks, threads, (head) => !isUtf16(head));
  if (!given.long) return readStream(name, given.stream, options, emit, chunkBytes, pause, false);
  // (Not read again from its end: a stream found newest first is held whole.)
  const reader = new FirewallLogReader(name, options, emit);
  await readScannedLines(name, reader, pause, given.stream);
  return reader.finish();
}

/** `fileBytes`: the chunks are a file's bytes as they stand, which can be read again from the end. */
async function readStream(
  name: string,
  chunks: AsyncIterable<Uint8Array>,
  options: FirewallLogOptions,
  emit: (c: Connection) => void,
  chunkBytes: number,
  pause: (() => Promise<void> | null) | undefined,
  fileBytes: boolean,
): Promise<FirewallLog> {
  // Made first: a time zone it does not know is told before anything is read.
  const reader = new FirewallLogReader(name, options, emit);
  let source = await withHead(chunks);
  const gzip = isGzip(source.head);
  // Compressed bytes read, for where damage stopped the reading.
  let read = 0;
  if (gzip)
    source = await withHead(
      inflated(
        counted(source.chunks, (n) => (read += n)),
        chunkBytes,
      ),
    );
  const utf16 = isUtf16(source.head);
  reader.turnRound = fileBytes && !gzip && !utf16;
  if (utf16) {
    const all: Buffer[] = [];
    for await (const chunk of source.chunks) all.push(asBuffer(chunk));
    for (const line of linesOf(firewallLogText(Buffer.concat(all)))) reader.push(line);
    return reader.finish();
  }
  try {
    await readLines(source.chunks, reader, pause);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (!gzip || code === undefined || !code.startsWith('Z_')) throw e;
    // What was read before the damage is the log, as a capture's packets before damage are.
    reader.stoppedAt(code === 'Z_BUF_ERROR' ? 'the gzip data ends early' : `the gzip data is damaged (${(e as Error).message})`, read);
  }
  return reader.finish();
}

/** The chunks as they are, each one's length told to `add`. */
async function* counted(chunks: AsyncIterable<Buffer>, add: (n: number) => void): AsyncGenerator<Buffer> {
  for await (const chunk of chunks) {
    add(chunk.length);
    yield chunk;
  }
}

function asBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/** The first bytes (at least four unless the input is shorter), and every chunk from the first on. */
async function withHead(chunks: AsyncIterable<Uint8Array>): Promise<{ head: Buffer; chunks: AsyncIterable<Buffer> }> {
  const it = chunks[Symbol.asyncIterator]();
  const first: Buffer[] = [];
  let length = 0;
  let done = false;
  while (length < 4) {
    const next = await it.next();
    if (next.done === true) {
      done = true;
      break;
    }
    const b = asBuffer(next.value);
    first.push(b);
    length += b.length;
  }
  const head = first.length === 1 ? first[0]! : Buffer.concat(first);
  async function* all(): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    if (done) return;
    for (;;) {
      const next = await it.next();
      if (next.done === true) return;
      yield asBuffer(next.value);
    }
  }
  return { head, chunks: all() };
}

function inflated(chunks: AsyncIterable<Buffer>, chunkBytes: number): AsyncIterable<Buffer> {
  return pipeline(Readable.from(chunks), createGunzip({ chunkSize: chunkBytes }), () => {
    // an error ends the iteration over the inflated bytes, which throws it
  });
}

/**
 * Lines split as the text path splits them (on LF, the CR of a CRLF dropped; the last line is what
 * follows the last LF, empty when the log ends with one), handed to the reader: ASCII netfilter
 * lines as bytes, the others as text. A UTF-8 byte-order mark is dropped as the decoder drops it.
 */
async function readLines(chunks: AsyncIterable<Buffer>, reader: FirewallLogReader, pause?: () => Promise<void> | null): Promise<void> {
  const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });
  let started = false;
  let carry: Buffer | null = null;
  /** Bytes of the carried line not kept in `carry` (past KEPT_BYTES: a line no log writes). */
  let dropped = 0;
  const text = textLines(reader, utf8);
  const line = (b: Buffer, from: number, to: number, chunkAscii: boolean): void => {
    if (text.first || dropped > 0) text.push(b, from, to > from && b[to - 1] === CR ? to - 1 : to, dropped);
    else pushLine(reader, utf8, b, from, to, chunkAscii);
  };
  for await (let b of chunks) {
    if (!started) {
      started = true;
      if (hasUtf8Bom(b)) b = b.subarray(3);
    }
    let from = 0;
    if (carry !== null) {
      const nl = b.indexOf(LF);
      const kept = Math.min(nl < 0 ? b.length : nl, Math.max(0, KEPT_BYTES - carry.length));
      dropped += (nl < 0 ? b.length : nl) - kept;
      if (nl < 0) {
        if (kept > 0) carry = Buffer.concat([carry, b.subarray(0, kept)]);
        continue;
      }
      const joined = Buffer.concat([carry, b.subarray(0, kept)]);
      line(joined, 0, joined.length, false);
      dropped = 0;
      from = nl + 1;
    }
    const ascii = isAscii(from === 0 ? b : b.subarray(from));
    for (let nl = b.indexOf(LF, from); nl >= 0; nl = b.indexOf(LF, from)) {
      line(b, from, nl, ascii);
      from = nl + 1;
    }
    // The start of a line the next chunk ends (copied: the chunk is let go).
    carry = from < b.length ? Buffer.from(b.subarray(from)) : null;
    const wait = pause?.();
    if (wait) await wait;
  }
  // A last line without a line end; after one, nothing (the file's lines are counted as written).
  if (carry !== null) text.push(carry, 0, carry.length, dropped);
}

/**
 * One line's bytes (its LF left out) to the reader, read as the text path reads them: the CR of a
 * CRLF dropped, an ASCII netfilter line from its bytes, any other as text. `number`: the line's
 * number, when lines come in another order than the file's.
 */
function pushLine(
  reader: FirewallLogReader,
  utf8: Decoder,
  b: Buffer,
  from: number,
  to: number,
  chunkAscii: boolean,
  number?: number,
): void {
  if (to > from && b[to - 1] === CR) to--;
  // A line still ending in CR (CR CR LF) is left to the text path, which takes one more off; so
  // is one longer than any log writes, which it names without reading.
  if (
    (chunkAscii || isAscii(b.subarray(from, to))) &&
    to > from &&
    to - from <= LONGEST_LINE &&
    b[to - 1] !== CR &&
    reader.pushBytes(b, from, to, number)
  )
    return;
  reader.push(textOf(utf8, b, from, to), number);
}

function hasUtf8Bom(b: Buffer): boolean {
  return b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf;
}

/** A line's text: ASCII as it stands, any other byte as UTF-8. */
function textOf(utf8: Decoder, b: Buffer, from: number, to: number): string {
  return isAscii(b.subarray(from, to)) ? b.toString('latin1', from, to) : utf8.decode(b.subarray(from, to));
}

/** Up to `length` bytes of the file from `position` (fewer at its end). */
async function readAt(file: FileHandle, position: number, length: number): Promise<Buffer> {
  const b = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await file.read(b, got, length - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got < length ? b.subarray(0, got) : b;
}

const NO_BYTES = Buffer.alloc(0);

/**
 * A log file that lists its newest lines first, read again: the lines before its first entry (a
 * header, comments) in their order, then the lines from the last one back to the first entry,
 * each with its number — the log oldest first, its attempts streamed through the reader's window
 * as those of an oldest-first log are, where reading it forwards would hold every line to the end.
 */
async function readFromEnd(
  path: string,
  turn: NewestFirstLog,
  options: FirewallLogOptions,
  emit: (c: Connection) => void,
  chunkBytes: number,
  pause: (() => Promise<void> | null) | undefined,
): Promise<FirewallLog> {
  const reader = new FirewallLogReader(path, { ...options, formats: turn.formats, head: turn.head }, emit);
  const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });
  const file = await open(path, 'r');
  try {
    const size = (await file.stat()).size;
    // Where the next line begins: a UTF-8 byte-order mark is no part of the first line.
    let start = hasUtf8Bom(await readAt(file, 0, 3)) ? 3 : 0;
    let number = 1;
    let carry = NO_BYTES;
    for (let at = start; number < turn.firstEntryLine;) {
      const b = await readAt(file, at, chunkBytes);
      if (b.length === 0) break;
      let from = 0;
      for (let nl = b.indexOf(LF); nl >= 0 && number < turn.firstEntryLine; nl = b.indexOf(LF, from)) {
        const line = carry.length > 0 ? Buffer.concat([carry, b.subarray(from, nl)]) : b.subarray(from, nl);
        carry = NO_BYTES;
        pushLine(reader, utf8, line, 0, line.length, false, number++);
        from = nl + 1;
        start = at + from;
      }
      if (number < turn.firstEntryLine) carry = Buffer.concat([carry, b.subarray(from)]);
      at += b.length;
    }
    // The number of the last line (what follows the last LF, empty when the file ends with one).
    let last = number;
    for (let at = start; at < size;) {
      const b = await readAt(file, at, Math.min(chunkBytes, size - at));
      if (b.length === 0) break;
      for (let nl = b.indexOf(LF); nl >= 0; nl = b.indexOf(LF, nl + 1)) last++;
      at += b.length;
    }
    // The file's last line as reading forwards takes it: as text, a CR at its end as it stands.
    const lastLine = last;
    const back = (b: Buffer, from: number, to: number): void => {
      const n = last--;
      if (n !== lastLine) pushLine(reader, utf8, b, from, to, false, n);
      // After the file's last line end there is no line, as reading forwards finds.
      else if (to > from) reader.push(textOf(utf8, b, from, to), n);
    };
    carry = NO_BYTES;
    for (let end = size; end > start;) {
      const from = Math.max(start, end - chunkBytes);
      const read = await readAt(file, from, end - from);
      const b = carry.length > 0 ? Buffer.concat([read, carry]) : read;
      let to = b.length;
      for (let nl = to > 0 ? b.lastIndexOf(LF, to - 1) : -1; nl >= 0; nl = to > 0 ? b.lastIndexOf(LF, to - 1) : -1) {
        back(b, nl + 1, to);
        to = nl;
      }
      // The end of a line that begins in an earlier chunk (copied: the chunk is let go).
      carry = Buffer.from(b.subarray(0, to));
      end = from;
      const wait = pause?.();
      if (wait) await wait;
    }
    back(carry, 0, carry.length);
  } finally {
    await file.close();
  }
  return reader.finish();
}
