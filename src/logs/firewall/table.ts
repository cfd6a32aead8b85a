/**
 * Plain tables of firewall entries, as a firewall's web console exports or an analyst pastes
 * them: a header line naming the columns (in any order, "Source IP", "src_ip", "Destination
 * Port", …), cells separated by tabs, semicolons, commas, bars or runs of spaces; dates as
 * "17-Nov-06", "2006-11-17", "11/17/2006", "Nov 17, 2006" with the time in its own column or the
 * same one; ports as "80" or "80 (HTTP)"; newest first or oldest first. Without an action column
 * every line is taken as denied (an export of blocked connections), and the reader says so.
 *
 * Cells are quoted as RFC 4180 has it (a spreadsheet's or Python's CSV): a cell in double quotes
 * may hold the separator ("Dec 5, 2026 01:02:03", "Default deny, outbound web") and writes a
 * quote as two. A quoted cell does not run over a line end.
 *
 * A numeric date ("09/12/2026") is read in one order for the whole column, never cell by cell:
 * the first lines the reader holds to tell the format (`prime`) settle it. A date whose first
 * number is over 12 can only be day first, one whose second is, only month first; the order
 * more of them show is the column's. Where none shows, neighbouring rows do: a table's dates
 * step from row to row by days, so the order that makes the steps shorter is taken ("09/12",
 * "10/12", "11/12" step a day apart day first, a month apart month first), and the reader says
 * it guessed. Where they tell nothing either, slashes read month first and dots and dashes day
 * first, the conventions of the places that write them. A row past the first lines can only be
 * read the way it is written: it is read so, and the reader warns, naming the column, that the
 * dates either order reads may be misread — as it does for a column with dates of both orders.
 */
import { actionOf } from '../../firewall-words.js';
import { count, plural } from '../../quantities.js';
import { fraction, fullYear, isoOffset, monthOf, utcSeconds } from './time.js';
import type { FirewallEvent, FirewallFormatModule, LineParser, LogClockLike } from './types.js';
import { portOf, SNIFF_CLOCK, transportOf, shareRead } from './types.js';

export type Column = 'date' | 'time' | 'datetime' | 'proto' | 'src' | 'sport' | 'dst' | 'dport' | 'action' | 'device';

/** Header words (lower case, letters and digits only) and the column each names. */
const NAMES: Record<string, Column> = {};
/** Each header word's place in its column's list: a table naming two cells for one column reads the first-listed name. */
const RANKS: Record<string, number> = {};
const SYNONYMS: Record<Column, string[]> = {
  date: ['date', 'day', 'logdate'],
  time: ['time', 'logtime', 'clock'],
  datetime: [
    'timestamp',
    'datetime',
    'dateandtime',
    'eventtime',
    'receivedtime',
    'timegenerated',
    'ts',
    'logged',
    'when',
    // PAN-OS's exported traffic log
    'receivetime',
    'generatetime',
  ],
  proto: ['protocol', 'proto', 'ipprotocol', 'transport', 'prot', 'protocolid'],
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
  action: ['action', 'disposition', 'result', 'verdict', 'decision', 'status', 'fwaction'],
  device: ['device', 'firewall', 'devicename', 'sensor', 'gateway', 'devname', 'hostname'],
};
for (const [column, words] of Object.entries(SYNONYMS) as [Column, string[]][])
  words.forEach((w, rank) => {
    NAMES[w] = column;
    RANKS[w] = rank;
  });

const headerWord = (name: string): string => name.toLowerCase().replace(/[^a-z0-9]/g, '');

/** Well-known services by the names firewall consoles give them in a "Service" column. */
const SERVICE_PORTS: Record<string, number> = {
  ftp: 21,
  ssh: 22,
  telnet: 23,
  smtp: 25,
  dns: 53,
  domain: 53,
  http: 80,
  pop3: 110,
  ntp: 123,
  imap: 143,
  snmp: 161,
  ldap: 389,
  https: 443,
  smb: 445,
  'microsoft-ds': 445,
  smtps: 465,
  submission: 587,
  ldaps: 636,
  imaps: 993,
  pop3s: 995,
  mssql: 1433,
  'ms-sql-s': 1433,
  mysql: 3306,
  rdp: 3389,
  'ms-wbt-server': 3389,
  'http-proxy': 8080,
  'https-alt': 8443,
};

/**
 * A destination port as a table writes it: "80" or "80 (HTTP)"; a service such as "https (TCP/443)"
 * or "tcp/443" by its number; a service name alone ("HTTPS") by the port it is known by. -1 for
 * none of these.
 */
