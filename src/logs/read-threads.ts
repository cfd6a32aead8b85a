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
import { plainFileHead, resumed } from './lines.js';
import { isGzip } from '../capture/sniff.js';

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

/**
 * A stream (standard input, a pipe) longer than this is read on a worker too, fed its bytes by
 * the calling thread: its length is not known, and a shorter one is read before a worker would
 * have started.
 */
export const STREAM_ON_WORKER_BYTES = 8 << 20;

/** Bytes of a stream a worker is fed at a time (a pipe gives 64 KB a read), and how many such ahead of what it has taken. */
const FEED_BYTES = 256 << 10;
const FEED_CREDIT = 8;

/** What a reading worker is given (its `workerData`). */
export interface ReadJob {
  /** The log's path, or a fed stream's name. */
  path: string;
  /** The log is a stream the calling thread feeds (`fedChunks`, `fedBytes`). */
  fed: boolean;
}

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

/**
 * Whether a worker may read a stream now, and the stream to read either way (its first bytes,
 * read to tell, given again first). A stream's writer (cat, zcat) is a process of its own, busy
 * while the stream is read: a worker is started only where two may read beside the calling thread
 * (`threads` of 2 or more: `--threads 3`, the default on four cores), a core left for the writer
 * — on two cores `zcat … | callhome` on three busy threads took 4.2–4.6 s where two took 3.7–3.8.
 * And only for a long stream (not ended within STREAM_ON_WORKER_BYTES) of plain text (gzip is
 * inflated on zlib's thread already), the built `script` there, fewer than `threads` reading.
 */
export async function mayFeedWorker(
  script: URL,
  stream: AsyncIterable<Uint8Array>,
  threads: number,
  /** Whether the worker reads a text that begins with these bytes (its first chunk). */
  reads: (head: Uint8Array) => boolean = () => true,
): Promise<{ long: boolean; stream: AsyncIterable<Uint8Array> }> {
  if (threads < 2 || running >= threads || script.protocol !== 'file:' || !existsSync(fileURLToPath(script)))
    return { long: false, stream };
  const iterator = stream[Symbol.asyncIterator]();
  const held: Uint8Array[] = [];
  let bytes = 0;
  let next = await iterator.next();
  const gzip = next.done !== true && isGzip(next.value);
  while (next.done !== true) {
    held.push(next.value);
    bytes += next.value.length;
    if (gzip || bytes >= STREAM_ON_WORKER_BYTES) break;
    next = await iterator.next();
  }
  const ended = next.done === true;
  return { long: !ended && !gzip && reads(held[0]!), stream: resumed(held, iterator, ended) };
}

/**
 * What a reading worker posts: a batch, its end (what it read), or why it stopped; and, fed a
 * stream, each chunk it has taken.
 */
export type ReadMessage<B, E> = { batch: B } | { end: E } | { error: string; code?: string } | { taken: ArrayBuffer };

/** What the calling thread posts to a worker fed a stream: a chunk (the first `length` bytes of `buffer`), or the stream's end. */
type FeedMessage = { chunk: ArrayBuffer; length: number } | { fedEnd: true };

/**
 * Feeds a stream to a worker (readOnWorker's `feed`): its chunks gathered into FEED_BYTES at a
 * time, in memory moved to the worker and moved back once it has read them (`taken`), to be
 * filled again — memory dropped by one thread and made by the other was left for the worker's
 * collector, tens of megabytes of it at a time. FEED_CREDIT of them at most are in flight.
 */
class Feeder {
  private credit = FEED_CREDIT;
  private readonly spare: ArrayBuffer[] = [];
  private wake: (() => void) | null = null;
  private stopped = false;

  constructor(
    private readonly worker: Worker,
    feed: AsyncIterable<Uint8Array>,
    onError: (e: Error) => void,
  ) {
    this.run(feed).catch(onError);
  }

  /** The worker has read a chunk: its memory back. */
  taken(buffer: ArrayBuffer): void {
    if (this.spare.length < FEED_CREDIT) this.spare.push(buffer);
    this.credit++;
    this.woken();
  }

  stop(): void {
    this.stopped = true;
    this.woken();
  }

  private woken(): void {
    this.wake?.();
    this.wake = null;
  }

  private async run(feed: AsyncIterable<Uint8Array>): Promise<void> {
    let gathered = new Uint8Array(this.spare.pop() ?? new ArrayBuffer(FEED_BYTES));
    let length = 0;
    const post = async (): Promise<boolean> => {
      while (this.credit <= 0 && !this.stopped) await new Promise<void>((go) => (this.wake = go));
      if (this.stopped) return false;
      this.credit--;
      const buffer = gathered.buffer;
      this.worker.postMessage({ chunk: buffer, length } satisfies FeedMessage, [buffer]);
      gathered = new Uint8Array(this.spare.pop() ?? new ArrayBuffer(FEED_BYTES));
      length = 0;
      return true;
    };
    for await (const chunk of feed) {
      if (length + chunk.length > gathered.length && length > 0 && !(await post())) return;
      if (chunk.length > gathered.length) gathered = new Uint8Array(chunk.length);
      gathered.set(chunk, length);
      length += chunk.length;
    }
    if (length > 0 && !(await post())) return;
    this.worker.postMessage({ fedEnd: true } satisfies FeedMessage);
  }
}

