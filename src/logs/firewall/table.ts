/**
 * Plain tables of firewall entries, as a firewall's web console exports or an analyst pastes
 * them: a header line naming the columns (in any order, "Source IP", "src_ip", "Destination
 * Port", …), cells separated by tabs, semicolons, commas, bars or runs of spaces; dates as
 * "17-Nov-06", "2006-11-17", "11/17/2006" with the time in its own column or the same one;
 * ports as "80" or "80 (HTTP)"; newest first or oldest first. Without an action column every
 * line is taken as denied (an export of blocked connections), and the reader says so.
 */
import { fullYear, isoOffset, monthOf } from './time.js';
import type { FirewallEvent, FirewallFormatModule, LineParser, LogClockLike } from './types.js';
import { actionOf, portOf, transportOf, shareRead } from './types.js';

type Column = 'date' | 'time' | 'datetime' | 'proto' | 'src' | 'sport' | 'dst' | 'dport' | 'action' | 'device';

/** Header words (lower case, letters and digits only) and the column each names. */
const NAMES: Record<string, Column> = {};
const SYNONYMS: Record<Column, string[]> = {
  date: ['date', 'day', 'logdate'],
  time: ['time', 'logtime', 'clock'],
  datetime: ['timestamp', 'datetime', 'dateandtime', 'eventtime', 'receivedtime', 'timegenerated', 'ts', 'logged', 'when'],
  proto: ['protocol', 'proto', 'ipprotocol', 'transport', 'prot'],
  src: [
    'sourceip',
    'srcip',
    'source',
    'src',
    'sourceaddress',
    'srcaddr',
    'srcaddress',
    'saddr',
    'sourcehost',
    'clientip',
    'from',
    'sourceipaddress',
    'idorigh',
  ],
  sport: ['sourceport', 'srcport', 'sport', 'spt', 'clientport', 'idorigp'],
  dst: [
    'destinationip',
    'dstip',
    'destination',
    'dst',
    'destinationaddress',
    'dstaddr',
    'dstaddress',
    'daddr',
    'destip',
    'destaddress',
    'serverip',
    'to',
    'destinationipaddress',
    'idresph',
  ],
  dport: ['destinationport', 'dstport', 'dport', 'dpt', 'destport', 'serverport', 'service', 'idrespp'],
  action: ['action', 'disposition', 'result', 'verdict', 'decision', 'status'],
  device: ['device', 'firewall', 'devicename', 'sensor', 'gateway'],
};
for (const [column, words] of Object.entries(SYNONYMS) as [Column, string[]][]) for (const w of words) NAMES[w] = column;

function columnOf(name: string): Column | undefined {
  return NAMES[name.toLowerCase().replace(/[^a-z0-9]/g, '')];
}

/** How a header's cells are separated, most specific first; 'spaces' is a run of two or more, 'space' any whitespace. */
const SEPARATORS = ['\t', ';', ',', '|', 'spaces', 'space'] as const;
type Separator = (typeof SEPARATORS)[number];

interface Layout {
  separator: Separator;
  /** Column of each cell position (undefined: a column callhome does not read). */
  columns: (Column | undefined)[];
  /** Where each header cell starts, for space-aligned rows whose cells hold spaces. */
  starts: number[];
  at: Partial<Record<Column, number>>;
}

/** Header words, joining two-word names ("Source IP") when cells are separated by single spaces. */
function headerCells(line: string, separator: Separator): { names: string[]; starts: number[] } {
  if (separator === 'space') {
    const words: { text: string; start: number }[] = [];
    for (const m of line.matchAll(/\S+/g)) words.push({ text: m[0], start: m.index });
    const names: string[] = [];
    const starts: number[] = [];
    for (let i = 0; i < words.length; i++) {
      const two = i + 1 < words.length ? `${words[i]!.text} ${words[i + 1]!.text}` : null;
      if (two !== null && columnOf(two) !== undefined && columnOf(words[i + 1]!.text) === undefined) {
        names.push(two);
        starts.push(words[i]!.start);
        i++;
      } else {
        names.push(words[i]!.text);
        starts.push(words[i]!.start);
      }
    }
    return { names, starts };
  }
  const names = separator === 'spaces' ? line.trim().split(/\s{2,}|\t/) : line.split(separator);
  const starts: number[] = [];
  let from = 0;
  for (const n of names) {
    const at = line.indexOf(n, from);
    starts.push(at);
    from = at + n.length;
  }
  return { names: names.map((n) => n.trim().replace(/^"|"$/g, '')), starts };
}

