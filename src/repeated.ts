/**
 * Frames a capture holds twice on one interface: a mirror (SPAN) port that copies a host's port
 * both ways, or the uplink's and the host's port at once, hands the sniffer each frame twice,
 * microseconds apart; so do some virtual switches and capture drivers (a hypervisor's port group
 * in promiscuous mode, a VPN client's filter driver beside the card's). Every
 * connection then shows twice its packets and bytes, and each SYN a retry of itself.
 *
 * A repeat is a packet that equals one of the last REPEAT_LOOKBACK packets of the same vantage
 * (Packet.vantage) within REPEAT_WINDOW seconds in everything from the IP header up: addresses,
 * TTL, IP ID and length, transport, ports, TCP sequence, acknowledgement, flags, window and
 * timestamps, TCP options, and the first bytes of its payload. One copy of a packet is a
 * repeat; a third like it within the window is a sender repeating itself (a packet crafter's
 * loop of one SYN, its IP ID fixed), and no later one is counted.
 *
 * Repeats are counted, not dropped: a stack sends some packets twice alike (Linux its resets,
 * with IP ID 0, when two segments come after a close), and Zeek counts every frame. The capture
 * is said to be doubled when they are most of it (index.ts).
 */
import { IPPROTO_TCP, type Packet } from './decode/packet.js';

/** How far apart a repeated frame's two copies may be, seconds (a switch copies in microseconds). */
export const REPEAT_WINDOW = 0.002;
/** Packets before this one that a repeat is looked for among (a busy mirror port interleaves others). */
const REPEAT_LOOKBACK = 8;
/** Bytes of the payload a packet is known by, besides its headers (a datagram's first data). */
const PAYLOAD_BYTES = 8;

export class RepeatedFrames {
  /** The last REPEAT_LOOKBACK packets: fingerprint, time, vantage, IP length and TCP sequence (a second check). */
  private readonly prints = new Int32Array(REPEAT_LOOKBACK);
  private readonly times = new Float64Array(REPEAT_LOOKBACK).fill(Number.NEGATIVE_INFINITY);
  private readonly vantages = new Int32Array(REPEAT_LOOKBACK);
  private readonly lengths = new Int32Array(REPEAT_LOOKBACK);
  private readonly seqs = new Int32Array(REPEAT_LOOKBACK);
  /** Copies of the packet matched so far: 0 none, 1 one (a mirror's), 2 more (the sender's own loop). */
  private readonly matched = new Uint8Array(REPEAT_LOOKBACK);
  private next = 0;
  /** Repeats found, and the longest time between a frame and its repeat (seconds). */
  copies = 0;
  widest = 0;

  /** Whether `p` repeats a packet of its vantage just before it (then counted, and not remembered itself). */
  see(p: Packet): boolean {
    if (p.status !== 'decoded' || p.ipVersion === 0) return false;
    const print = fingerprint(p);
    const seq = p.proto === IPPROTO_TCP ? p.seq | 0 : 0;
    for (let k = 0; k < REPEAT_LOOKBACK; k++) {
      const gap = p.ts - this.times[k]!;
      if (
        this.prints[k] === print &&
        gap >= 0 &&
        gap <= REPEAT_WINDOW &&
        this.vantages[k] === p.vantage &&
        this.lengths[k] === p.ipLength &&
        this.seqs[k] === seq
      ) {
        if (this.matched[k] === 0) {
          this.matched[k] = 1;
          this.copies++;
          if (gap > this.widest) this.widest = gap;
          return true;
        }
        // A third like it: no mirror's copy but a sender repeating itself (a packet crafter's
        // loop of one SYN), none of them counted from now on.
        this.matched[k] = 2;
        this.times[k] = p.ts;
        return false;
      }
    }
    const at = this.next;
    this.prints[at] = print;
    this.times[at] = p.ts;
    this.vantages[at] = p.vantage;
    this.lengths[at] = p.ipLength;
    this.seqs[at] = seq;
    this.matched[at] = 0;
    this.next = (at + 1) % REPEAT_LOOKBACK;
    return false;
  }
}

function mix(h: number, v: number): number {
  return Math.imul(h ^ v, 0x01000193);
}

/** A 32-bit print of what a stack sets anew when it sends a packet again (see above). */
function fingerprint(p: Packet): number {
  let h = 0x811c9dc5;
  if (p.ipVersion === 4) {
    h = mix(h, p.src4);
    h = mix(h, p.dst4);
  } else {
    for (let i = 0; i < 16; i++) h = mix(h, p.src6[i]! | (p.dst6[i]! << 8));
  }
  h = mix(h, p.ttl | (p.proto << 8) | (p.ipId << 16));
  h = mix(h, p.ipLength);
  h = mix(h, (p.sport & 0xffff) | (p.dport << 16));
  if (p.proto === IPPROTO_TCP) {
    h = mix(h, p.seq | 0);
    h = mix(h, p.ack | 0);
    h = mix(h, p.tcpFlags | (p.window << 16));
    h = mix(h, p.tsVal | 0);
    h = mix(h, p.tsEcr | 0);
  } else {
    h = mix(h, p.icmpType | (p.icmpCode << 8));
  }
  // The TCP options (an ACK's SACK blocks; the fixed header is in the fields above) and the
  // payload's first bytes (a datagram's data), four at a time.
  const b = p.payloadBuffer;
  const options = p.proto === IPPROTO_TCP ? Math.max(0, p.tcpHeaderLength - 20) : 0;
  const from = Math.max(0, p.payloadStart - options);
  const to = Math.min(p.payloadEnd, p.payloadStart + PAYLOAD_BYTES, b.length);
  let word = 0;
  for (let i = from; i < to; i++) {
    word = (word << 8) | b[i]!;
    if (((i - from) & 3) === 3) h = mix(h, word);
  }
  return mix(mix(h, word), p.payloadLength) | 0;
}
