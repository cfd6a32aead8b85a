/**
 * callhome as a library: the pipeline of DESIGN.md wired once —
 * capture/ → decode/ → flows/ → analysis/ — for the CLI and for anyone embedding it.
 */
import { ChunkPool, ConnectionKeeper, type ConnectionList, type ConnectionStore } from './flows/store.js';
import { statSync } from 'node:fs';
import { ipv4ToNumber } from './decode/address.js';
import { netblock4, subnet64 } from './analysis/cidr.js';
import { linkNetworks } from './analysis/machines.js';
import { notUnicast } from './analysis/udp.js';
import { CaptureError, STDIN_NAME, openRecordCursor, readCapture, readCaptureBytes, readCaptureStream } from './capture/index.js';
import type { CaptureFileInfo, CaptureRecord } from './capture/index.js';
import { DecodeStats, decodePacket, newPacket } from './decode/index.js';
import type { Packet } from './decode/index.js';
import { ConnectionTracker } from './flows/index.js';
import type { Connection } from './flows/index.js';
import { CidrSet, DEFAULT_INTERNAL, DEFAULT_WEB_PORTS, analyzeNetworks, compareAnalyses } from './analysis/index.js';
import type { CaptureFileFacts } from './analysis/types.js';
import { count, duration, plural, round } from './quantities.js';
import type { AnalysisResult, AnalyzeOptions, CaptureSummary, CompareResult } from './analysis/index.js';
import { inputReaders, loadLogInputs, sortInputs, type FirewallReadOptions, type LoadContext, type SortedInputs } from './inputs.js';
import { isStreamInput, peekOnePass, type StreamInput } from './one-pass.js';
import { isoMillis } from './time.js';
import { DUPLICATE_WINDOW, DuplicateFilter } from './duplicates.js';
import { COPY_WINDOW, ForwardedCopies } from './forwarded.js';
import { RepeatedFrames } from './repeated.js';
import { ReplayedPackets } from './replayed.js';
import { readInterleaved } from './timeline.js';
import { availableParallelism } from 'node:os';
import { isMainThread } from 'node:worker_threads';
import { analyzeEach, canAnalyzeInWorkers, type OneAnalysis } from './parallel/analyses.js';

export { CaptureError } from './capture/index.js';
export type { StreamInput } from './one-pass.js';
export type { Connection } from './flows/index.js';
export type { AnalysisResult, CaptureSummary, CompareResult } from './analysis/index.js';
export {
  INPUT_READERS,
  firewallLogReader,
  inputReaders,
  sortInputs,
  loadLogInputs,
  zeekLogReader,
  type InputFile,
  type InputReader,
} from './inputs.js';

/**
 * A capture to read: a path (or '-' for standard input), bytes already in memory, or a stream
 * of bytes read once. A path, standard input and a stream may also be a Zeek or firewall log
 * (gzip or not), told by content; a path may be a folder of captures and logs.
 */
export type CaptureInput = string | { name: string; bytes: Uint8Array } | StreamInput;

export interface LoadOptions {
  /** Verify IP/TCP/UDP checksums as Zeek does by default (a host's own capture fails them). */
  verifyChecksums?: boolean;
  /** Ceiling on connections held open at once; the oldest idle ones are evicted first. */
  maxConnections?: number;
  /** CIDRs of the internal network (local_orig / local_resp). */
  internal?: string[];
  /**
   * Threads: for `compare`, inputs analysed at once, each on a thread of its own (default: one
   * fewer than the machine's cores); for one analysis, a large Zeek log's lines are read and cut
   * into cells on a second thread while this one makes rows of them (default: the machine's cores;
   * 1: on this thread alone).
   */
  threads?: number;
  /** Firewall logs: the year of syslog time stamps that carry none, and the logs' time zone (default UTC). */
  firewall?: FirewallReadOptions;
  /** Called as bytes are read, for a progress line. */
  onProgress?: (file: string, bytesRead: number, totalBytes: number | null) => void;
  /**
   * Called as logs (Zeek's, firewalls') are read, every thousand connections or so made of them:
   * what is read (the log, or how many), and the connections so far — for a progress line.
   */
  onLogProgress?: (logs: string, connections: number) => void;
  /**
   * Called after each chunk of input: a promise while what was made of the input so far cannot
   * be taken (output to a pipe whose reader is behind) — reading waits for it — else null.
   */
  pause?: () => Promise<void> | null;
}

