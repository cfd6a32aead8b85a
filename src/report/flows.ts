/**
 * `callhome flows`: one row per connection, in four shapes that all walk `connectionColumns`.
 */
import type { Connection } from '../flows/connection.js';
import { CALLHOME_ZEEK_FIELDS, type CallhomeCell } from '../flows/zeek-fields.js';
import { connectionColumns, zeekColumns, type ConnectionColumn, type ColumnValue } from './columns.js';
import { csvCell, inertJson, sanitizeTerminal, zeekString } from './escape.js';
import { paint, type Style } from './style.js';
import type { RenderOptions } from './types.js';
import { duration } from '../quantities.js';
import { isoTime } from './words.js';
import { isCaptureTime, isoDateOfDay, zeekLogTime as zeekHeaderTime, type Clock } from '../time.js';

// ---------------------------------------------------------------- Zeek conn.log TSV

/** A text cell's value as a string: as JavaScript writes it (a list joined by commas), an object as JSON. */
function textOf(value: ColumnValue): string {
  if (Array.isArray(value)) return value.join(',');
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}

function zeekCell(column: ConnectionColumn, value: ColumnValue): string {
  if (value === null || value === undefined) return '-';
  switch (column.kind) {
    case 'time':
    case 'interval':
      return (value as number).toFixed(6);
    case 'bool':
      return value ? 'T' : 'F';
    case 'set': {
      const items = value as string[];
      return items.length === 0 ? '(empty)' : items.map((s) => zeekString(s, true)).join(',');
    }
    case 'count':
    case 'integer':
      return String(Math.trunc(value as number));
    case 'text':
    case 'json':
      return zeekString(textOf(value));
  }
}

/** A callhome_ cell: its text escaped as a Zeek string, a vector's items as a set's. */
function callhomeCell(cell: CallhomeCell): string {
  if (cell === null) return '-';
  if (Array.isArray(cell)) return cell.length === 0 ? '(empty)' : cell.map((s) => zeekString(s, true)).join(',');
  return zeekString(cell);
}

/**
 * Zeek's conn.log in its ASCII (TSV) layout — the header lines of Zeek's ASCII writer, `-`
 * for unset, `(empty)` for an empty set, T/F, times with 6 decimals. `#open` and `#close` are
 * the first and last packet times, so the same capture always gives the same file. callhome's
 * reset evidence, handshake and peeks follow Zeek's columns as `callhome_*` fields
 * (`flows/zeek-fields.ts`), which the Zeek log reader reads back.
 */
export function renderFlowsZeek(connections: Connection[]): string {
  const first = connections.reduce((t, c) => Math.min(t, c.ts), Infinity);
  const stream = zeekStream(() => first);
  let text = '';
  for (const c of [...connections].sort((a, b) => a.ts - b.ts)) text += stream.row(c);
  return text + stream.end();
}

function zeekStream(openTime: () => number): FlowsStream {
  let opened = false;
  let last = -Infinity;
  const header = (): string => {
    opened = true;
    const first = openTime();
    const lines = [
      '#separator \\x09',
      '#set_separator\t,',
      '#empty_field\t(empty)',
      '#unset_field\t-',
      '#path\tconn',
      `#open\t${zeekHeaderTime(Number.isFinite(first) ? first : 0)}`,
      `#fields\t${[...zeekColumns.map((c) => c.zeekName), ...CALLHOME_ZEEK_FIELDS.map((f) => f.name)].join('\t')}`,
      `#types\t${[...zeekColumns.map((c) => c.zeekType), ...CALLHOME_ZEEK_FIELDS.map((f) => f.type)].join('\t')}`,
    ];
    return `${lines.join('\n')}\n`;
  };
  return {
    row(c) {
      if (c.lastTs > last) last = c.lastTs;
      const zeek = zeekColumns.map((col) => zeekCell(col, col.value(c)));
      const own = CALLHOME_ZEEK_FIELDS.map((f) => callhomeCell(f.write(c)));
      const line = `${zeek.join('\t')}\t${own.join('\t')}\n`;
      return opened ? line : header() + line;
    },
    end() {
      return `${opened ? '' : header()}#close\t${zeekHeaderTime(Number.isFinite(last) ? last : 0)}\n`;
    },
  };
}

// ---------------------------------------------------------------- streams

