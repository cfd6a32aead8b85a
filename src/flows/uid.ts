/**
 * Connection uids that look like Zeek's ('C' and 17 base62 characters, about 100 bits) and are
 * unique across runs and files yet the same for the same input: each capture's uids are drawn
 * from a seed hashed from the capture's first packet (its time to the nanosecond, lengths,
 * addresses, ports, sequence numbers and first payload bytes), so two captures' conn.logs can be
 * merged without collisions, and the same capture always gives the same uids. A capture whose
 * first packet equals an earlier one's in the same run (the same file given twice) is told apart
 * by how many came before it.
 */
import type { Packet } from '../decode/packet.js';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Four 32-bit words drawn from one capture's first packet. */
export type UidSeed = Uint32Array;

/** Characters taken from each 32-bit lane: 5 + 4 + 4 + 4 = 17 (62^5 < 2^32). */
const DIGITS_PER_LANE = [5, 4, 4, 4] as const;

/** murmur3's finaliser: every input bit reaches every output bit. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Four murmur3-style lanes fed the same words with different constants. */
class Hasher {
  private readonly lanes = new Uint32Array([0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344]);
  private length = 0;

  word(w: number): this {
    const k = w >>> 0;
    for (let i = 0; i < 4; i++) {
      let x = Math.imul(k ^ (i * 0x9e3779b9), 0xcc9e2d51);
      x = (x << 15) | (x >>> 17);
      x = Math.imul(x, 0x1b873593);
      let h = this.lanes[i]! ^ x;
      h = (h << 13) | (h >>> 19);
      this.lanes[i] = (Math.imul(h, 5) + 0xe6546b64) >>> 0;
    }
    this.length++;
    return this;
  }

  /** A number of any size (a timestamp): its float64 bits. */
  number(n: number): this {
    FLOAT[0] = n;
    return this.word(FLOAT_WORDS[0]!).word(FLOAT_WORDS[1]!);
  }

  bytes(b: Uint8Array, max: number): this {
    const n = Math.min(b.length, max);
    for (let i = 0; i < n; i += 4) this.word((b[i]! << 24) | ((b[i + 1] ?? 0) << 16) | ((b[i + 2] ?? 0) << 8) | (b[i + 3] ?? 0));
    return this.word(n);
  }

  digest(): UidSeed {
    const out = new Uint32Array(4);
    for (let i = 0; i < 4; i++) out[i] = fmix32(this.lanes[i]! ^ this.length ^ this.lanes[(i + 1) & 3]!);
    return out;
  }
}

const FLOAT = new Float64Array(1);
const FLOAT_WORDS = new Uint32Array(FLOAT.buffer);

/**
 * The seed of a capture's uids from its first packet; `occurrence` counts the earlier captures of
 * the run whose first packet hashed the same.
 */
export function uidSeed(p: Packet, occurrence: number): UidSeed {
  const h = new Hasher().number(p.ts).word(p.caplen).word(p.origlen).word(p.linktype).word(occurrence);
  if (p.status === 'decoded') {
    h.word(p.ipVersion)
      .word(p.proto)
      .word(p.src4)
      .word(p.dst4)
      .bytes(p.src6, 16)
      .bytes(p.dst6, 16)
      .word(p.sport)
      .word(p.dport)
      .word(p.seq)
      .word(p.ack)
      .word(p.ipId)
      .word(p.ttl)
      .word(p.tcpFlags)
      .word(p.payloadLength)
      .bytes(p.payloadBuffer.subarray(p.payloadStart, p.payloadEnd), 64);
  }
  return h.digest();
}

/** Seed hashes as text, to count occurrences of a first packet within a run. */
export function seedKey(seed: UidSeed): string {
  return `${seed[0]}.${seed[1]}.${seed[2]}.${seed[3]}`;
}

/** Character codes of the uid being built (one string made per connection, not seventeen). */
const uidCodes: number[] = new Array<number>(18).fill(0x43);
const lanes = new Uint32Array(4);

/** The uid of the `serial`-th connection (from 1) of the capture seeded with `seed`. */
export function makeUid(seed: UidSeed, serial: number): string {
  const low = serial >>> 0;
  const high = Math.floor(serial / 0x1_0000_0000) >>> 0;
  for (let i = 0; i < 4; i++) {
    lanes[i] = fmix32(seed[i]! ^ fmix32(Math.imul(low + i, 0x9e3779b1) ^ Math.imul(high, 0x7feb352d) ^ seed[(i + 1) & 3]!));
  }
  uidCodes[0] = 0x43; // 'C'
  let c = 1;
  for (let i = 0; i < 4; i++) {
    let v = lanes[i]!;
    for (let d = 0; d < DIGITS_PER_LANE[i]!; d++) {
      uidCodes[c++] = BASE62.charCodeAt(v % 62);
      v = Math.floor(v / 62);
    }
  }
  return String.fromCharCode.apply(null, uidCodes);
}
