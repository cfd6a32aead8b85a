/**
 * The dns, http and ssl rows of a stream of several logs (`zcat conn.*.log.gz dns.*.log.gz
 * http.*.log.gz | callhome analyze -`), kept on tapes (text-tape.ts: on disk past a few megabytes)
 * until the stream ends, then read beside its conn.log rows as the logs of files are
 * (zeek-lockstep.ts): each side log only as far ahead of the conn.log rows as joining them needs.
 * A stream gives every conn.log row before the first side row, so the side rows would otherwise
 * wait, every one of them, until the conn.log rows are handed on at the end — a day's dns.log and
 * http.log are millions of rows, and about 270 bytes each held. The rows are kept as the lines
 * they were, with their line numbers and the header they were read under, and read again.
 */
import type { Connection } from '../flows/connection.js';
import { JsonRows, TsvRows, type ZeekRow } from './zeek-format.js';
import { Lockstep } from './zeek-lockstep.js';
import { TextTape } from './text-tape.js';

/** One side log's rows on their tape. */
interface TapedLog {
  logType: string;
  tape: TextTape;
  /** The headers TSV rows were read under, each as it was (a row's entry names its own). */
  headers: TsvRows[];
  /** The rows whose header was kept last, and how many header lines they had read then: a row read by others (or under a header line since) keeps its own. */
  live: TsvRows | null;
  liveHeader: number;
  /** How JSON rows are read again (the reader's clock: the unit of their times is the stream's). */
  json: JsonRows | null;
}

/** Reads a row kept on a tape: its line number, and the row it is loaded in. */
type RowOf = (entry: string) => { line: number; row: ZeekRow };

export class SideTapes {
  private readonly logs: TapedLog[] = [];
  private count = 0;

  /** Rows kept. */
  get length(): number {
    return this.count;
  }

  /**
   * `row` of `logType` at `line` kept to be read later; `json` makes the rows it is read again
   * into (a JSON row: the reader's own, with its clock). False when `row` is of neither kind: not
   * kept.
   */
  add(row: ZeekRow, logType: string, line: number, json: () => JsonRows): boolean {
    const log = this.logOf(logType);
    if (row instanceof TsvRows) {
      if (row !== log.live || row.headerLines !== log.liveHeader) {
        log.headers.push(row.copy());
        log.live = row;
        log.liveHeader = row.headerLines;
      }
      log.tape.add(`${log.headers.length - 1}\t${line}\t${row.loaded}`);
    } else if (row instanceof JsonRows) {
      log.json ??= json();
      log.tape.add(`${line}\t${row.loaded}`);
    } else return false;
    this.count++;
    return true;
  }

  /**
   * The kept rows read beside the conn.log rows given to the result's `conn` in their order:
   * each conn.log row handed to `join` once every side log has been read past its end (by
   * JOIN_SLACK) or to its end; `onRow` takes each side row and says its time (NaN: none).
   */
  replay(join: (c: Connection) => void, onRow: (row: ZeekRow, logType: string, line: number) => number): SideReplay {
    return new SideReplay(this.logs, join, onRow);
  }

  /** Lets go of every tape. */
  release(): void {
    for (const log of this.logs) log.tape.release();
    this.logs.length = 0;
    this.count = 0;
  }

  private logOf(logType: string): TapedLog {
    for (const log of this.logs) if (log.logType === logType) return log;
    const log: TapedLog = { logType, tape: new TextTape(), headers: [], live: null, liveHeader: 0, json: null };
    this.logs.push(log);
    return log;
  }
}

/** A replay of SideTapes: conn.log rows in (`conn`), then `end`. */
export class SideReplay {
  private readonly lockstep: Lockstep;
  private readonly readers: Iterator<{ line: number; row: ZeekRow }>[];
  private readonly done: boolean[];

  constructor(
    private readonly logs: readonly TapedLog[],
    join: (c: Connection) => void,
    private readonly onRow: (row: ZeekRow, logType: string, line: number) => number,
  ) {
    this.lockstep = new Lockstep(logs.length, join);
    this.readers = logs.map((log) => entries(log));
    this.done = logs.map(() => false);
  }

  /** A conn.log row: joined once the side logs are read far enough for it. */
  conn(c: Connection): void {
    this.lockstep.connRow(c);
    for (let k = 0; k < this.logs.length; k++) while (!this.done[k] && this.lockstep.sideWanted(k)) this.step(k);
  }

  /** Every conn.log row given: every side row read, every conn.log row joined. */
  end(): void {
    this.lockstep.connEnd();
    for (let k = 0; k < this.logs.length; k++) while (!this.done[k]) this.step(k);
    this.lockstep.finish();
  }

  /** Side log `k`'s next row read (or its end). */
  private step(k: number): void {
    const next = this.readers[k]!.next();
    if (next.done === true) {
      this.done[k] = true;
      this.lockstep.sideEnd(k);
      return;
    }
    const { row, line } = next.value;
    this.lockstep.sideRow(k, this.onRow(row, this.logs[k]!.logType, line));
  }
}

/** A taped log's rows, each loaded as it was read. */
function* entries(log: TapedLog): Generator<{ line: number; row: ZeekRow }> {
  const rowOf: RowOf = log.json !== null ? jsonRowOf(log.json) : tsvRowOf(log.headers);
  for (const entry of log.tape.texts()) yield rowOf(entry);
}

function jsonRowOf(rows: JsonRows): RowOf {
  return (entry) => {
    const tab = entry.indexOf('\t');
    rows.load(entry.slice(tab + 1));
    return { line: Number(entry.slice(0, tab)), row: rows };
  };
}

function tsvRowOf(headers: readonly TsvRows[]): RowOf {
  return (entry) => {
    const first = entry.indexOf('\t');
    const second = entry.indexOf('\t', first + 1);
    const rows = headers[Number(entry.slice(0, first))]!;
    rows.load(entry.slice(second + 1));
    return { line: Number(entry.slice(first + 1, second)), row: rows };
  };
}
