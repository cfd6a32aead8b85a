/**
 * Log lines to connection records. A firewall log has no handshake, so a line becomes an
 * attempt with only what the log knows: a denied line is an attempt that failed, turned away by
 * the firewall that wrote the log (reset evidence of kind 'log'); an allowed line is an attempt
 * the firewall let through, taken as established (state S1) because a log cannot say whether the
 * server answered, and analysis must not count a passed attempt as blocked. Lines of one attempt
 * (the same 5-tuple again within SYN_RETRY_SECONDS: SYN retransmissions) make one attempt with
 * retries. Everything a log cannot know is left unset: TTLs -1, no bytes, no round trip.
 */
import { formatIPv6, ipv6ToBytes } from '../../decode/address.js';
import { logDenial, loggedReset, logUid, NONE, SYN_RETRY_SECONDS, type Connection } from '../../flows/connection.js';
import { REQUEST_TIMES_CAP, UDP_BURST_SILENCE } from '../../flows/peeks.js';
import type { FirewallEvent, Teardown } from './types.js';

/**
 * How long a connection a device let through waits for its teardown to tell what came of it: an
 * ASA tears down one never answered at its embryonic timeout, 30 s by default; one it has not torn
 * down by then was answered (or its teardowns are not logged), and is taken as through.
 */
export const TEARDOWN_SECONDS = 40;

/** A connection a device numbered, as its built and teardown lines both name it. */
function connectionKey(e: FirewallEvent): string {
  return `${e.device ?? ''} ${e.connection}`;
}

/** Seconds a log's latest attempt of a 5-tuple is held before it is handed on. */
function heldFor(a: Attempt): number {
  return a.awaiting === undefined ? SYN_RETRY_SECONDS : TEARDOWN_SECONDS;
}

export interface AttemptOptions {
  /** Which input (index into the analysed captures) the log is. */
  capture: number;
  /** The log's name, as the firewall's reset evidence names it. */
  file: string;
  /** Whether an address is on the internal network (Zeek's local_orig / local_resp). */
  isLocal?: (address: string) => boolean;
  /**
   * Called when a log past HELD_EVENTS lines is found to list its newest lines first, before its
   * lines are held to its end: a reader that can read the file again from its end throws here.
   */
  onNewestFirst?: () => void;
}

/** Whether the file lists its newest lines first: more steps back in time than forward. */
export function newestFirst(events: readonly FirewallEvent[]): boolean {
  let back = 0;
  let forward = 0;
  for (let i = 1; i < events.length; i++) {
    const step = events[i]!.ts - events[i - 1]!.ts;
    if (step < 0) back++;
    else if (step > 0) forward++;
  }
  return back > forward;
}

/** Events in time order; lines of one second keep the order they happened in (a newest-first file read backwards). */
export function inTimeOrder(events: FirewallEvent[]): FirewallEvent[] {
  const ordered = newestFirst(events) ? events.slice().reverse() : events.slice();
  return ordered.sort((a, b) => a.ts - b.ts);
}

/** One way of writing each address, the way the capture decoders write it (IPv6 compressed, lower case). */
function canonical(address: string, cache: Map<string, string>): string {
  if (!address.includes(':')) return address;
  let text = cache.get(address);
  if (text === undefined) {
    const bytes = ipv6ToBytes(address);
    text = bytes === null ? address.toLowerCase() : formatIPv6(bytes);
    cache.set(address, text);
  }
  return text;
}

/** A SYN (or a line that says nothing of flags: firewalls log the first packet of a connection). */
function isSyn(e: FirewallEvent): boolean {
  return e.proto === 'tcp' && (e.tcpFlags === undefined || e.tcpFlags === '' || (e.tcpFlags.includes('S') && !e.tcpFlags.includes('A')));
}

/**
 * An attempt: its 5-tuple and decision, its first line's time and history, and what its retries
 * add. Made into a Connection only when it is handed on (`connectionOf`): attempts wait up to
 * SYN_RETRY_SECONDS for retries, long enough for the collector to move a whole Connection each into
 * the old generation. The latest attempt of each 5-tuple and decision is open to retries: it
 * stands in the grouper's table, chained with the others of its hash — one object an attempt,
 * where a 5-tuple of its own beside it was a second that lived as long.
 */