export interface Loaded {
  captures: CaptureSummary[];
  /** Every connection of every capture, in order of start time. */
  connections: Connection[];
  /** Captures that could not be read at all (the others are still analysed). */
  failures: CaptureError[];
  /** Connections dropped from the table by the --max-connections ceiling (emitted early). */
  evicted: number;
  /** Files in the folders given that are neither a capture nor a log. */
  passedOver: string[];
  /** Pairs of captures whose packets made up one connection (ConnectionTracker.shared): one network. */
  shared: [number, number][];
}

export type AnalyzeCapturesOptions = LoadOptions &
  Partial<AnalyzeOptions> & {
    /** Connections kept as objects at most; past it they go into a column store (KEEP_OBJECTS_UP_TO). */
    objectsUpTo?: number;
    /** Full chunks of the column store left as filled before they are sealed (StoreOptions.sealAfter). */
    sealAfter?: number;
    /** Called once everything is read, as the analysis of its `connections` starts — for a progress line. */
    onAnalysis?: (connections: number) => void;
  };

/** How to read `input` again from its start (replayed.ts): a file by its path or bytes in memory; null for a stream. */
function rereading(input: CaptureInput): (() => ReturnType<typeof openRecordCursor>) | null {
  if (typeof input === 'string') return input === '-' ? null : () => openRecordCursor(input, input);
  if (isStreamInput(input)) return null;
  return () => openRecordCursor(input.name, input.bytes);
}

function inputName(input: CaptureInput): string {
  return typeof input === 'string' ? (input === '-' ? STDIN_NAME : input) : input.name;
}

function read(input: CaptureInput, onRecord: (r: CaptureRecord) => void, options: LoadOptions): Promise<CaptureFileInfo> {
  const name = inputName(input);
  const onProgress = options.onProgress ? (read: number, total: number | null) => options.onProgress!(name, read, total) : undefined;
  const pause = options.pause;
  if (typeof input === 'string') return readCapture(input, onRecord, { onProgress, pause });
  if (isStreamInput(input)) return readCaptureStream(input.name, input.stream, onRecord, { onProgress, pause });
  return readCaptureBytes(input.name, input.bytes, onRecord, { onProgress, pause });
}

/**
 * The inputs sorted by content, standard input and pipes included: their first bytes are read
 * (once) to tell a capture from a log.
 */
async function sortAll(inputs: CaptureInput[], options: LoadOptions): Promise<SortedInputs<CaptureInput>> {
  const peeked = await peekOnePass(inputs, () => process.stdin);
  return sortInputs<CaptureInput>(peeked, inputReaders(options.firewall));
}

/** Thrown out of a record callback to stop a read early. */
class StopReading extends Error {}

/** The first packet's timestamp, reading no further than that record. */
async function firstTimestamp(input: CaptureInput): Promise<number | null> {
  let first: number | null = null;
  try {
    await read(
      input,
      (r) => {
        first = r.ts;
        throw new StopReading();
      },
      {},
    );
  } catch (e) {
    if (!(e instanceof StopReading) && !(e instanceof CaptureError)) throw e;
  }
  return first;
}

const isoTime = (ts: number | null): string | null => (ts === null ? null : isoMillis(ts));

/** The capture object shared by `info` and `analyze` (DESIGN.md JSON contract). */
export function summarizeCapture(info: CaptureFileInfo, stats: DecodeStats): CaptureSummary {
  return {
    file: info.file,
    format: info.format,
    formatDetail: info.formatDetail,
    compressed: info.compressed,
    linktype: info.linktypes[0] ?? -1,
    linktypes: info.linktypes,
    interfaces: info.interfaces.length,
    packets: info.packets,
    bytes: info.bytes,
    start: isoTime(info.start),
    end: isoTime(info.end),
    durationSeconds: info.start === null || info.end === null ? null : Math.round((info.end - info.start) * 1e6) / 1e6,
    decoded: { ...stats.decoded },
    skipped: { ...stats.skipped },
    anomalies: { ...stats.anomalies },
    ...(stats.logged.blocked + stats.logged.passed > 0 ? { logged: { ...stats.logged } } : {}),
    warnings: info.cutRecords > 0 ? [...info.warnings, cutShortWarning(info)] : [...info.warnings],
    damage: info.damage ? { offset: info.damage.offset, record: info.damage.record, message: info.damage.message } : null,
    ...fileFacts(info),
  };
}

