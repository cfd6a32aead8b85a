/**
 * The fuzz suite as CI runs it: a fixed seed and a bounded number of mutated captures (the
 * small seed files), each through every command in this process and a rotating sample through
 * the built CLI. `npm run fuzz` runs the same campaign longer (campaign.fuzz.ts).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../support/corpus.js';
import { describeSummary, makeCase, runCampaign, seedFiles } from './campaign.js';
import { parseCapture, serializeCapture } from './container.js';
import { KNOWN_FAILURES } from './known-failures.js';
import { MUTATION_NAMES } from './mutator.js';
import { COMMANDS, csvRows, injectedMarkup, violations, type CliRun } from './oracle.js';

/** Cases CI runs: about 25 s on a two-core machine, well within two minutes on a slow one. */
const CI_CASES = 250;
const CI_SEED = 20_240_601;
/** Seed files up to this size keep a case fast; `npm run fuzz` uses them all. */
const CI_MAX_BYTES = 70_000;

const files = seedFiles(CI_MAX_BYTES);

describe('the mutator', () => {
  it('takes every seed capture apart and puts it back byte for byte', () => {
    for (const file of seedFiles()) {
      const bytes = new Uint8Array(readFileSync(resolve(projectRoot, file)));
      expect(Buffer.from(serializeCapture(parseCapture(bytes))).equals(Buffer.from(bytes)), file).toBe(true);
    }
  });

  it('makes the same input from the same seed and case, and different ones from others', () => {
    const a = makeCase(7, 42, files);
    const b = makeCase(7, 42, files);
    expect(Buffer.from(a.bytes).equals(Buffer.from(b.bytes))).toBe(true);
    expect(a.steps).toEqual(b.steps);
    const others = [makeCase(7, 43, files), makeCase(8, 42, files)];
    for (const c of others) expect(Buffer.from(c.bytes).equals(Buffer.from(a.bytes)) && c.steps.join() === a.steps.join()).toBe(false);
  });

  it('uses every kind of mutation over a few hundred cases, and changes the input', () => {
    const used = new Set<string>();
    let changed = 0;
    for (let n = 0; n < 400; n++) {
      const c = makeCase(CI_SEED, n, files);
      for (const step of c.steps) used.add(step.split(':')[0]!);
      const original = readFileSync(resolve(projectRoot, c.source));
      if (!original.equals(Buffer.from(c.bytes))) changed++;
    }
    expect([...MUTATION_NAMES].filter((name) => !used.has(name))).toEqual([]);
    expect(changed).toBeGreaterThan(360);
  });
});

describe('the rules', () => {
  const run = (stdout: string, extra: Partial<CliRun> = {}): CliRun => ({
    args: [],
    code: 0,
    stdout,
    stderr: '',
    output: null,
    maxRssKib: null,
    ...extra,
  });
  const command = (name: string) => COMMANDS.find((c) => c.name === name)!;

  it('catch each kind of misbehaviour', () => {
    expect(violations(command('info'), run('fine'), 1)).toEqual([]);
    expect(violations(command('info'), run('', { code: 3 }), 1)).toEqual(['exit status 3 (only 0 or 1 are allowed)']);
    expect(violations(command('info'), run('', { stderr: 'callhome: error: internal error: x\n    at f (a.js:1:1)\n' }), 1)).toHaveLength(
      2,
    );
    expect(violations(command('analyze text'), run('host \x1b[2J'), 1)).toEqual(['an escape (ESC or C1) character in the text output']);
    expect(violations(command('flows zeek'), run('a\u202eb'), 1)).toEqual(['a bidi control character in the zeek output']);
    expect(violations(command('flows csv'), run('a,b\r\n1,=cmd|x\r\n'), 1)).toHaveLength(1);
    expect(violations(command('flows csv'), run("a,b\r\n-1,'=cmd|x\r\n"), 1)).toEqual([]);
    const damage = 'callhome: warning: f: record 2 at byte 40 is cut short: … — reading stopped there, after 1 record\n';
    expect(violations(command('info'), run('', { stderr: damage.repeat(2), code: 1 }), 1)).toEqual(['2 damage warnings for 1 input(s)']);
    expect(violations(command('info'), run('', { maxRssKib: 2 << 20 }), 1)).toEqual(['peak memory 2048 MiB']);
  });

  it('tell escaped hostile text in HTML from markup', () => {
    expect(injectedMarkup('<td title="&lt;img src=x onerror=alert(1)&gt;">&lt;script&gt; onload=x</td>')).toBeNull();
    expect(injectedMarkup('<td><script>alert(1)</script></td>')).toBe('<script>');
    expect(injectedMarkup('<td><svg onload=alert(1)></td>')).toBe('<svg onload=alert(1)>');
    expect(injectedMarkup('<a href="javascript:alert(1)">x</a>')).toBe('<a href="javascript:alert(1)">');
  });

  it('read CSV as RFC 4180 does', () => {
    expect(csvRows('a,"b,c","d""e"\r\n"x\ny",2\r\n')).toEqual([
      ['a', 'b,c', 'd"e'],
      ['x\ny', '2'],
    ]);
  });
});

describe('mutated captures through every command', () => {
  it(`${CI_CASES} cases (seed ${CI_SEED}) break none of the rules`, { timeout: 300_000 }, async () => {
    const summary = await runCampaign({ seed: CI_SEED, cases: CI_CASES, files, spawnEvery: 5, save: true, known: KNOWN_FAILURES });
    if (summary.failures.length > 0) console.log(describeSummary(summary, CI_SEED));
    expect(summary.failures.map((f) => `case ${f.caseNumber} (${f.source}) ${f.command}: ${f.problems.join('; ')}`)).toEqual([]);
    // the hostile text got through to the outputs often enough for the text rules to mean something
    expect(summary.hostileReached).toBeGreaterThan(CI_CASES / 8);
    expect(summary.spawned).toBeGreaterThanOrEqual(COMMANDS.length);
  });
});
