/**
 * A firewall log read from its file or stream a chunk at a time (inflated as it is read when it
 * is gzip): lines are split on their bytes, a netfilter LOG line is read from its bytes without
 * a string of its own, and the log's attempts are handed on as they are made. Memory is held by
 * the chunk size and the reader's window (see attempts.ts), not by the length of the log. A log in
 * UTF-16 (Windows tools write it so) is read whole.
 */
import { isAscii } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { isGzip } from '../../capture/sniff.js';
import type { Connection } from '../../flows/connection.js';
import { FirewallLogReader, firewallLogText, type FirewallLog, type FirewallLogOptions } from './index.js';

/** Bytes read (or inflated) at a time. */
export const CHUNK_BYTES = 1 << 20;
const LF = 0x0a;
const CR = 0x0d;

/** Reads the firewall log at `path`, handing each connection to `emit` as it is made. */
export function readFirewallLogFile(
  path: string,
  options: FirewallLogOptions,
  emit: (c: Connection) => void,
  chunkBytes = CHUNK_BYTES,
  pause?: () => Promise<void> | null,
): Promise<FirewallLog> {
  return readFirewallLogStream(path, createReadStream(path, { highWaterMark: chunkBytes }), options, emit, chunkBytes, pause);
}

/** The same for a log's bytes as they arrive (standard input, a pipe); `name` names it in messages. */
export async function readFirewallLogStream(
  name: string,
  chunks: AsyncIterable<Uint8Array>,
  options: FirewallLogOptions,
  emit: (c: Connection) => void,
  chunkBytes = CHUNK_BYTES,
  /** After each chunk: a promise while what was made of it cannot be taken yet (LoadOptions.pause). */
  pause?: () => Promise<void> | null,
): Promise<FirewallLog> {
  // Made first: a time zone it does not know is told before anything is read.
  const reader = new FirewallLogReader(name, options, emit);
  let source = await withHead(chunks);
  if (isGzip(source.head)) source = await withHead(inflated(source.chunks, chunkBytes));
  const head = source.head;
  const utf16 =
    head.length >= 2 &&
    ((head[0] === 0xff && head[1] === 0xfe) ||
      (head[0] === 0xfe && head[1] === 0xff) ||
      (head.length >= 4 && head[1] === 0 && head[3] === 0 && head[0] !== 0));
  if (utf16) {
    const all: Buffer[] = [];
    for await (const chunk of source.chunks) all.push(asBuffer(chunk));
    const text = firewallLogText(Buffer.concat(all)).replace(/^\uFEFF/, '');
    for (const line of text.split(/\r?\n/)) reader.push(line);
    return reader.finish();
  }
  await readLines(source.chunks, reader, pause);
  return reader.finish();
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
  let first = true;
  let started = false;
  let carry: Buffer | null = null;
  const push = (text: string): void => {
    if (first) {
      first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    reader.push(text);
  };
  const line = (b: Buffer, from: number, to: number, chunkAscii: boolean): void => {
    if (to > from && b[to - 1] === CR) to--;
    const ascii = chunkAscii || isAscii(b.subarray(from, to));
    // A line still ending in CR (CR CR LF) is left to the text path, which takes one more off.
    if (ascii && !first && to > from && b[to - 1] !== CR && reader.pushBytes(b, from, to)) return;
    push(ascii ? b.toString('latin1', from, to) : utf8.decode(b.subarray(from, to)));
  };
  for await (let b of chunks) {
    if (!started) {
      started = true;
      if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) b = b.subarray(3);
    }
    let from = 0;
    if (carry !== null) {
      const nl = b.indexOf(LF);
      if (nl < 0) {
        carry = Buffer.concat([carry, b]);
        continue;
      }
      const joined = Buffer.concat([carry, b.subarray(0, nl)]);
      line(joined, 0, joined.length, false);
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
  const last = carry ?? Buffer.alloc(0);
  push(isAscii(last) ? last.toString('latin1') : utf8.decode(last));
}