/**
 * Packets the sniffer kept only the start of: the headers the analysis stands on are whole, what
 * lay past the snapshot length was never captured — names in DNS answers, HTTP requests and TLS
 * handshakes among it, whose destinations are then named by their netblock.
 */
function cutShortWarning(info: CaptureFileInfo): string {
  return (
    `${info.file}: ${count(info.cutRecords)} of ${plural(info.packets, 'packet')} were captured cut short, to ` +
    `${plural(info.cutTo, 'byte')} at most (the sniffer's snapshot length): what they carried past that was not captured — ` +
    `names in DNS answers, HTTP requests and TLS handshakes there are missing from the analysis`
  );
}

/** Rates and averages in the JSON: to the microunit, like `durationSeconds`. */
const fraction = (n: number): number => round(n, 6);

/** What capinfos tells about the file, besides the counts every summary has. */
function fileFacts(info: CaptureFileInfo): CaptureFileFacts {
  const untimed = info.untimedRecords;
  // As capinfos: no rates when some records carry no time (the span may not cover them).
  const span = info.start === null || info.end === null || untimed > 0 ? 0 : info.end - info.start;
  const perSecond = (n: number): number | null => (span > 0 ? fraction(n / span) : null);
  return {
    snaplen: info.format === 'pcap' ? (info.interfaces[0]?.snaplen ?? null) : null,
    interfaceDetails: info.interfaces.map((i) => ({
      id: i.id,
      name: i.name,
      description: i.description,
      os: i.os,
      hardware: i.hardware,
      linktype: i.linktype,
      snaplen: i.snaplen,
      tsresol: i.tsresol,
      tsUnitsPerSecond: i.tsUnitsPerSecond,
      tsOffset: i.tsOffset,
    })),
    writtenBy: info.writtenBy ? { ...info.writtenBy } : null,
    fileSize: info.fileSize,
    uncompressedSize: info.uncompressedSize,
    wireBytes: info.wireBytes,
    cutShort: info.cutRecords > 0 ? { packets: info.cutRecords, capturedUpTo: info.cutTo } : null,
    dataByteRate: perSecond(info.wireBytes),
    dataBitRate: perSecond(info.wireBytes * 8),
    averagePacketRate: perSecond(info.packets),
    averagePacketSize: info.packets > 0 ? fraction(info.wireBytes / info.packets) : null,
    timeOrder: {
      ordered: info.earlierRecords > 0 ? false : untimed > 0 ? null : true,
      earlierRecords: info.earlierRecords,
      firstEarlierRecord: info.firstEarlierRecord,
      untimedRecords: untimed,
    },
  };
}

/**
 * Read, decode and track the given captures as one timeline (`analyze` then decides which of
 * them can be one network). Captures are taken in the order of
 * their first timestamp (rotated files may be named in any order). A capture that cannot be read
 * at all is reported in `failures`; damage after a readable start is a warning on that capture.
 */
export async function loadCaptures(inputs: CaptureInput[], options: LoadOptions = {}): Promise<Loaded> {
  const connections: Connection[] = [];
  const streamed = await streamConnections(inputs, { ...options, onConnection: (c) => connections.push(c) });
  connections.sort((a, b) => a.ts - b.ts || (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0));
  return { ...streamed, connections };
}

export interface StreamOptions extends LoadOptions {
  /**
   * Called for each connection as it is finished — in the order connections end, as Zeek
   * writes conn.log — while the input is still being read. Nothing of it is kept.
   */
  onConnection: (c: Connection) => void;
  /** Called once, with the time of the first packet handed to the connection tracker. */
  onFirstPacket?: (ts: number) => void;
  /**
   * Takes a store of connections a reader kept whole (a stream's conn.log, held for side logs
   * that may follow it) in place of `onConnection` for each; false, nothing taken, where it cannot.
   */
  onStore?: (store: ConnectionStore) => boolean;
}

/**
 * Read, decode and track the given captures as `loadCaptures` does, handing each connection on
 * as it is finished instead of keeping them: memory is held by `maxConnections`, whatever the
 * length of the input (standard input may be endless).
 */
