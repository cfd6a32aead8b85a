/**
 * A worker thread's side of split-lines.ts: reads a Zeek TSV log's lines (lines.ts), cuts each
 * data line into its cells at the separator its header names, and reads each cell's number
 * (plainDecimal), posting them in batches to the thread that makes rows of them. It reads ahead
 * of that thread by CREDIT batches at most.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { readLines } from './lines.js';
import { CELLS_NOT_CUT, plainDecimal, unescapeZeek, type CellBatch } from './zeek-format.js';
import { BATCH_CHARS, type SplitMessage } from './split-lines.js';
import { creditOf, fedChunks, type ReadJob } from './read-threads.js';

const job = workerData as ReadJob;
const port = parentPort!;
const { credit, spend } = creditOf(port);
const post = (message: SplitMessage, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);

/** Cells a line may have to be cut here (more are left to the reader, as is a longer line). */
const MOST_CELLS = CELLS_NOT_CUT - 1;
const LONGEST_LINE = 1 << 20;

let separator = '\t';
let lines: string[] = [];
let chars = 0;
let first = 1;
let cellCounts = new Uint8Array(1024);
let firstCells = new Int32Array(1024);
let cellStarts = new Int32Array(16_384);
let cellEnds = new Int32Array(16_384);
let numbers = new Float64Array(16_384);
let cells = 0;

/** `a`, or a copy of it twice as long (at least `n`) when it is shorter than `n`. */
function more<T extends Int32Array | Float64Array | Uint8Array>(a: T, n: number): T {
  if (a.length >= n) return a;
  const b = new (a.constructor as new (n: number) => T)(Math.max(n, 2 * a.length));
  b.set(a);
  return b;
}

/** Room for one more line and its cells. */
function grow(): void {
  cellCounts = more(cellCounts, lines.length + 1);
  firstCells = more(firstCells, lines.length + 1);
  cellStarts = more(cellStarts, cells + MOST_CELLS);
  cellEnds = more(cellEnds, cells + MOST_CELLS);
  numbers = more(numbers, cells + MOST_CELLS);
}

/** The lines gathered so far posted as one batch. */
function flush(): void {
  if (lines.length === 0) return;
  const lineStarts = new Int32Array(lines.length + 1);
  for (let k = 0, at = 0; k <= lines.length; k++) {
    lineStarts[k] = at;
    if (k < lines.length) at += lines[k]!.length + 1;
  }
  const batch: CellBatch = {
    text: lines.join('\n'),
    separator,
    lineStarts,
    cellCounts: cellCounts.slice(0, lines.length),
    firstCells: firstCells.slice(0, lines.length),
    cellStarts: cellStarts.slice(0, cells),
    cellEnds: cellEnds.slice(0, cells),
    numbers: numbers.slice(0, cells),
  };
  post({ batch: { cells: batch, first } }, [
    batch.lineStarts.buffer,
    batch.cellCounts.buffer,
    batch.firstCells.buffer,
    batch.cellStarts.buffer,
    batch.cellEnds.buffer,
    batch.numbers.buffer,
  ] as ArrayBuffer[]);
  spend();
  first += lines.length;
  lines = [];
  chars = 0;
  cells = 0;
}

function onLine(line: string): void {
  if (line.startsWith('#separator ')) {
    // The lines after it are cut at another separator: a batch of their own.
    flush();
    lines.push(line);
    chars += line.length + 1;
    cellCounts[0] = CELLS_NOT_CUT;
    firstCells[0] = 0;
    separator = unescapeZeek(line.slice('#separator '.length));
    return;
  }
  grow();
  const k = lines.length;
  lines.push(line);
  chars += line.length + 1;
  firstCells[k] = cells;
  cellCounts[k] = line.charCodeAt(0) === 35 /* # */ ? CELLS_NOT_CUT : cut(line);
  if (chars >= BATCH_CHARS) flush();
}

/** `line`'s cells noted from `cells` on; their count, or CELLS_NOT_CUT when it is left to the reader. */
function cut(line: string): number {
  if (separator.length === 0 || line.length > LONGEST_LINE) return CELLS_NOT_CUT;
  const step = separator.length;
  let from = 0;
  for (let i = 0; ; i++) {
    if (i >= MOST_CELLS) return CELLS_NOT_CUT;
    const at = line.indexOf(separator, from);
    const end = at < 0 ? line.length : at;
    cellStarts[cells + i] = from;
    cellEnds[cells + i] = end;
    numbers[cells + i] = plainDecimal(line, from, end);
    if (at < 0) {
      cells += i + 1;
      return i + 1;
    }
    from = at + step;
  }
}

try {
  const stats = await readLines(job.fed ? fedChunks(port) : job.path, onLine, credit);
  flush();
  post({ end: stats });
} catch (e) {
  const code = (e as NodeJS.ErrnoException).code;
  post(code === undefined ? { error: (e as Error).message } : { error: (e as Error).message, code });
}
