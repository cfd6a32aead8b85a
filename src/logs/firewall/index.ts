/**
 * Firewall logs as input (DESIGN.md "Inputs"): netfilter LOG lines, Cisco ASA / FTD syslog,
 * pfSense / OPNsense filterlog, Windows Firewall pfirewall.log, Cisco Meraki MX flows, pf's log as
 * tcpdump prints it, AWS VPC Flow Logs, the other vendors' and plain tables, told apart by
 * content, read line by line into the connection record every input yields. A file may mix
 * formats (a syslog server collecting several devices): each line is read by the format the
 * file opens with, else by any other.
 */
import { noCaptureFileFacts, type CaptureSummary } from '../../analysis/types.js';
import type { Connection } from '../../flows/connection.js';
import { ciscoAsa } from './asa.js';
import { AttemptStream, HELD_EVENTS, REORDER_SECONDS } from './attempts.js';
import { filterlog } from './filterlog.js';
import { meraki } from './meraki.js';
import { mikrotik } from './mikrotik.js';
import { keyValue } from './keyvalue.js';
import { panos } from './panos.js';
import { ciscoIos } from './ios.js';
import { netfilter, netfilterEventOfScan, NetfilterBytes, scanNetfilterLine } from './netfilter.js';
import { LONGEST_LINE, MIN_CONFIDENCE, SNIFF_CLOCK } from './types.js';
import { pfirewall } from './pfirewall.js';
import { pflog } from './pflog.js';
import { table } from './table.js';
import { otherSyslogLine, parseSyslogHeader } from './syslog.js';
import { vpcFlow } from './vpcflow.js';
import { LogClock } from './time.js';
import type { FirewallEvent, FirewallFormat, FirewallFormatModule, LineParser } from './types.js';
import { eventFault } from './types.js';
import { NulRuns } from '../lines.js';
import { count, plural } from '../../quantities.js';
import { isoMillis, SINCE_BOOT } from '../../time.js';

export type { FirewallAction, FirewallEvent, FirewallFormat } from './types.js';
export { TimeZoneError } from './time.js';

/** Every format, most specific first (a tie in sniffing goes to the earlier). */
export const FIREWALL_FORMATS: readonly FirewallFormatModule[] = [
  netfilter,
  ciscoAsa,
  filterlog,
  pfirewall,
  mikrotik,
  meraki,
  keyValue,
  panos,
  ciscoIos,
  pflog,
  vpcFlow,
  table,
];

/** Lines looked at to tell the format. */
const SNIFF_LINES = 200;
/** Unmatched lines named in the warning. */
const UNMATCHED_NAMED = 5;
const UNMATCHED_TEXT = 120;

export interface FirewallLogOptions {
  /** Year for syslog time stamps without one (CLI --year); else from `mtimeMs`. */
  year?: number;
  /** The file's modification time in ms (fs.Stats.mtimeMs): the year when `year` is not given. */
  mtimeMs?: number;
  /** When the first line of the log that carries its year was written (time.ts datedLine): the year-less lines' year before `mtimeMs`. */
  datedAt?: number | null;
  /** What `datedAt` is the time of ("the captures given with it"), for the summary. */
  datedBy?: string;
  /** Time zone of the log's wall-clock times (CLI --tz): 'UTC' (default), '+05:30', 'Europe/Berlin'. */
  tz?: string;
  /** Index of this input among the analysed inputs (Connection.capture). */
  capture?: number;
  /** Whether an address is internal (Connection.localOrig / localResp). */
  isLocal?: (address: string) => boolean;
  /**
   * The name the firewall's denials are given in their reset evidence: the log's own name by
   * default; the name rotated files of one log share (`rotatedLogName`), for one firewall.
   */
  firewall?: string;
  /** The formats to try, in this order, instead of telling them from the first lines (a reading again from the end). */
  formats?: readonly FirewallFormat[];
  /** With `formats`: the file's first lines, which settle what the formats settle once for a file (a table's date order). */
  head?: readonly string[];
}

