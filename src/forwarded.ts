/**
 * Packets a router forwarded, seen twice in one capture: `tcpdump -i any` on a router (or a
 * pcapng of its inside and outside interfaces) holds each forwarded packet as it came in and as
 * it went out, microseconds apart — with the outside's address and port in place of the inside
 * host's when the router translates addresses (NAT). Tracked twice, the second copy made the
 * router's outside address a host of its own, "bypassing the proxy" with the inside hosts'
 * connections, and each forwarded reset two reset sources (its TTL one lower the second time).
 *
 * A copy is a packet with the same IP ID and length, transport, TCP sequence, acknowledgement,
 * flags and window (or UDP payload's first bytes), from another vantage (Packet.vantage), within
 * COPY_WINDOW seconds: what a router's forwarding leaves alone. Each is tracked once:
 * - the same addresses and ports both times (routing alone): the second copy is skipped, the
 *   packet tracked as the router first saw it;
 * - another source (outbound, translated): the second copy, the outside's, is skipped, and the
 *   translation learnt;
 * - another destination (a reply coming in, translated back): the first copy, the outside's, was
 *   tracked already; the translation is learnt, and every later packet between the outside
 *   address and port and that remote end, seen elsewhere than inside, is skipped.
 * Skipped copies are counted (`dup.forwarded-copy`), never dropped silently.
 *
 * A translated packet is tracked as the inside saw it: its copy with the inside host's address.
 * Nothing is looked for until a capture shows a second vantage (the packet just before is kept
 * for it): a capture of one interface costs a few field copies a packet.
 */
import { IPPROTO_TCP, IPPROTO_UDP, type Packet } from './decode/packet.js';

/** How far apart a forwarded packet's two copies may be, seconds (a router forwards in microseconds). */
export const COPY_WINDOW = 0.002;
/** A translation learnt is forgotten after this long without a packet. */
const TRANSLATION_IDLE_SECONDS = 300;
/** Translations kept at most (the oldest forgotten first). */
const MAX_TRANSLATIONS = 1 << 16;

const TCP = IPPROTO_TCP;
const UDP = IPPROTO_UDP;

/** A packet seen lately: what a copy must match, and where it was seen. */
interface Seen {
  ts: number;
  vantage: number;
  ipId: number;
  ipLength: number;
  proto: number;
  seq: number;
  ack: number;
  flags: number;
  window: number;
  head: number;
  src: number;
  sport: number;
  dst: number;
  dport: number;
}

/** A translation: the outside's address and port, for a remote end, and where the inside is seen. */
interface Translation {
  outside: number;
  outsidePort: number;
  remote: number;
  remotePort: number;
  proto: number;
  inside: number;
  last: number;
}

/** A 32-bit stand-in for an address: an IPv4 address itself, an IPv6 address's hash. */
function addressOf(p: Packet, source: boolean): number {
  if (p.ipVersion === 4) return (source ? p.src4 : p.dst4) | 0;
  const a = source ? p.src6 : p.dst6;
  let h = 0x811c9dc5;
  for (let i = 0; i < 16; i++) h = Math.imul(h ^ a[i]!, 0x01000193);
  return h | 0;
}

/** The first four bytes of a UDP payload (what a NAT leaves alone), 0 for none. */
function headOf(p: Packet): number {
  if (p.proto !== UDP) return 0;
  const b = p.payloadBuffer;
  let h = 0;
  for (let i = p.payloadStart; i < p.payloadStart + 4 && i < p.payloadEnd; i++) h = (h << 8) | b[i]!;
  return h;
}

function fingerprint(s: Seen): number {
  let h = Math.imul(s.ipId ^ (s.ipLength << 16), 0x9e3779b1);
  h = Math.imul(h ^ s.seq, 0x85ebca6b);
  h = Math.imul(h ^ s.ack, 0xc2b2ae35);
  h = Math.imul(h ^ (s.flags | (s.proto << 8) | (s.window << 16)), 0x27d4eb2f);
  return (h ^ s.head) | 0;
}

function translationKey(outside: number, outsidePort: number, remote: number, remotePort: number, proto: number): number {
  let h = Math.imul(outside ^ (outsidePort << 16), 0x9e3779b1);
  h = Math.imul(h ^ remote, 0x85ebca6b);
  return (Math.imul(h ^ ((remotePort << 8) | proto), 0xc2b2ae35) ^ (h >>> 15)) | 0;
}

export class ForwardedCopies {
  /** The vantage of the capture's first packet; -1 before it. */
  private firstVantage = -1;
  private watching = false;
  private readonly recent = new Map<number, Seen>();
  /** Packets of `recent` in the order seen, for forgetting them. */
  private readonly order: { key: number; seen: Seen }[] = [];
  private orderHead = 0;
  private readonly translations = new Map<number, Translation>();
  /** Copies skipped, and those of them a translation told. */
  copies = 0;
  translated = 0;

  /** Before a second vantage shows: the packet before, written over (nothing made a packet). */
  private readonly last: Seen = seenOf(null);

