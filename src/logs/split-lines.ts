/**
 * A large Zeek TSV log read on two threads: a worker (split-worker.ts) reads its lines, cuts each
 * data line into its cells and reads each cell's number, while this thread makes rows of the
 * lines it has been given — on one thread, finding the cells and reading the numbers is about a
 * third of the time a conn.log's row takes before the analysis. The lines, their numbers and the
 * reading's LineStats are those `readLines` gives; the worker reads ahead by CREDIT batches at
 * most (read-threads.ts), so memory is held by them, not by the file.
 */
import type { LineStats } from './lines.js';
import type { CellBatch } from './zeek-format.js';
import { CUT_ON_WORKER_BYTES, mayFeedWorker, mayReadOnWorker, readOnWorker, type ReadMessage } from './read-threads.js';

export { CUT_ON_WORKER_BYTES };

const WORKER = new URL('./split-worker.js', import.meta.url);

/** Characters of lines a batch holds (about: it ends at the line that reaches it). */
export const BATCH_CHARS = 64 << 10;

export type SplitMessage = ReadMessage<{ cells: CellBatch; first: number }, LineStats>;

/** Whether a worker may read the Zeek TSV log at `path` now (mayReadOnWorker). */
export function mayCutOnWorker(path: string, threads: number): boolean {
  return mayReadOnWorker(WORKER, path, threads);
}

/**
 * Whether a worker may read the Zeek TSV log streamed in `stream` now (mayFeedWorker), and the
 * stream to read either way.
 */
export function mayCutStreamOnWorker(
  stream: AsyncIterable<Uint8Array>,
  threads: number,
): Promise<{ long: boolean; stream: AsyncIterable<Uint8Array> }> {
  return mayFeedWorker(WORKER, stream, threads);
}

/** Called for every whole line with its number, the batch it came in and its place there (its cells: `TsvRows.loadCut`). */
export type CutLineCallback = (line: string, lineNumber: number, batch: CellBatch, k: number) => void;

/**
 * Reads the Zeek TSV log at `path` on a worker thread, handing each line to `onLine` on this one
 * in order; `pause` as readLines takes it. Throws, as readLines does, when the file cannot be
 * opened — or when the worker stops without an end. With `stream`, the log is that stream
 * (`path` its name), fed to the worker from here.
 */
export function readCutLines(
  path: string,
  onLine: CutLineCallback,
  pause?: () => Promise<void> | null,
  stream?: AsyncIterable<Uint8Array>,
): Promise<LineStats> {
  return readOnWorker<{ cells: CellBatch; first: number }, LineStats>(
    WORKER,
    { path },
    ({ cells, first }) => {
      const { text, lineStarts } = cells;
      const lines = lineStarts.length - 1;
      for (let k = 0; k < lines; k++) onLine(text.slice(lineStarts[k], lineStarts[k + 1]! - 1), first + k, cells, k);
    },
    pause,
    stream,
  );
}
