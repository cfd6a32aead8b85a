/**
 * The command-line program. Parses options, calls the library, picks a renderer, maps errors
 * to exit codes — and holds no analysis logic. It touches no global process state: argv, the
 * streams and the environment come in as parameters so that tests can drive it.
 */
import { SCORE_WEIGHTS } from '../analysis/labels.js';
import { closeSync, existsSync, openSync, readFileSync, readdirSync, realpathSync, statSync, writeSync } from 'node:fs';
import { extname, join, sep } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { Address4, Address6 } from 'ip-address';
import { analyze, compare, info, loadCaptures, streamConnections, type CaptureInput, type LoadOptions } from '../index.js';
import { CaptureError } from '../capture/index.js';
import { checkTimeZone, TimeZoneError } from '../logs/firewall/time.js';
import { sniffSinceBoot } from '../logs/firewall/index.js';
import { readHead } from '../logs/lines.js';
import { clockOf } from '../report/words.js';
import type { Clock } from '../time.js';
import { DEFAULT_INTERNAL, DEFAULT_WEB_PORTS, hasFindings, parseOrgsCsv } from '../analysis/index.js';
import type { AnalysisResult, CaptureSummary } from '../analysis/index.js';
import type { Connection, ConnState } from '../flows/index.js';
import { CONN_STATE_NAMES, isConnState } from '../flows/conn-state.js';
import { bytes, count, plural } from '../quantities.js';
import { suggestKnown } from '../analysis/index.js';
import { readKnownRules } from './known.js';
import { analyzeJsonPieces, compareJsonPieces } from '../report/json.js';
import {
  analyzeLineRenderers,
  analyzeRenderers,
  compareRenderers,
  flowsRenderers,
  flowsStreams,
  infoRenderers,
  knownRenderers,
  reportLineRenderers,
  reportRenderers,
  sanitizeTerminal,
  type RenderOptions,
} from '../report/index.js';

/**
 * `boot` when every input is a file whose first lines are a dmesg without -T — its times seconds
 * since the kernel booted, no dates — told before a row is read, for the table `flows` writes
 * while it reads; else `date` (standard input and folders too: their first lines are not read twice).
 */
function clockOfFiles(files: readonly string[]): Clock {
  if (files.length === 0) return 'date';
  for (const file of files) {
    try {
      if (file === '-' || !statSync(file).isFile() || !sniffSinceBoot(readHead(file))) return 'date';
    } catch {
      // unreadable here: the reader says why, in its own words
      return 'date';
    }
  }
  return 'boot';
}

export const EXIT_OK = 0;
export const EXIT_UNREADABLE = 1;
export const EXIT_USAGE = 2;
/** `--fail-on-findings`: the run was fine and at least one host has a finding. */
export const EXIT_FINDINGS = 3;

export interface WritableLike {
  /**
   * False when the text was queued (a pipe whose reader is behind): 'drain' tells when it is
   * taken. Bytes are UTF-8 text, and the stream keeps them (they are not written into again).
   */
  write(chunk: string | Uint8Array): unknown;
  once?(event: 'drain', listener: () => void): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface CliIO {
  stdout: WritableLike;
  stderr: WritableLike;
  env: Record<string, string | undefined>;
}

/** A usage problem found after commander parsed the line (bad CIDR, bad port, …). */
class UsageError extends Error {}

interface CommonOptions {
  internal?: string[];
  proxy?: string[];
  orgs?: string;
  webPorts?: string[];
  format?: string;
  output?: string;
  color: boolean;
  quiet?: boolean;
  verifyChecksums?: boolean;
  maxConnections?: string;
  threads?: string;
  year?: string;
  tz?: string;
  known?: string[];
  allHosts?: boolean;
  failOnFindings?: boolean;
}

interface FlowsOptions extends CommonOptions {
  sort?: string;
  host?: string[];
  port?: string[];
  state?: string;
  proto?: string;
}

const VERSION = '0.1.0';

const KNOWN_HELP =
  'known destinations: lines of "pattern  reason" (*.example.com, a CIDR, or address:port), repeatable; default $CALLHOME_KNOWN, else ~/.config/callhome/known when present';
const ALL_HOSTS_HELP = 'list every host; by default hosts without findings are counted by what they did';
/** A streamed output is written in batches of about this many characters … */
const FLUSH_BYTES = 64 << 10;
/** … and at most this long after a row, so rows show up while a stream is still arriving. */
const FLUSH_MS = 200;
/** Bytes a document written in pieces (emitPieces) is gathered into before they are written: 1 MiB at least, two at most. */
const BATCH_BYTES = 2 << 20;

/**
 * Repeatable options are collected one value at a time: variadic options (`<x...>`) would swallow
 * the capture paths that follow them on the command line.
 */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function validAddress(text: string): boolean {
  return Address4.isValid(text) || Address6.isValid(text);
}

function parseCidrs(values: string[] | undefined): string[] | undefined {
  if (!values) return undefined;
  const cidrs = values
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
  for (const cidr of cidrs) {
    const [address, bits, extra] = cidr.split('/');
    const maxBits = address !== undefined && address.includes(':') ? 128 : 32;
    const okBits = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= maxBits);
    if (extra !== undefined || address === undefined || !validAddress(address) || !okBits) {
      throw new UsageError(`--internal: '${cidr}' is not an address or CIDR block (e.g. 10.0.0.0/8, fd00::/8)`);
    }
  }
  return cidrs;
}