export async function streamConnections(inputs: CaptureInput[], options: StreamOptions): Promise<Omit<Loaded, 'connections'>> {
  const sorted = await sortAll(inputs, options);
  const { ordered, firsts } =
    sorted.captures.length > 1 ? await orderByFirstPacket(sorted.captures) : { ordered: sorted.captures, firsts: [] };
  // Copies of one packet in several inputs (a file given twice, overlapping rotations) are tracked once.
  const duplicates = ordered.length > 1 ? new DuplicateFilter(firsts) : null;
  const local = new CidrSet(options.internal ?? DEFAULT_INTERNAL);
  const tracker = new ConnectionTracker({
    onConnection: options.onConnection,
    maxConnections: options.maxConnections,
    isLocal: (address) => local.has(address),
    isLocalIPv4: (address) => local.hasIPv4(address),
  });
  let onFirst = options.onFirstPacket;
  /** Tells onFirstPacket the first time, once. */
  const first = (ts: number): void => {
    if (onFirst === undefined) return;
    onFirst(ts);
    onFirst = undefined;
  };
  const track = (packet: Packet): void => {
    first(packet.ts);
    tracker.add(packet);
  };
  const { captures, failures } = await decodeEach(ordered, options, track, (index) => tracker.setCapture(index), duplicates, firsts);
  tracker.finish();
  // Logs (Zeek's, firewalls') are read after the captures, each reader over all its files; with
  // no packet before them, their first row's time stands for the first packet's.
  const onLogRow =
    onFirst === undefined
      ? options.onConnection
      : (c: Connection): void => {
          first(c.ts);
          options.onConnection(c);
        };
  const onLogProgress = options.onLogProgress;
  let made = 0;
  const logFiles = [...sorted.logs.values()].flat();
  const reading = logFiles.length === 1 ? logFiles[0]!.path : `${logFiles.length} logs`;
  const onCountedRow =
    onLogProgress === undefined
      ? onLogRow
      : (c: Connection): void => {
          if ((++made & 1023) === 0) onLogProgress(reading, made);
          onLogRow(c);
        };
  // A store of rows taken whole has no first row to tell onFirstPacket.
  const adopt = onFirst === undefined ? options.onStore : undefined;
  const context: LoadContext = { ...logContext(captures), readThreads: readThreadsOf(options.threads) };
  const logs = await loadLogInputs(
    sorted.logs,
    captures.length,
    onCountedRow,
    options.pause,
    adopt !== undefined ? { ...context, adopt } : context,
  );
  captures.push(...logs.captures);
  failures.unshift(...sorted.failures);
  failures.push(...logs.failures);
  return {
    captures,
    failures,
    evicted: tracker.stats.evicted,
    passedOver: [...sorted.passedOver, ...logs.passedOver],
    shared: tracker.shared,
  };
}

/**
 * Worker threads that may read a large log's lines beside this one: one fewer than `threads` (by
 * default the machine's cores; 1: everything on this thread), none on a worker thread (`compare`'s
 * analyses), which has its core already.
 */
function readThreadsOf(threads: number | undefined): number {
  if (!isMainThread) return 0;
  return Math.max(0, Math.floor(threads ?? availableParallelism()) - 1);
}

/** What the captures read tell the logs read after them: the first packet's time. */
function logContext(captures: readonly CaptureSummary[]): LoadContext {
  let first = Infinity;
  for (const c of captures) if (c.start !== null) first = Math.min(first, Date.parse(c.start) / 1000);
  return Number.isFinite(first) ? { captureTime: first } : {};
}

/**
 * The inputs with those that can be looked into twice (regular files, bytes in memory) ordered
 * by their first time stamp among the places they hold. Standard input, pipes and FIFOs
 * (`<(zcat …)`) can be read only once: they are not probed and keep their place, so they are
 * read whole when their turn comes.
 */
async function orderByFirstPacket(inputs: CaptureInput[]): Promise<{ ordered: CaptureInput[]; firsts: (number | null)[] }> {
  const probed = inputs.map((input, i) => ({ input, i })).filter(({ input }) => canReadTwice(input));
  const found = await Promise.all(probed.map(({ input }) => firstTimestamp(input)));
  const sorted = probed
    .map((p, k) => ({ ...p, first: found[k] ?? Number.POSITIVE_INFINITY }))
    .sort((a, b) => a.first - b.first || a.i - b.i);
  const ordered = [...inputs];
  // Each input's first packet time in reading order: null where it cannot be known before
  // reading (a pipe), NaN for a file without packets.
  const firsts: (number | null)[] = inputs.map(() => null);
  probed.forEach(({ i }, k) => {
    ordered[i] = sorted[k]!.input;
    firsts[i] = Number.isFinite(sorted[k]!.first) ? sorted[k]!.first : Number.NaN;
  });
  return { ordered, firsts };
}