class Attempt {
  /** Lines folded in (the first included), SYNs among them. */
  lines = 1;
  /** A connection the device let through and numbered, whose teardown may still come (its key in `built`). */
  awaiting: string | undefined = undefined;
  /** How the device logged the connection's end. */
  teardown: Teardown | undefined = undefined;
  /** A line of it said the device saw no answer (FirewallEvent.unanswered). */
  unanswered = false;
  /** A connection built: opened from the inside to the outside (see FirewallEvent.outbound). */
  outbound: boolean | undefined = undefined;
  /** In the table: its 5-tuple's latest attempt, which a later line may still fold into. */
  open = true;
  /**
   * UDP and ICMP: the times of its bursts of lines (a line after UDP_BURST_SILENCE without one
   * starts a burst), as a capture's flow has its datagrams' — made at its second burst: a client
   * denied every 20 s for an hour is one flow whose schedule these tell.
   */
  bursts: number[] | undefined = undefined;
  /** The next open attempt of the same slot. */
  next: Attempt | undefined = undefined;
  constructor(
    readonly hash: number,
    readonly proto: FirewallEvent['proto'],
    readonly src: string,
    readonly sport: number,
    readonly dst: string,
    readonly dport: number,
    readonly action: FirewallEvent['action'],
    readonly ts: number,
    public lastTs: number,
    public syns: number,
    readonly history: string,
    /** Its place in the log's uid order. */
    readonly index: number,
  ) {}
}

/** FNV-1a of an address's text: a table slot from its characters, with no map from texts to numbers that grows with every address. */
function textHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h;
}

const PROTO_CODES = { tcp: 1, udp: 2, icmp: 3, other: 4 } as const;

/**
 * Makes attempts of events handed to it in time order: a line of the same 5-tuple and decision
 * within SYN_RETRY_SECONDS of the attempt's last line folds into it as a retry.
 */
class AttemptGrouper {
  /**
   * The open attempt of each 5-tuple and decision, in slots by a hash of its 5-tuple, those of one
   * slot chained; the slots double when there are more open attempts.
   */
  private slots: (Attempt | undefined)[] = new Array<Attempt | undefined>(1024).fill(undefined);
  private tuples = 0;
  private readonly addresses = new Map<string, string>();
  /** Attempts made so far (the next one's position in the log's uid order). */
  made = 0;

  constructor(private readonly options: AttemptOptions) {}

  /** The open attempt `a` is handed on: no later line folds into it. */
  close(a: Attempt): void {
    a.open = false;
    const slot = a.hash & (this.slots.length - 1);
    const first = this.slots[slot];
    if (first === a) {
      this.slots[slot] = a.next;
      this.tuples--;
    } else {
      for (let p = first; p !== undefined; p = p.next) {
        if (p.next === a) {
          p.next = a.next;
          this.tuples--;
          break;
        }
      }
    }
    a.next = undefined;
  }

  private grow(): void {
    const old = this.slots;
    const slots = new Array<Attempt | undefined>(old.length * 2).fill(undefined);
    const mask = slots.length - 1;
    for (let t of old) {
      while (t !== undefined) {
        const next = t.next;
        const slot = t.hash & mask;
        t.next = slots[slot];
        slots[slot] = t;
        t = next;
      }
    }
    this.slots = slots;
  }

  /** Connections let through, by device and number, whose attempts are not yet handed on. */
  private readonly built = new Map<string, Attempt>();