/** `addr`, `addr:port`, `[v6]:port` or a bare IPv6 address. */
export function parseProxy(text: string): { address: string; port: number | null } {
  let address = text.trim();
  let port: number | null = null;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(address);
  if (bracketed) {
    address = bracketed[1]!;
    port = bracketed[2] === undefined ? null : Number(bracketed[2]);
  } else if (/^[^:]+:\d+$/.test(address)) {
    const i = address.lastIndexOf(':');
    port = Number(address.slice(i + 1));
    address = address.slice(0, i);
  }
  if (!validAddress(address) || (port !== null && (port < 1 || port > 65535))) {
    throw new UsageError(`--proxy: '${text}' is not an address[:port] (e.g. 192.168.0.2:8080 or [fd00::2]:3128)`);
  }
  return { address, port };
}

function parsePorts(values: string[] | undefined, option: string): number[] | undefined {
  if (!values) return undefined;
  const ports = values
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
  return ports.map((p) => {
    const n = Number(p);
    if (!/^\d+$/.test(p) || n < 0 || n > 65535) throw new UsageError(`${option}: '${p}' is not a port number`);
    return n;
  });
}

function pickFormat<K extends string>(requested: string | undefined, registry: Record<K, unknown>, fallback: K, command: string): K {
  const format = (requested ?? fallback) as K;
  if (!Object.prototype.hasOwnProperty.call(registry, format)) {
    throw new UsageError(`${command}: --format must be one of ${Object.keys(registry).join(', ')} (got '${requested}')`);
  }
  return format;
}

/** The format an `-o` file's extension asks for. */
const EXTENSION_FORMATS: Record<string, string> = {
  '.json': 'json',
  '.md': 'markdown',
  '.csv': 'csv',
  '.log': 'zeek',
  '.tsv': 'zeek',
  '.html': 'html',
  '.htm': 'html',
  '.txt': 'text',
};

/** The extensions that pick one of `formats`, for help: ".json, .md, .log/.tsv zeek". */
function extensionsFor(formats: readonly string[]): string {
  const byFormat = new Map<string, string[]>();
  for (const [extension, format] of Object.entries(EXTENSION_FORMATS)) {
    // .htm is the lesser spelling of .html: accepted, not advertised.
    if (formats.includes(format) && extension !== '.htm') byFormat.set(format, [...(byFormat.get(format) ?? []), extension]);
  }
  return [...byFormat]
    .map(([format, extensions]) => (extensions.length > 1 ? `${extensions.join('/')} ${format}` : extensions[0]))
    .join(', ');
}

/** The file `-o` names, or null for standard output (no -o, or `-o -`). */
function outputFile(o: CommonOptions): string | null {
  return o.output === undefined || o.output === '-' ? null : o.output;
}

/**
 * The output format: --format when given, else the one the -o file's extension names (an
 * extension naming a format this command cannot write is a usage error), else the fallback.
 */
function chooseFormat<K extends string>(o: CommonOptions, registry: Record<K, unknown>, fallback: K, command: string): K {
  if (o.format !== undefined) return pickFormat(o.format, registry, fallback, command);
  const file = outputFile(o);
  const wanted = file === null ? undefined : EXTENSION_FORMATS[extname(file).toLowerCase()];
  if (wanted === undefined) return fallback;
  if (!Object.prototype.hasOwnProperty.call(registry, wanted)) {
    throw new UsageError(
      `${command} cannot write ${wanted} (-o ${file}); its formats are ${Object.keys(registry).join(', ')} — name the file accordingly or give --format`,
    );
  }
  return wanted as K;
}

/** Why a file could not be opened, in words where there are some. */
function why(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  return code ?? (e as Error).message;
}

/** Identity of a file on disk, so that links and other spellings of one file compare equal. */
function identity(path: string): string | null {
  try {
    const st = statSync(path);
    return st.isFile() ? `${st.dev}:${st.ino}` : null;
  } catch {
    return null;
  }
}

/** Every file a folder input would read (as inputs.ts walks it: hidden names skipped, links not followed). */
function folderFiles(dir: string, out: string[]): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const path = join(dir, e.name);
    if (e.isDirectory()) folderFiles(path, out);
    else if (e.isFile()) out.push(path);
  }
}

