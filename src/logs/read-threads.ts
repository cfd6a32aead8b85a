/**
 * Large logs read on worker threads beside the thread that makes connections of their lines: the
 * worker reads the file and does what needs nothing but the bytes (cutting Zeek rows into cells,
 * scanning netfilter lines), posting it in batches, at most CREDIT ahead, so that memory is held
 * by the batches in flight, not by the file. Shared by every kind of log: `threads` bounds the
 * workers reading at once, over all of them.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { plainFileHead } from './lines.js';

/** Batches a worker may read ahead of the thread taking them. */
export const CREDIT = 8;
/**
 * Files smaller than this are read on the calling thread: a worker's start costs what cutting
 * the lines of a few tens of megabytes on it saves (a 19 MB conn.log took 0.88–0.92 s on two
 * threads against 0.82–0.86 s on one, a 51 MB one 1.54–1.55 s against 1.57–1.60 s).
 */
export const CUT_ON_WORKER_BYTES = 48 << 20;

/**
 * A worker's young objects collected often, in little memory; its old generation as large as it
 * must be (a line of tens of megabytes is read whole).
 */
const WORKER_HEAP = { maxYoungGenerationSizeMb: 4 };

/** Workers reading logs now. */
let running = 0;

/**
 * Whether the worker `script` may read the file at `path` now: the built code is there (not when
 * running from the sources), fewer than `threads` are reading, and the file is plain (not gzip:
 * its lines come from zlib's thread already), large enough to gain by it, and its first bytes
 * (four) of a text the worker `reads`.
 */
export function mayReadOnWorker(script: URL, path: string, threads: number, reads: (head: Uint8Array) => boolean = () => true): boolean {
  if (running >= threads || script.protocol !== 'file:' || !existsSync(fileURLToPath(script))) return false;
  const file = plainFileHead(path, 4);
  return file !== null && file.size >= CUT_ON_WORKER_BYTES && reads(file.head);
}

/** What a reading worker posts: a batch, its end (what it read), or why it stopped. */
export type ReadMessage<B, E> = { batch: B } | { end: E } | { error: string; code?: string };

/**
 * Runs the worker `script` with `job`, handing each batch it posts to `onBatch` in order, and
 * giving it credit for another once the batch is taken and `pause` (LoadOptions.pause) lets the
 * reading go on; its end. Throws what the worker stopped on (with its code: a file that cannot be
 * opened), or when it stops without an end.
 */
export async function readOnWorker<B, E>(
  script: URL,
  job: { path: string },
  /** Takes a batch; what it returns (the batch's memory, no longer used) goes back to the worker to be filled again. */
  onBatch: (batch: B) => ArrayBuffer[] | void,
  pause?: () => Promise<void> | null,
): Promise<E> {
  running++;
  // A small heap: it holds a batch or two at a time, and its memory is the analysis's to use.
  const worker = new Worker(script, { workerData: job, resourceLimits: WORKER_HEAP });
  const queue: ReadMessage<B, E>[] = [];
  // (Set by the worker's events: an object, so that the loop below reads it again each time.)
  const end: { error: Error | null } = { error: null };
  let wake: (() => void) | null = null;
  const woken = (): void => {
    wake?.();
    wake = null;
  };
  worker.on('message', (m: ReadMessage<B, E>) => {
    queue.push(m);
    woken();
  });
  worker.on('error', (e) => {
    end.error ??= e;
    woken();
  });
  worker.on('exit', () => {
    end.error ??= new Error(`${job.path}: the thread reading it stopped before its end`);
    woken();
  });
  try {
    for (;;) {
      while (queue.length === 0) {
        if (end.error !== null) throw end.error;
        await new Promise<void>((go) => (wake = go));
      }
      const m = queue.shift()!;
      if ('end' in m) return m.end;
      if ('error' in m) throw Object.assign(new Error(m.error), m.code === undefined ? {} : { code: m.code });
      const spent = onBatch(m.batch);
      if (spent === undefined) worker.postMessage(0);
      else worker.postMessage(spent, spent);
      const wait = pause?.();
      if (wait) await wait;
    }
  } finally {
    running--;
    // Gone, its heap let go, before the rows are analysed.
    await worker.terminate();
  }
}

/**
 * The worker's side: `credit()` is null while it may post another batch, else a promise that
 * settles once the taking thread has given it credit again (it waits until it has some: a burst
 * of credit while in debt would let it run far ahead). `spare` holds the memory of each batch
 * taken that came back with its credit (what `onBatch` returned), to be filled again: the batches
 * in flight are then all the memory the reading moves between the threads, none of it left for
 * the other thread's collector.
 */
export function creditOf(port: import('node:worker_threads').MessagePort): {
  credit: () => Promise<void> | null;
  spend: () => void;
  spare: ArrayBuffer[][];
} {
  let credit = CREDIT;
  let wake: (() => void) | null = null;
  const spare: ArrayBuffer[][] = [];
  port.on('message', (m: unknown) => {
    if (Array.isArray(m) && spare.length < CREDIT) spare.push(m.filter((b) => b instanceof ArrayBuffer));
    credit++;
    if (credit <= 0) return;
    wake?.();
    wake = null;
  });
  return {
    credit: () => (credit > 0 ? null : new Promise<void>((go) => (wake = go))),
    spend: () => {
      credit--;
    },
    spare,
  };
}