  /**
   * The event folded into an open attempt, or a teardown told to its connection's (null); else
   * the new attempt it starts, open in place of its 5-tuple's attempt before.
   */
  take(e: FirewallEvent): Attempt | null {
    if (e.teardown !== undefined) {
      const key = connectionKey(e);
      const a = this.built.get(key);
      if (a !== undefined) {
        a.teardown = e.teardown;
        a.awaiting = undefined;
        this.built.delete(key);
      }
      return null;
    }
    const src = canonical(e.src, this.addresses);
    const dst = canonical(e.dst, this.addresses);
    const hash =
      Math.imul(textHash(src), 0x9e3779b1) ^
      Math.imul(textHash(dst), 0x85ebca6b) ^
      Math.imul(e.sport + 2, 0xc2b2ae35) ^
      Math.imul(e.dport + 3, 0x27d4eb2f) ^
      ((PROTO_CODES[e.proto] << 1) | (e.action === 'allow' ? 1 : 0));
    const slot = hash & (this.slots.length - 1);
    let before: Attempt | undefined;
    let previous = this.slots[slot];
    while (
      previous !== undefined &&
      !(
        previous.src === src &&
        previous.dst === dst &&
        previous.sport === e.sport &&
        previous.dport === e.dport &&
        previous.proto === e.proto &&
        previous.action === e.action
      )
    ) {
      before = previous;
      previous = previous.next;
    }
    const syn = isSyn(e);
    if (previous !== undefined && e.ts - previous.lastTs <= SYN_RETRY_SECONDS && (!syn || previous.history.startsWith('S'))) {
      if (e.proto !== 'tcp' && e.ts - previous.lastTs >= UDP_BURST_SILENCE) {
        const bursts = (previous.bursts ??= [previous.ts]);
        if (bursts.length < REQUEST_TIMES_CAP) bursts.push(e.ts);
      }
      previous.lastTs = e.ts;
      if (e.unanswered === true) previous.unanswered = true;
      previous.lines++;
      if (syn) previous.syns++;
      return null;
    }
    const history = e.proto === 'tcp' ? (syn ? 'S' : (e.tcpFlags ?? '')) : e.proto === 'udp' ? 'D' : '';
    const a = new Attempt(hash, e.proto, src, e.sport, dst, e.dport, e.action, e.ts, e.ts, syn ? 1 : 0, history, this.made++);
    if (e.unanswered === true) a.unanswered = true;
    if (previous !== undefined) {
      // The 5-tuple's attempt before is closed to retries: the new one takes its place.
      a.next = previous.next;
      previous.open = false;
      previous.next = undefined;
      if (before === undefined) this.slots[slot] = a;
      else before.next = a;
    } else {
      a.next = this.slots[slot];
      this.slots[slot] = a;
      if (++this.tuples > this.slots.length) this.grow();
    }
    if (e.connection !== undefined && e.proto === 'tcp' && e.action === 'allow') {
      a.awaiting = connectionKey(e);
      a.outbound = e.outbound;
      this.built.set(a.awaiting, a);
    }
    return a;
  }

  /** The connection record of attempt `a`, with its retries. */
  connectionOf(a: Attempt): Connection {
    const options = this.options;
    const t = a;
    const isLocal = options.isLocal;
    if (a.awaiting !== undefined) this.built.delete(a.awaiting);
    const end = a.teardown;
    // Let through, and torn down for want of an answer: an attempt nobody answered.
    const unanswered = a.unanswered || (end !== undefined && /^SYN Timeout\b/i.test(end.reason));
    // Let through, and reset from the responder's side before a byte went either way: refused.
    const refused = end !== undefined && end.bytes === 0 && a.outbound !== undefined && resetSide(end.reason) === (a.outbound ? 'O' : 'I');
    const allowed = t.action === 'allow' && !unanswered && !refused;
    const lastTs = end !== undefined ? Math.max(a.lastTs, a.ts + end.seconds) : a.lastTs;
    return {
      uid: logUid(options.capture, a.index),
      proto: t.proto,
      ts: a.ts,
      lastTs,
      origH: t.src,
      origP: Math.max(0, t.sport),
      respH: t.dst,
      respP: Math.max(0, t.dport),
      service: null,
      duration: end !== undefined ? Math.max(a.lastTs - a.ts, end.seconds) : a.lines > 1 ? a.lastTs - a.ts : null,
      origBytes: 0,
      respBytes: 0,
      // A TCP attempt whose first line is no SYN has a history of its flags, never 'S' alone.
      connState: allowed ? 'S1' : refused ? 'REJ' : t.proto === 'tcp' && a.history !== 'S' ? 'OTH' : 'S0',
      localOrig: isLocal ? isLocal(t.src) : null,
      localResp: isLocal ? isLocal(t.dst) : null,
      missedBytes: 0,
      history: refused ? `${a.history}r` : a.history,
      origPkts: a.lines,
      origIpBytes: 0,
      respPkts: 0,
      respIpBytes: 0,
      capture: options.capture,
      synCount: a.syns,
      origTtl: -1,
      respTtl: -1,
      handshakeRtt: null,
      established: allowed,
      resets: refused
        ? [loggedReset('rst', 'firewall-log', lastTs, false, t.dst, 'syn', 0)]
        : allowed || unanswered
          ? NONE
          : [logDenial(a.ts, options.file)],
      http: null,
      sni: null,
      quic: null,
      dnsQuery: null,
      dnsNames: NONE,
      dnsQueries: 0,
      dnsAnswers: NONE,
      requestTimes: a.bursts ?? NONE,
    };
  }
}

/** The side an ASA's teardown reason says a reset came from: "TCP Reset-O" the outside, "TCP Reset-I" the inside. */
function resetSide(reason: string): 'I' | 'O' | null {
  const m = /^TCP Reset-([IO])\b/i.exec(reason);
  return m === null ? null : (m[1]!.toUpperCase() as 'I' | 'O');
}