/**
 * Refuses an `-o` file that is one of the inputs — the same file by any path or link, or a file
 * inside a folder given as input — before anything is read or written.
 */
function refuseOverwrite(o: CommonOptions, inputs: readonly string[]): void {
  const file = outputFile(o);
  if (file === null) return;
  const target = identity(file);
  if (target === null) return; // not there yet (or not a file): nothing of the inputs to lose
  const real = realpathSync(file);
  const refuse = (): never => {
    throw new UsageError(`-o ${file} is one of the inputs; refusing to overwrite it`);
  };
  for (const input of inputs) {
    if (input === '-') continue;
    let isDirectory: boolean;
    try {
      isDirectory = statSync(input).isDirectory();
    } catch {
      continue;
    }
    if (!isDirectory) {
      if (identity(input) === target) refuse();
      continue;
    }
    const dir = realpathSync(input);
    if (real.startsWith(dir.endsWith(sep) ? dir : dir + sep)) refuse();
    const files: string[] = [];
    folderFiles(input, files);
    if (files.some((f) => identity(f) === target)) refuse();
  }
}

/** Whether any host has a finding (a label but `via-proxy` alone), for --fail-on-findings. */
function anyFindings(result: AnalysisResult): boolean {
  return result.hosts.some(hasFindings);
}

/** How hosts are ranked, from the weights the analysis uses (analysis/labels.ts). */
const SCORE_HELP =
  `\nHosts are ranked by score, highest first: a periodic connection that gets through directly to outside the network (a beacon) ` +
  `+${SCORE_WEIGHTS.beaconThrough}; a flood +${SCORE_WEIGHTS.flood}; a scan +${SCORE_WEIGHTS.scanner}; a DNS tunnel +${SCORE_WEIGHTS.dnsTunnel}; proxy bypass ` +
  `+${SCORE_WEIGHTS.proxyBypass}; blocked +${SCORE_WEIGHTS.blocked}; a schedule that fails or goes through the proxy ` +
  `+${SCORE_WEIGHTS.periodic}; via the proxy +${SCORE_WEIGHTS.viaProxy}; plus log10(1 + attempts).`;

