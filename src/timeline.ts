/**
 * Captures taken at the same time, read as one timeline: a tap's two directions captured by two
 * network cards into two files, two sniffers on one link, a capture per VLAN. Read one after the
 * other, the SYNs of one file would all be tracked before the resets of the other came, hours
 * later by the tracker's clock: every attempt unanswered, every reset alone. Here every input is
 * read at once and its records handed on in order of their time stamps, across the inputs, as
 * `mergecap` would have written them into one file.
 *
 * Inputs that do not overlap (rotated files of one sniffer) are read one after the other as
 * before: an input starts when the timeline reaches its first record (known from the probe that
 * ordered the inputs), and while it is the only one being read its records are handed on as they
 * are parsed, without a copy. Only while several are read at once is each record copied and held
 * until every other input has one to compare it with — a few thousand records an input, whatever
 * the size of the files.
 */
import { ReusedRecord } from './capture/record.js';
import type { CaptureRecord } from './capture/types.js';

/** Records an input may hold copied, waiting for the others, before its reading waits. */
const HELD_RECORDS = 4096;

/**
 * An input's records copied out of its reader's buffer (which its next read overwrites), to be
 * handed on once the timeline reaches them: their bytes one after another in one buffer, their
 * fields in columns — no object per record, whatever the rate.
 */
class Held {
  /** Records held, and the position of the next to hand on. */
  n = 0;
  at = 0;
  private bytes = new Uint8Array(1 << 20);
  private used = 0;
  private capacity = 256;
  private starts = new Float64Array(this.capacity);
  private times = new Float64Array(this.capacity);
  private fields = new Float64Array(this.capacity * FIELDS);

  get empty(): boolean {
    return this.at === this.n;
  }

  /** The time stamp of the next record to hand on. */
  get nextTs(): number {
    return this.times[this.at]!;
  }

  push(r: CaptureRecord): void {
    if (this.n === this.capacity) this.grow();
    if (this.used + r.caplen > this.bytes.length) {
      const bytes = new Uint8Array(Math.max(this.bytes.length * 2, this.used + r.caplen));
      bytes.set(this.bytes.subarray(0, this.used));
      this.bytes = bytes;
    }
    this.bytes.set(r.bytes.subarray(r.dataOffset, r.dataOffset + r.caplen), this.used);
    const k = this.n++;
    this.starts[k] = this.used;
    this.used += r.caplen;
    this.times[k] = r.ts;
    const f = this.fields;
    const at = k * FIELDS;
    f[at] = r.index;
    f[at + 1] = r.offset;
    f[at + 2] = r.tsSec;
    f[at + 3] = r.tsNsec;
    f[at + 4] = r.caplen;
    f[at + 5] = r.origlen;
    f[at + 6] = r.linktype;
    f[at + 7] = r.interfaceId;
  }

  /** Points `into` at the next record and moves past it; valid until the next push. */
  take(into: ReusedRecord): void {
    const k = this.at++;
    const f = this.fields;
    const at = k * FIELDS;
    into.index = f[at]!;
    into.offset = f[at + 1]!;
    into.tsSec = f[at + 2]!;
    into.tsNsec = f[at + 3]!;
    into.caplen = f[at + 4]!;
    into.origlen = f[at + 5]!;
    into.linktype = f[at + 6]!;
    into.interfaceId = f[at + 7]!;
    into.ts = this.times[k]!;
    into.bytes = this.bytes;
    into.dataOffset = this.starts[k]!;
    // Everything handed on: the buffer is written from its start again.
    if (this.at === this.n) this.at = this.n = this.used = 0;
  }

  private grow(): void {
    this.capacity *= 2;
    const starts = new Float64Array(this.capacity);
    starts.set(this.starts);
    this.starts = starts;
    const times = new Float64Array(this.capacity);
    times.set(this.times);
    this.times = times;
    const fields = new Float64Array(this.capacity * FIELDS);
    fields.set(this.fields);
    this.fields = fields;
  }
}

/** Fields of a record kept in Held's columns beside its time and place. */
const FIELDS = 8;