/**
 * A flows output written as connections finish: `row` gives the text for one connection (with
 * whatever must come before the first), `end` what closes the output. `row` keeps nothing of
 * the connection, so memory does not grow with their number (the text table holds its first
 * rows, to size its columns).
 */
export interface FlowsStream {
  row(c: Connection): string;
  /**
   * The row as UTF-8 bytes, when the stream can give them without making its text (valid until
   * the next call); null when it cannot for this row — then `row` gives it.
   */
  rowBytes?(c: Connection): Uint8Array | null;
  end(): string;
}

export interface FlowsStreamOptions extends RenderOptions {
  /** The first packet's time, for Zeek's `#open` (asked when the header is written). */
  openTime: () => number;
}

export const flowsStreams: Record<'text' | 'json' | 'csv' | 'zeek', (options: FlowsStreamOptions) => FlowsStream> = {
  zeek: (o) => zeekStream(o.openTime),
  csv: () => csvStream(),
  json: () => ({ row: (c) => `${ndjsonLine(c)}\n`, end: () => '' }),
  text: (o) => textStream(o),
};

// ---------------------------------------------------------------- CSV

function csvValue(column: ConnectionColumn, value: ColumnValue): string {
  if (value === null || value === undefined) return '';
  switch (column.kind) {
    case 'time':
      // microseconds, as Zeek keeps them; a time no capture can mean is said in words
      return csvCell(isoTime(value as number));
    case 'interval':
      return (value as number).toFixed(6);
    case 'bool':
      return value ? 'true' : 'false';
    case 'count':
    case 'integer':
      return (value as number).toString();
    case 'set':
      return csvCell(visibleControls((value as string[]).join(',')));
    case 'json':
      return csvCell(JSON.stringify(value));
    case 'text':
      return csvCell(visibleControls(textOf(value)));
  }
}

/**
 * Control characters (but tab) as `\xNN`, bidi overrides and isolates as `\uNNNN`: a CSV file
 * printed to a terminal must not run the escape sequences a capture carried, nor reorder what
 * the reader sees (as the terminal renderer removes them).
 */