export async function runCli(argv: string[], io: CliIO): Promise<number> {
  let exitCode = EXIT_OK;
  // Messages carry file names and text from captures: cleaned for the terminal like every renderer's.
  const say = (line: string): void => {
    io.stderr.write(`callhome: ${sanitizeTerminal(line)}\n`);
  };

  const loadOptions = (o: CommonOptions): LoadOptions & { quiet: boolean; onAnalysis?: (connections: number) => void } => {
    const maxConnections = o.maxConnections === undefined ? undefined : Number(o.maxConnections);
    if (maxConnections !== undefined && (!Number.isInteger(maxConnections) || maxConnections < 1)) {
      throw new UsageError(`--max-connections: '${o.maxConnections}' is not a positive whole number`);
    }
    const threads = o.threads === undefined ? undefined : Number(o.threads);
    if (threads !== undefined && (!Number.isInteger(threads) || threads < 1)) {
      throw new UsageError(`--threads: '${o.threads}' is not a positive whole number`);
    }
    const year = o.year === undefined ? undefined : Number(o.year);
    if (year !== undefined && (!Number.isInteger(year) || year < 1970 || year > 2200)) {
      throw new UsageError(`--year: '${o.year}' is not a year between 1970 and 2200`);
    }
    if (o.tz !== undefined) {
      try {
        checkTimeZone(o.tz);
      } catch (e) {
        if (e instanceof TimeZoneError) throw new UsageError(`--tz: ${e.message}`);
        throw e;
      }
    }
    const showProgress = io.stderr.isTTY === true && !o.quiet;
    let lastDraw = 0;
    /** The progress line drawn again, five times a second at most. */
    const draw = (line: string): void => {
      const now = Date.now();
      if (now - lastDraw < 200) return;
      lastDraw = now;
      io.stderr.write(`\r\x1b[K${line}`);
    };
    return {
      quiet: o.quiet === true,
      verifyChecksums: o.verifyChecksums === true,
      maxConnections,
      threads,
      firewall: { year, tz: o.tz },
      internal: parseCidrs(o.internal),
      onProgress: showProgress
        ? (file, bytesRead, total) => {
            const pct = total ? ` ${Math.floor((100 * bytesRead) / total)}%` : '';
            draw(`reading ${sanitizeTerminal(file)}${pct} (${bytes(bytesRead)})`);
          }
        : undefined,
      onLogProgress: showProgress
        ? (logs, connections) => draw(`reading ${sanitizeTerminal(logs)} (${plural(connections, 'connection')})`)
        : undefined,
      onAnalysis: showProgress
        ? (connections: number) => io.stderr.write(`\r\x1b[Kanalysing ${plural(connections, 'connection')}`)
        : undefined,
    };
  };

  const clearProgress = (o: CommonOptions): void => {
    if (io.stderr.isTTY === true && !o.quiet) io.stderr.write('\r\x1b[K');
  };

  // NO_COLOR counts only when non-empty (no-color.org); FORCE_COLOR (not empty, not 0) colours
  // standard output even when it is not a terminal; --no-color wins over both.
  const noColor = (io.env.NO_COLOR ?? '') !== '';
  const forceColor = (io.env.FORCE_COLOR ?? '') !== '' && io.env.FORCE_COLOR !== '0';
  const renderOptions = (o: CommonOptions): RenderOptions => ({
    color: o.color && outputFile(o) === null && (forceColor || (io.stdout.isTTY === true && !noColor)),
    width: io.stdout.columns && io.stdout.columns > 40 ? io.stdout.columns : 100,
    allHosts: o.allHosts === true,
  });

  const emit = (o: CommonOptions, text: string): void => {
    // nothing to say (NDJSON of no connections) is written as nothing, not a blank line
    emitPieces(o, [text === '' || text.endsWith('\n') ? text : `${text}\n`]);
  };

  /** A document given as its lines, written a batch at a time (a report of thousands of hosts is never one string). */
  const emitLines = (o: CommonOptions, lines: Iterable<string>): void => {
    emitPieces(
      o,
      (function* ended(): Generator<string> {
        for (const line of lines) yield `${line}\n`;
      })(),
    );
  };

  /**
   * A document written in pieces (to the -o file or standard output), gathered into batches of
   * about 1 MiB as UTF-8 bytes: each piece is encoded where it stands, where a batch gathered as
   * one string of thousands of pieces was joined into one and then encoded (1.6 s of the 188 MB
   * JSON of the bench's netfilter log).
   */
  const emitPieces = (o: CommonOptions, pieces: Iterable<string>): void => {
    const file = outputFile(o);
    let fd: number | null = null;
    try {
      if (file !== null) fd = openSync(file, 'w');
      let batch = Buffer.allocUnsafe(BATCH_BYTES);
      let length = 0;
      const flush = (): void => {
        if (length === 0) return;
        const bytes = batch.subarray(0, length);
        if (fd !== null) writeSync(fd, bytes);
        else {
          io.stdout.write(bytes);
          // Standard output may keep the bytes queued: the next batch is written into a buffer of its own.
          batch = Buffer.allocUnsafe(BATCH_BYTES);
        }
        length = 0;
      };
      for (const piece of pieces) {
        // A UTF-8 character is at most three bytes for each UTF-16 unit of the text.
        const most = 3 * piece.length;
        if (length + most > batch.length) {
          flush();
          if (most > batch.length) {
            const bytes = Buffer.from(piece, 'utf8');
            if (fd !== null) writeSync(fd, bytes);
            else io.stdout.write(bytes);
            continue;
          }
        }
        length += batch.write(piece, length);
        if (length >= BATCH_BYTES / 2) flush();
      }
      flush();
    } catch (e) {
      if (file === null) throw e;
      throw new UsageError(`cannot write ${file}: ${why(e)}`);
    } finally {
      if (fd !== null) closeSync(fd);
    }
    if (file !== null && !o.quiet) say(`wrote ${file}`);
  };

  /**
   * Output written while the input is still read: to the -o file (created at the first write)
   * or standard output, gathered into batches so that a row is not a system call, and flushed
   * at most FLUSH_MS after a row so rows show up while a stream is still arriving.
   */
  const streamOutput = (o: CommonOptions) => {
    const file = outputFile(o);
    /** The bytes not yet written: rows come as text or, from the CSV writer, as bytes. */
    let pending = Buffer.allocUnsafe(2 * FLUSH_BYTES);
    let length = 0;
    let fd: number | null = null;
    let written = false;
    let timer: ReturnType<typeof setTimeout> | null = null;
    /** A write that failed from the timer, thrown at the next write or at close. */
    let failed: UsageError | null = null;
    /** Standard output queued the last text (a pipe whose reader is behind): resolved at 'drain'. */
    let drained: Promise<void> | null = null;
    const flush = (): void => {
      if (timer !== null) clearTimeout(timer);
      timer = null;
      if (length === 0) return;
      const bytes = pending.subarray(0, length);
      length = 0;
      if (file === null) {
        // Standard output may queue the bytes: the next rows go into a buffer of their own.
        pending = Buffer.allocUnsafe(pending.length);
        const stdout = io.stdout;
        if (stdout.write(bytes) === false && drained === null && stdout.once !== undefined) {
          drained = new Promise<void>((resolve) => stdout.once!('drain', () => resolve())).then(() => {
            drained = null;
          });
        }
        return;
      }
      try {
        fd ??= openSync(file, 'w');
        writeSync(fd, bytes);
      } catch (e) {
        failed = new UsageError(`cannot write ${file}: ${why(e)}`);
      }
    };
    const check = (): void => {
      if (failed !== null) throw failed;
    };
    /** Room for `n` more bytes: what is pending is written first when they would not fit. */
    const room = (n: number): void => {
      if (length + n <= pending.length) return;
      flush();
      if (n > pending.length) pending = Buffer.allocUnsafe(n);
    };
    /** After a write: the batch goes out when full, else within FLUSH_MS. */
    const wrote = (): void => {
      written = true;
      if (length >= FLUSH_BYTES) flush();
      else timer ??= setTimeout(flush, FLUSH_MS);
    };
    return {
      get written(): boolean {
        return written;
      },
      /** For LoadOptions.pause: the reading waits while standard output's reader is behind. */
      pause(): Promise<void> | null {
        return drained;
      },
      write(text: string): void {
        check();
        if (text === '') return;
        // A UTF-8 character is at most three bytes for each UTF-16 unit of the text.
        room(3 * text.length);
        length += pending.write(text, length);
        wrote();
      },
      /** Bytes of UTF-8 text, copied (the caller may write into them again). */
      writeBytes(bytes: Uint8Array): void {
        check();
        if (bytes.length === 0) return;
        room(bytes.length);
        pending.set(bytes, length);
        length += bytes.length;
        wrote();
      },
      close(): void {
        flush();
        if (fd !== null) closeSync(fd);
        check();
        if (file !== null && written && !o.quiet) say(`wrote ${file}`);
      },
    };
  };

  /** The first five of `files`, and how many more. */
  const shownFiles = (files: readonly string[]): string =>
    `${files.slice(0, 5).join(', ')}${files.length > 5 ? ` and ${count(files.length - 5)} more` : ''}`;

  /** Report unreadable captures and damage; the exit status says a capture was not (fully) read. */
  const reportProblems = (o: CommonOptions, failures: CaptureError[], captures: CaptureSummary[], passedOver: string[] = []): void => {
    if (passedOver.length > 0 && !o.quiet) {
      say(
        `note: passed over ${plural(passedOver.length, 'file')} in the folders given, neither a capture nor a log: ${shownFiles(passedOver)}`,
      );
    }
    for (const f of failures) {
      say(`error: ${f.message}`);
      exitCode = EXIT_UNREADABLE;
    }
    if (captures.length === 0 && failures.length === 0 && passedOver.length > 0) {
      // Every file of the folders given was passed over: nothing was read, which is no result.
      say(`error: nothing to read: no file in the folders given is a capture or a log callhome reads (${shownFiles(passedOver)})`);
      exitCode = EXIT_UNREADABLE;
    }
    for (const c of captures) {
      if (c.damage) exitCode = EXIT_UNREADABLE;
      for (const w of c.warnings) {
        const isDamage = c.damage !== null && w === c.damage.message;
        if (isDamage || !o.quiet) say(`warning: ${w}`);
      }
    }
  };

  const analyzeInputs = async (o: CommonOptions) => {
    const lo = loadOptions(o);
    let orgs: { cidr: string; organisation: string }[] = [];
    if (o.orgs) {
      let text: string;
      try {
        text = readFileSync(o.orgs, 'utf8');
      } catch (e) {
        throw new UsageError(`--orgs: cannot read ${o.orgs}: ${why(e)}`);
      }
      try {
        orgs = parseOrgsCsv(text, o.orgs);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
    }
    let known: Awaited<ReturnType<typeof readKnownRules>>;
    try {
      known = await readKnownRules(o.known, io.env);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    if (known.defaultFile !== null && !o.quiet) say(`known destinations from ${known.defaultFile} (${known.rules.length} lines)`);
    return {
      ...lo,
      known: known.rules,
      proxies: (o.proxy ?? [])
        .flatMap((p) => p.split(','))
        .filter(Boolean)
        .map(parseProxy),
      orgs,
      webPorts: parsePorts(o.webPorts, '--web-ports')
        ? [...DEFAULT_WEB_PORTS, ...parsePorts(o.webPorts, '--web-ports')!]
        : DEFAULT_WEB_PORTS,
      internal: lo.internal,
    };
  };

  const program = new Command();
  program
    .name('callhome')
    .description('Find the hosts in a capture that keep calling home past the proxy, and say why.')
    .version(VERSION)
    .showHelpAfterError('(run callhome --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s.split('\n').map(sanitizeTerminal).join('\n')),
      // commander's own messages start "error: "; every error of the program starts "callhome: error: "
      outputError: (s, write) => write(s.replace(/^error: /, 'callhome: error: ')),
    });

  /** What a command reads besides captures, and so which options it takes. */
  interface Uses {
    /** Tracks connections: --internal (local_orig/local_resp) and --max-connections. */
    connections?: boolean;
    /** Analyses hosts: --proxy, --orgs, --web-ports, --known. */
    analysis?: boolean;
  }

  /** The options a command uses, and no others: `--help` lists what the command heeds. */
  const common = (cmd: Command, formats: string[], defaultFormat: string, uses: Uses = {}): Command => {
    const tracks = uses.connections === true || uses.analysis === true;
    if (tracks) {
      cmd.option(
        '--internal <cidr>',
        `internal networks, repeatable or comma-separated (default: ${DEFAULT_INTERNAL.join(', ')}, and the networks a Zeek log calls local)`,
        collect,
      );
    }
    if (uses.analysis === true) {
      cmd
        .option('--proxy <addr[:port]>', 'the web proxy, repeatable; otherwise detected from the traffic', collect)
        .option('--orgs <file.csv>', 'cidr,organisation rows used to name destinations')
        .option('--web-ports <ports>', `ports counted as web besides ${DEFAULT_WEB_PORTS.join(', ')} (comma-separated)`, collect)
        .option('--known <file>', KNOWN_HELP, collect);
    }
    cmd
      .addOption(new Option('--format <format>', `output format: ${formats.join(', ')}`).default(undefined).argParser((v) => v))
      .option(
        '-o, --output <file>',
        'write the result to a file instead of standard output (-: standard output); the format follows the extension ' +
          `(${extensionsFor(formats)}) unless --format is given; an input is never overwritten`,
      )
      .option('--no-color', 'no colour, even on a terminal (a non-empty NO_COLOR too; FORCE_COLOR forces colour)')
      .option('-q, --quiet', 'no progress, no warnings other than damage')
      .option('--verify-checksums', 'verify checksums as Zeek does by default (a host capturing its own traffic fails them)');
    if (tracks) cmd.option('--max-connections <n>', 'ceiling on connections tracked at once (the oldest idle are emitted early)');
    return cmd
      .option('--year <yyyy>', "firewall logs: the year of syslog time stamps that carry none (default: the file's date)")
      .option('--tz <zone>', 'firewall logs: the time zone of their clock, e.g. +05:30 or Europe/Berlin (default UTC)')
      .addHelpText('after', `\nDefault format: ${defaultFormat}.`);
  };

  const THREADS_HELP =
    'threads to use: a large Zeek log is read and cut into cells, a large firewall log read and its lines scanned, on a second thread while rows are made of it ' +
    "(a piped one with 3 or more, a core left for the process writing the pipe; default: the machine's cores; 1: everything on one thread)";
  const FAIL_ON_FINDINGS_HELP = 'exit status 3 when any host has a finding (a label other than via-proxy alone)';
  const EXIT_HELP =
    '\nExit status: 0 done; 1 a capture could not be read (or reading stopped at damage); 2 bad usage; ' +
    '3 findings present (with --fail-on-findings; an unreadable capture still exits 1).';

  const inputs = (files: string[]): CaptureInput[] => files;
  /** Every file the command reads, for refuseOverwrite. */
  const inputFiles = (files: string[], o: CommonOptions): string[] => [
    ...files,
    ...(o.orgs === undefined ? [] : [o.orgs]),
    ...(o.known ?? []),
  ];
  const failOnFindings = (o: CommonOptions, result: AnalysisResult): void => {
    if (o.failOnFindings === true && exitCode === EXIT_OK && anyFindings(result)) exitCode = EXIT_FINDINGS;
  };

  common(
    program
      .command('info')
      .description('what is in the capture, as capinfos tells it: format, interfaces, sizes, rates, time order, counts, damage')
      .argument('<capture...>'),
    Object.keys(infoRenderers),
    'text',
  ).action(async (files: string[], o: CommonOptions) => {
    const format = chooseFormat(o, infoRenderers, 'text', 'info');
    refuseOverwrite(o, inputFiles(files, o));
    const lo = loadOptions(o);
    const { captures, failures, passedOver } = await info(inputs(files), lo);
    clearProgress(o);
    reportProblems(o, failures, captures, passedOver);
    if (captures.length > 0) emit(o, infoRenderers[format](captures, renderOptions(o)));
  });

  common(
    program
      .command('analyze', { isDefault: true })
      .alias('analyse')
      .description('hosts, labels and verdicts (the default command)')
      .argument('<capture...>')
      .option('--threads <n>', THREADS_HELP)
      .option('--all-hosts', ALL_HOSTS_HELP)
      .option('--fail-on-findings', FAIL_ON_FINDINGS_HELP)
      .addHelpText('after', SCORE_HELP)
      .addHelpText('after', EXIT_HELP),
    Object.keys(analyzeRenderers),
    'text',
    { analysis: true },
  ).action(async (files: string[], o: CommonOptions) => {
    const format = chooseFormat<keyof typeof analyzeRenderers>(o, analyzeRenderers, 'text', 'analyze');
    refuseOverwrite(o, inputFiles(files, o));
    // Hosts without findings are counted, not kept, unless --all-hosts lists them.
    const { result, loaded } = await analyze(inputs(files), { ...(await analyzeInputs(o)), allHosts: o.allHosts === true });
    // The findings are made: the connections they were made of are let go before the output is
    // written (the store of a gigabyte's firewall log is a quarter of the run's peak).
    loaded.connections.release?.();
    clearProgress(o);
    reportProblems(o, loaded.failures, loaded.captures, loaded.passedOver);
    if (loaded.evicted > 0 && !o.quiet) say(`warning: ${loaded.evicted} connections were emitted early by the --max-connections ceiling`);
    if (loaded.captures.length > 0) {
      // JSON goes out host by host: the document of a large network is longer than one string may be.
      if (format === 'json') emitPieces(o, analyzeJsonPieces(result, renderOptions(o)));
      else emitLines(o, analyzeLineRenderers[format](result, renderOptions(o)));
    }
    failOnFindings(o, result);
  });

  common(
    program
      .command('flows')
      .description('one row per connection, written as each ends (--sort start: by start time)')
      .argument('<capture...>')
      .addOption(
        new Option(
          '--sort <order>',
          'end: each connection as it ends, as Zeek writes conn.log (rows appear while the input is read, memory held by --max-connections); ' +
            'start: by start time, which holds every connection until the input ends (memory grows with their number)',
        )
          .choices(['end', 'start'])
          .default('end'),
      )
      .option('--threads <n>', THREADS_HELP)
      .option('--host <addr>', 'only connections with this address on either side (repeatable)', collect)
      .option('--port <port>', 'only connections with this port on either side (repeatable)', collect)
      .option('--state <states>', 'only these Zeek conn_states, comma-separated (e.g. REJ,S0)')
      .option('--proto <proto>', 'only tcp, udp or icmp'),
    Object.keys(flowsRenderers),
    'text',
    { connections: true },
  ).action(async (files: string[], o: FlowsOptions) => {
    const format = chooseFormat(o, flowsRenderers, 'text', 'flows');
    const filter = flowFilter(o);
    refuseOverwrite(o, inputFiles(files, o));
    const evictedWarning = (evicted: number): void => {
      if (evicted > 0 && !o.quiet) say(`warning: ${evicted} connections were emitted early by the --max-connections ceiling`);
    };
    if (o.sort === 'start') {
      const loaded = await loadCaptures(inputs(files), loadOptions(o));
      clearProgress(o);
      reportProblems(o, loaded.failures, loaded.captures, loaded.passedOver);
      evictedWarning(loaded.evicted);
      if (loaded.captures.length > 0)
        emit(o, flowsRenderers[format](loaded.connections.filter(filter), { ...renderOptions(o), clock: clockOf(loaded.captures) }));
      return;
    }
    const out = streamOutput(o);
    let firstPacket = Number.NaN;
    const stream = flowsStreams[format]({ ...renderOptions(o), clock: clockOfFiles(files), openTime: () => firstPacket });
    const streamed = await streamConnections(inputs(files), {
      ...loadOptions(o),
      // Memory held whatever the reader of a pipe does: reading waits while its rows are not taken.
      pause: () => out.pause(),
      onFirstPacket: (ts) => (firstPacket = ts),
      onConnection: (c) => {
        if (!filter(c)) return;
        const bytes = stream.rowBytes?.(c);
        if (bytes !== undefined && bytes !== null) out.writeBytes(bytes);
        else out.write(stream.row(c));
      },
    });
    clearProgress(o);
    if (streamed.captures.length > 0 || out.written) out.write(stream.end());
    out.close();
    reportProblems(o, streamed.failures, streamed.captures, streamed.passedOver);
    evictedWarning(streamed.evicted);
  });

  common(
    program
      .command('compare')
      .description('the same behaviour across captures?')
      .argument('<a>')
      .argument('<b>')
      .argument('[more...]')
      .option(
        '--threads <n>',
        'captures analysed at once, each on a thread of its own (default: one fewer than the cores; 1: one after another)',
      ),
    Object.keys(compareRenderers),
    'text',
    { analysis: true },
  ).action(async (a: string, b: string, more: string[], o: CommonOptions) => {
    const format = chooseFormat<keyof typeof compareRenderers>(o, compareRenderers, 'text', 'compare');
    const files = [a, b, ...more];
    refuseOverwrite(o, inputFiles(files, o));
    const { result, failures } = await compare(inputs(files), await analyzeInputs(o));
    clearProgress(o);
    reportProblems(
      o,
      failures,
      result.analyses.flatMap((r) => r.captures),
    );
    if (result.analyses.length < 2) {
      say('error: compare needs at least two readable captures');
      exitCode = EXIT_UNREADABLE;
      return;
    }
    // JSON goes out host by host, as analyze's does.
    if (format === 'json') emitPieces(o, compareJsonPieces(result, renderOptions(o)));
    else emit(o, compareRenderers[format](result, renderOptions(o)));
  });

  common(
    program
      .command('report')
      .description('a full report: -o report.html | report.md')
      .argument('<capture...>')
      .option('--threads <n>', THREADS_HELP)
      .option('--all-hosts', ALL_HOSTS_HELP)
      .option('--fail-on-findings', FAIL_ON_FINDINGS_HELP)
      .addHelpText('after', EXIT_HELP),
    Object.keys(reportRenderers),
    'markdown (html when -o ends in .html)',
    { analysis: true },
  ).action(async (files: string[], o: CommonOptions) => {
    const format = chooseFormat(o, reportRenderers, 'markdown', 'report');
    refuseOverwrite(o, inputFiles(files, o));
    const { result, loaded } = await analyze(inputs(files), { ...(await analyzeInputs(o)), allHosts: o.allHosts === true });
    clearProgress(o);
    reportProblems(o, loaded.failures, loaded.captures, loaded.passedOver);
    if (loaded.captures.length > 0) {
      emitLines(o, reportLineRenderers[format]({ ...result, connections: loaded.connections }, renderOptions(o)));
    }
    failOnFindings(o, result);
  });

  common(
    program
      .command('known')
      .description('known destinations: `known suggest <capture...>` prints candidate lines')
      .command('suggest')
      .description('candidate known-destination lines: the update agents the verdicts explain')
      .argument('<capture...>'),
    Object.keys(knownRenderers),
    'text',
    { analysis: true },
  ).action(async (files: string[], o: CommonOptions) => {
    const format = chooseFormat(o, knownRenderers, 'text', 'known suggest');
    refuseOverwrite(o, inputFiles(files, o));
    // Suggestions come from hosts with findings: the others are counted, not analysed in full.
    const { result, loaded } = await analyze(inputs(files), { ...(await analyzeInputs(o)), allHosts: false });
    clearProgress(o);
    reportProblems(o, loaded.failures, loaded.captures, loaded.passedOver);
    if (loaded.captures.length > 0)
      emit(o, knownRenderers[format]({ captures: loaded.captures, suggestions: suggestKnown(result) }, renderOptions(o)));
  });

  // `analyze` is the default command, so commander would take a mistyped command name for a
  // capture path; a bare word that names no file and no command is a usage error instead.
  const first = argv[0];
  if (first === undefined) {
    program.outputHelp();
    return EXIT_OK;
  }
  const commands = [...program.commands.flatMap((c) => [c.name(), ...c.aliases()]), 'help'];
  if (/^[a-z][a-z-]*$/.test(first) && !commands.includes(first) && !existsSync(first)) {
    say(
      `error: unknown command '${first}' — the commands are ${program.commands.map((c) => c.name()).join(', ')} (or give capture files to analyze)`,
    );
    return EXIT_USAGE;
  }

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version are successful exits; everything else is a usage error
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT_OK;
      return EXIT_USAGE;
    }
    if (e instanceof UsageError) {
      say(`error: ${e.message}`);
      return EXIT_USAGE;
    }
    if (e instanceof CaptureError) {
      say(`error: ${e.message}`);
      return EXIT_UNREADABLE;
    }
    const err = e as NodeJS.ErrnoException;
    if (err && err.code === 'EPIPE') return exitCode;
    say(`error: internal error: ${err && err.message ? err.message : String(e)} (please report this with the capture that caused it)`);
    if (io.env.CALLHOME_DEBUG) io.stderr.write(`${(err && err.stack) || ''}\n`);
    return EXIT_UNREADABLE;
  }
  return exitCode;
}