export function servicePort(text: string): number {
  const port = portOf(text);
  if (port >= 0) return port;
  const numbered = /\b(?:tcp|udp|sctp)[/_-](\d{1,5})\b|\b(\d{1,5})\/(?:tcp|udp|sctp)\b/i.exec(text);
  if (numbered !== null) return portOf(numbered[1] ?? numbered[2]!);
  const name = text.trim().toLowerCase();
  // Own keys only: a cell "constructor" is no service.
  return Object.hasOwn(SERVICE_PORTS, name) ? SERVICE_PORTS[name]! : -1;
}

export function columnOf(name: string): Column | undefined {
  const word = headerWord(name);
  // Own keys only: a header or key "constructor" names no column.
  return Object.hasOwn(NAMES, word) ? NAMES[word] : undefined;
}

/** A column name's place among its column's names (0 the likeliest): of two cells for one column, the lower is read. */
export function rankOf(name: string): number {
  const word = headerWord(name);
  return Object.hasOwn(RANKS, word) ? RANKS[word]! : Number.MAX_SAFE_INTEGER;
}

/** How a header's cells are separated, most specific first; 'spaces' is a run of two or more, 'space' any whitespace. */
const SEPARATORS = ['\t', ';', ',', '|', 'spaces', 'space'] as const;
type Separator = (typeof SEPARATORS)[number];

interface Layout {
  separator: Separator;
  /** The header's cells as written, for messages that name a column. */
  names: string[];
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
  if (separator === 'spaces') {
    const names = line.trim().split(/\s{2,}|\t/);
    const starts: number[] = [];
    let from = 0;
    for (const n of names) {
      const at = line.indexOf(n, from);
      starts.push(at);
      from = at + n.length;
    }
    return { names: names.map((n) => n.trim().replace(/^"|"$/g, '')), starts };
  }
  const { cells, starts } = splitCells(line, separator);
  return { names: cells, starts };
}

const QUOTE = 0x22;
const SPACE = 0x20;

/**
 * A line's cells split on a one-character separator as RFC 4180 reads them: a cell that opens
 * with a double quote runs to the quote that closes it, separators and all, "" inside standing
 * for one quote; anything between the closing quote and the next separator is kept. Cells are
 * trimmed; `starts` are where they begin.
 */
export function splitCells(line: string, separator: string): { cells: string[]; starts: number[] } {
  const cells: string[] = [];
  const starts: number[] = [];
  const n = line.length;
  for (let i = 0; ;) {
    let j = i;
    while (j < n && line.charCodeAt(j) === SPACE) j++;
    let text = '';
    let k = i;
    if (j < n && line.charCodeAt(j) === QUOTE) {
      for (k = j + 1; ;) {
        const q = line.indexOf('"', k);
        // A quote never closed: the cell is the rest of the line.
        if (q < 0) {
          text += line.slice(k);
          k = n;
          break;
        }
        text += line.slice(k, q);
        k = q + 1;
        if (line.charCodeAt(k) !== QUOTE) break;
        text += '"';
        k++;
      }
    }
    const end = line.indexOf(separator, k);
    cells.push((text + line.slice(k, end < 0 ? n : end)).trim());
    starts.push(i);
    if (end < 0) return { cells, starts };
    i = end + 1;
  }
}

/** The header's layout when the line names at least a time, a source and a destination. */
function layoutOf(line: string): Layout | null {
  if (line.startsWith('#')) return null;
  for (const separator of SEPARATORS) {
    if (separator.length === 1 && !line.includes(separator)) continue;
    const { names, starts } = headerCells(line, separator);
    if (names.length < 3) continue;
    const columns = names.map(columnOf);
    // A column named twice is read from its likeliest name: "Action" over a "Status" beside it
    // (a session's state), "Destination Port" over a "Service" (a name such as HTTPS).
    const at: Partial<Record<Column, number>> = {};
    columns.forEach((c, i) => {
      if (c === undefined) return;
      const before = at[c];
      if (before === undefined || rankOf(names[i]!) < rankOf(names[before]!)) at[c] = i;
    });
    if (at.src !== undefined && at.dst !== undefined && (at.time !== undefined || at.datetime !== undefined))
      return { separator, names, columns, starts, at };
  }
  return null;
}