/** A regular file or bytes in memory; not standard input, a pipe, a FIFO or a device. */
function canReadTwice(input: CaptureInput): boolean {
  if (isStreamInput(input)) return false;
  if (typeof input !== 'string') return true;
  if (input === '-') return false;
  try {
    return statSync(input).isFile();
  } catch {
    return false; // unreadable: read once, where it fails with its own message
  }
}

/** What is in each capture: format, interfaces, sizes, rates, time order, counts, damage. Unreadable files are in `failures`. */
export async function info(
  inputs: CaptureInput[],
  options: LoadOptions = {},
): Promise<{ captures: CaptureSummary[]; failures: CaptureError[]; passedOver: string[] }> {
  const sorted = await sortAll(inputs, options);
  const read = await decodeEach(sorted.captures, options, () => {});
  const logs = await loadLogInputs(sorted.logs, read.captures.length, () => {}, undefined, logContext(read.captures));
  return {
    captures: [...read.captures, ...logs.captures],
    failures: [...sorted.failures, ...read.failures, ...logs.failures],
    passedOver: [...sorted.passedOver, ...logs.passedOver],
  };
}

/**
 * Read and decode each input in turn, counting every packet, and hand each decoded packet on.
 * `beforeCapture` is told the index the next readable capture will have.
 */
async function decodeEach(
  inputs: CaptureInput[],
  options: LoadOptions,
  onPacket: (packet: Packet) => void,
  beforeCapture: (index: number) => void = () => {},
  duplicates: DuplicateFilter | null = null,
  firsts: readonly (number | null)[] = [],
): Promise<{ captures: CaptureSummary[]; failures: CaptureError[] }> {
  const packet = newPacket();
  const decodeOptions = { verifyChecksums: options.verifyChecksums === true };
  /** One input's decoding: each record decoded, counted and handed on; its summary once read. */
  const decoding = (
    input: CaptureInput,
  ): { onRecord: (record: CaptureRecord) => void; summary: (info: CaptureFileInfo) => CaptureSummary } => {
    const stats = new DecodeStats();
    const forwarded = new ForwardedCopies();
    const repeated = new RepeatedFrames();
    const replayed = new ReplayedPackets(rereading(input));
    const onRecord = (record: CaptureRecord): void => {
      decodePacket(record, packet, decodeOptions);
      // A packet the capture had before it went back in time (captures appended: replayed.ts).
      if (replayed.isCopy(record)) {
        packet.status = 'skipped';
        packet.reason = 'dup.repeated-in-capture';
        packet.carrierCount = 0;
        stats.add(packet);
        return;
      }
      // A frame repeated on its own interface (repeated.ts) is counted and tracked, as Zeek tracks
      // it, and is no router's copy from another interface (forwarded.ts).
      if (duplicates !== null && !packet.timeOutOfRange && duplicates.isCopy(packet)) {
        packet.status = 'skipped';
        packet.reason = 'dup.seen-in-earlier-capture';
        packet.carrierCount = 0;
      } else if (!packet.timeOutOfRange && !repeated.see(packet) && forwarded.isCopy(packet)) {
        packet.status = 'skipped';
        packet.reason = 'dup.forwarded-copy';
      }
      stats.add(packet);
      // A time no capture can mean would expire every open connection and stretch every span:
      // the packet is counted (and warned about by the reader), not tracked.
      if (!packet.timeOutOfRange) onPacket(packet);
    };
    const summary = (fileInfo: CaptureFileInfo): CaptureSummary => {
      const s = summarizeCapture(fileInfo, stats);
      const twice = repeatedWarning(s.file, repeated, stats);
      if (twice !== null) s.warnings.push(twice);
      if (forwarded.copies > 0) s.warnings.push(forwardedWarning(s.file, forwarded));
      replayed.close();
      const back = stepBackWarning(s.file, fileInfo, replayed);
      if (back !== null) s.warnings.push(back);
      return s;
    };
    return { onRecord, summary };
  };
  /** What reading `input` gave: what the file held, or why it could not be read at all. */
  const read1 = async (
    input: CaptureInput,
    onRecord: (record: CaptureRecord) => void,
    pause = options.pause,
  ): Promise<CaptureFileInfo | CaptureError> => {
    try {
      return await read(input, onRecord, { ...options, pause });
    } catch (e) {
      if (e instanceof CaptureError) return e;
      throw e;
    }
  };
  const results: (CaptureSummary | CaptureError)[] = [];
  const known = firsts.length === inputs.length && firsts.every((f) => f !== null);
  if (inputs.length > 1 && known) {
    // Inputs of one time read as one timeline (timeline.ts): a tap's two directions in two files.
    const each = inputs.map((input) => decoding(input));
    const infos: (CaptureFileInfo | CaptureError)[] = [];
    /** Each input's place among those read, once its first record comes. */
    const places: number[] = [];
    let current = -1;
    await readInterleaved(firsts, {
      read: async (i, onRecord, pause) => {
        infos[i] = await read1(inputs[i]!, onRecord, () => pause());
      },
      take: (i, record, together) => {
        if (i !== current) {
          current = i;
          // Its place among the inputs read (one that could not be read at all failed at its start).
          places[i] ??= i - infos.slice(0, i).filter((r) => r instanceof CaptureError).length;
          beforeCapture(places[i]);
          duplicates?.startInput(i);
        }
        duplicates?.together(together);
        each[i]!.onRecord(record);
      },
      pause: options.pause,
    });
    // Summed up once every record of the timeline is handed on: an input's last ones wait for the others.
    infos.forEach((r, i) => results.push(r instanceof CaptureError ? r : each[i]!.summary(r)));
  } else {
    for (const [index, input] of inputs.entries()) {
      beforeCapture(results.filter((r) => !(r instanceof CaptureError)).length);
      duplicates?.startInput(index);
      const one = decoding(input);
      const r = await read1(input, one.onRecord);
      results.push(r instanceof CaptureError ? r : one.summary(r));
    }
  }
  const captures: CaptureSummary[] = [];
  const failures: CaptureError[] = [];
  for (const r of results) {
    if (r instanceof CaptureError) failures.push(r);
    else captures.push(r);
  }
  return { captures, failures };
}