/** The header's layout when the line names at least a time, a source and a destination. */
function layoutOf(line: string): Layout | null {
  if (line.startsWith('#')) return null;
  for (const separator of SEPARATORS) {
    if (separator.length === 1 && !line.includes(separator)) continue;
    const { names, starts } = headerCells(line, separator);
    if (names.length < 3) continue;
    const columns = names.map(columnOf);
    const at: Partial<Record<Column, number>> = {};
    columns.forEach((c, i) => {
      if (c !== undefined && at[c] === undefined) at[c] = i;
    });
    if (at.src !== undefined && at.dst !== undefined && (at.time !== undefined || at.datetime !== undefined))
      return { separator, columns, starts, at };
  }
  return null;
}

/** A row's cells in the header's layout. */
function cellsOf(line: string, layout: Layout): string[] {
  const sep = layout.separator;
  if (sep !== 'space' && sep !== 'spaces') return line.split(sep).map((c) => c.trim().replace(/^"|"$/g, ''));
  const words = line.trim().split(sep === 'spaces' ? /\s{2,}|\t/ : /\s+/);
  // "80 (HTTP)": a parenthesised word belongs to the cell before it.
  const cells: string[] = [];
  for (const w of words) {
    if (w.startsWith('(') && cells.length > 0) cells[cells.length - 1] += ` ${w}`;
    else cells.push(w);
  }
  if (cells.length === layout.columns.length) return cells;
  // Cells with spaces inside: cut at the header's column starts.
  return layout.starts.map((start, i) => line.slice(start, layout.starts[i + 1] ?? line.length).trim());
}

/** [year, month, day] from "2006-11-17", "17-Nov-06", "Nov 17, 2006", "11/17/2006", "17.11.2006"; null otherwise. */
export function parseDate(text: string): [number, number, number] | null {
  const s = text.trim();
  let m = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$/.exec(s);
  if (m !== null) return [Number(m[1]), Number(m[2]), Number(m[3])];
  m = /^(\d{1,2})[- /.]([A-Za-z]{3,9})[- /.,]+(\d{2}|\d{4})$/.exec(s);
  if (m !== null && monthOf(m[2]!) > 0) return [fullYear(Number(m[3]), m[3]!.length), monthOf(m[2]!), Number(m[1])];
  m = /^([A-Za-z]{3,9})[- /.](\d{1,2}),?[- /.]+(\d{2}|\d{4})$/.exec(s);
  if (m !== null && monthOf(m[1]!) > 0) return [fullYear(Number(m[3]), m[3]!.length), monthOf(m[1]!), Number(m[2])];
  m = /^(\d{1,2})([/.-])(\d{1,2})\2(\d{2}|\d{4})$/.exec(s);
  if (m !== null) {
    const a = Number(m[1]);
    const b = Number(m[3]);
    const year = fullYear(Number(m[4]), m[4]!.length);
    // Dots and dashes are day first (European); slashes month first unless the first cannot be a month.
    const dayFirst = m[2] !== '/' || a > 12;
    return dayFirst ? [year, b, a] : [year, a, b];
  }
  return null;
}

/** Seconds into the day from "13:12:50", "13:12:50.25", "1:12:50 PM"; null otherwise. */
export function parseTimeOfDay(text: string): number | null {
  const m = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*([AaPp][Mm])?$/.exec(text.trim());
  if (m === null) return null;
  let h = Number(m[1]);
  if (m[5] !== undefined) h = (h % 12) + (m[5].toLowerCase() === 'pm' ? 12 : 0);
  const s = Number(m[3] ?? 0) + (m[4] !== undefined ? Number(`0.${m[4]}`) : 0);
  return h * 3600 + Number(m[2]) * 60 + s;
}

