/**
 * A worker thread's side of `compare` on several cores: one input analysed on its own, as
 * `compare` analyses each (analyses.ts), its result posted back; the reader's progress is posted
 * as it goes.
 */

import { parentPort, workerData } from 'node:worker_threads';
import { analyzeOne, type AnalyzeJob } from './analyses.js';

const job = workerData as AnalyzeJob;
const progress = job.progress
  ? (file: string, read: number, total: number | null) => parentPort!.postMessage({ progress: [file, read, total] })
  : undefined;
parentPort!.postMessage(await analyzeOne(job, progress));
