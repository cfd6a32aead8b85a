/**
 * The built command and modules (dist/, made by `pretest`): worker threads run the built code, so
 * the tests of what runs on them drive it as a user does.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { projectRoot } from './corpus.js';

/** The built `callhome` executable. */
export const builtCli = resolve(projectRoot, 'dist/cli/main.js');

/** `callhome args…` run from the build (`input` piped to it), its exit status and what it wrote (up to 512 MB). */
export function runBuilt(args: string[], input?: Buffer | string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [builtCli, ...args], { encoding: 'utf8', maxBuffer: 1 << 29, input });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A built module of dist/ (e.g. 'logs/split-lines.js'), as the worker threads load it. */
export async function builtModule<T>(path: string): Promise<T> {
  return (await import(resolve(projectRoot, 'dist', path))) as T;
}
