/**
 * Packets seen twice across inputs: the same capture given twice, rotated files that overlap
 * (`dumpcap -b` restarted, a copy of the last hour), two sniffers on one link. Each packet is
 * tracked once; the copies are counted as skipped (`dup.seen-in-earlier-capture`) in the capture
 * that repeats them, so nothing is dropped silently.
 *
 * A packet is known by what it carries from the IP header up — addresses, protocol, IP ID and
 * length, ports, TCP sequence, acknowledgement and flags, ICMP type and code, the first bytes of
 * its payload — not by its link header or TTL, which differ between vantage points on one path.
 * A copy is a packet with the same fingerprint from an earlier input within DUPLICATE_WINDOW
 * seconds (sniffers' clocks differ a little; a copy of a file not at all). Copies pair off one to
 * one: a retransmission identical to its original is a copy only where the earlier input has
 * that many of it. Within one input nothing is a copy: a stack that sends the same bytes twice
 * did send them twice.
 *
 * The same filter, with a window of its own, keeps Zeek log rows from being counted twice
 * (`logs/zeek-copies.ts`): a record is then a row's fingerprint (`textFingerprint`) and its time.
 *
 * Memory: fingerprints are kept only while a later input may still overlap them (inputs are read
 * in order of their first packet, whose times are known from the probe that ordered them), and
 * dropped once every later input has moved past them.
 */
import type { Packet } from './decode/index.js';

/** How far apart in time two copies of one packet may be, seconds. */
export const DUPLICATE_WINDOW = 2;
/**
 * Packets of inputs read at once looked at before they are taken to hold no copies of one
 * another when none is a copy: two sniffers of one link share nearly every packet from the first.
 */
const PROBED_TOGETHER = 20_000;
/** Look for fingerprints to forget every this many packets. */
const PRUNE_EVERY = 4096;

interface Seen {
  /** Times of the first and the latest copy, and the input that first had it. */
  first: number;
  ts: number;
  owner: number;
  /** Copies known (identical packets within the window), and how many of them the input now read has matched. */
  copies: number;
  matched: number;
  matchedBy: number;
}

export class DuplicateFilter {
  private readonly seen = new Map<number, Seen>();
  /** Fingerprints in the order they were last touched, for forgetting the old ones. */
  private fifoKeys = new Float64Array(1024);
  private fifoTs = new Float64Array(1024);
  private head = 0;
  private tail = 0;
  private sincePrune = 0;
  private input = -1;
  /** The first packet time of any input after the one being read (Infinity: none, or unknown). */
  private laterFirst = Infinity;
  /** Inputs after this one whose first time is unknown (pipes): everything must be kept for them. */
  private laterUnknown = false;
  /** The latest time a fingerprint was kept at: packets later than this plus the window can match nothing. */
  private keptUntil = -Infinity;
  /** Set while inputs are read at once (together). */
  private interleaved = false;
  /**
   * Inputs read at once that hold no copies of one another (a tap's two directions, two links):
   * found so when PROBED_TOGETHER packets read together held none, and so until another input
   * begins. Nothing is fingerprinted then.
   */
  private apart = false;
  private probed = 0;
  private probedCopies = 0;
  /** The highest input index begun. */
  private begun = -1;
  /** Copies dropped, per input (in reading order). */
  readonly dropped: number[] = [];
  /** Per input: laterFirst and laterUnknown when it is read. */
  private readonly laterFirsts: number[] = [];
  private readonly laterUnknowns: boolean[] = [];

  /**
   * @param firsts each input's first packet time in reading order; null where it cannot be known
   *   before reading (standard input, a pipe), or NaN for an input that has no packet.
   * @param window how far apart in time two copies of one record may be, seconds.
   */
  constructor(
    firsts: readonly (number | null)[],
    private readonly window: number = DUPLICATE_WINDOW,
  ) {
    // For each input, the earliest first time of the inputs after it, and whether one of them has
    // none known: worked out once (inputs read at once switch at every other packet).
    let later = Infinity;
    let unknown = false;
    for (let k = firsts.length - 1; k >= 0; k--) {
      this.laterFirsts[k] = later;
      this.laterUnknowns[k] = unknown;
      const f = firsts[k];
      if (f === null || f === undefined) unknown = true;
      else if (!Number.isNaN(f) && f < later) later = f;
    }
  }

  /** The next input starts, or (inputs read at once) its packets follow: `index` in reading order. */
  startInput(index: number): void {
    this.input = index;
    this.dropped[index] ??= 0;
    if (index > this.begun) {
      // Another input begins: its packets may copy those being read.
      this.begun = index;
      this.apart = false;
      this.probed = this.probedCopies = 0;
    }
    this.laterFirst = this.laterFirsts[index] ?? Infinity;
    this.laterUnknown = this.laterUnknowns[index] ?? false;
  }

  /**
   * Whether other inputs are being read at once with this one (timeline.ts): their packets come
   * in among its own, so any of its packets may have a copy still to come, and any may be one.
   */
  together(at: boolean): void {
    this.interleaved = at;
  }

  /** Whether decoded packet `p` of the current input is a copy of one an earlier input had (counted). */
  isCopy(p: Packet): boolean {
    if (p.status !== 'decoded' || p.ipVersion === 0) return false;
    if (this.interleaved && this.apart) return false;
    if (!this.looksAt(p.ts)) return false;
    const copy = this.isCopyOf(fingerprint(p), p.ts);
    if (this.interleaved && this.probed < PROBED_TOGETHER) {
      if (copy) this.probedCopies++;
      if (++this.probed === PROBED_TOGETHER && this.probedCopies === 0) this.apart = true;
    }
    return copy;
  }