function flowFilter(o: FlowsOptions): (c: Connection) => boolean {
  const hosts = o.host?.flatMap((h) => h.split(',')).filter(Boolean);
  if (hosts) for (const h of hosts) if (!validAddress(h)) throw new UsageError(`--host: '${h}' is not an IP address`);
  const ports = parsePorts(o.port, '--port');
  const named = o.state
    ?.split(',')
    .map((s) => s.trim().toUpperCase())
    .filter(Boolean);
  const states = named?.map((s): ConnState => {
    if (!isConnState(s)) throw new UsageError(`--state: '${s}' is not a Zeek conn_state (${CONN_STATE_NAMES.join(', ')})`);
    return s;
  });
  const proto = o.proto?.toLowerCase();
  if (proto && !['tcp', 'udp', 'icmp'].includes(proto)) throw new UsageError(`--proto: '${o.proto}' is not tcp, udp or icmp`);
  const canonicalHosts = hosts?.map(canonicalAddress);
  return (c) =>
    (!canonicalHosts || canonicalHosts.includes(canonicalAddress(c.origH)) || canonicalHosts.includes(canonicalAddress(c.respH))) &&
    (!ports || ports.includes(c.origP) || ports.includes(c.respP)) &&
    (!states || states.includes(c.connState)) &&
    (!proto || c.proto === proto);
}

function canonicalAddress(text: string): string {
  if (Address6.isValid(text) && text.includes(':')) return new Address6(text).correctForm();
  return text;
}
