/**
 * What every run of the CLI on a damaged or hostile capture must do, whatever the bytes: exit 0
 * or 1, no internal error or stack trace, at most one damage warning a file, no terminal control
 * or bidi characters in text output, no spreadsheet formula starting a CSV cell, no markup from
 * the capture in HTML or Markdown, JSON that parses, and memory within bounds.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runCli } from '../../src/cli/program.js';
import { projectRoot } from '../support/corpus.js';

export const cliMain = resolve(projectRoot, 'dist/cli/main.js');

/** Peak memory a spawned run may reach (resident set, with --max-old-space-size=512 on the heap). */
export const MAX_RSS_KIB = 768 * 1024;

export interface CliRun {
  args: string[];
  code: number;
  stdout: string;
  stderr: string;
  /** The -o file's contents, when the command wrote one. */
  output: string | null;
  /** Peak resident set in KiB, when measured. */
  maxRssKib: number | null;
}

/** What a command writes, so the right checks apply. */
type Kind = 'text' | 'markdown' | 'json' | 'ndjson' | 'csv' | 'zeek' | 'html';

export interface Command {
  name: string;
  kind: Kind;
  /** argv for the CLI, given the input path(s) and a scratch folder. */
  args(input: string, other: string, scratch: string): string[];
  /** Where the result lands when not on standard output. */
  outputFile?(scratch: string): string;
}

/** Every command and format the CLI has (analyze writes no CSV: its formats are text, markdown, json). */
export const COMMANDS: readonly Command[] = [
  { name: 'info', kind: 'text', args: (i) => ['info', i] },
  { name: 'info json', kind: 'json', args: (i) => ['info', '--format', 'json', i] },
  { name: 'analyze text', kind: 'text', args: (i) => ['analyze', '--all-hosts', i] },
  { name: 'analyze json', kind: 'json', args: (i) => ['analyze', '--format', 'json', i] },
  { name: 'analyze markdown', kind: 'markdown', args: (i) => ['analyze', '--all-hosts', '--format', 'markdown', i] },
  { name: 'flows text', kind: 'text', args: (i) => ['flows', i] },
  { name: 'flows json', kind: 'ndjson', args: (i) => ['flows', '--format', 'json', i] },
  { name: 'flows csv', kind: 'csv', args: (i) => ['flows', '--format', 'csv', i] },
  { name: 'flows zeek', kind: 'zeek', args: (i) => ['flows', '--format', 'zeek', i] },
  { name: 'flows csv by start', kind: 'csv', args: (i) => ['flows', '--sort', 'start', '--format', 'csv', i] },
  {
    name: 'report html',
    kind: 'html',
    args: (i, _o, s) => ['report', '--all-hosts', '-o', join(s, 'report.html'), i],
    outputFile: (s) => join(s, 'report.html'),
  },
  { name: 'report markdown', kind: 'markdown', args: (i) => ['report', '--format', 'markdown', i] },
  { name: 'compare', kind: 'text', args: (i, o) => ['compare', i, o] },
  { name: 'compare json', kind: 'json', args: (i, o) => ['compare', '--format', 'json', o, i] },
  { name: 'known suggest', kind: 'text', args: (i) => ['known', 'suggest', i] },
];

/** Runs the CLI in this process (the library under the thin CLI; fast enough for every command). */
export async function runInProcess(command: Command, input: string, other: string, scratch: string): Promise<CliRun> {
  const args = command.args(input, other, scratch);
  const outputFile = command.outputFile?.(scratch) ?? null;
  if (outputFile !== null) rmSync(outputFile, { force: true });
  let stdout = '';
  let stderr = '';
  let code: number;
  try {
    code = await runCli(args, {
      stdout: { write: (s: string) => ((stdout += s), true), isTTY: false, columns: 100 },
      stderr: { write: (s: string) => ((stderr += s), true), isTTY: false },
      env: {},
    });
  } catch (e) {
    // runCli maps every error to a status; one escaping it is a failure of its own
    code = -1;
    stderr += `runCli threw: ${(e as Error).stack ?? String(e)}`;
  }
  const output = outputFile !== null && existsSync(outputFile) ? readFileSync(outputFile, 'utf8') : null;
  return { args, code, stdout, stderr, output, maxRssKib: null };
}

const timeBinary = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

/** Runs the built CLI as a user would, with the heap capped and the peak memory measured where /usr/bin/time exists. */
export function runSpawned(command: Command, input: string, other: string, scratch: string): Promise<CliRun> {
  const args = command.args(input, other, scratch);
  const outputFile = command.outputFile?.(scratch) ?? null;
  if (outputFile !== null) rmSync(outputFile, { force: true });
  const rssFile = join(scratch, 'rss.txt');
  rmSync(rssFile, { force: true });
  const node = [process.execPath, '--max-old-space-size=512', cliMain, ...args];
  const [file, argv] = timeBinary !== null ? [timeBinary, ['-f', '%M', '-o', rssFile, ...node]] : [node[0]!, node.slice(1)];
  return new Promise((done) => {
    execFile(
      file,
      argv,
      { encoding: 'utf8', maxBuffer: 256 << 20, timeout: 120_000, env: { ...process.env, NO_COLOR: '1' } },
      (error, stdout, stderr) => {
        const status = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        let maxRssKib: number | null = null;
        if (existsSync(rssFile)) {
          const figure = /(\d+)\s*$/.exec(readFileSync(rssFile, 'utf8'));
          if (figure) maxRssKib = Number(figure[1]);
        }
        // /usr/bin/time reports a signal as "Command terminated by signal N" in its file
        const output = outputFile !== null && existsSync(outputFile) ? readFileSync(outputFile, 'utf8') : null;
        done({ args, code: status, stdout, stderr, output, maxRssKib });
      },
    );
  });
}