/**
 * Thrown by a reader that was told its file can be read again from its end (`turnRound`) when the
 * log turns out to list its newest lines first: nothing has been handed on yet, and the file is
 * read again, its first entry's line and the lines after it last to first (read.ts).
 */
export class NewestFirstLog extends Error {
  constructor(
    /** The first line that is an entry: the lines before it (a header) are read first, in their order. */
    readonly firstEntryLine: number,
    /** The formats as the reader tried them, for the reading from the end to try them so. */
    readonly formats: readonly FirewallFormat[],
    /** The file's first lines, for the reading from the end to settle from them what the reader did. */
    readonly head: readonly string[],
  ) {
    super('the log lists its newest lines first');
    this.name = 'NewestFirstLog';
  }
}

export interface UnmatchedLines {
  count: number;
  /** The first few by line number, with their 1-based line numbers (text shortened, control characters removed). */
  first: { line: number; text: string }[];
}

export interface FirewallLog {
  /** The format most of the file's entries are in. */
  format: FirewallFormat;
  /**
   * One attempt per connection the log shows (retries folded in), in time order; empty when they
   * were handed to the reader's `emit` as they were made.
   */
  connections: Connection[];
  /** The input object of `info` and `analyze`, as for a capture. */
  summary: CaptureSummary;
  warnings: string[];
  unmatched: UnmatchedLines;
  /** Log lines read as entries. */
  entries: number;
}

export type FirewallLogErrorCode = 'log.no_entries' | 'log.untimed';

/** A file that is not a firewall log at all, or one whose lines carry no time: one line for the user, no stack trace. */
export class FirewallLogError extends Error {
  constructor(
    readonly code: FirewallLogErrorCode,
    readonly file: string,
    message: string,
  ) {
    super(message);
    this.name = 'FirewallLogError';
  }
}

/** Text of a log file's bytes: UTF-8, or UTF-16 when a byte-order mark or every other byte being zero says so. */
export function firewallLogText(bytes: Uint8Array): string {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  if (bytes.length >= 4 && bytes[1] === 0 && bytes[3] === 0 && bytes[0] !== 0) return new TextDecoder('utf-16le').decode(bytes);
  return new TextDecoder('utf-8').decode(bytes);
}

