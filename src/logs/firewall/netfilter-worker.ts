/**
 * A worker thread's side of reading a large firewall log (read.ts, `readScannedLines`): reads the
 * file (or the stream it is fed) a chunk at a time, cuts its lines as `readLines` cuts them and scans each ASCII line as a
 * netfilter LOG line (`scanNetfilterLine`), posting each chunk's bytes (moved, not copied), where
 * its lines end and what the scan found. It reads ahead of the thread taking them by CREDIT
 * batches at most.
 */
import { isAscii } from 'node:buffer';
import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { creditOf, fedBytes, type ReadJob, type ReadMessage } from '../read-threads.js';
import { SCAN_SLOTS, scanNetfilterLine } from './netfilter.js';
import { KEPT_BYTES, LONGEST_LINE } from './types.js';
import type { ScanBatch, ScanEnd } from './scan-batch.js';
import { SCAN_BATCH_BYTES } from './scan-batch.js';

const LF = 0x0a;
const CR = 0x0d;

const port = parentPort!;
const { credit, spend, spare } = creditOf(port);

/** `bytes` of memory: that of a batch taken and given back (`used`'s `k`th), when it has room, else new. */
function room(used: ArrayBuffer[] | undefined, k: number, bytes: number): ArrayBuffer {
  const b = used?.[k];
  return b !== undefined && b.byteLength >= bytes ? b : new ArrayBuffer(Math.max(bytes, 1024));
}
const post = (message: ReadMessage<ScanBatch, ScanEnd>, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);

/** The batch of the whole lines of `b` (up to its last line end `last`), scanned; its arrays in `used`'s memory where it has room. */
function batchOf(b: Buffer, last: number, used: ArrayBuffer[] | undefined, cut: number): ScanBatch {
  let lines = 0;
  for (let nl = b.indexOf(LF); nl >= 0 && nl <= last; nl = b.indexOf(LF, nl + 1)) lines++;
  const ends = new Int32Array(room(used, 1, 4 * lines), 0, lines);
  const scans = new Int32Array(room(used, 2, 4 * lines * SCAN_SLOTS), 0, lines * SCAN_SLOTS);
  const read = new Uint8Array(room(used, 3, lines), 0, lines);
  const ascii = isAscii(b.subarray(0, last));
  let from = 0;
  for (let k = 0; k < lines; k++) {
    const nl = b.indexOf(LF, from);
    ends[k] = nl;
    // As pushLine reads it: the CR of a CRLF dropped, an ASCII line that still ends in none.
    const to = nl > from && b[nl - 1] === CR ? nl - 1 : nl;
    const plain = (ascii || isAscii(b.subarray(from, to))) && to > from && to - from <= LONGEST_LINE && b[to - 1] !== CR;
    // (Every line's flag written: the memory may be a batch's before.)
    read[k] = plain && scanNetfilterLine(b, from, to, scans, k * SCAN_SLOTS) ? 1 : 0;
    from = nl + 1;
  }
  return { bytes: b.subarray(0, last + 1), ends, scans, read, cut };
}

const job = workerData as ReadJob;

/** The log's bytes: read from its file, or fed by the calling thread (a stream piped in). */
function source(): { read(into: Uint8Array, at: number, most: number): Promise<number> | number; close(): void } {
  if (job.fed) return { ...fedBytes(port), close: () => {} };
  const file = openSync(job.path, 'r');
  return { read: (into, at, most) => readSync(file, into, at, most, null), close: () => closeSync(file) };
}

try {
  const file = source();
  try {
    let carry = Buffer.alloc(0);
    /** Bytes of the carried line not kept in `carry` (past KEPT_BYTES: a line no log writes). */
    let dropped = 0;
    let started = false;
    for (;;) {
      const wait = credit();
      if (wait) await wait;
      // Its own memory, moved to the other thread with the batch (and back once it is taken).
      const used = spare.pop();
      const chunkBytes = carry.length + SCAN_BATCH_BYTES;
      const chunk = Buffer.from(room(used, 0, chunkBytes), 0, chunkBytes);
      carry.copy(chunk, 0);
      const got = await file.read(chunk, carry.length, SCAN_BATCH_BYTES);
      if (got === 0) break;
      let size = carry.length + got;
      if (carry.length >= KEPT_BYTES) {
        // Within a line longer than any log writes: what follows its beginning is let go, up to its end.
        const nl = chunk.subarray(0, size).indexOf(LF, carry.length);
        if (nl < 0) {
          dropped += got;
          if (used !== undefined) spare.push(used);
          continue;
        }
        dropped += nl - carry.length;
        chunk.copy(chunk, carry.length, nl, size);
        size -= nl - carry.length;
      }
      let b = chunk.subarray(0, size);
      if (!started) {
        started = true;
        // A UTF-8 byte-order mark is no part of the first line.
        if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) b = b.subarray(3);
      }
      const last = b.lastIndexOf(LF);
      if (last < 0) {
        // No line end yet: of a line this long, only its beginning is kept.
        dropped += Math.max(0, b.length - KEPT_BYTES);
        carry = Buffer.from(b.subarray(0, KEPT_BYTES));
        if (used !== undefined) spare.push(used);
        continue;
      }
      // (Copied: the chunk goes to the other thread.)
      carry = Buffer.from(b.subarray(last + 1));
      const batch = batchOf(b, last, used, dropped);
      dropped = 0;
      post({ batch }, [chunk.buffer, batch.ends.buffer, batch.scans.buffer, batch.read.buffer] as ArrayBuffer[]);
      spend();
    }
    // A last line without a line end; after one, nothing.
    post({ end: { tail: carry.length > 0 ? carry : null, cut: dropped } });
  } finally {
    file.close();
  }
} catch (e) {
  const code = (e as NodeJS.ErrnoException).code;
  post(code === undefined ? { error: (e as Error).message } : { error: (e as Error).message, code });
}