  /**
   * Whether a record at time `ts` of the current input needs its fingerprint looked up at all:
   * false when no earlier input kept anything it could copy and no later input can copy it.
   */
  looksAt(ts: number): boolean {
    const mayMatch = (this.input > 0 || this.interleaved) && this.seen.size > 0 && ts <= this.keptUntil + this.window;
    return mayMatch || this.mustKeep(ts);
  }

  private mustKeep(ts: number): boolean {
    return this.interleaved || this.laterUnknown || ts >= this.laterFirst - this.window;
  }

  /** Whether the record with fingerprint `key` at time `ts` of the current input is a copy of one an earlier input had (counted). */
  isCopyOf(key: number, ts: number): boolean {
    let s = this.seen.get(key);
    if (s !== undefined && (ts > s.ts + this.window || ts < s.first - this.window)) {
      this.seen.delete(key);
      s = undefined;
    }
    if (s !== undefined && s.owner !== this.input) {
      if (s.matchedBy !== this.input) {
        s.matchedBy = this.input;
        s.matched = 0;
      }
      if (s.matched < s.copies) {
        s.matched++;
        this.dropped[this.input]!++;
        return true;
      }
      // More of them here than the earlier input had: this one is new.
      s.copies++;
      s.matched++;
    } else if (s !== undefined) {
      s.copies++;
      s.ts = ts;
    } else if (this.mustKeep(ts)) {
      this.seen.set(key, { first: ts, ts, owner: this.input, copies: 1, matched: 0, matchedBy: -1 });
    } else {
      return false;
    }
    this.keep(key, ts);
    return false;
  }

  /** Fingerprints held now (what the memory bound is about). */
  get kept(): number {
    return this.seen.size;
  }

  /** Copies dropped from every input. */
  get total(): number {
    let n = 0;
    for (const d of this.dropped) n += d ?? 0;
    return n;
  }

  private keep(key: number, ts: number): void {
    if (ts > this.keptUntil) this.keptUntil = ts;
    if (this.tail === this.fifoKeys.length) this.grow();
    this.fifoKeys[this.tail] = key;
    this.fifoTs[this.tail] = ts;
    this.tail++;
    if (++this.sincePrune >= PRUNE_EVERY) {
      this.sincePrune = 0;
      this.prune(ts);
    }
  }

  /**
   * Forget what no packet still to come can copy: older than the window before both the time
   * now read and the first packet of any later input.
   */
  private prune(now: number): void {
    if (this.laterUnknown) return;
    const before = Math.min(now, this.laterFirst) - this.window;
    while (this.head < this.tail && this.fifoTs[this.head]! < before) {
      const key = this.fifoKeys[this.head]!;
      const s = this.seen.get(key);
      if (s !== undefined && s.ts < before) this.seen.delete(key);
      this.head++;
    }
  }

  private grow(): void {
    const live = this.tail - this.head;
    const size = live * 2 > this.fifoKeys.length ? this.fifoKeys.length * 2 : this.fifoKeys.length;
    const keys = new Float64Array(size);
    const times = new Float64Array(size);
    keys.set(this.fifoKeys.subarray(this.head, this.tail));
    times.set(this.fifoTs.subarray(this.head, this.tail));
    this.fifoKeys = keys;
    this.fifoTs = times;
    this.head = 0;
    this.tail = live;
  }
}

/** Payload bytes that go into a fingerprint. */
const PAYLOAD_BYTES = 64;

/** A 53-bit fingerprint of what a packet carries from the IP header up (two 32-bit FNV-1a lanes). */
export function fingerprint(p: Packet): number {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  const mix = (v: number): void => {
    a = Math.imul(a ^ (v & 0xffff), 0x01000193);
    a = Math.imul(a ^ (v >>> 16), 0x01000193);
    b = Math.imul(b ^ (v >>> 16), 0x5bd1e995);
    b = Math.imul(b ^ (v & 0xffff), 0x5bd1e995);
    b ^= b >>> 15;
  };
  mix(p.ipVersion | (p.proto << 8));
  if (p.ipVersion === 4) {
    mix(p.src4);
    mix(p.dst4);
    mix(p.ipId);
  } else {
    for (let i = 0; i < 16; i += 4) {
      mix((p.src6[i]! << 24) | (p.src6[i + 1]! << 16) | (p.src6[i + 2]! << 8) | p.src6[i + 3]!);
      mix((p.dst6[i]! << 24) | (p.dst6[i + 1]! << 16) | (p.dst6[i + 2]! << 8) | p.dst6[i + 3]!);
    }
  }
  mix(p.ipLength);
  // Only the fields this protocol filled: the packet object is reused from one record to the next.
  if (p.proto === 6) {
    mix(p.sport | (p.dport << 16));
    mix(p.seq);
    mix(p.ack);
    mix(p.tcpFlags);
  } else if (p.proto === 17) {
    mix(p.sport | (p.dport << 16));
  } else if (p.proto === 1 || p.proto === 58) {
    mix(p.icmpType | (p.icmpCode << 8));
  }
  const end = Math.min(p.payloadEnd, p.payloadStart + PAYLOAD_BYTES);
  const bytes = p.payloadBuffer;
  for (let i = p.payloadStart; i < end; i++) {
    a = Math.imul(a ^ bytes[i]!, 0x01000193);
    b = Math.imul(b ^ bytes[i]!, 0x5bd1e995);
  }
  return (a >>> 0) * 0x200000 + (b >>> 11);
}

/** A 53-bit fingerprint of a text (a log row's identity), in the two FNV-1a lanes of `fingerprint`. */
export function textFingerprint(text: string): number {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return (a >>> 0) * 0x200000 + (b >>> 11);
}
