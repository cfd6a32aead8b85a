/**
 * The input seam (DESIGN.md "Inputs: three kinds of evidence, one analysis"): every path
 * given is told apart by content — a capture by its magic number, anything else by the first
 * reader whose `sniff` claims its first bytes (inflated when gzip) — and folders are walked
 * for the files either kind can read. Captures go to the capture pipeline; each reader loads
 * the files it claimed, as one set, into the same connection records and `captures[]` entries.
 *
 * Another kind of log plugs in as one more `InputReader` in `INPUT_READERS` (or passed to
 * `sortInputs`/`loadLogInputs`): a `sniff` over the first bytes and a `load` over its files.
 * A file no reader claims goes to the capture reader, whose error names what it looks like.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { CaptureSummary } from './analysis/types.js';
import { CaptureError } from './capture/index.js';
import { sniffCapture } from './capture/sniff.js';
import type { Connection } from './flows/connection.js';
import type { ConnectionStore } from './flows/store.js';
import { inflatedHead, readHead } from './logs/lines.js';
import { isPeeked } from './one-pass.js';
import { ZEEK_LOGS_USED, loadZeekLogs, mayBeUsed, sniffZeek } from './logs/zeek.js';
import { FirewallLogError, rotatedLogName, sniffFirewallLog, sniffSystemLog } from './logs/firewall/index.js';
import { readFirewallLogFile, readFirewallLogStream } from './logs/firewall/read.js';
import { datedLine } from './logs/firewall/time.js';

/** A file a reader claimed. */
export interface InputFile {
  /** Its path, or the name of a stream (`(standard input)`). */
  path: string;
  /** Its first bytes, inflated when the file is gzip. */
  head: Uint8Array;
  /** Named on the command line, not found in a folder. */
  named: boolean;
  /** For an input read only once (standard input, a pipe): its bytes, the first ones included. */
  stream?: AsyncIterable<Uint8Array>;
}

export interface InputReader {
  /** What it reads, for messages ('Zeek logs'). */
  readonly name: string;
  /** Whether these first bytes (inflated when gzip) are a file this reader reads. */
  sniff(head: Uint8Array, path: string): boolean;
  /**
   * For a file it claimed in a folder: why it reads nothing of it (a Zeek log of a type callhome
   * does not use), for the message when a folder holds nothing else; null when it reads it.
   */
  passesOver?(head: Uint8Array, path: string): string | null;
  /**
   * Reads all the files it claimed as one set, handing each connection to `emit` as it is read
   * (nothing is kept: memory grows with hosts, not rows). Returns a `captures[]` entry per file it
   * read, in their order; the connections' `capture` counts from `firstCapture`.
   */
  load(
    files: readonly InputFile[],
    firstCapture: number,
    emit: (c: Connection) => void,
    /** After each chunk read: a promise while what was made of it cannot be taken yet (LoadOptions.pause). */
    pause?: () => Promise<void> | null,
    /** What the captures read with the logs say. */
    context?: LoadContext,
  ): Promise<{ captures: CaptureSummary[]; failures?: CaptureError[]; passedOver?: string[] }>;
}

/** What the run tells the log readers: what the captures read in it said, where their rows go. */
export interface LoadContext {
  /** The first packet's time (UTC seconds) of the captures given with the logs. */
  captureTime?: number;
  /**
   * Takes a store of rows a reader kept whole (a stream's conn.log, held for side logs that may
   * follow it) in place of the rows handed on one by one; false, nothing taken, where it cannot.
   */
  adopt?: (store: ConnectionStore) => boolean;
  /** Worker threads that may read a large log's lines beside the calling thread (none by default). */
  readThreads?: number;
}

export const zeekLogReader: InputReader = {
  name: 'Zeek logs',
  sniff: (head, path) => sniffZeek(head, path) !== null,
  passesOver: (head, path) => {
    const sniffed = sniffZeek(head, path);
    if (sniffed === null || mayBeUsed({ path, format: sniffed.format, logType: sniffed.path, tagged: sniffed.tagged })) return null;
    return `no ${ZEEK_LOGS_USED} log`;
  },
  load: (files, firstCapture, emit, pause, context) =>
    loadZeekLogs(
      files.map((f) => {
        const sniffed = sniffZeek(f.head, f.path)!;
        return {
          path: f.path,
          format: sniffed.format,
          logType: sniffed.path,
          tagged: sniffed.tagged,
          named: f.named,
          stream: f.stream,
          head: f.head,
        };
      }),
      firstCapture,
      emit,
      pause,
      context?.adopt,
      context?.readThreads,
    ),
};

