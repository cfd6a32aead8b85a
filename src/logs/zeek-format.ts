/**
 * Zeek's two log formats, told apart by content: the ASCII writer's TSV (a `#separator` line,
 * then `#set_separator`, `#empty_field`, `#unset_field`, `#path`, `#open`, `#fields`, `#types`,
 * rows, and `#close` when the file was closed; or, as `zeek-cut -m` and the writer's `tsv=T`
 * write it, one line of the field names and the rows) and its JSON writer (one object per line, keys
 * as the TSV field names, `_path` when the logs are written to one stream). Fields are looked up
 * by name, so any order and extra fields are fine. Values are hostile text.
 */

export type ZeekFormat = 'zeek-tsv' | 'zeek-json';

/** What the first bytes of a file say: its format and, when they tell, its log type ('conn', 'dns', …). */
export interface ZeekSniff {
  format: ZeekFormat;
  path: string | null;
  /** JSON rows that name their log in `_path`: a stream that may hold logs of every type (Corelight's). */
  tagged: boolean;
}

const decoder = new TextDecoder('utf-8');

/**
 * The `#path` of each TSV header block in `text`, in order, cut at the separator its
 * `#separator` line names (a tab unless it says otherwise: `\x7c` for `|`).
 */
export function zeekPaths(text: string): string[] {
  const declared = /^#separator (.*)$/m.exec(text);
  const separator = declared === null ? '\t' : unescapeZeek(declared[1]!.replace(/\r$/, ''));
  const paths: string[] = [];
  if (separator === '') return paths;
  const prefix = `#path${separator}`;
  for (let at = text.indexOf(prefix); at >= 0; at = text.indexOf(prefix, at + prefix.length)) {
    if (at > 0 && text.charCodeAt(at - 1) !== 10) continue;
    const from = at + prefix.length;
    let to = from;
    while (to < text.length && text.charCodeAt(to) !== 10 && text.charCodeAt(to) !== 13 && !text.startsWith(separator, to)) to++;
    if (to > from) paths.push(text.slice(from, to));
  }
  return paths;
}

/** The log a file holds, from its first bytes (inflated if gzip); null when it is not a Zeek log. */
export function sniffZeek(head: Uint8Array, name: string): ZeekSniff | null {
  const text = decoder.decode(head.subarray(0, Math.min(head.length, 16 << 10))).replace(/^\uFEFF/, '');
  if (text.startsWith('#separator ')) {
    const [path] = zeekPaths(text);
    return { format: 'zeek-tsv', path: path ?? null, tagged: false };
  }
  const line = text.trimStart().split('\n', 1)[0]!;
  if (!line.startsWith('{')) {
    const names = headerLineNames(line);
    return names === null
      ? null
      : { format: 'zeek-tsv', path: logTypeFromFields(Object.fromEntries(names.map((n) => [n, true]))) ?? 'conn', tagged: false };
  }
  let object: unknown;
  try {
    object = JSON.parse(line);
  } catch {
    // a first line longer than the head: judge by its keys
    if (!/^\{\s*"(_path|ts|uid)"\s*:/.test(line)) return null;
    const path = /"_path"\s*:\s*"([^"]+)"/.exec(line);
    return { format: 'zeek-json', path: path ? path[1]! : logTypeFromName(name), tagged: path !== null };
  }
  if (object === null || typeof object !== 'object' || Array.isArray(object)) return null;
  const record = object as Record<string, unknown>;
  if (typeof record._path === 'string') return { format: 'zeek-json', path: record._path, tagged: true };
  if (!('ts' in record) || !('uid' in record || 'id.orig_h' in record || 'id_orig_h' in record || 'id' in record)) return null;
  return { format: 'zeek-json', path: logTypeFromFields(record) ?? logTypeFromName(name), tagged: false };
}

/**
 * The field names of a log written with its header as one plain line (`zeek-cut -m`, the ASCII
 * writer's `tsv=T`): tab-separated, naming at least ts, id.orig_h, id.resp_h and conn_state or
 * proto. Null for any other line.
 */