interface Lane {
  index: number;
  done: boolean;
  held: Held;
  /** Resolves the reading's wait (set while it waits for its held records to be handed on). */
  wake: (() => void) | null;
}

export interface Interleaved {
  /**
   * Reads input `i` whole, calling `onRecord` for each record and `pause` after each chunk (its
   * promise, when it returns one, waited for). Never rejects: a failure is the caller's to keep.
   */
  read(i: number, onRecord: (r: CaptureRecord) => void, pause: () => Promise<void> | null): Promise<void>;
  /** Handles record `r` of input `i`, in the timeline's order; `together` while other inputs are being read too. */
  take(i: number, r: CaptureRecord, together: boolean): void;
  /** The wait of whoever consumes what is made of the records (a pipe behind), or null. */
  pause?: () => Promise<void> | null;
}

/**
 * Reads `firsts.length` inputs, ordered by their first time stamp (`firsts`, NaN for an input
 * with no record: read last), as one timeline.
 */
export function readInterleaved(firsts: readonly number[], io: Interleaved): Promise<void> {
  const n = firsts.length;
  const lanes: Lane[] = firsts.map((_, index) => ({ index, done: false, held: new Held(), wake: null }));
  /** The inputs begun that have records still to come, held or not. */
  let active: Lane[] = [];
  /** The record handed on from a Held, reused. */
  const record = new ReusedRecord();
  /** The next input to start, and how many are being read. */
  let next = 0;
  let reading = 0;
  /** Records held over all inputs. */
  let heldAll = 0;
  let finished: () => void = () => {};
  let failed: (e: unknown) => void = () => {};
  const all = new Promise<void>((resolve, reject) => {
    finished = resolve;
    failed = reject;
  });
  const due = (ts: number): boolean => next < n && firsts[next]! <= ts;

  const start = (): void => {
    const i = next++;
    const lane = lanes[i]!;
    active.push(lane);
    reading++;
    // Begun on a later turn: never inside another input's record callback.
    setImmediate(() => {
      io.read(
        i,
        (r) => onRecord(i, r),
        () => pause(i),
      ).then(() => {
        lane.done = true;
        reading--;
        drain();
      }, failed);
    });
  };

  const onRecord = (i: number, r: CaptureRecord): void => {
    if (reading === 1 && heldAll === 0 && !due(r.ts)) {
      io.take(i, r, false);
      return;
    }
    while (due(r.ts)) start();
    lanes[i]!.held.push(r);
    heldAll++;
  };

  const pause = (i: number): Promise<void> | null => {
    drain();
    const lane = lanes[i]!;
    if (lane.held.n - lane.held.at >= HELD_RECORDS || (reading > 1 && !lane.held.empty)) {
      return new Promise<void>((resolve) => (lane.wake = resolve));
    }
    return io.pause?.() ?? null;
  };

  const wake = (lane: Lane): void => {
    const w = lane.wake;
    lane.wake = null;
    w?.();
  };

  /** Hands on held records in time order while every input being read has one to compare. */
  const drain = (): void => {
    for (;;) {
      let best: Lane | null = null;
      let bestTs = Infinity;
      let blocked = false;
      let ended = false;
      for (const lane of active) {
        if (!lane.held.empty) {
          const ts = lane.held.nextTs;
          if (best === null || ts < bestTs || (ts === bestTs && lane.index < best.index)) {
            best = lane;
            bestTs = ts;
          }
        } else if (!lane.done) {
          blocked = true;
          wake(lane);
        } else {
          ended = true;
        }
      }
      if (ended) active = active.filter((lane) => !lane.done || !lane.held.empty);
      if (blocked) return;
      if (best === null) {
        // Nothing held, nothing being read: the next input, or the end.
        if (next < n) start();
        else finished();
        return;
      }
      if (due(bestTs)) {
        while (due(bestTs)) start();
        return;
      }
      best.held.take(record);
      heldAll--;
      if (best.held.empty) wake(best);
      // Several inputs make the timeline while more than one has records to come.
      io.take(best.index, record, active.length > 1);
    }
  };

  if (n === 0) return Promise.resolve();
  start();
  return all;
}
