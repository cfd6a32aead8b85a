/**
 * A fuzzing campaign: for each case, a corpus capture mutated by the seeded mutator and run
 * through every command of the CLI in this process, and one command through the built CLI as a
 * separate process (heap capped, peak memory measured); every broken rule is a failure, saved
 * with the seed and case number that replay it.
 */
import { closeSync, mkdtempSync, openSync, readSync, readdirSync, rmSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, extname, join, relative, resolve } from 'node:path';
import { projectRoot } from '../support/corpus.js';
import { mutate } from './mutator.js';
import { COMMANDS, ensureDir, runInProcess, runSpawned, violations, type CliRun, type Command } from './oracle.js';
import { Rng } from './random.js';

/** Where failing inputs are written (gitignored). */
export const FAILURES_DIR = resolve(projectRoot, 'fuzz-failures');

const CAPTURE_MAGICS = new Set([0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1, 0xa1b2cd34, 0x34cdb2a1, 0x0a0d0d0a]);

function leadingWord(path: string): number | null {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(4);
    return readSync(fd, head, 0, 4, 0) === 4 ? head.readUInt32LE(0) : null;
  } finally {
    closeSync(fd);
  }
}

function walk(dir: string, out: string[]): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) walk(path, out);
    else if (e.isFile()) out.push(path);
  }
}

/** The corpus the mutator starts from: every pcap or pcapng file under test/corpus and captures/, up to `maxBytes` each, in a stable order. */
export function seedFiles(maxBytes = Number.POSITIVE_INFINITY): string[] {
  const files: string[] = [];
  walk(resolve(projectRoot, 'test/corpus'), files);
  walk(resolve(projectRoot, 'captures'), files);
  return files
    .filter((f) => statSync(f).size <= maxBytes && statSync(f).size >= 4)
    .filter((f) => {
      const word = leadingWord(f);
      return word !== null && CAPTURE_MAGICS.has(word);
    })
    .map((f) => relative(projectRoot, f))
    .sort();
}

export interface Failure {
  seed: number;
  caseNumber: number;
  source: string;
  steps: string[];
  command: string;
  args: string[];
  spawned: boolean;
  problems: string[];
  stderr: string;
  /** The saved input, when saved. */
  saved: string | null;
}

export interface CampaignOptions {
  seed: number;
  cases: number;
  /** First case number (to replay one case: first = n, cases = 1). */
  first?: number;
  /** Seed files (paths relative to the project root). */
  files: string[];
  /** Spawn the built CLI for one command of every n-th case (0: never). */
  spawnEvery: number;
  /** Save failing inputs to FAILURES_DIR. */
  save: boolean;
  /** Failures whose signature is listed here are known product bugs, counted apart. */
  known?: readonly { signature: RegExp; why: string }[];
  onCase?: (n: number, failures: number) => void;
}

export interface CampaignSummary {
  cases: number;
  runs: number;
  spawned: number;
  failures: Failure[];
  knownFailures: Failure[];
  maxRssKib: number;
  millis: number;
  /** Cases where hostile text from the mutator (marked "fz") reached some output: the text checks had something to check. */
  hostileReached: number;
  /** How often each mutation was applied. */
  mutations: Map<string, number>;
}

/** The bytes and description of case `n` of a run, exactly as the campaign makes them. */
export function makeCase(seed: number, n: number, files: string[]): { rng: Rng; source: string; bytes: Uint8Array; steps: string[] } {
  const rng = Rng.forCase(seed, n);
  const source = rng.pick(files);
  const original = new Uint8Array(readFileSync(resolve(projectRoot, source)));
  const { bytes, steps } = mutate(original, rng);
  return { rng, source, bytes, steps };
}

function signature(f: Failure): string {
  return `${f.command}: ${f.problems.join('; ')}`;
}

function save(f: Failure, bytes: Uint8Array): string {
  ensureDir(FAILURES_DIR);
  const stem = join(FAILURES_DIR, `seed-${f.seed}-case-${f.caseNumber}`);
  const ext = extname(f.source) || '.pcap';
  const file = `${stem}${ext}`;
  writeFileSync(file, bytes);
  // the command as it reads against the saved input
  const args = f.args.map((a) =>
    basename(a).startsWith('case.') ? relative(projectRoot, file) : a.startsWith(projectRoot) ? relative(projectRoot, a) : a,
  );
  const replay = `FUZZ_SEED=${f.seed} FUZZ_FIRST=${f.caseNumber} FUZZ_CASES=1 npm run fuzz`;
  writeFileSync(
    `${stem}.txt`,
    [
      `seed ${f.seed}, case ${f.caseNumber} (replay: ${replay})`,
      `from ${f.source}, mutated by:`,
      ...f.steps.map((s) => `  ${s}`),
      `command: callhome ${args.join(' ')}${f.spawned ? ' (spawned)' : ''}`,
      'problems:',
      ...f.problems.map((p) => `  ${p}`),
      'standard error:',
      f.stderr.slice(0, 4000),
      '',
    ].join('\n'),
  );
  return file;
}