export function headerLineNames(line: string): string[] | null {
  if (line.startsWith('#') || line.indexOf('\t') < 0) return null;
  const names = line.replace(/\r$/, '').split('\t');
  const has = (name: string): boolean => names.includes(name) || names.includes(name.replace(/\./g, '_'));
  return has('ts') && has('id.orig_h') && has('id.resp_h') && (has('conn_state') || has('proto')) ? names : null;
}

/** A JSON row's log type from the fields only that log has. */
function logTypeFromFields(record: Record<string, unknown>): string | null {
  if ('conn_state' in record || 'history' in record) return 'conn';
  if ('query' in record && ('qtype' in record || 'answers' in record || 'rcode' in record)) return 'dns';
  if ('method' in record || 'status_code' in record || 'user_agent' in record) return 'http';
  if ('server_name' in record || 'cipher' in record || 'established' in record) return 'ssl';
  return null;
}

/** `conn.log`, `conn.00:00:00-01:00:00.log.gz`, `dns.log.gz` → 'conn', 'conn', 'dns'. */
export function logTypeFromName(name: string): string | null {
  const base = name.split(/[\\/]/).pop() ?? '';
  const m = /^([a-z0-9_-]+)\./i.exec(base);
  return m ? m[1]!.toLowerCase() : null;
}

/**
 * A field's name under `Log::default_scope_sep = "_"` (common for Elasticsearch): `id_orig_h`
 * for `id.orig_h`. Null for a name of one scope.
 */
function underScoped(name: string): string | null {
  return name.includes('.') ? name.replace(/\./g, '_') : null;
}

/** Zeek's `\xNN` escapes (runs of them are the bytes of one UTF-8 sequence). */
export function unescapeZeek(s: string): string {
  if (s.indexOf('\\x') < 0) return s;
  return s.replace(/(?:\\x[0-9a-fA-F]{2})+/g, (run) => Buffer.from(run.replace(/\\x/g, ''), 'hex').toString('utf8'));
}

/**
 * One row of a log, read by the index of a field in the list the reader asked for. `text` is
 * null for an unset or absent field, '' for an empty one; `list` splits a set or vector.
 */
export interface ZeekRow {
  text(field: number): string | null;
  list(field: number): string[] | null;
  /**
   * The field's value when its cell is a plain decimal number (digits and at most one point,
   * no sign or exponent), exactly as `Number` reads the text; -1 for any other cell, which is
   * then read from `text`.
   */
  plainNumber(field: number): number;
  /** Whether the log has a column for any of the wanted fields from `field` on. */
  anyFrom(field: number): boolean;
  /** The field as a Zeek `time`, in seconds; NaN when it is none. */
  time(field: number): number;
}

/**
 * The unit of a JSON log's times, decided once for the file by its first numeric time: Zeek's
 * `JSON::TS_MILLIS` writes integer milliseconds (`Int64(ts * 1000)`), which no time in seconds
 * reaches before the year 5138. Intervals (`duration`) stay in seconds.
 */
export interface JsonClock {
  millis: boolean | null;
}

/** Above this a `time` can only be in milliseconds (1e11 s is the year 5138; 1e11 ms is 1973). */
const MILLIS_ABOVE = 1e11;

/** A JSON value as a Zeek `time` in seconds (NaN when it is none), its unit decided by `clock`'s first number. */
export function jsonTime(v: unknown, clock: JsonClock): number {
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string' && v !== '' && Number.isFinite(Number(v))) n = Number(v);
  else return typeof v === 'string' ? zeekTime(v) : Number.NaN;
  clock.millis ??= n > MILLIS_ABOVE;
  return clock.millis ? n / 1000 : n;
}

/** Powers of ten a double holds exactly (10^0 … 10^22). */
const EXACT_POWERS_OF_TEN = Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * The text `line[start, end)` as a number when it is a plain decimal (digits and at most one
 * point, no sign or exponent), exactly as `Number` reads it; -1 for any other text.
 */