/**
 * What a capture of one interface holds twice, said when it is most of it: the frames are counted
 * and tracked as Zeek counts them (a stack's own repeats look alike: Linux sends its resets with
 * IP ID 0, two alike when two segments come after a close).
 */
function repeatedWarning(file: string, repeated: RepeatedFrames, stats: DecodeStats): string | null {
  const ip = stats.decoded.ipv4 + stats.decoded.ipv6;
  if (repeated.copies < MIN_REPEATS_SAID || repeated.copies < REPEATED_SHARE_SAID * ip) return null;
  const within =
    repeated.widest < 0.001 ? `${Math.max(1, Math.round(repeated.widest * 1e6))} µs` : `${round(repeated.widest * 1000, 2)} ms`;
  return (
    `${file}: ${count(repeated.copies)} of ${plural(ip, 'IP packet')} repeat one just before them on the same interface, the same bytes ` +
    `within ${within}: the sniffer was most likely given each frame twice (a mirror port copying traffic both ways, a virtual ` +
    `switch or capture driver that delivers each frame twice). Counted as Zeek counts them, packet and byte counts are up to twice the traffic's (editcap -D drops the copies)`
  );
}

/**
 * A capture that goes back in time further than two sniffers' clocks or a capture's queues could
 * take it: captures appended one after another (`cat`, `mergecap -a`), the same one twice when it
 * goes back to its first time. Said with the copies of the earlier part found after the step
 * (replayed.ts), or that none were — or, for a file read once (gzip), could be looked for.
 */
function stepBackWarning(file: string, info: CaptureFileInfo, replayed: ReplayedPackets): string | null {
  const back = replayed.step;
  const copies = replayed.copies;
  if (back === null || !(back.seconds > STEP_BACK_SAID_SECONDS && back.seconds < STEP_BACK_MOST_SECONDS)) return null;
  const where = `${file}: record ${count(back.record)} goes back ${duration(back.seconds)} in time${back.toStart ? ", to the capture's first time" : ''}`;
  if (copies > 0)
    return `${where}: captures appended one after another (cat, mergecap -a); ${plural(copies, 'packet')} after it repeat ones the capture already had, each tracked once`;
  return info.compressed
    ? `${where}: captures appended one after another (cat, mergecap -a)? A gzip file is read once, so packets after it that repeat ones before it are counted and tracked twice (gunzip it to have them counted once)`
    : `${where}: captures appended one after another (cat, mergecap -a)? None of the packets after it repeats one before it; a connection across the step is tracked in pieces`;
}