/**
 * Runs the worker `script` with `job`, handing each batch it posts to `onBatch` in order, and
 * giving it credit for another once the batch is taken and `pause` (LoadOptions.pause) lets the
 * reading go on; its end. Throws what the worker stopped on (with its code: a file that cannot be
 * opened), or when it stops without an end. With `feed`, the worker reads that stream (`job.path`
 * its name), fed to it here chunk by chunk (`fedChunks`), FEED_CREDIT ahead at most.
 */
export async function readOnWorker<B, E>(
  script: URL,
  job: { path: string },
  /** Takes a batch; what it returns (the batch's memory, no longer used) goes back to the worker to be filled again. */
  onBatch: (batch: B) => ArrayBuffer[] | void,
  pause?: () => Promise<void> | null,
  feed?: AsyncIterable<Uint8Array>,
): Promise<E> {
  running++;
  // A small heap: it holds a batch or two at a time, and its memory is the analysis's to use.
  const worker = new Worker(script, {
    workerData: { path: job.path, fed: feed !== undefined } satisfies ReadJob,
    resourceLimits: WORKER_HEAP,
  });
  const queue: Exclude<ReadMessage<B, E>, { taken: ArrayBuffer }>[] = [];
  // (Set by the worker's events: an object, so that the loop below reads it again each time.)
  const end: { error: Error | null } = { error: null };
  let wake: (() => void) | null = null;
  const woken = (): void => {
    wake?.();
    wake = null;
  };
  const feeder =
    feed !== undefined
      ? new Feeder(worker, feed, (e) => {
          end.error ??= e;
          woken();
        })
      : null;
  worker.on('message', (m: ReadMessage<B, E>) => {
    if ('taken' in m) {
      feeder?.taken(m.taken);
      return;
    }
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
    feeder?.stop();
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
    // (A fed stream's chunks are fedChunks'.)
    if (typeof m === 'object' && m !== null && !Array.isArray(m)) return;
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

/**
 * The worker's side of a fed stream (readOnWorker's `feed`): the chunks the calling thread posts,
 * in order, each given back (`done`) once read, its memory moved back to be filled again.
 */
class Fed {
  private readonly chunks: Uint8Array[] = [];
  private ended = false;
  private wake: (() => void) | null = null;

  constructor(private readonly port: import('node:worker_threads').MessagePort) {
    // (Listened to from the start: a chunk may come before the reading asks for one.)
    port.on('message', (m: unknown) => {
      if (typeof m !== 'object' || m === null || Array.isArray(m)) return;
      const fed = m as FeedMessage;
      if ('chunk' in fed) this.chunks.push(new Uint8Array(fed.chunk, 0, fed.length));
      else this.ended = true;
      this.wake?.();
      this.wake = null;
    });
  }

  /** The next chunk, null at the stream's end. */
  async next(): Promise<Uint8Array | null> {
    for (;;) {
      const chunk = this.chunks.shift();
      if (chunk !== undefined) return chunk;
      if (this.ended) return null;
      await new Promise<void>((go) => (this.wake = go));
    }
  }

  /** `chunk` read: nothing holds its bytes any more. */
  done(chunk: Uint8Array): void {
    const buffer = chunk.buffer as ArrayBuffer;
    this.port.postMessage({ taken: buffer } satisfies ReadMessage<never, never>, [buffer]);
  }
}

/**
 * A fed stream's chunks, each given back once the next is asked for: lines are cut from a plain
 * stream's chunk before the next is read (mayFeedWorker feeds no gzip).
 */
export function fedChunks(port: import('node:worker_threads').MessagePort): AsyncIterable<Uint8Array> {
  // (Made now, not when the reading first asks: it listens from the start.)
  const fed = new Fed(port);
  return (async function* chunks(): AsyncGenerator<Uint8Array> {
    for (let chunk = await fed.next(); chunk !== null; chunk = await fed.next()) {
      yield chunk;
      fed.done(chunk);
    }
  })();
}

/**
 * A fed stream read as a file is (`read` fills `into` from `at` with up to `most` bytes; 0 at the
 * end), each chunk given back once copied out of.
 */
export function fedBytes(port: import('node:worker_threads').MessagePort): {
  read(into: Uint8Array, at: number, most: number): Promise<number>;
} {
  const fed = new Fed(port);
  let chunk: Uint8Array | null = null;
  let used = 0;
  return {
    async read(into, at, most) {
      let got = 0;
      while (got < most) {
        if (chunk === null) {
          chunk = await fed.next();
          used = 0;
          if (chunk === null) return got;
        }
        const n = Math.min(most - got, chunk.length - used);
        into.set(chunk.subarray(used, used + n), at + got);
        got += n;
        used += n;
        if (used === chunk.length) {
          fed.done(chunk);
          chunk = null;
        }
      }
      return got;
    },
  };
}
