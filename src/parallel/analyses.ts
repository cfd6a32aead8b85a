/**
 * Inputs analysed each on its own (`compare`) on several cores: every input is its own analysis,
 * so each goes to a worker thread, `threads` at a time, and the results come back in the inputs'
 * order — the same results one thread makes analysing them in turn. Only regular files go to
 * workers (they read them by name); where workers cannot be started (running from the sources)
 * or one fails in a way an analysis does not (no result), that input is analysed on this thread.
 */

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { AnalysisResult } from '../analysis/types.js';
import { CaptureError } from '../capture/index.js';
import type { AnalyzeCapturesOptions } from '../index.js';

const WORKER = new URL('./analyze-worker.js', import.meta.url);

/** Whether worker threads can be started here (the built worker script is there: not when running from the sources). */
export function canAnalyzeInWorkers(): boolean {
  return WORKER.protocol === 'file:' && existsSync(fileURLToPath(WORKER));
}

/** The options of an analysis a worker can be given: data only, no callbacks. */
export type WorkerOptions = Omit<AnalyzeCapturesOptions, 'onProgress' | 'onLogProgress' | 'pause'>;

export interface AnalyzeJob {
  input: string;
  options: WorkerOptions;
  /** Whether the reader's progress is wanted (posted after every chunk read: none when nobody shows it). */
  progress: boolean;
}

/** A CaptureError as data, to cross to another thread. */
interface ErrorData {
  code: CaptureError['code'];
  file: string;
  message: string;
  offset: number | null;
  record: number | null;
}

/** One input's analysis: its result when a capture of it was read, and what could not be read. */
export interface OneAnalysis {
  result: AnalysisResult | null;
  failures: CaptureError[];
}

type Posted = { ok: true; result: AnalysisResult | null; failures: ErrorData[] } | { ok: false; message: string };

/** Analyses `job.input` as `compare` does on one thread (index.ts compareOne), for a worker to post. */
export async function analyzeOne(
  job: AnalyzeJob,
  onProgress?: (file: string, bytesRead: number, totalBytes: number | null) => void,
): Promise<Posted> {
  try {
    const { compareOne } = await import('../index.js');
    const { result, failures } = await compareOne(job.input, { ...job.options, onProgress }, null);
    return {
      ok: true,
      result,
      failures: failures.map((e) => ({ code: e.code, file: e.file, message: e.message, offset: e.offset, record: e.record })),
    };
  } catch (e) {
    return { ok: false, message: (e as Error).message };
  }
}

/**
 * Analyses each of `inputs` on worker threads, `threads` at a time; `alone` analyses an input on
 * this thread instead (a worker that could not). Results in the inputs' order.
 */
export async function analyzeEach(
  inputs: readonly string[],
  options: AnalyzeCapturesOptions,
  threads: number,
  alone: (input: string) => Promise<OneAnalysis>,
): Promise<OneAnalysis[]> {
  const onProgress = options.onProgress;
  // What a worker is given is copied to it: callbacks (progress, pause) stay on this thread.
  const data = Object.fromEntries(Object.entries(options).filter(([, v]) => typeof v !== 'function')) as WorkerOptions;
  const results: Promise<OneAnalysis>[] = [];
  let running = 0;
  const waiting: (() => void)[] = [];
  const slot = async (): Promise<void> => {
    if (running < threads) {
      running++;
      return;
    }
    await new Promise<void>((resolve) => waiting.push(resolve));
  };
  const free = (): void => {
    const next = waiting.shift();
    if (next !== undefined) next();
    else running--;
  };
  for (const input of inputs) {
    results.push(
      slot().then(async () => {
        try {
          const posted = await inWorker({ input, options: data, progress: onProgress !== undefined }, onProgress);
          if (!posted.ok) return await alone(input);
          const failures = posted.failures.map((e) => new CaptureError(e.code, e.file, e.message, e.offset, e.record));
          return { result: posted.result, failures };
        } finally {
          free();
        }
      }),
    );
  }
  return Promise.all(results);
}

/** Runs `job` on a worker thread of its own; its progress goes to `onProgress`. */
function inWorker(job: AnalyzeJob, onProgress: AnalyzeCapturesOptions['onProgress']): Promise<Posted> {
  return new Promise((resolve) => {
    let settled = false;
    const worker = new Worker(WORKER, { workerData: job });
    const done = (p: Posted): void => {
      if (settled) return;
      settled = true;
      resolve(p);
      void worker.terminate();
    };
    worker.on('message', (m: Posted | { progress: [string, number, number | null] }) => {
      if ('progress' in m) onProgress?.(...m.progress);
      else done(m);
    });
    worker.once('error', (e) => done({ ok: false, message: e.message }));
    worker.once('exit', (code) => done({ ok: false, message: `the worker stopped (${code})` }));
  });
}
