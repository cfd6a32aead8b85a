/**
 * A conn.log read side by side with its dns, http and ssl logs — the one file of each `zeek -r`
 * writes, a deployment's hourly files of each (a reader for each log, its files one after
 * another), or JSON streams of every log read for their side rows and their conn rows at once:
 * the side rows are read only as far ahead of the conn.log rows as joining them needs, not whole
 * before them — a busy day's dns.log and http.log are millions of rows, held until their conn.log
 * rows claim them.
 *
 * When a conn.log row can be joined: Zeek writes a log's rows in the order it is done with them,
 * a side row before the conn.log row of its connection (a DNS answer, an HTTP reply, a TLS
 * handshake is logged when seen; the connection when it is removed). A row's `ts` is never after
 * the time it was written, so once a side log has given a row stamped later than the time a
 * side row was written, that side row has been read. The side rows of a connection are written
 * by its last packet, or when it is removed (the inactivity timeout): a conn.log row waits until
 * every side log has given a row stamped `JOIN_SLACK` after its end (or has ended), then is
 * joined — the rows handed on in the conn.log's order, as when the side logs are read first.
 *
 * Each side log reads on while it is less than `AHEAD` past what the conn.log rows waiting (or
 * read last) need; the conn.log reads on while fewer than `WAITING_MAX` of its rows wait.
 */
import type { Connection } from '../flows/connection.js';
import { LOG_COPY_WINDOW } from './zeek-copies.js';

/** Past a connection's end, seconds, by which its side rows have been written: three times Zeek's TCP inactivity timeout. */
export const JOIN_SLACK = LOG_COPY_WINDOW;
/** How far a side log reads past what the waiting conn.log rows need, seconds. */
export const AHEAD = 15 * 60;
/** conn.log rows waiting at most before the conn.log waits for its side logs. */
export const WAITING_MAX = 20_000;
/**
 * A side row stamped this far past the rows before it is taken as the log's time only once the
 * row after it is stamped as late too: one row of a wrong time (a host's clock, a damaged
 * packet) would have every later conn.log row joined before its side rows were read.
 */
const STEP = 3600;

/** How far one side log has been read, by its rows' time stamps. */
class SideProgress {
  /** Rows stamped later than this have been read (-Infinity: none yet; Infinity: all). */
  reached = -Infinity;
  /** A row stamped more than STEP past `reached`, waiting for the next to say it is not alone. */
  private beyond = Number.NaN;

  see(ts: number): void {
    if (!Number.isFinite(ts)) return;
    if (ts <= this.reached + STEP) {
      if (ts > this.reached) this.reached = ts;
      this.beyond = Number.NaN;
    } else if (Number.isNaN(this.beyond)) this.beyond = ts;
    else {
      this.reached = Math.min(this.beyond, ts);
      this.beyond = Number.NaN;
    }
  }
}

/**
 * How far a log's first rows got, by the rule its reading is judged by (SideProgress): the key
 * that orders the files of one log as Zeek wrote them. A file's first row is no guide — a
 * long-lived TLS connection's ssl row, a half-open connection's conn.log row are written late,
 * into the file open then, stamped before the rows of the file before it — but its rows together
 * are: no row is stamped after it was written, and most are written within minutes of their
 * time. NaN for no rows; a lone row's own time.
 */
export function reachOf(times: Iterable<number>): number {
  const progress = new SideProgress();
  let lone = Number.NaN;
  for (const ts of times) {
    if (!Number.isFinite(ts)) continue;
    progress.see(ts);
    if (Number.isNaN(lone)) lone = ts;
  }
  return Number.isFinite(progress.reached) ? progress.reached : lone;
}

/** A row's end as the lockstep reads it: a row of no time waits for nothing (it would hold every row after it). */
const endOf = (c: Connection): number => (Number.isFinite(c.lastTs) ? c.lastTs : Number.isFinite(c.ts) ? c.ts : -Infinity);