function visibleControls(s: string): string {
  return s
    .replace(/[\x00-\x08\x0a-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
    .replace(BIDI_CONTROLS, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}

/** Bidirectional overrides and isolates (CVE-2021-42574). */
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/g;

const csvColumns = connectionColumns.filter((c) => c.csv);

/**
 * A CSV row written as bytes, one cell after another, and made into a string once: a row made
 * of strings (a cell's text, joined with commas) allocated more than it held. A row with a
 * character beyond ASCII is made as text instead (`wide`).
 */
class CsvRowBytes {
  bytes = Buffer.allocUnsafe(1 << 12);
  length = 0;
  wide = false;

  start(): void {
    this.length = 0;
    this.wide = false;
  }

  text(): string {
    return this.bytes.toString('latin1', 0, this.length);
  }

  /** The row's bytes (ASCII, so UTF-8 too), until the next row is written. */
  view(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }

  private room(n: number): void {
    if (this.length + n <= this.bytes.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, this.length + n));
    this.bytes.copy(next, 0, 0, this.length);
    this.bytes = next;
  }

  byte(b: number): void {
    this.room(1);
    this.bytes[this.length++] = b;
  }

  /** A string as it is. */
  string(s: string): void {
    this.room(s.length);
    const bytes = this.bytes;
    let at = this.length;
    for (let i = 0; i < s.length; i++) {
      const ch = s.charCodeAt(i);
      if (ch > 127) this.wide = true;
      bytes[at++] = ch;
    }
    this.length = at;
  }

  /**
   * `s` when it is its own CSV cell — printable ASCII without quote or comma, not starting with
   * a formula character, no space at either end: what `csvCell(visibleControls(s))` leaves as
   * it is. False, with nothing written, when it is not.
   */
  plain(s: string): boolean {
    const n = s.length;
    if (n === 0) return true;
    const first = s.charCodeAt(0);
    if (first === 61 /* = */ || first === 43 /* + */ || first === 45 /* - */ || first === 64 /* @ */ || first === 32) return false;
    if (s.charCodeAt(n - 1) === 32) return false;
    this.room(n);
    const bytes = this.bytes;
    const start = this.length;
    for (let i = 0; i < n; i++) {
      const ch = s.charCodeAt(i);
      if (ch < 32 || ch > 126 || ch === 34 /* " */ || ch === 44 /* , */) return false;
      bytes[start + i] = ch;
    }
    this.length = start + n;
    return true;
  }

  /** `n.toString()`. */
  number(n: number): void {
    if (!Number.isSafeInteger(n)) return this.string(n.toString());
    let v = n;
    if (v < 0) {
      this.byte(45);
      v = -v;
    }
    let digits = 1;
    for (let t = v; t >= 10; t = (t - (t % 10)) / 10) digits++;
    this.digits(v, digits);
  }

  /** The last `count` decimal digits of the whole number `v`, zeros in front. */
  private digits(v: number, count: number): void {
    this.room(count);
    const bytes = this.bytes;
    for (let i = this.length + count - 1; i >= this.length; i--) {
      const digit = v % 10;
      bytes[i] = 48 + digit;
      v = (v - digit) / 10;
    }
    this.length += count;
  }

  /** `csvCell(isoTime(ts))`: "2006-11-17T13:12:50.123456Z". */
  time(ts: number): void {
    if (!isCaptureTime(ts)) return this.string(csvCell(isoTime(ts)));
    // as `isoMicros` rounds
    const whole = Math.floor(ts);
    let micros = Math.round((ts - whole) * 1e6);
    let second = whole;
    if (micros >= 1e6) {
      second += 1;
      micros -= 1e6;
    }
    const day = Math.floor(second / 86_400);
    this.string(isoDateOfDay(day));
    const inDay = second - day * 86_400;
    const minute = Math.floor(inDay / 60);
    this.digits(Math.floor(minute / 60), 2);
    this.byte(58 /* : */);
    this.digits(minute % 60, 2);
    this.byte(58 /* : */);
    this.digits(inDay % 60, 2);
    this.byte(46 /* . */);
    this.digits(micros, 6);
    this.byte(90 /* Z */);
  }
}

/** Writes one column's CSV cell of a connection, as `csvValue` makes it. */
function csvCellOf(column: ConnectionColumn): (c: Connection, row: CsvRowBytes) => void {
  const value = (c: Connection): ColumnValue => column.value(c);
  switch (column.kind) {
    case 'time':
      return (c, row) => {
        const v = value(c);
        if (typeof v === 'number') row.time(v);
        else row.string(csvValue(column, v));
      };
    case 'text':
      return (c, row) => {
        const v = value(c);
        if (typeof v !== 'string' || !row.plain(v)) row.string(csvValue(column, v));
      };
    case 'count':
    case 'integer':
      return (c, row) => {
        const v = value(c);
        if (typeof v === 'number') row.number(v);
        else row.string(csvValue(column, v));
      };
    case 'interval':
    case 'bool':
    case 'set':
    case 'json':
      return (c, row) => row.string(csvValue(column, value(c)));
  }
}

/** RFC 4180 CSV with a header row; text cells cannot start a spreadsheet formula. */
export function renderFlowsCsv(connections: Connection[]): string {
  const stream = csvStream();
  let text = '';
  for (const c of connections) text += stream.row(c);
  return text + stream.end();
}

function csvStream(): FlowsStream {
  let started = false;
  const cells = csvColumns.map(csvCellOf);
  const bytes = new CsvRowBytes();
  const header = (): string => {
    started = true;
    return `${csvColumns.map((c) => csvCell(c.name)).join(',')}\r\n`;
  };
  /** The row's cells written as bytes; false when one has a character beyond ASCII. */
  const write = (conn: Connection): boolean => {
    bytes.start();
    for (let i = 0; i < cells.length; i++) {
      if (i > 0) bytes.byte(44 /* , */);
      cells[i]!(conn, bytes);
    }
    bytes.byte(13);
    bytes.byte(10);
    return !bytes.wide;
  };
  return {
    row(conn) {
      const line = write(conn) ? bytes.text() : `${csvColumns.map((col) => csvValue(col, col.value(conn))).join(',')}\r\n`;
      return started ? line : header() + line;
    },
    // The header goes out as text, with the first row.
    rowBytes: (conn) => (started && write(conn) ? bytes.view() : null),
    end: () => (started ? '' : header()),
  };
}

// ---------------------------------------------------------------- NDJSON

/**
 * One JSON object per line, keys as the CSV header (Zeek's names for Zeek's fields); as in
 * Zeek's JSON logs, unset fields are left out and `ts` is epoch seconds.
 */
export function renderFlowsJson(connections: Connection[]): string {
  const lines = connections.map(ndjsonLine);
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

const ndjsonColumns = connectionColumns.filter((c) => c.ndjson);

function ndjsonLine(conn: Connection): string {
  const record: Record<string, unknown> = {};
  for (const col of ndjsonColumns) {
    const v = col.value(conn);
    if (v !== null && v !== undefined) record[col.name] = v;
  }
  return inertJson(JSON.stringify(record));
}

// ---------------------------------------------------------------- terminal table

const MAX_CELL = 40;

function tableCell(column: ConnectionColumn, value: ColumnValue, timeOfDayOnly: boolean, clock: Clock): string {
  if (value === null || value === undefined) return '-';
  switch (column.kind) {
    case 'time': {
      // seconds since the kernel booted (a dmesg without -T), as dmesg writes them: no date
      if (clock === 'boot') return (value as number).toFixed(3);
      const iso = isoTime(value as number).replace(/(\.\d{3})\d{3}Z$/, '$1Z');
      // one day's connections: the date goes once into the footer, the column keeps hh:mm:ss.mmm
      return timeOfDayOnly ? iso.slice(11, 23) : iso;
    }
    case 'interval':
      return duration(value as number);
    case 'bool':
      return value ? 'yes' : 'no';
    case 'count':
      return (value as number).toString();
    case 'integer':
      return (value as number) < 0 ? '-' : (value as number).toString();
    case 'set':
      return truncate(sanitizeTerminal((value as string[]).join(',')));
    case 'text':
    case 'json':
      return truncate(sanitizeTerminal(textOf(value)));
  }
}

function truncate(s: string): string {
  const chars = [...s];
  return chars.length > MAX_CELL ? `${chars.slice(0, MAX_CELL - 1).join('')}…` : s;
}

function width(s: string): number {
  return [...s].length;
}

const STATE_STYLE: Record<string, Style> = {
  SF: 'green',
  S1: 'green',
  REJ: 'red',
  RSTR: 'red',
  RSTRH: 'red',
  RSTO: 'yellow',
  RSTOS0: 'yellow',
  S0: 'yellow',
};

/**
 * Table columns by how long they stay when the terminal is narrow: the last of this list is left
 * out first. The state and history say what happened to a connection, so they outlast the
 * counters; the addresses and ports (up to `r.port`) are never left out.
 */
const KEEP_ORDER = [
  'state',
  'history',
  'proto',
  'reset',
  'service',
  'duration',
  'out',
  'in',
  'SYNs',
  'o.pkts',
  'r.pkts',
  'rtt',
  'r.TTL',
  'o.TTL',
  'host',
];

/**
 * An aligned table for the terminal. Columns that do not fit the width are left out, least
 * telling first (`KEEP_ORDER`), and a note names them.
 */
export function renderFlowsText(connections: Connection[], options: RenderOptions): string {
  if (connections.length === 0) return `${paint('0 connections', 'dim', options.color)}\n`;
  const table = textTable(connections, options);
  return `${[table.header, ...connections.map(table.row)].join('\n')}\n${table.footer(connections.length)}`;
}

/** Rows the streamed text table holds to size its columns before it writes the first. */
export const TEXT_SAMPLE_ROWS = 1_000;

/**
 * The text table written while connections still finish: the first TEXT_SAMPLE_ROWS size the
 * columns (and decide whether one day's date goes to the footer), every later row is written at
 * once in that layout — a wider cell pushes its line out rather than re-aligning what was
 * written. Memory is the sample, whatever the number of connections.
 */
function textStream(o: RenderOptions): FlowsStream {
  let held: Connection[] | null = [];
  let table: TextTable | null = null;
  let rows = 0;
  const start = (): string => {
    table = textTable(held!, o);
    const text = [table.header, ...held!.map(table.row)].join('\n');
    held = null;
    return `${text}\n`;
  };
  return {
    row: (c) => {
      rows++;
      if (held !== null) {
        held.push(c);
        return held.length >= TEXT_SAMPLE_ROWS ? start() : '';
      }
      return `${table!.row(c)}\n`;
    },
    end: () => {
      if (rows === 0) return `${paint('0 connections', 'dim', o.color)}\n`;
      const head = held !== null ? start() : '';
      return `${head}${table!.footer(rows)}`;
    },
  };
}

interface TextTable {
  header: string;
  row: (c: Connection) => string;
  /** The blank line and the footer, ending in a newline. */
  footer: (rows: number) => string;
}

/** The time column's heading when the times count from the kernel's start. */
const BOOT_HEADING = 'time (s after boot)';

/** The text table's layout over `sample`: the columns that fit the width, their widths, one day's date. */
function textTable(sample: Connection[], options: RenderOptions): TextTable {
  const clock = options.clock ?? 'date';
  const all = connectionColumns.filter((c) => c.heading !== null);
  const headingOf = (col: ConnectionColumn): string => (col.kind === 'time' && clock === 'boot' ? BOOT_HEADING : col.heading!);
  const days = new Set(sample.map((c) => (Number.isFinite(c.ts) ? isoTime(c.ts).slice(0, 10) : '-')));
  const oneDay = clock === 'date' && days.size === 1 && !days.has('-') ? [...days][0]! : null;
  const cellsOf = (conn: Connection): string[] => {
    // a row of another day than the sample's carries its date
    const timeOnly = oneDay !== null && Number.isFinite(conn.ts) && isoTime(conn.ts).startsWith(oneDay);
    return all.map((col) => tableCell(col, col.value(conn), timeOnly, clock));
  };
  const allWidths = all.map((col) => width(headingOf(col)));
  for (const conn of sample) {
    const r = cellsOf(conn);
    for (let i = 0; i < r.length; i++) allWidths[i] = Math.max(allWidths[i]!, width(r[i]!));
  }

  const limit = options.width ?? Infinity;
  const shown = new Set(all.map((_, i) => i));
  const total = () => [...shown].reduce((a, i) => a + allWidths[i]!, 0) + 2 * (shown.size - 1);
  const dropOrder = [...KEEP_ORDER]
    .reverse()
    .map((h) => all.findIndex((c) => c.heading === h))
    .filter((i) => i >= 0);
  // columns missing from KEEP_ORDER go first, last column first
  const minimum = all.findIndex((c) => c.name === 'id.resp_p');
  for (let i = all.length - 1; i > minimum; i--) if (!dropOrder.includes(i)) dropOrder.unshift(i);
  for (const i of dropOrder) {
    if (total() <= limit) break;
    shown.delete(i);
  }
  // a narrower column left out on the way may fit again beside the ones kept
  for (const i of [...dropOrder].reverse()) {
    if (shown.has(i)) continue;
    shown.add(i);
    if (total() > limit) shown.delete(i);
  }
  const hidden = all.filter((_, i) => !shown.has(i)).map((c) => c.heading!);
  const keep = all.map((_, i) => i).filter((i) => shown.has(i));
  const columns = keep.map((i) => all[i]!);
  const widths = keep.map((i) => allWidths[i]!);
  const numeric = columns.map((c) => c.kind === 'count' || c.kind === 'integer' || c.kind === 'interval');

  const pad = (s: string, i: number) =>
    numeric[i] ? s.padStart(widths[i]! + s.length - width(s)) : s.padEnd(widths[i]! + s.length - width(s));
  const header = paint(
    columns
      .map((c, i) => pad(headingOf(c), i))
      .join('  ')
      .trimEnd(),
    'bold',
    options.color,
  );
  const row = (conn: Connection): string => {
    const r = cellsOf(conn);
    return columns
      .map((col, i) => {
        const cell = r[keep[i]!]!;
        const text = pad(cell, i);
        const style = col.name === 'conn_state' ? STATE_STYLE[cell] : undefined;
        return style ? paint(text, style, options.color) : text;
      })
      .join('  ')
      .trimEnd();
  };
  const footer = (rows: number): string => {
    let text = `${rows} connection${rows === 1 ? '' : 's'}`;
    if (oneDay !== null) text += ` on ${oneDay}`;
    if (hidden.length > 0) text += ` (not shown for the width: ${hidden.join(', ')}; --format csv or json has every column)`;
    return `\n${wrapFooter(text, limit)
      .map((l) => paint(l, 'dim', options.color))
      .join('\n')}\n`;
  };
  return { header, row, footer };
}

/** The footer on as many lines as the width needs. */
function wrapFooter(text: string, limit: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && width(line) + 1 + width(word) > limit) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  lines.push(line);
  return lines;
}