/** A step back in time said when it is longer than this (a copy's window between captures), and shorter than a year (a time that is no capture's). */
const STEP_BACK_SAID_SECONDS = DUPLICATE_WINDOW;
const STEP_BACK_MOST_SECONDS = 366 * 86_400;

/** Repeated frames said at most when there are this many, and this share of the IP packets. */
const MIN_REPEATS_SAID = 4;
const REPEATED_SHARE_SAID = 0.4;

/** What a capture of a router's interfaces holds twice, said once. */
function forwardedWarning(file: string, forwarded: ForwardedCopies): string {
  const translated = forwarded.translated > 0 ? `, ${count(forwarded.translated)} of them with the router's outside address (NAT)` : '';
  return (
    `${file}: ${plural(forwarded.copies, 'packet')} seen again on another interface within ${COPY_WINDOW * 1000} ms, as a router forwards packets ` +
    `(tcpdump -i any on a router, a pcapng of several interfaces)${translated}: each tracked once` +
    (forwarded.translated > 0 ? ', a translated one as the inside saw it' : '')
  );
}

function analyzeOptions(options: AnalyzeCapturesOptions): AnalyzeOptions {
  return {
    internal: options.internal ?? DEFAULT_INTERNAL,
    proxies: options.proxies ?? [],
    orgs: options.orgs ?? [],
    webPorts: options.webPorts ?? DEFAULT_WEB_PORTS,
    known: options.known,
    allHosts: options.allHosts,
  };
}

/**
 * Hosts, labels and verdicts for the inputs: one network, or — when they cannot be one network
 * (far apart in time, no internal address in common) — each network on its own, side by side
 * (`result.networks`).
 */
export async function analyze(
  inputs: CaptureInput[],
  options: AnalyzeCapturesOptions = {},
  pool: ChunkPool | null = null,
): Promise<{ result: AnalysisResult; loaded: Analysed }> {
  // Connections kept in columns, not objects (ConnectionKeeper): a scan of millions of SYNs is a
  // few hundred megabytes, not gigabytes. Without their uids: no finding names a connection by
  // its uid, and a Zeek log's are a quarter of what its rows take.
  const keeper = new ConnectionKeeper(pool, options.objectsUpTo, { uids: false, sealAfter: options.sealAfter });
  const streamed = await streamConnections(inputs, { ...options, onConnection: (c) => keeper.add(c), onStore: (s) => keeper.adopt(s) });
  const connections = keeper.list();
  options.onAnalysis?.(connections.length);
  const settings = analyzeOptions(options);
  // Without --internal, the networks a Zeek log calls local (local_orig, local_resp: its
  // Site::local_nets) are internal too: a campus on public addresses.
  const local = options.internal === undefined ? localNetworks(connections, streamed.captures, settings.internal) : [];
  if (local.length > 0) settings.internal = [...settings.internal, ...local];
  // And the IPv6 networks the LAN's machines send from through the card of their internal IPv4
  // address (a dual-stack LAN's global prefix).
  const linked = options.internal === undefined ? linkNetworks(connections, new CidrSet(settings.internal)) : [];
  if (linked.length > 0) settings.internal = [...settings.internal, ...linked];
  const result = analyzeNetworks(connections, streamed.captures, settings, streamed.shared);
  if (linked.length > 0) result.summary.unshift(linkNetworksWords(linked));
  if (local.length > 0) result.summary.unshift(localNetworksWords(local));
  return { result, loaded: { ...streamed, connections } };
}

/** Networks named at most in localNetworksWords. */
const LOCAL_NETWORKS_NAMED = 5;

/**
 * The /24s (IPv4) and /64s (IPv6) of the addresses a Zeek log calls local that `internal` does
 * not hold: Zeek knows the site's networks (Site::local_nets), callhome's defaults are the
 * private ranges.
 */