/** How firewall logs are read: the year of syslog stamps that lack one, and the logs' time zone. */
export interface FirewallReadOptions {
  year?: number;
  tz?: string;
}

/**
 * Firewall logs (netfilter, Cisco ASA/FTD, pf filterlog, Windows Firewall, a plain table): each
 * file on its own (a denied line is a blocked attempt by the firewall that wrote it). A file of
 * which no line reads is a failure named with the file, the others are still analysed.
 */
export function firewallLogReader(options: FirewallReadOptions = {}): InputReader {
  return {
    name: 'firewall logs',
    sniff: (head) => sniffFirewallLog(head) !== null || sniffSystemLog(head),
    load: async (files, firstCapture, emit, pause, context) => {
      const captures: CaptureSummary[] = [];
      const failures: CaptureError[] = [];
      const passedOver: string[] = [];
      // Rotated files of one log (kern.log, kern.log.1, kern.log.2.gz) are one firewall's: its
      // denials are one source of resets, named by the log they were, not one a file.
      const logNames = files.map((f) => rotatedLogName(f.path));
      const rotated = new Map<string, number>();
      for (const name of logNames) rotated.set(name, (rotated.get(name) ?? 0) + 1);
      for (const [k, f] of files.entries()) {
        try {
          const logOptions = {
            ...options,
            firewall: rotated.get(logNames[k]!)! > 1 ? logNames[k] : undefined,
            // a stream's lines were written up to now
            mtimeMs: f.stream === undefined ? statSync(f.path).mtimeMs : Date.now(),
            // Year-less stamps: the log's own dated lines say the year best, then a capture given with it.
            ...dating(f.head, context),
            capture: firstCapture + captures.length,
          };
          // Read a chunk at a time, each connection handed on as it is made.
          const log =
            f.stream === undefined
              ? await readFirewallLogFile(f.path, logOptions, emit, undefined, pause, context?.readThreads)
              : await readFirewallLogStream(f.path, f.stream, logOptions, emit, undefined, pause, context?.readThreads);
          captures.push(log.summary);
        } catch (e) {
          if (!(e instanceof FirewallLogError)) throw e;
          // A system log found in a folder with no firewall entry in it is passed over, not an error.
          if (!f.named && e.code === 'log.no_entries') passedOver.push(f.path);
          else failures.push(new CaptureError('not-a-capture', f.path, e.message));
        }
      }
      return { captures, failures, passedOver };
    },
  };
}

/** Where a log's year-less time stamps take their year from, when no --year is given and the log has dated lines or comes with captures. */
function dating(head: Uint8Array, context: LoadContext | undefined): { datedAt?: number; datedBy?: string } {
  const own = datedLine(head);
  if (own !== null) return { datedAt: own, datedBy: "the log's own dated lines" };
  if (context?.captureTime !== undefined) return { datedAt: context.captureTime, datedBy: 'the captures given with it' };
  return {};
}

/** The log readers, tried in order after the capture magic numbers. */
export const INPUT_READERS: readonly InputReader[] = [zeekLogReader, firewallLogReader()];

/** The readers with the given firewall-log options. */
export function inputReaders(firewall: FirewallReadOptions = {}): InputReader[] {
  return [zeekLogReader, firewallLogReader(firewall)];
}

/** Inputs sorted by kind: captures for the capture pipeline, the rest by the reader that claimed them. */
export interface SortedInputs<C> {
  captures: C[];
  logs: Map<InputReader, InputFile[]>;
  failures: CaptureError[];
  /** Files found in folders that are neither a capture nor a log: passed over, and named. */
  passedOver: string[];
}

function walk(dir: string, out: string[]): void {
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const path = join(dir, e.name);
    if (e.isDirectory()) walk(path, out);
    else if (e.isFile()) out.push(path);
  }
}

function claim(readers: readonly InputReader[], head: Uint8Array, path: string): InputReader | null {
  for (const r of readers) if (r.sniff(head, path)) return r;
  return null;
}

