/**
 * IPv4 fragments of a tunnel's UDP datagrams (VXLAN, Geneve, GTP-U on a path with a small MTU):
 * the first fragment is held until the rest arrives, and what the datagram carries is decoded
 * from the whole, with the last fragment's record — as Zeek reassembles before it decapsulates.
 * A datagram whose other fragments never come yields no inner packet (Zeek's neither); the first
 * fragment itself is still a packet of the outer UDP connection. Other fragmented traffic is not
 * reassembled: a first fragment carries the transport header callhome reads.
 *
 * Fragments are taken in order only (first, then each next one at the offset where the held bytes
 * end), a few datagrams at a time: the oldest held is dropped for a new one.
 */

import { copyPacket, newPacket, type Packet } from './packet.js';

/** Datagrams held at once. */
const SLOTS = 16;
/** The largest IPv4 payload. */
const MAX_DATAGRAM = 65535;

export class TunnelFragments {
  /** Slots in use: 0 is the common case, and the decoder asks no further. */
  held = 0;
  private readonly src = new Uint32Array(SLOTS);
  private readonly dst = new Uint32Array(SLOTS);
  /** IPv4 identification, -1 for a free slot. */
  private readonly id = new Int32Array(SLOTS).fill(-1);
  /** Bytes of the datagram held, from its start (the UDP header). */
  private readonly lengths = new Int32Array(SLOTS);
  /** Encapsulations opened to reach the datagram. */
  private readonly depths = new Int32Array(SLOTS);
  private readonly buffers: (Uint8Array | null)[] = new Array<Uint8Array | null>(SLOTS).fill(null);
  /** The first fragment as decoded: the UDP connection the datagram belongs to. */
  private readonly firsts: Packet[] = Array.from({ length: SLOTS }, () => newPacket());
  private next = 0;

  /** Hold the first fragment in `out`, its IP payload `b[p, end)` (captured whole), at tunnel depth `depth`. */
  hold(out: Packet, b: Uint8Array, p: number, end: number, depth: number): void {
    let slot = this.find(out);
    if (slot < 0) {
      slot = this.next;
      this.next = (this.next + 1) % SLOTS;
      if (this.id[slot]! < 0) this.held++;
    }
    this.src[slot] = out.src4;
    this.dst[slot] = out.dst4;
    this.id[slot] = out.ipId;
    this.depths[slot] = depth;
    const buffer = (this.buffers[slot] ??= new Uint8Array(MAX_DATAGRAM));
    buffer.set(b.subarray(p, end));
    this.lengths[slot] = end - p;
    copyPacket(out, this.firsts[slot]!);
  }

  /**
   * A later fragment in `out`, its IP payload `b[p, end)` (captured whole): the slot of the
   * datagram it completes, or -1 (not held, out of order, or more to come).
   */
  add(out: Packet, b: Uint8Array, p: number, end: number): number {
    const slot = this.find(out);
    if (slot < 0) return -1;
    if (out.fragOffset !== this.lengths[slot] || out.fragOffset + (end - p) > MAX_DATAGRAM) {
      this.release(slot);
      return -1;
    }
    this.buffers[slot]!.set(b.subarray(p, end), out.fragOffset);
    this.lengths[slot] = out.fragOffset + (end - p);
    return out.moreFragments ? -1 : slot;
  }

  buffer(slot: number): Uint8Array {
    return this.buffers[slot]!;
  }

  length(slot: number): number {
    return this.lengths[slot]!;
  }

  depth(slot: number): number {
    return this.depths[slot]!;
  }

  first(slot: number): Packet {
    return this.firsts[slot]!;
  }

  release(slot: number): void {
    if (this.id[slot]! < 0) return;
    this.id[slot] = -1;
    this.held--;
  }

  private find(out: Packet): number {
    for (let i = 0; i < SLOTS; i++) {
      if (this.id[i] === out.ipId && this.src[i] === out.src4 && this.dst[i] === out.dst4) return i;
    }
    return -1;
  }
}