/** A date and a time in one cell: ISO 8601 (with its offset if any), "17-Nov-06 13:12:50", or epoch seconds / milliseconds. */
function parseDateTime(text: string, clock: LogClockLike): number | null {
  const s = text.trim();
  const iso = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(Z|[+-]\d{2}:?\d{2})?$/.exec(s);
  if (iso !== null) {
    const [y, mo, d, h, mi] = [iso[1], iso[2], iso[3], iso[4], iso[5]].map(Number) as [number, number, number, number, number];
    const sec = Number(iso[6] ?? 0) + (iso[7] !== undefined ? Number(`0.${iso[7]}`) : 0);
    const offset = iso[8] !== undefined ? isoOffset(iso[8]) : null;
    return offset === null ? clock.local(y, mo, d, h, mi, sec) : Date.UTC(y, mo - 1, d, h, mi, 0) / 1000 + sec - offset;
  }
  if (/^\d{10}(\.\d+)?$/.test(s)) return Number(s);
  if (/^\d{13}$/.test(s)) return Number(s) / 1000;
  // Date and time in one cell: the time is the part from the first "h:mm".
  const t = /\d{1,2}:\d{2}/.exec(s);
  if (t === null || t.index === 0) return null;
  return joinDateTime(s.slice(0, t.index).replace(/[T,\s]+$/, ''), s.slice(t.index), clock);
}

function joinDateTime(dateText: string, timeText: string, clock: LogClockLike): number | null {
  const date = parseDate(dateText);
  const time = parseTimeOfDay(timeText);
  if (date === null || time === null) return null;
  return clock.local(date[0], date[1], date[2], 0, 0, time);
}

function parser(clock: LogClockLike): LineParser {
  let layout: Layout | null = null;
  let headerText = '';
  return {
    parse(line: string, lineNumber: number): FirewallEvent | 'skip' | null {
      const trimmed = line.trim();
      if (trimmed === '' || trimmed.startsWith('#')) return 'skip';
      if (layout === null) {
        layout = layoutOf(line);
        if (layout === null) return null;
        headerText = trimmed;
        return 'skip';
      }
      // A repeated header (pasted pages) or a rule under it ("-----  -----").
      if (trimmed === headerText || /^[-=+|\s]+$/.test(trimmed)) return 'skip';
      const cells = cellsOf(line, layout);
      const cell = (c: Column): string | undefined => {
        const i = layout!.at[c];
        return i === undefined ? undefined : cells[i];
      };
      let ts: number | null = null;
      const dateCell = cell('date');
      const timeCell = cell('time');
      const datetimeCell = cell('datetime');
      if (dateCell !== undefined && timeCell !== undefined) ts = joinDateTime(dateCell, timeCell, clock);
      if (ts === null && datetimeCell !== undefined) ts = parseDateTime(datetimeCell, clock);
      if (ts === null && timeCell !== undefined) ts = parseDateTime(timeCell, clock);
      if (ts === null) return null;
      const protoCell = cell('proto');
      const proto = protoCell === undefined ? 'tcp' : transportOf(protoCell.split(/[\s(/]/)[0] ?? '');
      if (proto === null) return 'skip';
      let src = cell('src') ?? '';
      let dst = cell('dst') ?? '';
      let sport = portOf(cell('sport') ?? '');
      let dport = portOf(cell('dport') ?? '');
      // "192.168.0.13:2499" in an address column without a port column.
      if (sport < 0 && /^\d+\.\d+\.\d+\.\d+:\d+$/.test(src))
        [src, sport] = [src.slice(0, src.indexOf(':')), portOf(src.slice(src.indexOf(':') + 1))];
      if (dport < 0 && /^\d+\.\d+\.\d+\.\d+:\d+$/.test(dst))
        [dst, dport] = [dst.slice(0, dst.indexOf(':')), portOf(dst.slice(dst.indexOf(':') + 1))];
      if (!/^[0-9a-fA-F.:]+$/.test(src) || !/^[0-9a-fA-F.:]+$/.test(dst) || (!src.includes('.') && !src.includes(':'))) return null;
      if (proto !== 'icmp' && (sport < 0 || dport < 0)) return null;
      const actionCell = cell('action');
      const event: FirewallEvent = {
        ts,
        action: actionCell === undefined ? 'deny' : actionOf(actionCell, 'deny'),
        proto,
        src,
        sport: proto === 'icmp' ? -1 : sport,
        dst,
        dport: proto === 'icmp' ? -1 : dport,
        line: lineNumber,
      };
      const device = cell('device');
      if (device !== undefined && device !== '') event.device = device;
      return event;
    },
    notes(): string[] {
      if (layout === null) return [];
      const notes: string[] = [];
      if (layout.at.action === undefined)
        notes.push('no action column: every line is taken as a denied attempt (a list of blocked connections)');
      if (layout.at.proto === undefined) notes.push('no protocol column: every line is taken as TCP');
      return notes;
    },
  };
}

export const table: FirewallFormatModule = {
  format: 'table',
  description: 'table with a header',
  sniff: (lines: readonly string[]): number => shareRead(parser, lines),
  parser,
};
