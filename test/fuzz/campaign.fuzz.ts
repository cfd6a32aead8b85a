/**
 * `npm run fuzz`: a long campaign of the same mutator and rules as fuzz.test.ts. FUZZ_CASES
 * (default 2000), FUZZ_SEED (default: from the clock, printed), FUZZ_FIRST (first case number, to
 * replay one), FUZZ_MAX_BYTES (largest seed file, default all), FUZZ_SPAWN_EVERY (default 5).
 * Failing inputs go to fuzz-failures/ with the seed and case number that replay them.
 */
import { expect, it } from 'vitest';
import { describeSummary, FAILURES_DIR, runCampaign, seedFiles } from './campaign.js';
import { KNOWN_FAILURES } from './known-failures.js';

function envNumber(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name}: '${text}' is not a whole number`);
  return n;
}

it('survives a long fuzzing campaign', async () => {
  const seed = envNumber('FUZZ_SEED', Date.now() % 1_000_000);
  const cases = envNumber('FUZZ_CASES', 2000);
  const first = envNumber('FUZZ_FIRST', 0);
  const files = seedFiles(envNumber('FUZZ_MAX_BYTES', Number.MAX_SAFE_INTEGER));
  console.log(`fuzz: seed ${seed}, cases ${first}..${first + cases - 1}, ${files.length} seed files`);
  const summary = await runCampaign({
    seed,
    cases,
    first,
    files,
    spawnEvery: envNumber('FUZZ_SPAWN_EVERY', 5),
    save: true,
    known: KNOWN_FAILURES,
    onCase: (n, failures) => {
      if ((n + 1) % 100 === 0) console.log(`fuzz: case ${n + 1}, ${failures} failures so far`);
    },
  });
  console.log(describeSummary(summary, seed));
  if (summary.failures.length > 0) console.log(`fuzz: failing inputs are in ${FAILURES_DIR}`);
  expect(summary.failures.map((f) => `case ${f.caseNumber} ${f.command}: ${f.problems.join('; ')}`)).toEqual([]);
});