  /** Whether `p` is a copy of a packet tracked already, or the outside's copy of one to come (see above). */
  isCopy(p: Packet): boolean {
    if (p.status !== 'decoded' || (p.proto !== TCP && p.proto !== UDP) || p.carrierCount > 0 || p.sport < 0) return false;
    if (!this.watching) {
      if (this.firstVantage === -1) this.firstVantage = p.vantage;
      if (p.vantage === this.firstVantage) {
        // Watched once a second vantage shows (a Linux cooked header's other interface or
        // direction, a pcapng's second interface): its first packet may copy this one.
        fill(this.last, p);
        return false;
      }
      this.watching = true;
      // The packet just before (there is one: the first vantage's) may be the one this copies.
      const before = { ...this.last };
      const key = fingerprint(before);
      this.recent.set(key, before);
      this.order.push({ key, seen: before });
    }
    const seen = seenOf(p);
    if (this.translations.size > 0 && this.outsideCopy(seen)) {
      this.copies++;
      this.translated++;
      return true;
    }
    const key = fingerprint(seen);
    const earlier = this.recent.get(key);
    this.forget(p.ts);
    if (earlier !== undefined && p.ts - earlier.ts <= COPY_WINDOW && earlier.vantage !== seen.vantage && sameBytes(earlier, seen)) {
      const sameSource = earlier.src === seen.src && earlier.sport === seen.sport;
      const sameDestination = earlier.dst === seen.dst && earlier.dport === seen.dport;
      if (sameSource && sameDestination) {
        this.copies++;
        return true;
      }
      if (sameDestination) {
        // Translated on its way out: this is the outside's copy.
        this.learn(seen.src, seen.sport, seen.dst, seen.dport, seen.proto, earlier.vantage, p.ts);
        this.copies++;
        this.translated++;
        return true;
      }
      if (sameSource) {
        // Translated back on its way in: the earlier copy was the outside's; later ones are skipped.
        this.learn(earlier.dst, earlier.dport, earlier.src, earlier.sport, seen.proto, seen.vantage, p.ts);
      }
      return false;
    }
    this.recent.set(key, seen);
    this.order.push({ key, seen });
    return false;
  }

  /** A packet between a translation's outside end and its remote end, seen elsewhere than inside. */
  private outsideCopy(s: Seen): boolean {
    const out = this.translations.get(translationKey(s.src, s.sport, s.dst, s.dport, s.proto));
    const into = out === undefined ? this.translations.get(translationKey(s.dst, s.dport, s.src, s.sport, s.proto)) : undefined;
    const t = out ?? into;
    if (t === undefined || t.inside === s.vantage || t.proto !== s.proto || s.ts - t.last > TRANSLATION_IDLE_SECONDS) return false;
    const matches =
      out !== undefined
        ? t.outside === s.src && t.outsidePort === s.sport && t.remote === s.dst && t.remotePort === s.dport
        : t.outside === s.dst && t.outsidePort === s.dport && t.remote === s.src && t.remotePort === s.sport;
    if (matches) t.last = s.ts;
    return matches;
  }

  private learn(outside: number, outsidePort: number, remote: number, remotePort: number, proto: number, inside: number, ts: number): void {
    if (this.translations.size >= MAX_TRANSLATIONS) {
      for (const [k, t] of this.translations)
        if (ts - t.last > TRANSLATION_IDLE_SECONDS || this.translations.size >= MAX_TRANSLATIONS) this.translations.delete(k);
    }
    this.translations.set(translationKey(outside, outsidePort, remote, remotePort, proto), {
      outside,
      outsidePort,
      remote,
      remotePort,
      proto,
      inside,
      last: ts,
    });
  }

  /** Packets seen more than COPY_WINDOW before `now` are no longer looked for. */
  private forget(now: number): void {
    const order = this.order;
    while (this.orderHead < order.length && now - order[this.orderHead]!.seen.ts > COPY_WINDOW) {
      const { key, seen } = order[this.orderHead]!;
      if (this.recent.get(key) === seen) this.recent.delete(key);
      this.orderHead++;
    }
    if (this.orderHead > 4096 && this.orderHead * 2 > order.length) {
      order.splice(0, this.orderHead);
      this.orderHead = 0;
    }
  }
}

/** What `p` is matched by (all zero for null). */
function seenOf(p: Packet | null): Seen {
  const seen: Seen = {
    ts: 0,
    vantage: 0,
    ipId: 0,
    ipLength: 0,
    proto: 0,
    seq: 0,
    ack: 0,
    flags: 0,
    window: 0,
    head: 0,
    src: 0,
    sport: 0,
    dst: 0,
    dport: 0,
  };
  if (p !== null) fill(seen, p);
  return seen;
}

function fill(seen: Seen, p: Packet): void {
  const tcp = p.proto === TCP;
  seen.ts = p.ts;
  seen.vantage = p.vantage;
  seen.ipId = p.ipVersion === 4 ? p.ipId : -1;
  seen.ipLength = p.ipLength;
  seen.proto = p.proto;
  seen.seq = tcp ? p.seq | 0 : 0;
  seen.ack = tcp ? p.ack | 0 : 0;
  seen.flags = tcp ? p.tcpFlags : 0;
  seen.window = tcp ? p.window : 0;
  seen.head = headOf(p);
  seen.src = addressOf(p, true);
  seen.sport = p.sport;
  seen.dst = addressOf(p, false);
  seen.dport = p.dport;
}

/** What a router's forwarding leaves alone in a packet: the same in both copies. */
function sameBytes(a: Seen, b: Seen): boolean {
  return (
    a.ipId === b.ipId &&
    a.ipLength === b.ipLength &&
    a.proto === b.proto &&
    a.seq === b.seq &&
    a.ack === b.ack &&
    a.flags === b.flags &&
    a.window === b.window &&
    a.head === b.head
  );
}