export function plainDecimal(line: string, start: number, end: number): number {
  let mantissa = 0;
  let digits = 0;
  let decimals = 0;
  let point = false;
  for (let i = start; i < end; i++) {
    const ch = line.charCodeAt(i);
    if (ch >= 48 && ch <= 57) {
      mantissa = mantissa * 10 + (ch - 48);
      digits++;
      if (point) decimals++;
    } else if (ch === 46 && !point) point = true;
    else return -1;
  }
  // Both operands exact, so the one rounding of the division is the one `Number` makes.
  if (digits === 0 || mantissa > Number.MAX_SAFE_INTEGER || decimals > 22) return -1;
  return decimals === 0 ? mantissa : mantissa / EXACT_POWERS_OF_TEN[decimals]!;
}

/**
 * A batch of a log's lines as another thread cut them (split-lines.ts): the lines one after
 * another in `text`, each data line's cells where they start and end in it and the number each
 * is (plainDecimal), cut at `separator`.
 */
export interface CellBatch {
  text: string;
  separator: string;
  /** Where each line starts in `text` (and the next after it: one more than the lines). */
  lineStarts: Int32Array;
  /** Each line's cells, CELLS_NOT_CUT for a line not cut (a header line, or one left to the reader). */
  cellCounts: Uint8Array;
  /** Where each line's cells begin in `cellStarts`, `cellEnds` and `numbers`. */
  firstCells: Int32Array;
  /** Where each cell starts and ends, from its line's start. */
  cellStarts: Int32Array;
  cellEnds: Int32Array;
  numbers: Float64Array;
}

/** `CellBatch.cellCounts` of a line whose cells were not cut. */
export const CELLS_NOT_CUT = 255;

/**
 * TSV rows: the header's field names mapped to the wanted fields once; per row only where each
 * cell starts and ends is noted, and a cell's text is cut from the line when a field is read.
 */
export class TsvRows implements ZeekRow {
  separator = '\t';
  setSeparator = ',';
  emptyField = '(empty)';
  unsetField = '-';
  path: string | null = null;
  /** Column of each wanted field, -1 when the log has none; null before `#fields`. */
  columns: Int32Array | null = null;
  fieldCount = 0;
  /** Whether any wanted field from an index on has a column (`anyFrom`). */
  private present: Uint8Array = new Uint8Array(0);
  private line = '';
  /** Where each cell of `line` starts and ends. */
  private starts: Int32Array = new Int32Array(0);
  private ends: Int32Array = new Int32Array(0);
  /** Whether `line` holds a backslash (then its cells may hold Zeek's `\xNN` escapes). */
  private escaped = false;
  /** Each cell's number (plainDecimal), when the line's cells were cut by another thread (`split`). */
  private numbers: Float64Array = new Float64Array(0);
  private split = false;

  constructor(private readonly wanted: readonly string[]) {}

  /** Rows of another log type under the header read so far (separators, `#path`); `#fields` is still to come. */
  forLog(wanted: readonly string[]): TsvRows {
    const next = new TsvRows(wanted);
    next.separator = this.separator;
    next.setSeparator = this.setSeparator;
    next.emptyField = this.emptyField;
    next.unsetField = this.unsetField;
    next.path = this.path;
    return next;
  }

  /**
   * Rows read as these are: the header read so far, every field where it is now (a row kept to be
   * read later is loaded into the copy, not into rows whose header a later block may change).
   */
  copy(): TsvRows {
    const copy = this.forLog(this.wanted);
    copy.columns = this.columns;
    copy.fieldCount = this.fieldCount;
    copy.present = this.present;
    copy.starts = new Int32Array(this.starts.length);
    copy.ends = new Int32Array(this.ends.length);
    copy.numbers = new Float64Array(this.numbers.length);
    return copy;
  }

  /** The line loaded last. */
  get loaded(): string {
    return this.line;
  }

  /** Header lines read so far: rows read under another number were read under another header. */
  headerLines = 0;