/** The attempts of a log's events (in any order). */
export function attemptsOf(events: FirewallEvent[], options: AttemptOptions): Connection[] {
  const grouper = new AttemptGrouper(options);
  const attempts: Attempt[] = [];
  for (const e of inTimeOrder(events)) {
    const made = grouper.take(e);
    if (made !== null) attempts.push(made);
  }
  return attempts.map((a) => grouper.connectionOf(a));
}

/**
 * Events held before a log's attempts are made: a log of no more lines is put in time order as a
 * whole; a longer one oldest first (syslog's order) is read through a window of this many lines,
 * so lines may stand this far out of time order (several devices' clocks, retries logged late).
 */
export const HELD_EVENTS = 100_000;
/** Past the first HELD_EVENTS lines, how far (seconds) a line may stand out of time order. */
export const REORDER_SECONDS = 120;
/** Finished attempts waiting for an earlier one that is still retrying, at most (then handed on out of turn). */
const WAITING_ATTEMPTS = 100_000;

/**
 * A log's attempts made as its events arrive, each handed on once no later line can fold into it,
 * in the order attempts start (their uid order) — the same attempts `attemptsOf` makes of all the
 * events at once, as long as no line stands further out of time order than REORDER_SECONDS and
 * HELD_EVENTS lines. Memory is held by HELD_EVENTS, the lines of the last REORDER_SECONDS and the
 * attempts open in the last SYN_RETRY_SECONDS (an attempt retried for hours holds back the attempts
 * after it up to WAITING_ATTEMPTS, which then go on out of turn). A long log whose lines are
 * newest first (more steps back in time than forward in its first HELD_EVENTS lines) must be
 * turned round: a file is read again from its end (`onNewestFirst`, read.ts), else it is held whole.
 */
export class AttemptStream {
  private readonly grouper: AttemptGrouper;
  /** Events in file order until the log's order is known; null once they are streamed. */
  private held: FirewallEvent[] | null = [];
  /** Newest first: every event is held. */
  private whole = false;
  /** Events not yet taken, by their whole second, each second's in the order they were read. */
  private readonly seconds = new Map<number, FirewallEvent[]>();
  private waiting = 0;
  /** No second before this one waits. */
  private floor = Number.NaN;
  /** The seconds before this one are taken. */
  private released = Number.NEGATIVE_INFINITY;
  private back = 0;
  private forward = 0;
  private previousTs = Number.NaN;
  /** The latest time taken. */
  private now = Number.NEGATIVE_INFINITY;
  /** The latest time read. */
  private newest = Number.NEGATIVE_INFINITY;
  /** Attempts in the order they started, from `head` on not yet handed on. */
  private queue: (Attempt | undefined)[] = [];
  private head = 0;
  /** Events that came later than the window allows: taken where they stand. */
  late = 0;
  /** Waiting attempts past which the finished ones go on out of turn (see handOn). */
  private waitingLimit = WAITING_ATTEMPTS;
  /** Passes over the waiting attempts for finished ones to hand on out of turn. */
  outOfTurnPasses = 0;

  constructor(
    private readonly options: AttemptOptions,
    private readonly emit: (c: Connection) => void,
  ) {
    this.grouper = new AttemptGrouper(options);
  }

  /** Addresses of the held events, each text once (let go once the events are streamed). */
  private readonly heldAddresses = new Map<string, string>();

  private kept(address: string): string {
    let text = this.heldAddresses.get(address);
    if (text === undefined) {
      // A copy of its own: the text a line's cells were cut from stays the line's.
      text = Buffer.from(address, 'utf8').toString('utf8');
      this.heldAddresses.set(text, text);
    }
    return text;
  }

  /** Attempts made so far. */
  get attempts(): number {
    return this.grouper.made;
  }

  add(e: FirewallEvent): void {
    const step = e.ts - this.previousTs;
    if (step < 0) this.back++;
    else if (step > 0) this.forward++;
    this.previousTs = e.ts;
    const held = this.held;
    if (held !== null) {
      // Held until the log's order is known (a newest-first log: to its end): each address kept
      // once, not as a piece of its line that holds the whole line.
      e.src = this.kept(e.src);
      e.dst = this.kept(e.dst);
      held.push(e);
      if (held.length > HELD_EVENTS && !this.whole) this.overflow(held);
      return;
    }
    this.wait(e);
    this.release(false);
  }

