/** Timestamped frames → a capture file, and the deterministic random source the generators use. */

import { PcapWriter } from '../capture/writer.js';

export interface TimedFrame {
  /** Seconds since the epoch (float, microsecond precision is what survives). */
  ts: number;
  frame: Uint8Array;
}

/** Splits float seconds into whole seconds and nanoseconds, rounded to the microsecond. */
export function splitTimestamp(ts: number): { sec: number; nsec: number } {
  let sec = Math.floor(ts);
  let usec = Math.round((ts - sec) * 1e6);
  if (usec >= 1e6) {
    sec += 1;
    usec -= 1e6;
  }
  return { sec, nsec: usec * 1000 };
}

/** A libpcap file of the frames in time order (stable for equal timestamps). */
export function buildPcap(packets: TimedFrame[], o: { linktype?: number; nanosecond?: boolean } = {}): Buffer {
  const w = new PcapWriter({ linktype: o.linktype ?? 1, nanosecond: o.nanosecond ?? false });
  const order = packets.map((p, i) => i).sort((a, b) => packets[a]!.ts - packets[b]!.ts || a - b);
  for (const i of order) {
    const p = packets[i]!;
    const { sec, nsec } = splitTimestamp(p.ts);
    w.add(sec, nsec, p.frame);
  }
  return w.toBuffer();
}

/** Deterministic pseudo-random numbers (mulberry32): the same seed gives the same sequence. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [lo, hi] inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** Uniform float in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + this.next() * (hi - lo);
  }

  pick<T>(a: readonly T[]): T {
    if (a.length === 0) throw new RangeError('pick from an empty list');
    return a[Math.floor(this.next() * a.length)]!;
  }

  /** A 32-bit value, e.g. an initial sequence number. */
  u32(): number {
    return Math.floor(this.next() * 4294967296) >>> 0;
  }
}