function localNetworks(connections: ConnectionList, captures: readonly CaptureSummary[], internal: readonly string[]): string[] {
  const zeek = new Set(captures.flatMap((c, i) => (c.format === 'zeek-tsv' || c.format === 'zeek-json' ? [i] : [])));
  if (zeek.size === 0) return [];
  const inside = new CidrSet([...internal]);
  const found = new Set<string>();
  for (let i = 0; i < connections.length; i++) {
    const c = connections.peek(i);
    if (!zeek.has(c.capture)) continue;
    if (c.localOrig === true && !inside.hasOrig(c)) found.add(localBlock(c.origH));
    if (c.localResp === true && !inside.hasResp(c)) found.add(localBlock(c.respH));
  }
  found.delete('');
  return [...found].sort();
}

/** An address's /24 or /64, '' for text that is no address or no one host's (multicast, broadcast). */
function localBlock(address: string): string {
  if (notUnicast(address) || address.endsWith('.255')) return '';
  const n4 = ipv4ToNumber(address);
  return n4 >= 0 ? netblock4(n4) : (subnet64(address) ?? '');
}

/** Networks named, the first LOCAL_NETWORKS_NAMED of them. */
function namedNetworks(networks: readonly string[]): string {
  const more = networks.length - LOCAL_NETWORKS_NAMED;
  return networks.slice(0, LOCAL_NETWORKS_NAMED).join(', ') + (more > 0 ? ` and ${count(more)} more` : '');
}

function localNetworksWords(local: readonly string[]): string {
  return (
    `Internal networks besides the private ranges: ${namedNetworks(local)}, where the Zeek log calls hosts local (local_orig, local_resp); ` +
    '--internal sets the networks instead.'
  );
}

function linkNetworksWords(linked: readonly string[]): string {
  return (
    `Internal networks besides the private ranges: ${namedNetworks(linked)}, the IPv6 network of machines on the sniffer's link ` +
    'that also send from an internal IPv4 address through the same network card (a dual-stack LAN); --internal sets the networks instead.'
  );
}

/** What `analyze` read: as `Loaded`, the connections as a list (`get(i)`, `toArray()`, iterable). */
export interface Analysed extends Omit<Loaded, 'connections'> {
  connections: ConnectionList;
}

/**
 * Each capture analysed on its own, then compared. Captures that are regular files are analysed
 * on `threads` worker threads at once (default: one fewer than the machine's cores), with the
 * same results.
 */
export async function compare(
  inputs: CaptureInput[],
  options: AnalyzeCapturesOptions = {},
): Promise<{ result: CompareResult; failures: CaptureError[] }> {
  const threads = Math.min(inputs.length, Math.floor(options.threads ?? defaultThreads()));
  const files = inputs.filter((input): input is string => typeof input === 'string' && canReadTwice(input));
  let each: OneAnalysis[];
  if (threads > 1 && files.length === inputs.length && canAnalyzeInWorkers()) {
    each = await analyzeEach(files, options, threads, (input) => compareOne(input, options, null));
  } else {
    each = [];
    // One input's connections at a time: each store's memory goes to the next.
    const pool = new ChunkPool();
    for (const input of inputs) each.push(await compareOne(input, options, pool));
  }
  const results: AnalysisResult[] = [];
  const names: string[] = [];
  const failures: CaptureError[] = [];
  each.forEach((one, i) => {
    failures.push(...one.failures);
    if (one.result === null) return;
    results.push(one.result);
    names.push(inputName(inputs[i]!));
  });
  return { result: compareAnalyses(results, names), failures };
}

/**
 * Threads `compare` analyses on unless told: one core is left to the collector, which works beside
 * every analysis (an analysis alone keeps about a core and a quarter busy) — on two cores two
 * analyses at once took as long as one after the other.
 */
function defaultThreads(): number {
  return Math.max(1, availableParallelism() - 1);
}

/** One input of `compare` analysed on the calling thread: its result (null when no capture of it was read) and failures. */
export async function compareOne(input: CaptureInput, options: AnalyzeCapturesOptions, pool: ChunkPool | null): Promise<OneAnalysis> {
  // Hosts without findings are counted, not kept: compare reads the hosts that rank first.
  const { result, loaded } = await analyze([input], { ...options, allHosts: false }, pool);
  loaded.connections.release?.();
  return { result: loaded.captures.length === 0 ? null : result, failures: loaded.failures };
}