export async function runCampaign(o: CampaignOptions): Promise<CampaignSummary> {
  const started = Date.now();
  const scratch = mkdtempSync(join(tmpdir(), 'callhome-fuzz-'));
  const summary: CampaignSummary = {
    cases: 0,
    runs: 0,
    spawned: 0,
    failures: [],
    knownFailures: [],
    maxRssKib: 0,
    millis: 0,
    hostileReached: 0,
    mutations: new Map(),
  };
  const seen = new Set<string>();
  const first = o.first ?? 0;
  try {
    for (let n = first; n < first + o.cases; n++) {
      const { source, bytes, steps } = makeCase(o.seed, n, o.files);
      for (const step of steps) {
        const name = step.split(':')[0]!;
        summary.mutations.set(name, (summary.mutations.get(name) ?? 0) + 1);
      }
      const input = join(scratch, `case${extname(source) || '.pcap'}`);
      writeFileSync(input, bytes);
      const other = resolve(projectRoot, source);
      const record = (command: Command, run: CliRun, spawned: boolean): void => {
        summary.runs++;
        if (run.maxRssKib !== null) summary.maxRssKib = Math.max(summary.maxRssKib, run.maxRssKib);
        const problems = violations(command, run, command.name.startsWith('compare') ? 2 : 1);
        if (problems.length === 0) return;
        const failure: Failure = {
          seed: o.seed,
          caseNumber: n,
          source,
          steps,
          command: command.name,
          args: run.args,
          spawned,
          problems,
          stderr: run.stderr,
          saved: null,
        };
        const sig = signature(failure);
        const known = o.known?.find((k) => k.signature.test(sig));
        if (known) {
          summary.knownFailures.push(failure);
          return;
        }
        // one saved input per kind of failure is plenty
        const key = sig.replace(/\d[\d,.]*/g, 'N');
        if (o.save && !seen.has(key)) failure.saved = save(failure, bytes);
        seen.add(key);
        summary.failures.push(failure);
      };
      let reached = false;
      for (const command of COMMANDS) {
        const run = await runInProcess(command, input, other, scratch);
        reached ||= /fz/.test(run.output ?? run.stdout);
        record(command, run, false);
      }
      if (reached) summary.hostileReached++;
      if (o.spawnEvery > 0 && n % o.spawnEvery === 0) {
        // in turn, so that a run of a few dozen spawns covers every command
        const command = COMMANDS[Math.floor(n / o.spawnEvery) % COMMANDS.length]!;
        record(command, await runSpawned(command, input, other, scratch), true);
        summary.spawned++;
      }
      summary.cases++;
      o.onCase?.(n, summary.failures.length);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  summary.millis = Date.now() - started;
  return summary;
}

/** A summary in a few lines, for the console. */
export function describeSummary(s: CampaignSummary, seed: number): string {
  const lines = [
    `fuzz: seed ${seed}, ${s.cases} cases, ${s.runs} command runs (${s.spawned} spawned) in ${(s.millis / 1000).toFixed(1)} s; peak memory of a spawned run ${Math.round(s.maxRssKib / 1024)} MiB`,
    `fuzz: hostile text reached the output in ${s.hostileReached} cases; ${s.failures.length} failures, ${s.knownFailures.length} known failures`,
    `fuzz: mutations applied: ${[...s.mutations.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  ];
  const bySignature = new Map<string, Failure[]>();
  for (const f of s.failures) {
    const key = `${f.command}: ${f.problems.join('; ')}`.replace(/\d[\d,.]*/g, 'N');
    bySignature.set(key, [...(bySignature.get(key) ?? []), f]);
  }
  for (const [key, group] of bySignature) {
    const f = group[0]!;
    lines.push(
      `  ${group.length}x ${key}`,
      `     e.g. case ${f.caseNumber} from ${f.source} (${f.steps.join(' | ')})${f.saved ? ` saved as ${relative(projectRoot, f.saved)}` : ''}`,
    );
  }
  return lines.join('\n');
}