/** A text's lines, a byte-order mark before the first left out. */
export function linesOf(text: string): string[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  // The last line end closes the last line: no empty line after it.
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** The lines of a file's first bytes (or text), a last line cut off by their end left out. */
function headLines(firstBytes: Uint8Array | string): string[] {
  const text = typeof firstBytes === 'string' ? firstBytes : firewallLogText(firstBytes);
  const lines = linesOf(text);
  if (lines.length > 1 && !/\r?\n$/.test(text)) lines.pop();
  return lines;
}

/** Each format's confidence (0–1) that it wrote these lines, best first. */
export function sniffFirewallFormats(lines: readonly string[]): { format: FirewallFormat; confidence: number }[] {
  const head = lines.slice(0, SNIFF_LINES);
  return FIREWALL_FORMATS.map((m) => ({ format: m.format, confidence: m.sniff(head) })).sort((a, b) => b.confidence - a.confidence);
}

/**
 * The firewall log format of a file from its first bytes (or text), or null when it is none of
 * them. A last line cut off by the end of `firstBytes` is left out.
 */
export function sniffFirewallLog(firstBytes: Uint8Array | string): FirewallFormat | null {
  const best = sniffFirewallFormats(headLines(firstBytes))[0];
  return best !== undefined && best.confidence >= MIN_CONFIDENCE ? best.format : null;
}

/** A system log's share of syslog lines in its first lines, at least. */
const SYSTEM_LOG_SHARE = 0.9;

/**
 * Whether the first bytes are a system log (syslog, kern.log, `journalctl`, `dmesg`) though no
 * firewall entry is among them: a kernel log opens with the boot's messages, and a syslog
 * server's file may hold other daemons' lines for pages before a rate-limited firewall line. Such
 * a file is read for entries all through; one with none is a "not a firewall log" error.
 */
export function sniffSystemLog(firstBytes: Uint8Array | string): boolean {
  const lines = headLines(firstBytes);
  let seen = 0;
  let syslog = 0;
  for (const line of lines.slice(0, SNIFF_LINES)) {
    if (line.trim() === '') continue;
    seen++;
    if (otherSyslogLine(line) !== null) syslog++;
  }
  return seen >= 3 && syslog >= seen * SYSTEM_LOG_SHARE;
}

/**
 * Whether the first bytes are a kernel log timed in seconds since boot (dmesg without -T): every
 * line of them with a time stamp has that one, and some have it.
 */
export function sniffSinceBoot(firstBytes: Uint8Array | string): boolean {
  let timed = 0;
  for (const line of headLines(firstBytes).slice(0, SNIFF_LINES)) {
    const header = parseSyslogHeader(line, SNIFF_CLOCK);
    if (header === null) continue;
    if (!header.sinceBoot) return false;
    timed++;
  }
  return timed > 0;
}

/** Control characters out and long lines shortened, for a warning that quotes a line. */
function quoted(line: string): string {
  const clean = line.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
  return clean.length > UNMATCHED_TEXT ? `${clean.slice(0, UNMATCHED_TEXT)}…` : clean;
}

/**
 * Reads a firewall log one line at a time (push), making its connections as it goes and handing
 * each to `emit` once no later line can fold into it (without `emit`, finish returns them). The
 * first lines are held until they tell the format.
 */
export class FirewallLogReader {
  private readonly clock: LogClock;
  private readonly held: string[] = [];
  /** The lines held to tell the format (or those given): the first lines, that each parser is primed with. */
  private head: readonly string[] = [];
  private parsers: { module: FirewallFormatModule; parser: LineParser }[] | null = null;
  /** Set when the file is netfilter's: its lines are read from their bytes. */
  private netfilterBytes: NetfilterBytes | null = null;
  private readonly attempts: AttemptStream;
  private readonly connections: Connection[] = [];
  private entries = 0;
  private firstTs = Infinity;
  private lastTs = -Infinity;
  private readonly decoded = { ipv4: 0, ipv6: 0, tcp: 0, udp: 0, icmp: 0, other: 0 };
  private readonly byFormat = new Map<FirewallFormat, number>();
  private readonly devices = new Set<string>();
  private lineNumber = 0;
  private bytes = 0;
  /** Why reading stopped at damage (gzip data that ends early), and after how many of the file's bytes; else null. */
  private stopped: { why: string; offset: number } | null = null;
  private other = 0;
  /** Lines that began with a run of NUL bytes, read after it. */
  private readonly nulRuns = new NulRuns();
  private readonly unmatched: UnmatchedLines = { count: 0, first: [] };
  /** Lines of a format read that name an address, port or time that cannot be. */
  private readonly impossible: UnmatchedLines = { count: 0, first: [] };
  /** Lines of a format read that carry no time stamp, neither their own nor a syslog server's. */
  private readonly untimed: UnmatchedLines = { count: 0, first: [] };
  /** The format of the first of them, for the error that names it. */
  private untimedFormat: FirewallFormatModule | null = null;
  /** Lines longer than any log writes (LONGEST_LINE), not read. */
  private readonly overlong: UnmatchedLines = { count: 0, first: [] };
  private firstEntryLine = 0;
  /**
   * Set by a reader that can read its file again from its end: a log found to list its newest
   * lines first is then not held whole, NewestFirstLog is thrown instead.
   */
  turnRound = false;

  constructor(
    readonly name: string,
    private readonly options: FirewallLogOptions = {},
    emit?: (c: Connection) => void,
  ) {
    this.clock = new LogClock({
      year: options.year,
      mtimeMs: options.mtimeMs,
      datedAt: options.datedAt,
      datedBy: options.datedBy,
      tz: options.tz,
    });
    const connections = this.connections;
    this.attempts = new AttemptStream(
      {
        capture: options.capture ?? 0,
        file: options.firewall ?? name,
        isLocal: options.isLocal,
        onNewestFirst: () => {
          if (this.turnRound)
            throw new NewestFirstLog(
              this.firstEntryLine,
              this.parsers!.map((p) => p.module.format),
              this.head,
            );
        },
      },
      emit ?? ((c) => connections.push(c)),
    );
    if (options.formats !== undefined) this.start();
  }

  /**
   * The next line, or the line numbered `number` (1-based) when lines come in another order — to a
   * reader given its `formats`, which holds no lines to tell the format.
   */
  push(line: string, number?: number, length = line.length): void {
    this.bytes += length + 1;
    // A line no log writes is not read: what it begins with is enough to name it (a copy of its
    // own, not a slice holding the whole).
    if (line.length > LONGEST_LINE) line = Buffer.from(line.slice(0, LONGEST_LINE + 1), 'utf16le').toString('utf16le');
    if (this.parsers === null) {
      this.held.push(this.held.length === 0 ? line.replace(/^\uFEFF/, '') : line);
      if (this.held.length >= SNIFF_LINES) this.start();
      return;
    }
    this.read(line, number);
  }

  /** Tell the format from the held lines (or take the formats given), then read them. */
  private start(): void {
    const given = this.options.formats;
    const order = given !== undefined ? given : sniffFirewallFormats(this.held).map((o) => o.format);
    const modules = order.map((format) => FIREWALL_FORMATS.find((m) => m.format === format)!);
    this.parsers = modules.map((module) => ({ module, parser: module.parser(this.clock) }));
    if (modules[0] === netfilter) this.netfilterBytes = new NetfilterBytes();
    const held = this.held.splice(0);
    this.head = given !== undefined ? (this.options.head ?? held) : held;
    for (const { parser } of this.parsers) parser.prime?.(this.head);
    for (const line of held) this.read(line);
  }

  /** The line's number: the one given, else the next. */
  private numbered(given: number | undefined): number {
    if (given === undefined) return ++this.lineNumber;
    if (given > this.lineNumber) this.lineNumber = given;
    return given;
  }

  private read(rawLine: string, given?: number): void {
    const line = this.nulRuns.after(rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine);
    const number = this.numbered(given);
    if (line.length > LONGEST_LINE) {
      noteLine(this.overlong, number, line);
      return;
    }
    if (line.trim() === '') return;
    let skipped = false;
    let impossible = false;
    let untimed = false;
    for (const { module, parser } of this.parsers!) {
      const result = parser.parse(line, number);
      if (result === null) continue;
      // This format's line, damaged: no other format reads it better.
      if (result === 'bad') break;
      if (result === 'skip') {
        skipped = true;
        continue;
      }
      if (result.teardown !== undefined) {
        // No attempt: counted with the device's other messages, and told to the attempt it ends.
        this.other++;
        this.attempts.add(result);
        return;
      }
      // An impossible address, port or time, or no time at all: no attempt, counted and named apart.
      const fault = eventFault(result);
      if (fault === 'no time') {
        untimed = true;
        this.untimedFormat ??= module;
        break;
      }
      if (fault !== null) {
        impossible = true;
        break;
      }
      this.accept(module.format, result);
      return;
    }
    if (skipped) {
      this.other++;
      return;
    }
    noteLine(untimed ? this.untimed : impossible ? this.impossible : this.unmatched, number, line);
  }

  /**
   * A line of a netfilter log given as its bytes (ASCII, without its line end): read here when it
   * is a plain LOG line, as `push` would read it; false when it is to be pushed as text instead.
   */
  pushBytes(bytes: Buffer, from: number, to: number, number?: number): boolean {
    const fast = this.netfilterBytes;
    if (fast === null || !scanNetfilterLine(bytes, from, to, fast.scan, 0)) return false;
    return this.pushScanned(bytes, from, to, fast.scan, 0, number);
  }

  /**
   * The same for a line `scanNetfilterLine` has scanned to `scan[at…]` already (on the thread that
   * read it: read.ts).
   */
  pushScanned(bytes: Buffer, from: number, to: number, scan: Int32Array, at: number, number?: number): boolean {
    const fast = this.netfilterBytes;
    if (fast === null) return false;
    const event = netfilterEventOfScan(bytes, scan, at, this.clock, number ?? this.lineNumber + 1, fast);
    if (event === null) return false;
    this.bytes += to - from + 1;
    this.numbered(number);
    this.accept('netfilter', event);
    return true;
  }

  private accept(format: FirewallFormat, e: FirewallEvent): void {
    if (this.entries++ === 0) this.firstEntryLine = e.line;
    this.byFormat.set(format, (this.byFormat.get(format) ?? 0) + 1);
    if (e.device !== undefined && this.devices.size < 16) this.devices.add(e.device);
    if (e.ts < this.firstTs) this.firstTs = e.ts;
    if (e.ts > this.lastTs) this.lastTs = e.ts;
    if (e.src.includes(':')) this.decoded.ipv6++;
    else this.decoded.ipv4++;
    this.decoded[e.proto]++;
    this.attempts.add(e);
  }

  /**
   * Reading stopped at damage `why` after `offset` bytes of the file: the lines before are read,
   * the line it cut is not; the summary says so, as a capture's does.
   */
  stoppedAt(why: string, offset: number): void {
    this.stopped = { why, offset };
  }

  finish(): FirewallLog {
    if (this.parsers === null) this.start();
    if (this.entries === 0 && this.untimed.count > 0) {
      const n = this.untimed.count;
      throw new FirewallLogError(
        'log.untimed',
        this.name,
        `${this.name} carries no time stamps: ${plural(n, 'line')} of ${this.untimedFormat!.description} that ${n === 1 ? 'names' : 'name'} a connection ` +
          `(line ${count(Math.min(...this.untimed.first.map((u) => u.line)))}) ${n === 1 ? 'has' : 'have'} no time of ${n === 1 ? 'its' : 'their'} own nor a syslog server's, ` +
          "so no attempt can be placed in time (an ASA's `logging timestamp` stamps its lines; a syslog server's file of them gives each its time)",
      );
    }
    if (this.entries === 0) {
      const lines = this.lineNumber === 0 ? 'it is empty' : `none of its ${plural(this.lineNumber, 'line')} is an entry`;
      // Lines of a format that carry no attempt by design (netfilter's audit lines) tell why.
      const why = this.parsers!.flatMap(({ parser }) => parser.passedOver?.() ?? []);
      throw new FirewallLogError(
        'log.no_entries',
        this.name,
        `${this.name}: not a capture or a firewall log: ${lines} of netfilter LOG, Cisco ASA 106xxx, pfSense filterlog, ` +
          'Windows pfirewall.log, MikroTik RouterOS, Cisco Meraki flows, key=value lines (FortiGate, Sophos, Juniper SRX, Check Point), PAN-OS traffic logs, ' +
          'Cisco IOS access-list logs, pf logs as tcpdump prints them, AWS VPC Flow Logs ' +
          'or a table with a header naming its columns' +
          (why.length > 0 ? `; ${why.join('; ')}` : '') +
          (this.impossible.count > 0
            ? `; ${count(this.impossible.count)} of them name an address, port or time that cannot be (line ${count(Math.min(...this.impossible.first.map((u) => u.line)))})`
            : '') +
          (this.overlong.count > 0
            ? `; ${count(this.overlong.count)} of them ${this.overlong.count === 1 ? 'is' : 'are'} longer than any firewall log writes (line ${count(Math.min(...this.overlong.first.map((u) => u.line)))})`
            : ''),
      );
    }
    let format: FirewallFormat = 'table';
    let most = -1;
    for (const [f, n] of this.byFormat) if (n > most) [format, most] = [f, n];
    this.attempts.finish();
    // Named once every line held to tell the format is read: the line the damage cut is the next.
    const record = this.lineNumber + 1;
    const stopped = this.stopped;
    const damage =
      stopped === null
        ? null
        : {
            offset: stopped.offset,
            record,
            message: `${this.name}: ${stopped.why} after ${stopped.offset} bytes (line ${record}): read up to the last whole line`,
          };
    const warnings: string[] = damage !== null ? [damage.message] : [];
    for (const { module, parser } of this.parsers!) if (this.byFormat.has(module.format)) warnings.push(...parser.notes());
    if (this.unmatched.count > 0)
      warnings.push(`${plural(this.unmatched.count, 'line matches', 'lines match')} no firewall log format: ${namedLines(this.unmatched)}`);
    if (this.overlong.count > 0) {
      warnings.push(
        `${plural(this.overlong.count, 'line is', 'lines are')} longer than any firewall log writes (over ${count(LONGEST_LINE)} characters), not read: ` +
          namedLines(this.overlong),
      );
    }
    if (this.untimed.count > 0) {
      warnings.push(
        `${plural(this.untimed.count, 'line carries', 'lines carry')} no time stamp, neither ${this.untimed.count === 1 ? 'its' : 'their'} own nor a syslog server's, ` +
          `and ${this.untimed.count === 1 ? 'is' : 'are'} not read as attempts: ${namedLines(this.untimed)}`,
      );
    }
    if (this.impossible.count > 0) {
      warnings.push(
        `${plural(this.impossible.count, 'line names', 'lines name')} an address, port or time that cannot be, and ${this.impossible.count === 1 ? 'is' : 'are'} not read as attempts: ` +
          namedLines(this.impossible),
      );
    }
    for (const [zone, n] of this.clock.unreadZones) {
      warnings.push(
        `${plural(n, 'line gives its', 'lines give their')} time in ${zone}, a zone callhome does not read by its abbreviation: ` +
          `read in ${this.clock.tz} instead (--tz names the log's zone)`,
      );
    }
    const nul = this.nulRuns.warning('line');
    if (nul !== null) warnings.push(nul);
    const late = this.attempts.late;
    if (late > 0) {
      warnings.push(
        `${plural(late, 'line')} stood out of time order by more than ${REORDER_SECONDS} s (and ${count(HELD_EVENTS)} lines): ` +
          `${late === 1 ? 'it was' : 'they were'} read where ${late === 1 ? 'it stands' : 'they stand'}, retries there may count as attempts`,
      );
    }
    return {
      format,
      connections: this.connections,
      summary: this.summary(format, warnings, damage),
      warnings,
      unmatched: this.unmatched,
      entries: this.entries,
    };
  }

  private summary(format: FirewallFormat, warnings: string[], damage: CaptureSummary['damage']): CaptureSummary {
    const start = this.firstTs;
    const end = this.lastTs;
    const decoded = { ...this.decoded };
    const module = FIREWALL_FORMATS.find((m) => m.format === format)!;
    const others = [...this.byFormat].filter(([f]) => f !== format).map(([f, n]) => `${count(n)} ${f} lines`);
    const sinceBoot = (this.parsers ?? []).reduce((n, { parser }) => n + (parser.sinceBoot?.() ?? 0), 0);
    const detail = [
      `${module.description}${others.length > 0 ? ` (also ${others.join(', ')})` : ''}`,
      `${plural(this.entries, 'entry', 'entries')} in ${plural(this.attempts.attempts, 'attempt')}`,
      // dmesg without -T counts from the kernel's start: no date, no zone.
      sinceBoot > 0 && sinceBoot === this.entries
        ? `times ${SINCE_BOOT}`
        : // Stamps that each gave their UTC offset (RFC 3339, RFC 5424) owe nothing to --tz.
          this.clock.zoned === 0 && this.entries > 0
          ? 'times as stamped, with their UTC offsets'
          : `times in ${this.clock.tz}${this.clock.yearSource !== null ? `, ${this.clock.yearSource}` : ''}`,
    ];
    if (this.devices.size > 0) detail.push(`${this.devices.size === 1 ? 'device' : 'devices'} ${[...this.devices].join(', ')}`);
    const skipped: Record<string, number> = {};
    if (this.unmatched.count > 0) skipped['log.unmatched'] = this.unmatched.count;
    if (this.impossible.count > 0) skipped['log.impossible'] = this.impossible.count;
    if (this.untimed.count > 0) skipped['log.untimed'] = this.untimed.count;
    if (this.overlong.count > 0) skipped['log.overlong'] = this.overlong.count;
    if (this.other > 0) skipped['log.other_message'] = this.other;
    return {
      file: this.name,
      format,
      formatDetail: detail.join('; '),
      compressed: null,
      linktype: -1,
      linktypes: [],
      interfaces: 0,
      packets: this.entries,
      bytes: this.bytes,
      start: isoMillis(start),
      end: isoMillis(end),
      durationSeconds: Math.round((end - start) * 1e6) / 1e6,
      decoded,
      skipped,
      anomalies: {},
      warnings: [...warnings],
      damage,
      ...noCaptureFileFacts(),
    };
  }
}

/** The lines named, in order of their numbers: `line 3 "…", line 9 "…", …`. */
function namedLines(lines: UnmatchedLines): string {
  lines.first.sort((a, b) => a.line - b.line);
  return lines.first.map((u) => `line ${count(u.line)} "${u.text}"`).join(', ') + (lines.count > lines.first.length ? ', …' : '');
}

/** One more line of `lines`, named among its first few by number, whatever order the lines come in. */
function noteLine(lines: UnmatchedLines, number: number, line: string): void {
  lines.count++;
  const first = lines.first;
  if (first.length < UNMATCHED_NAMED) first.push({ line: number, text: quoted(line) });
  else {
    let last = 0;
    for (let i = 1; i < first.length; i++) if (first[i]!.line > first[last]!.line) last = i;
    if (number < first[last]!.line) first[last] = { line: number, text: quoted(line) };
  }
}

/** Read a whole firewall log: its text, or its lines. Throws FirewallLogError when no line is an entry. */
export function readFirewallLog(name: string, source: string | Iterable<string>, options: FirewallLogOptions = {}): FirewallLog {
  const reader = new FirewallLogReader(name, options);
  for (const line of typeof source === 'string' ? linesOf(source) : source) reader.push(line);
  return reader.finish();
}

/** The same for lines that arrive asynchronously (node:readline over a file stream). */
export async function readFirewallLogLines(
  name: string,
  lines: AsyncIterable<string>,
  options: FirewallLogOptions = {},
): Promise<FirewallLog> {
  const reader = new FirewallLogReader(name, options);
  for await (const line of lines) reader.push(line);
  return reader.finish();
}

export { matchLogToCapture, type LogCaptureMatch } from './match.js';

/** What log rotation appends to a log's name: a number, a date, `.old`; then a compressor's suffix. */
const ROTATION_SUFFIX = /(?:\.\d{1,4}|[-.]\d{8}(?:\d{2})?|[-.]\d{4}-\d{2}-\d{2}|\.old)?(?:\.(?:gz|bz2|xz|zst))?$/;

/**
 * The name of the log a rotated file was (`kern.log` for `kern.log.1` and `kern.log.2.gz`,
 * `messages` for `messages-20261201`, `pfirewall.log` for `pfirewall.log.old`), its folder kept:
 * logrotate's and Windows' names. A name with nothing of rotation in it is itself.
 */
export function rotatedLogName(path: string): string {
  const slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  const base = path.slice(slash + 1);
  const stem = base.replace(ROTATION_SUFFIX, '');
  // A name that ends in a digit is no rotated log's (`10.0.0.1`, a syslog server's file of a device).
  return stem === '' || /\d$/.test(stem) ? path : path.slice(0, slash + 1) + stem;
}
