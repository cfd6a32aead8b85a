/**
 * A large Zeek TSV log read on two threads: a worker (split-worker.ts) reads its lines, cuts each
 * data line into its cells and reads each cell's number, while this thread makes rows of the
 * lines it has been given — on one thread, finding the cells and reading the numbers is about a
 * third of the time a conn.log's row takes before the analysis. The lines, their numbers and the
 * reading's LineStats are those `readLines` gives; the worker reads ahead by CREDIT batches at
 * most, so memory is held by them, not by the file.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { plainFileSize, type LineStats } from './lines.js';
import type { CellBatch } from './zeek-format.js';

const WORKER = new URL('./split-worker.js', import.meta.url);

/** Characters of lines a batch holds (about: it ends at the line that reaches it). */
export const BATCH_CHARS = 64 << 10;
/** Batches the worker may read ahead of the rows made of them. */
export const CREDIT = 8;
/**
 * Files smaller than this are read on the calling thread: a worker's start costs what cutting
 * the lines of a few tens of megabytes on it saves (a 19 MB conn.log took 0.88–0.92 s on two
 * threads against 0.82–0.86 s on one, a 51 MB one 1.54–1.55 s against 1.57–1.60 s).
 */
export const CUT_ON_WORKER_BYTES = 48 << 20;

export interface SplitJob {
  path: string;
}

export type SplitMessage = { batch: CellBatch; first: number } | { stats: LineStats } | { error: string; code?: string };

/**
 * The worker's young objects (its lines, cut and joined again) collected often, in little memory;
 * its old generation as large as it must be (a line of tens of megabytes is read whole).
 */
const WORKER_HEAP = { maxYoungGenerationSizeMb: 4 };

/** Workers reading logs now. */
let running = 0;

/**
 * Whether a worker may read the log at `path` now: the built code is there (not when running from
 * the sources), fewer than `threads` are reading, and the log is large enough to gain by it — and
 * not gzip: its lines come from zlib's thread already, and a worker gained a few per cent of the
 * time for 70 MB more (the inflated chunks it let go waited for its collector).
 */
export function mayCutOnWorker(path: string, threads: number): boolean {
  if (running >= threads || WORKER.protocol !== 'file:' || !existsSync(fileURLToPath(WORKER))) return false;
  const size = plainFileSize(path);
  return size !== null && size >= CUT_ON_WORKER_BYTES;
}

/** Called for every whole line with its number, the batch it came in and its place there (its cells: `TsvRows.loadCut`). */
export type CutLineCallback = (line: string, lineNumber: number, batch: CellBatch, k: number) => void;

/**
 * Reads the Zeek TSV log at `path` on a worker thread, handing each line to `onLine` on this one
 * in order; `pause` as readLines takes it. Throws, as readLines does, when the file cannot be
 * opened — or when the worker stops without an end.
 */
export async function readCutLines(path: string, onLine: CutLineCallback, pause?: () => Promise<void> | null): Promise<LineStats> {
  running++;
  // A small heap: it holds a batch or two at a time, and its memory is the analysis's to use.
  const worker = new Worker(WORKER, { workerData: { path } satisfies SplitJob, resourceLimits: WORKER_HEAP });
  const queue: SplitMessage[] = [];
  // (Set by the worker's events: an object, so that the loop below reads it again each time.)
  const end: { error: Error | null } = { error: null };
  let wake: (() => void) | null = null;
  const woken = (): void => {
    wake?.();
    wake = null;
  };
  worker.on('message', (m: SplitMessage) => {
    queue.push(m);
    woken();
  });
  worker.on('error', (e) => {
    end.error ??= e;
    woken();
  });
  worker.on('exit', () => {
    end.error ??= new Error(`${path}: the thread reading it stopped before its end`);
    woken();
  });
  try {
    for (;;) {
      while (queue.length === 0) {
        if (end.error !== null) throw end.error;
        await new Promise<void>((go) => (wake = go));
      }
      const m = queue.shift()!;
      if ('stats' in m) return m.stats;
      if ('error' in m) throw Object.assign(new Error(m.error), m.code === undefined ? {} : { code: m.code });
      const { batch, first } = m;
      const { text, lineStarts } = batch;
      const lines = lineStarts.length - 1;
      for (let k = 0; k < lines; k++) onLine(text.slice(lineStarts[k], lineStarts[k + 1]! - 1), first + k, batch, k);
      worker.postMessage(0);
      const wait = pause?.();
      if (wait) await wait;
    }
  } finally {
    running--;
    // Gone, its heap let go, before the rows are analysed.
    await worker.terminate();
  }
}