  /** A `#` line; returns an error text for a header callhome cannot use. */
  header(line: string): string | null {
    this.headerLines++;
    if (line.startsWith('#separator ')) {
      this.separator = unescapeZeek(line.slice('#separator '.length));
      return null;
    }
    const tab = line.indexOf(this.separator);
    const key = tab < 0 ? line.slice(1) : line.slice(1, tab);
    const value = tab < 0 ? '' : line.slice(tab + this.separator.length);
    switch (key) {
      case 'set_separator':
        this.setSeparator = unescapeZeek(value);
        break;
      case 'empty_field':
        this.emptyField = value;
        break;
      case 'unset_field':
        this.unsetField = value;
        break;
      case 'path':
        this.path = value;
        break;
      case 'fields': {
        const names = value.split(this.separator);
        this.fieldCount = names.length;
        const columns = Int32Array.from(this.wanted, (w) => {
          const column = names.indexOf(w);
          const other = column < 0 ? underScoped(w) : null;
          return other === null ? column : names.indexOf(other);
        });
        this.columns = columns;
        this.present = new Uint8Array(columns.length + 1);
        for (let i = columns.length - 1; i >= 0; i--) this.present[i] = columns[i]! >= 0 || this.present[i + 1] === 1 ? 1 : 0;
        this.starts = new Int32Array(names.length);
        this.numbers = new Float64Array(names.length);
        this.ends = new Int32Array(names.length);
        break;
      }
      default:
        break;
    }
    return null;
  }

  /** Takes a data line; false when it has not as many cells as `#fields` names. */
  load(line: string): boolean {
    const separator = this.separator;
    const cells = this.fieldCount;
    const starts = this.starts;
    const ends = this.ends;
    if (separator.length === 0) {
      // `split('')`: every character a cell
      if (line.length !== cells) return false;
      for (let i = 0; i < cells; i++) {
        starts[i] = i;
        ends[i] = i + 1;
      }
    } else {
      const step = separator.length;
      let from = 0;
      for (let i = 0; ; i++) {
        const at = line.indexOf(separator, from);
        if (at < 0) {
          if (i !== cells - 1) return false;
          starts[i] = from;
          ends[i] = line.length;
          break;
        }
        if (i >= cells - 1) return false;
        starts[i] = from;
        ends[i] = at;
        from = at + step;
      }
    }
    this.line = line;
    this.escaped = line.indexOf('\\') >= 0;
    this.split = false;
    return true;
  }

  /**
   * Takes the data line `k` of `batch` (`line`, cut from its text), its cells as the other
   * thread found them; false when it has not as many cells as `#fields` names. Only for a batch
   * cut at this header's separator.
   */
  loadCut(line: string, batch: CellBatch, k: number): boolean {
    const cells = this.fieldCount;
    if (batch.cellCounts[k] !== cells) return false;
    const first = batch.firstCells[k]!;
    const { cellStarts, cellEnds, numbers } = batch;
    for (let i = 0; i < cells; i++) {
      this.starts[i] = cellStarts[first + i]!;
      this.ends[i] = cellEnds[first + i]!;
      this.numbers[i] = numbers[first + i]!;
    }
    this.line = line;
    this.escaped = line.indexOf('\\') >= 0;
    this.split = true;
    return true;
  }

  /** Whether the cell from `start` to `end` is exactly `marker`. */
  private is(marker: string, start: number, end: number): boolean {
    return end - start === marker.length && this.line.startsWith(marker, start);
  }

  text(field: number): string | null {
    const column = this.columns![field]!;
    if (column < 0) return null;
    const start = this.starts[column]!;
    const end = this.ends[column]!;
    if (this.is(this.unsetField, start, end)) return null;
    if (this.is(this.emptyField, start, end)) return '';
    const v = this.line.slice(start, end);
    return this.escaped && v.indexOf('\\') >= 0 ? unescapeZeek(v) : v;
  }

  list(field: number): string[] | null {
    const column = this.columns![field]!;
    if (column < 0) return null;
    const start = this.starts[column]!;
    const end = this.ends[column]!;
    if (this.is(this.unsetField, start, end)) return null;
    if (this.is(this.emptyField, start, end)) return [];
    return this.line.slice(start, end).split(this.setSeparator).map(unescapeZeek);
  }

  plainNumber(field: number): number {
    const column = this.columns![field]!;
    if (column < 0) return -1;
    const start = this.starts[column]!;
    const end = this.ends[column]!;
    let value: number;
    if (this.split) {
      // A whole number read from the typed array as the small integer plainDecimal gives, not as
      // a double: the rows' fields keep the shape they have when read on one thread.
      value = this.numbers[column]!;
      if (value === (value | 0)) value |= 0;
    } else value = plainDecimal(this.line, start, end);
    if (value < 0 || this.is(this.unsetField, start, end) || this.is(this.emptyField, start, end)) return -1;
    return value;
  }