const ESC_OR_C1_CONTROL = /[\x1b\x9b\x9d]/;
const BIDI = /[\u202a-\u202e\u2066-\u2069]/;
/** Elements the report never writes and that run or load something. */
const DANGEROUS_ELEMENTS = new Set([
  'script',
  'img',
  'iframe',
  'object',
  'embed',
  'base',
  'form',
  'input',
  'frame',
  'frameset',
  'math',
  'link',
  'video',
  'audio',
  'foreignobject',
]);

/**
 * Markup in an HTML page that the page's author did not write: a dangerous element, an event
 * handler attribute, or a javascript: URL (text that merely reads "onerror=" once escaped is fine).
 */
export function injectedMarkup(html: string): string | null {
  for (const tag of html.matchAll(/<([a-zA-Z][^\s/>]*)((?:[^>"']|"[^"]*"|'[^']*')*)>/g)) {
    const name = tag[1]!.toLowerCase();
    if (DANGEROUS_ELEMENTS.has(name)) return tag[0].slice(0, 80);
    for (const attribute of tag[2]!.matchAll(/([^\s=]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>]*))?/g)) {
      const attributeName = attribute[1]!.toLowerCase();
      const value = (attribute[2] ?? '').replace(/^["']|["']$/g, '');
      if (attributeName.startsWith('on')) return tag[0].slice(0, 80);
      if (/href|src|action/.test(attributeName) && /^\s*javascript:/i.test(value)) return tag[0].slice(0, 80);
    }
  }
  return null;
}

/** Splits CSV text (RFC 4180) into rows of cells. */
export function csvRows(textIn: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  let i = 0;
  while (i < textIn.length) {
    const c = textIn[i]!;
    if (quoted) {
      if (c === '"' && textIn[i + 1] === '"') {
        cell += '"';
        i += 2;
        continue;
      }
      if (c === '"') quoted = false;
      else cell += c;
      i++;
      continue;
    }
    if (c === '"' && cell === '') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && textIn[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
    i++;
  }
  if (cell !== '' || row.length > 0) rows.push([...row, cell]);
  return rows;
}

/** Everything wrong with one run, in words (empty when it behaved). */
export function violations(command: Command, run: CliRun, inputs: number): string[] {
  const problems: string[] = [];
  if (run.code !== 0 && run.code !== 1) problems.push(`exit status ${run.code} (only 0 or 1 are allowed)`);
  if (/internal error/i.test(run.stderr)) problems.push('"internal error" on standard error');
  if (/^ {4}at /m.test(run.stderr) || /runCli threw/.test(run.stderr)) problems.push('a stack trace on standard error');
  const stopped = run.stderr.split('\n').filter((l) => /reading stopped there|is cut short/.test(l)).length;
  if (stopped > inputs) problems.push(`${stopped} damage warnings for ${inputs} input(s)`);
  const warnings = run.stderr.split('\n').filter((l) => /warning:/.test(l)).length;
  if (warnings > 6 * inputs) problems.push(`${warnings} warning lines for ${inputs} input(s)`);
  if (ESC_OR_C1_CONTROL.test(run.stderr) || BIDI.test(run.stderr)) problems.push('a control or bidi character on standard error');
  const body = run.output ?? run.stdout;
  if (ESC_OR_C1_CONTROL.test(body)) problems.push(`an escape (ESC or C1) character in the ${command.kind} output`);
  if (BIDI.test(body)) problems.push(`a bidi control character in the ${command.kind} output`);
  switch (command.kind) {
    case 'html':
      if (run.code === 0 && run.output === null) problems.push('report -o x.html wrote no file');
      {
        const markup = injectedMarkup(body);
        if (markup !== null) problems.push(`markup from the capture in the HTML: ${markup}`);
      }
      break;
    case 'markdown': {
      const raw = /(?<!\\)<\s*(script|img|iframe|svg)/i.exec(body);
      if (raw) problems.push(`unescaped markup in the Markdown: ${raw[0]}`);
      break;
    }
    case 'csv':
      for (const [r, row] of csvRows(body).entries()) {
        // a number (-1 is the "none seen" of a TTL column) is a value, not a formula
        const bad = row.find((cell) => /^[=+\-@\t\r]/.test(cell) && !/^-?\d+(\.\d+)?$/.test(cell));
        if (bad !== undefined) {
          problems.push(`CSV row ${r + 1} has a cell starting a formula: ${JSON.stringify(bad.slice(0, 40))}`);
          break;
        }
      }
      break;
    case 'json':
      if (body.trim() !== '') {
        try {
          JSON.parse(body);
        } catch (e) {
          problems.push(`JSON output does not parse: ${(e as Error).message}`);
        }
      }
      break;
    case 'ndjson':
      for (const line of body.split('\n')) {
        if (line === '') continue;
        try {
          JSON.parse(line);
        } catch (e) {
          problems.push(`an NDJSON line does not parse: ${(e as Error).message}`);
          break;
        }
      }
      break;
    case 'text':
    case 'zeek':
      break;
  }
  if (run.maxRssKib !== null && run.maxRssKib > MAX_RSS_KIB) problems.push(`peak memory ${Math.round(run.maxRssKib / 1024)} MiB`);
  return problems;
}

export function ensureDir(path: string): string {
  mkdirSync(path, { recursive: true });
  return path;
}