/** A row's cells in the header's layout. */
function cellsOf(line: string, layout: Layout): string[] {
  const sep = layout.separator;
  if (sep !== 'space' && sep !== 'spaces') {
    // Most rows quote nothing: a plain split.
    if (line.indexOf('"') >= 0) return splitCells(line, sep).cells;
    const cells = line.split(sep);
    for (let i = 0; i < cells.length; i++) cells[i] = cells[i]!.trim();
    return cells;
  }
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

/** How many of a column's dates showed an order, and the first of them (by line number). */
interface Shown {
  count: number;
  line: number;
  text: string;
}

/**
 * The order of a date column's numeric dates ("09/12/2026"), one for the whole column (see the
 * module's comment): what its cells show, and the order `settle` took from the first lines.
 */
class DateOrder {
  /** Dates that can only be day first (the first number over 12), and only month first. */
  readonly dayFirst: Shown = { count: 0, line: 0, text: '' };
  readonly monthFirst: Shown = { count: 0, line: 0, text: '' };
  /** Dates either order reads, read day first and month first. */
  eitherReadDayFirst = 0;
  eitherReadMonthFirst = 0;
  /** Steps from a date either order reads to the next different one, shorter read day first, shorter month first. */
  shorterDayFirst = 0;
  shorterMonthFirst = 0;
  /** The order for dates either order reads; null: the separator's convention. */
  private settled: 'day' | 'month' | null = null;
  /** Whether `settled` came from the steps between rows, no date having shown it. */
  guessed = false;
  /** The last date either order reads (steps are counted until the order is settled). */
  private last = { year: 0, a: 0, b: 0 };
  private counting = true;

  /** Takes the order from what the first lines' dates showed. */
  settle(from: DateOrder): void {
    this.counting = false;
    const [d, m] = [from.dayFirst.count, from.monthFirst.count];
    if (d !== m) this.settled = d > m ? 'day' : 'month';
    else if (d === 0 && from.shorterDayFirst !== from.shorterMonthFirst) {
      this.settled = from.shorterDayFirst > from.shorterMonthFirst ? 'day' : 'month';
      this.guessed = true;
    }
  }

  /** [year, month, day] of the date written `a` `separator` `b` `separator` `year`; null when neither number is a month. */
  read(a: number, separator: string, b: number, year: number, line: number, text: string): [number, number, number] | null {
    if (a > 12 || b > 12) {
      if (a > 12 && b > 12) return null;
      const shown = a > 12 ? this.dayFirst : this.monthFirst;
      if (shown.count++ === 0 || line < shown.line) [shown.line, shown.text] = [line, text];
      return a > 12 ? [year, b, a] : [year, a, b];
    }
    if (this.counting) this.step(year, a, b);
    const dayFirst = this.settled !== null ? this.settled === 'day' : separator !== '/';
    if (dayFirst) this.eitherReadDayFirst++;
    else this.eitherReadMonthFirst++;
    return dayFirst ? [year, b, a] : [year, a, b];
  }

  private step(year: number, a: number, b: number): void {
    const last = this.last;
    if (year === last.year && a === last.a && b === last.b) return;
    if (last.year !== 0) {
      const byDay = Math.abs(Date.UTC(year, b - 1, a) - Date.UTC(last.year, last.b - 1, last.a));
      const byMonth = Math.abs(Date.UTC(year, a - 1, b) - Date.UTC(last.year, last.a - 1, last.b));
      if (byDay < byMonth) this.shorterDayFirst++;
      else if (byMonth < byDay) this.shorterMonthFirst++;
    }
    [last.year, last.a, last.b] = [year, a, b];
  }

  /** What the reader says of the column named `column` once it is read. */
  notes(column: string): string[] {
    const { dayFirst, monthFirst } = this;
    const either = (n: number, order: string): string =>
      `${plural(n, 'date')} that either order reads (both numbers 12 or under) ${n === 1 ? 'was' : 'were'} read ${order} first`;
    const shown = (s: Shown, order: string): string =>
      `line ${count(s.line)} "${s.text}"${s.count > 1 ? ` and ${plural(s.count - 1, 'other')}` : ''} can only be ${order} first`;
    if (dayFirst.count > 0 && monthFirst.count > 0)
      return [
        `column "${column}" has dates in both orders: ${shown(dayFirst, 'day')}, ${shown(monthFirst, 'month')}; ` +
          `each was read so, and ${either(this.eitherReadDayFirst + this.eitherReadMonthFirst, this.eitherReadDayFirst > 0 ? 'day' : 'month')}`,
      ];
    const late = (s: Shown, order: string, other: number, otherOrder: string): string[] =>
      s.count > 0 && other > 0
        ? [
            `column "${column}" was read ${otherOrder} first (${this.guessed ? 'as the steps between its first rows had it' : 'its first lines showed no other order'}), ` +
              `but ${shown(s, order)}: ` +
              `if the column is ${order} first, the ${plural(other, 'date')} that either order reads may be misread`,
          ]
        : [];
    if (dayFirst.count > 0) return late(dayFirst, 'day', this.eitherReadMonthFirst, 'month');
    if (monthFirst.count > 0) return late(monthFirst, 'month', this.eitherReadDayFirst, 'day');
    if (this.guessed)
      return [
        `column "${column}" was read ${this.settled ?? ''} first: no date in it says, but its dates step from row to row by days that way`,
      ];
    return [];
  }
}

/**
 * [year, month, day] from "2006-11-17", "17-Nov-06", "Nov 17, 2006", "11/17/2006", "17.11.2006";
 * null otherwise. A date of numbers only is read in the order `order` keeps for its column, and
 * told to it; without one, in its separator's convention unless a number over 12 says otherwise.
 */
export function parseDate(text: string, order?: DateOrder, line = 0): [number, number, number] | null {
  const s = text.trim();
  let m = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$/.exec(s);
  if (m !== null) return [Number(m[1]), Number(m[2]), Number(m[3])];
  // "17-Nov-2006", "17 Nov 06", and Check Point's "5Mar2026" written without separators.
  m = /^(\d{1,2})[- /.]?([A-Za-z]{3,9})[- /.,]*(\d{2}|\d{4})$/.exec(s);
  if (m !== null && monthOf(m[2]!) > 0) return [fullYear(Number(m[3]), m[3]!.length), monthOf(m[2]!), Number(m[1])];
  m = /^([A-Za-z]{3,9})[- /.](\d{1,2}),?[- /.]+(\d{2}|\d{4})$/.exec(s);
  if (m !== null && monthOf(m[1]!) > 0) return [fullYear(Number(m[3]), m[3]!.length), monthOf(m[1]!), Number(m[2])];
  m = /^(\d{1,2})([/.-])(\d{1,2})\2(\d{2}|\d{4})$/.exec(s);
  if (m !== null) {
    const a = Number(m[1]);
    const b = Number(m[3]);
    const year = fullYear(Number(m[4]), m[4]!.length);
    if (order !== undefined) return order.read(a, m[2]!, b, year, line, s);
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
  const s = Number(m[3] ?? 0) + fraction(m[4]);
  return h * 3600 + Number(m[2]) * 60 + s;
}

/** An ISO 8601 date and time ("2006-11-17T13:12:50.25+01:00"): with its offset, else in the log's zone; null otherwise. */
export function isoDateTime(text: string, clock: LogClockLike): number | null {
  const iso = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(Z|[+-]\d{2}:?\d{2})?$/.exec(text);
  if (iso === null) return null;
  const [y, mo, d, h, mi] = [iso[1], iso[2], iso[3], iso[4], iso[5]].map(Number) as [number, number, number, number, number];
  const sec = Number(iso[6] ?? 0) + fraction(iso[7]);
  const offset = iso[8] !== undefined ? isoOffset(iso[8]) : null;
  return offset === null ? clock.local(y, mo, d, h, mi, sec) : utcSeconds(y, mo, d, h, mi, sec) - offset;
}

/** A date and a time in one cell: ISO 8601 (with its offset if any), "17-Nov-06 13:12:50", or epoch seconds / milliseconds. */
function parseDateTime(text: string, clock: LogClockLike, order: DateOrder, line: number): number | null {
  const s = text.trim();
  const iso = isoDateTime(s, clock);
  if (iso !== null) return iso;
  if (/^\d{10}(\.\d+)?$/.test(s)) return Number(s);
  if (/^\d{13}$/.test(s)) return Number(s) / 1000;
  // Date and time in one cell: the time is the part from the first "h:mm".
  const t = /\d{1,2}:\d{2}/.exec(s);
  if (t === null || t.index === 0) return null;
  return joinDateTime(s.slice(0, t.index).replace(/[T,\s]+$/, ''), s.slice(t.index), clock, order, line);
}

function joinDateTime(dateText: string, timeText: string, clock: LogClockLike, order: DateOrder, line: number): number | null {
  const date = parseDate(dateText, order, line);
  const time = parseTimeOfDay(timeText);
  if (date === null || time === null) return null;
  return clock.local(date[0], date[1], date[2], 0, 0, time);
}

function parser(clock: LogClockLike): LineParser {
  return new TableParser(clock);
}

/** An address cell that carries its port ("192.168.0.13:2499", "[2001:db8::13]:2499") split in two; else as it is. */
function addressAndPort(cell: string, port: number): [string, number] {
  const m = /^(\d+\.\d+\.\d+\.\d+):(\d+)$/.exec(cell) ?? /^\[([0-9a-fA-F:.]+)\]:(\d+)$/.exec(cell);
  return m === null ? [cell, port] : [m[1]!, portOf(m[2]!)];
}

class TableParser implements LineParser {
  private layout: Layout | null = null;
  private headerText = '';
  private readonly dates = new DateOrder();
  /** Action texts that name no decision (read as denied), with how many lines each. */
  private readonly unknownActions = new Map<string, number>();

  constructor(private readonly clock: LogClockLike) {}

  /** The first lines read ahead: the order of the date column's numeric dates. */
  prime(lines: readonly string[]): void {
    // Only what the dates show matters, not the times they make.
    const ahead = new TableParser(SNIFF_CLOCK);
    for (let i = 0; i < lines.length; i++) ahead.parse(lines[i]!, i + 1);
    this.dates.settle(ahead.dates);
  }

  parse(line: string, lineNumber: number): FirewallEvent | 'skip' | null {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return 'skip';
    const layout = this.layout;
    if (layout === null) {
      this.layout = layoutOf(line);
      if (this.layout === null) return null;
      this.headerText = trimmed;
      return 'skip';
    }
    // A repeated header (pasted pages) or a rule under it ("-----  -----").
    if (trimmed === this.headerText || /^[-=+|\s]+$/.test(trimmed)) return 'skip';
    const cells = cellsOf(line, layout);
    const cell = (c: Column): string | undefined => {
      const i = layout.at[c];
      return i === undefined ? undefined : cells[i];
    };
    const clock = this.clock;
    const dates = this.dates;
    let ts: number | null = null;
    const dateCell = cell('date');
    const timeCell = cell('time');
    const datetimeCell = cell('datetime');
    if (dateCell !== undefined && timeCell !== undefined) ts = joinDateTime(dateCell, timeCell, clock, dates, lineNumber);
    if (ts === null && datetimeCell !== undefined) ts = parseDateTime(datetimeCell, clock, dates, lineNumber);
    if (ts === null && timeCell !== undefined) ts = parseDateTime(timeCell, clock, dates, lineNumber);
    if (ts === null) return null;
    const protoCell = cell('proto');
    const proto = protoCell === undefined ? 'tcp' : transportOf(protoCell.split(/[\s(/]/)[0] ?? '');
    if (proto === null) return 'skip';
    let src = cell('src') ?? '';
    let dst = cell('dst') ?? '';
    let sport = portOf(cell('sport') ?? '');
    let dport = servicePort(cell('dport') ?? '');
    // "192.168.0.13:2499" or "[2001:db8::13]:2499" in an address column without a port column.
    if (sport < 0) [src, sport] = addressAndPort(src, sport);
    if (dport < 0) [dst, dport] = addressAndPort(dst, dport);
    if (!/^[0-9a-fA-F.:]+$/.test(src) || !/^[0-9a-fA-F.:]+$/.test(dst) || (!src.includes('.') && !src.includes(':'))) return null;
    if (proto !== 'icmp' && (sport < 0 || dport < 0)) return null;
    const actionCell = cell('action');
    let action = actionCell === undefined ? 'deny' : actionOf(actionCell, null);
    if (action === null) {
      // Said in the notes: a word of some device's own that names neither decision.
      const word = actionCell!.trim().slice(0, 40);
      if (this.unknownActions.has(word) || this.unknownActions.size < 8)
        this.unknownActions.set(word, (this.unknownActions.get(word) ?? 0) + 1);
      action = 'deny';
    }
    const event: FirewallEvent = {
      ts,
      action,
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
  }

  notes(): string[] {
    const layout = this.layout;
    if (layout === null) return [];
    const notes: string[] = [];
    if (layout.at.action === undefined)
      notes.push('no action column: every line is taken as a denied attempt (a list of blocked connections)');
    if (layout.at.proto === undefined) notes.push('no protocol column: every line is taken as TCP');
    for (const [word, n] of this.unknownActions)
      notes.push(`${plural(n, 'line')} with the action ${JSON.stringify(word)}, which names no decision callhome knows, taken as denied`);
    const dateColumn = layout.at.date ?? layout.at.datetime ?? layout.at.time;
    if (dateColumn !== undefined) notes.push(...this.dates.notes(layout.names[dateColumn]!));
    return notes;
  }
}

export const table: FirewallFormatModule = {
  format: 'table',
  description: 'table with a header',
  sniff: (lines: readonly string[]): number => shareRead(parser, lines),
  parser,
};