  anyFrom(field: number): boolean {
    return this.present[field] === 1;
  }

  time(field: number): number {
    const plain = this.plainNumber(field);
    return plain >= 0 ? plain : zeekTime(this.text(field));
  }
}

/** JSON rows: keys as the TSV names (`id.orig_h`), or nested (`"id": {"orig_h": …}`). */
export class JsonRows implements ZeekRow {
  private record: Record<string, unknown> = {};
  private line = '';
  private readonly nested: ([string, string] | null)[];
  /** Each wanted field's name under the `_` scope separator (`underScoped`). */
  private readonly underScoped: (string | null)[];

  constructor(
    private readonly wanted: readonly string[],
    private readonly clock: JsonClock = { millis: null },
  ) {
    this.nested = wanted.map((w) => {
      const dot = w.indexOf('.');
      return dot < 0 ? null : [w.slice(0, dot), w.slice(dot + 1)];
    });
    this.underScoped = wanted.map(underScoped);
  }

  /** The line loaded last. */
  get loaded(): string {
    return this.line;
  }

  /** Takes a line; an error text when it is not a JSON object. */
  load(line: string): string | null {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      return 'not a JSON object';
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'not a JSON object';
    this.record = value as Record<string, unknown>;
    this.line = line;
    return null;
  }

  get path(): string | null {
    return typeof this.record._path === 'string' ? this.record._path : null;
  }

  /** The value at the key, at its top level (undefined when absent). */
  value(key: string): unknown {
    return this.has(key) ? this.record[key] : undefined;
  }

  /** Whether the row has the key, at its top level. */
  has(key: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.record, key);
  }

  /**
   * The log type the row's own fields name (a row without `_path`: untagged logs of several types
   * in one stream, `cat conn.log dns.log | callhome analyze -`), null when none does.
   */
  typeByFields(): string | null {
    return logTypeFromFields(this.record);
  }

  private raw(field: number): unknown {
    const v = this.record[this.wanted[field]!];
    if (v !== undefined) return v;
    const nested = this.nested[field];
    if (nested === null || nested === undefined) return undefined;
    const outer = this.record[nested[0]];
    if (outer !== null && typeof outer === 'object') return (outer as Record<string, unknown>)[nested[1]];
    return this.record[this.underScoped[field]!];
  }

  text(field: number): string | null {
    const v = this.raw(field);
    if (v === undefined || v === null) return null;
    if (typeof v === 'string') return v;
    if (typeof v === 'number') return String(v);
    if (typeof v === 'boolean') return v ? 'T' : 'F';
    return null;
  }

  plainNumber(): number {
    return -1;
  }

  time(field: number): number {
    return jsonTime(this.raw(field), this.clock);
  }

  anyFrom(): boolean {
    return true;
  }

  list(field: number): string[] | null {
    const v = this.raw(field);
    if (v === undefined || v === null) return null;
    if (!Array.isArray(v)) return typeof v === 'string' ? [v] : null;
    return v.map((x) => (typeof x === 'string' ? x : String(x)));
  }
}

/** A Zeek `time`: epoch seconds, or ISO 8601 (the JSON writer's `JSON::TS_ISO8601`). */
export function zeekTime(text: string | null): number {
  if (text === null) return Number.NaN;
  const n = Number(text);
  if (text !== '' && Number.isFinite(n)) return n;
  if (/^\d{4}-\d\d-\d\dT/.test(text)) {
    const ms = Date.parse(text);
    if (Number.isFinite(ms)) {
      // Date keeps milliseconds: the microseconds are added back from the text
      const fraction = /\.(\d+)/.exec(text);
      const sub = fraction ? Number(`0.${fraction[1]!}`) - Math.floor(Number(`0.${fraction[1]!}`) * 1000) / 1000 : 0;
      return ms / 1000 + sub;
    }
  }
  return Number.NaN;
}
