/**
 * Packets a capture holds twice because captures were appended one after another (`cat`,
 * `mergecap -a`): the same capture twice, or rotated files that overlap. Such a file goes back in
 * time, at the first record of the part appended, to a time it already held; the packets of the
 * part appended that the earlier part had are copies — each would otherwise be tracked twice, a
 * connection seen a second time as a new one and each of its SYNs a retry of itself.
 *
 * Where the file can be read again (a plain file, or bytes in memory), a step back of more than
 * DUPLICATE_WINDOW seconds (more than any capture's queues put between their packets) starts a
 * second read of it from its start, in step with the part appended: a record of that part is a
 * copy when the earlier part holds the same bytes, at the same time, of the same link type (a
 * pcapng appended numbers its interfaces anew), at the place the second read has come to.
 * Records are taken in order on both sides, so memory is the second read's chunk, whatever the
 * file's size; and a file is read again MAX_READS times at most (a capture whose interfaces'
 * clocks differ steps back and forth). Copies are counted as skipped
 * (`dup.repeated-in-capture`), never dropped silently; a file that cannot be read again (gzip,
 * standard input) is only warned of (index.ts).
 */
import { DUPLICATE_WINDOW } from './duplicates.js';
import { isCaptureTime } from './time.js';
import type { CaptureRecord, HeldRecord, RecordCursor } from './capture/index.js';

/** Times a capture is read again, at most. */
const MAX_READS = 4;

export class ReplayedPackets {
  /** The latest and the earliest time read so far. */
  private latest = Number.NEGATIVE_INFINITY;
  private earliest = Number.POSITIVE_INFINITY;
  /**
   * The widest step back in time from the latest record before it (null when none): the record,
   * how far back, and whether to the capture's earliest time (the same capture again).
   */
  step: { record: number; seconds: number; toStart: boolean } | null = null;
  /** The second read while a part appended is matched against the parts before it; null else. */
  private cursor: RecordCursor | null = null;
  /** The second read's next record, and the first record of the part appended (the earlier parts end before it). */
  private pending: HeldRecord | null = null;
  private until = 0;
  /** The latest time of the earlier parts: no copy of theirs comes later than this (and the window). */
  private before = 0;
  /** The time of the last record matched against the earlier parts. */
  private last = 0;
  /** Copies found, and the times the capture was read again. */
  copies = 0;
  private reads = 0;

  /** Reads the capture again from its start (openRecordCursor); null when it cannot be read twice. */
  private open: (() => RecordCursor | null) | null;

  constructor(open: (() => RecordCursor | null) | null) {
    this.open = open;
  }

  /** Whether `record` repeats a record of an earlier part of the same capture. */
  isCopy(record: CaptureRecord): boolean {
    const ts = record.ts;
    // A time no capture can mean is no step in time (the reader warns of it).
    if (!isCaptureTime(ts)) return false;
    if (ts < this.earliest) this.earliest = ts;
    if (ts < this.latest && (this.step === null || this.latest - ts > this.step.seconds))
      this.step = { record: record.index, seconds: this.latest - ts, toStart: ts <= this.earliest };
    if (this.cursor === null) {
      if (ts >= this.latest - DUPLICATE_WINDOW || this.open === null) {
        if (ts > this.latest) this.latest = ts;
        return false;
      }
      if (!this.start(record)) return false;
    } else if (ts < this.last - DUPLICATE_WINDOW) {
      // Another part appended, going back again: matched against every part before it.
      this.stop();
      if (!this.start(record)) return false;
    }
    if (ts > this.before + DUPLICATE_WINDOW) {
      // Past every earlier part: nothing later can be a copy of theirs.
      this.stop();
      if (ts > this.latest) this.latest = ts;
      return false;
    }
    this.last = ts;
    if (ts > this.latest) this.latest = ts;
    let p = this.pending;
    while (p !== null && p.index < this.until && p.ts < ts) p = this.cursor!.next();
    this.pending = p;
    if (p === null || p.index >= this.until) return false;
    if (p.ts !== ts || p.linktype !== record.linktype || !sameBytes(p.data, record)) return false;
    this.pending = this.cursor!.next();
    this.copies++;
    return true;
  }

  /** Begins matching the part appended that `record` starts; false when the capture cannot be read again. */
  private start(record: CaptureRecord): boolean {
    const cursor = this.reads < MAX_READS ? this.open!() : null;
    this.reads++;
    if (cursor === null) {
      this.open = null;
      return false;
    }
    this.cursor = cursor;
    this.pending = cursor.next();
    this.until = record.index;
    this.before = this.latest;
    this.last = record.ts;
    return true;
  }

  private stop(): void {
    this.cursor?.close();
    this.cursor = null;
    this.pending = null;
  }

  /** Ends the second read, if one is open. */
  close(): void {
    this.stop();
  }
}

function sameBytes(held: Uint8Array, record: CaptureRecord): boolean {
  if (held.length !== record.caplen) return false;
  const bytes = record.bytes;
  const at = record.dataOffset;
  for (let i = 0; i < held.length; i++) if (held[i] !== bytes[at + i]) return false;
  return true;
}