/**
 * Sorts the inputs by content. A folder is walked recursively in name order (dated
 * sub-folders of rotated logs included); files in it that are neither a capture nor a log a
 * reader claims are passed over and listed. A stream peeked by `peekOnePass` (standard input,
 * a pipe) is told by its first bytes like a file; bytes in memory and `-` or a stream not
 * peeked are captures.
 */
export function sortInputs<C>(inputs: readonly C[], readers: readonly InputReader[] = INPUT_READERS): SortedInputs<C> {
  const sorted: SortedInputs<C> = { captures: [], logs: new Map(), failures: [], passedOver: [] };
  const add = (reader: InputReader, file: InputFile): void => {
    const list = sorted.logs.get(reader);
    if (list === undefined) sorted.logs.set(reader, [file]);
    else list.push(file);
  };
  for (const input of inputs) {
    if (isPeeked(input) && sniffCapture(input.head) === null) {
      const head = inflatedHead(input.head);
      const reader = claim(readers, head, input.name);
      if (reader !== null) {
        add(reader, { path: input.name, head, named: true, stream: input.stream });
        continue;
      }
    }
    if (typeof input !== 'string' || input === '-') {
      sorted.captures.push(input);
      continue;
    }
    let isDirectory = false;
    try {
      isDirectory = statSync(input).isDirectory();
    } catch {
      // the capture reader words the open error
    }
    if (!isDirectory) {
      let head: Uint8Array | null;
      try {
        head = readHead(input);
      } catch {
        head = null;
      }
      const reader = head === null || sniffCapture(head) !== null ? null : claim(readers, head, input);
      if (reader === null) sorted.captures.push(input);
      else add(reader, { path: input, head: head!, named: true });
      continue;
    }
    const files: string[] = [];
    try {
      walk(input, files);
    } catch (e) {
      sorted.failures.push(new CaptureError('io', input, `${input}: the folder cannot be read: ${(e as Error).message}`));
      continue;
    }
    let found = 0;
    /** Why the logs claimed but passed over are of no use ("no conn, dns, http or ssl log"). */
    let unused: string | null = null;
    for (const path of files) {
      let head: Uint8Array;
      try {
        head = readHead(path);
      } catch {
        continue;
      }
      if (sniffCapture(head) !== null) {
        sorted.captures.push(path as C);
        found++;
        continue;
      }
      const reader = claim(readers, head, path);
      if (reader !== null) {
        add(reader, { path, head, named: false });
        const why = reader.passesOver?.(head, path) ?? null;
        if (why === null) found++;
        else unused ??= why;
      } else {
        sorted.passedOver.push(path);
      }
    }
    if (found === 0 && unused !== null) {
      sorted.failures.push(new CaptureError('not-a-capture', input, `${input}: a folder with no capture and ${unused} in it`));
    } else if (found === 0) {
      sorted.failures.push(new CaptureError('not-a-capture', input, `${input}: a folder with no capture and no Zeek log in it`));
    }
  }
  return sorted;
}

/**
 * Loads the logs each reader claimed, handing each connection to `emit` as it is read; their
 * `captures[]` entries count from `firstCapture`.
 */
export async function loadLogInputs(
  logs: SortedInputs<unknown>['logs'],
  firstCapture: number,
  emit: (c: Connection) => void,
  pause?: () => Promise<void> | null,
  context?: LoadContext,
): Promise<{ captures: CaptureSummary[]; failures: CaptureError[]; passedOver: string[] }> {
  const captures: CaptureSummary[] = [];
  const failures: CaptureError[] = [];
  const passedOver: string[] = [];
  for (const [reader, files] of logs) {
    try {
      const loaded = await reader.load(files, firstCapture + captures.length, emit, pause, context);
      captures.push(...loaded.captures);
      if (loaded.failures !== undefined) failures.push(...loaded.failures);
      if (loaded.passedOver !== undefined) passedOver.push(...loaded.passedOver);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (typeof err.code !== 'string') throw e;
      failures.push(new CaptureError('io', files[0]?.path ?? reader.name, `${reader.name}: reading failed (${err.message})`));
    }
  }
  return { captures, failures, passedOver };
}