  private wait(e: FirewallEvent): void {
    if (e.ts > this.newest) this.newest = e.ts;
    const second = Math.floor(e.ts);
    // A second already taken (a line late beyond the window), or a time that is no number.
    if (!Number.isFinite(second) || second < this.released) {
      this.take(e);
      return;
    }
    if (!(second >= this.floor)) this.floor = second;
    const list = this.seconds.get(second);
    if (list === undefined) this.seconds.set(second, [e]);
    else list.push(e);
    this.waiting++;
  }

  /** Takes the seconds no later line can come before: older than REORDER_SECONDS, or beyond HELD_EVENTS. */
  private release(all: boolean): void {
    const seconds = this.seconds;
    while (this.waiting > 0) {
      if (!all && this.waiting <= HELD_EVENTS && this.floor + 1 > this.newest - REORDER_SECONDS) return;
      const list = seconds.get(this.floor);
      if (list === undefined) {
        this.floor = this.nextSecond();
        continue;
      }
      seconds.delete(this.floor);
      this.waiting -= list.length;
      this.floor++;
      this.released = this.floor;
      let sorted = true;
      for (let i = 1; i < list.length; i++) if (list[i]!.ts < list[i - 1]!.ts) sorted = false;
      // Stable: lines of one time keep the order they were read in.
      if (!sorted) list.sort((a, b) => a.ts - b.ts);
      for (const e of list) this.take(e);
    }
  }

  /** The first waiting second from `floor` on. */
  private nextSecond(): number {
    for (let k = 1; k <= 64; k++) if (this.seconds.has(this.floor + k)) return this.floor + k;
    let least = Number.POSITIVE_INFINITY;
    for (const second of this.seconds.keys()) if (second < least) least = second;
    return least;
  }

  /** Enough lines to tell the order: newest first is held whole, else the lines are streamed. */
  private overflow(held: FirewallEvent[]): void {
    if (this.back > this.forward) {
      this.options.onNewestFirst?.();
      this.whole = true;
      return;
    }
    this.held = null;
    this.heldAddresses.clear();
    for (const e of held) this.wait(e);
    this.release(false);
  }

  private take(e: FirewallEvent): void {
    if (e.ts < this.now) this.late++;
    else this.now = e.ts;
    const made = this.grouper.take(e);
    if (made !== null) this.queue.push(made);
    this.handOn(false);
  }

  /** Hands on the attempts no later line can fold into, in order (all of them at the end). */
  private handOn(all: boolean): void {
    const queue = this.queue;
    while (this.head < queue.length) {
      const a = queue[this.head]!;
      // The tuple's latest attempt may still take retries; an earlier one cannot.
      if (a.open) {
        if (!all && this.now - a.lastTs <= heldFor(a)) break;
        this.grouper.close(a);
      }
      queue[this.head] = undefined;
      this.head++;
      this.emit(this.grouper.connectionOf(a));
    }
    if (this.head > 4096 && this.head * 2 > queue.length) {
      this.queue = queue.slice(this.head);
      this.head = 0;
    }
    if (this.queue.length - this.head > this.waitingLimit) {
      this.handOnFinished();
      // A scan logged at thousands of lines a second has hundreds of thousands of attempts in
      // their retry time at once: a pass that finds most still retrying is repeated only once
      // their number has doubled, not at every line.
      this.waitingLimit = Math.max(WAITING_ATTEMPTS, 2 * (this.queue.length - this.head));
    }
  }

  /** Too many finished attempts behind one still retrying: the finished ones go on out of turn. */
  private handOnFinished(): void {
    this.outOfTurnPasses++;
    const queue: Attempt[] = [];
    for (let i = this.head; i < this.queue.length; i++) {
      const a = this.queue[i]!;
      if (a.open && this.now - a.lastTs <= heldFor(a)) {
        queue.push(a);
        continue;
      }
      if (a.open) this.grouper.close(a);
      this.emit(this.grouper.connectionOf(a));
    }
    this.queue = queue;
    this.head = 0;
  }

  /** The log has ended: the remaining attempts are made and handed on. */
  finish(): void {
    if (this.held !== null) {
      const events = this.held;
      this.held = [];
      const made: Attempt[] = [];
      for (const e of inTimeOrder(events)) {
        const m = this.grouper.take(e);
        if (m !== null) made.push(m);
      }
      // Handed on once every retry is folded in.
      for (const a of made) this.emit(this.grouper.connectionOf(a));
      return;
    }
    this.release(true);
    this.handOn(true);
  }
}
