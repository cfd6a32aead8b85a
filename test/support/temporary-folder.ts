/**
 * The suite's temporary files in one folder of the run's own, removed when the run ends: every
 * test file makes its scratch folders under `os.tmpdir()`, and the CLI runs it starts put their
 * spill files there too — without this, each run of the suite would leave a thousand folders in
 * the machine's /tmp. (vitest's globalSetup: it runs before the test processes are forked, and
 * they inherit TMPDIR.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const before = process.env.TMPDIR;
  const folder = mkdtempSync(join(tmpdir(), 'callhome-tests-'));
  process.env.TMPDIR = folder;
  return () => {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
    rmSync(folder, { recursive: true, force: true });
  };
}