export class Lockstep {
  private readonly sides: SideProgress[];
  private waiting: Connection[] = [];
  /** Index of the first row of `waiting` not yet handed on. */
  private head = 0;
  /** The latest end of the conn.log rows read. */
  private connLast = -Infinity;
  private connDone = false;
  private finished = false;
  /** Readers waiting, each with what lets it go on. */
  private readonly parked: { ready: () => boolean; go: () => void }[] = [];

  constructor(
    sides: number,
    /** Joins a conn.log row and hands it on. */
    private readonly join: (c: Connection) => void,
  ) {
    this.sides = Array.from({ length: sides }, () => new SideProgress());
  }

  /** Side log `k` gave a row stamped `ts`. */
  sideRow(k: number, ts: number): void {
    this.sides[k]!.see(ts);
  }

  /** Side log `k` is read to its end. */
  sideEnd(k: number): void {
    this.sides[k]!.reached = Infinity;
    this.tick();
  }

  /** A conn.log row: joined now when its side rows have been read and none waits before it, else when they have. */
  connRow(c: Connection): void {
    const end = endOf(c);
    if (end > this.connLast) this.connLast = end;
    if (this.head === this.waiting.length && this.joinable(end)) this.join(c);
    else this.waiting.push(c);
  }

  /** The conn.log is read to its end. */
  connEnd(): void {
    this.connDone = true;
    this.tick();
  }

  /** After each chunk of side log `k`: a promise while it is AHEAD past what the conn.log needs. */
  sidePause(k: number): Promise<void> | null {
    return this.sideWanted(k) ? null : this.park(() => this.sideReady(k));
  }

  /**
   * Whether side log `k` is to read on: the rows waiting whose side rows it has read joined, and it
   * is not AHEAD past what the conn.log needs (sidePause, for a reader that reads a row when asked).
   */
  sideWanted(k: number): boolean {
    this.tick();
    return this.sideReady(k);
  }

  private sideReady(k: number): boolean {
    return this.sides[k]!.reached <= this.need() + AHEAD;
  }

  /** After each chunk of the conn.log: a promise while WAITING_MAX of its rows wait. */
  connPause(): Promise<void> | null {
    this.tick();
    const ready = (): boolean => this.waiting.length - this.head < WAITING_MAX;
    return ready() ? null : this.park(ready);
  }

  /** Every row left waiting joined (each side log read to its end). */
  finish(): void {
    this.finished = true;
    this.tick();
  }

  /** Rows waiting: how many, for tests. */
  get waitingRows(): number {
    return this.waiting.length - this.head;
  }

  /** The time every side log must pass for the first row waiting (or the next read) to be joined. */
  private need(): number {
    if (this.head < this.waiting.length) return endOf(this.waiting[this.head]!) + JOIN_SLACK;
    return this.connDone ? Infinity : this.connLast + JOIN_SLACK;
  }

  private joinable(end: number): boolean {
    if (this.finished) return true;
    for (const side of this.sides) if (!(side.reached > end + JOIN_SLACK)) return false;
    return true;
  }

  private park(ready: () => boolean): Promise<void> {
    return new Promise((go) => this.parked.push({ ready, go }));
  }

  /** Rows whose side rows are read joined, in order; readers whose wait is over let go. */
  private tick(): void {
    while (this.head < this.waiting.length && this.joinable(endOf(this.waiting[this.head]!))) this.join(this.waiting[this.head++]!);
    if (this.head === this.waiting.length) {
      this.waiting = [];
      this.head = 0;
    } else if (this.head > 4096 && this.head * 2 > this.waiting.length) {
      this.waiting = this.waiting.slice(this.head);
      this.head = 0;
    }
    for (let i = this.parked.length - 1; i >= 0; i--) {
      const p = this.parked[i]!;
      if (!p.ready()) continue;
      this.parked.splice(i, 1);
      p.go();
    }
  }
}
