/**
 * Capture writers: classic libpcap files and pcapng sections.
 *
 * Formats: libpcap (https://wiki.wireshark.org/Development/LibpcapFileFormat) and pcapng
 * (draft-ietf-opsawg-pcapng: SHB §4.1, IDB §4.2, EPB §4.3, SPB §4.4). Bytes are appended into a
 * list of large preallocated chunks, so writing a multi-gigabyte capture costs one copy of each
 * frame and no per-packet allocation. A caller writing a large file drains every few megabytes
 * (e.g. every 4096 packets) and writes the pieces out, so the held bytes stay small.
 */

const CHUNK_BYTES = 4 << 20;

/** Append-only byte store: a list of filled chunks plus the one being written. */
class ChunkSink {
  private done: Buffer[] = [];
  private cur: Buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  private pos = 0;
  private drained = false;

  /** Reserves `n` contiguous bytes; returns the buffer and the offset to write them at. */
  reserve(n: number): Buffer {
    if (this.pos + n > this.cur.length) {
      if (this.pos > 0) this.done.push(this.cur.subarray(0, this.pos));
      this.cur = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, n));
      this.pos = 0;
    }
    return this.cur;
  }

  get offset(): number {
    return this.pos;
  }

  advance(n: number): void {
    this.pos += n;
  }

  drain(): Uint8Array {
    this.drained = true;
    const parts = this.done;
    if (this.pos > 0) {
      // Hand the written part of the current chunk out as is and continue in a fresh chunk.
      parts.push(this.cur.subarray(0, this.pos));
      this.cur = Buffer.allocUnsafe(CHUNK_BYTES);
      this.pos = 0;
    }
    const out = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    this.done = [];
    return out;
  }

  toBuffer(): Buffer {
    if (this.drained) throw new Error('toBuffer() after drain(): the drained bytes are no longer held');
    const parts = this.done.slice();
    if (this.pos > 0) parts.push(this.cur.subarray(0, this.pos));
    return Buffer.concat(parts);
  }
}

type U32Writer = (buf: Buffer, value: number, offset: number) => void;
type U16Writer = (buf: Buffer, value: number, offset: number) => void;

function u32Writer(bigEndian: boolean): U32Writer {
  return bigEndian ? (b, v, o) => void b.writeUInt32BE(v >>> 0, o) : (b, v, o) => void b.writeUInt32LE(v >>> 0, o);
}

function u16Writer(bigEndian: boolean): U16Writer {
  return bigEndian ? (b, v, o) => void b.writeUInt16BE(v, o) : (b, v, o) => void b.writeUInt16LE(v, o);
}

export interface PcapWriterOptions {
  /** LINKTYPE_* value (1 = Ethernet). */
  linktype: number;
  /** Snapshot length; longer frames are cut to it. Default 262144. */
  snaplen?: number;
  /** Nanosecond timestamps (magic 0xa1b23c4d) instead of microseconds. */
  nanosecond?: boolean;
  bigEndian?: boolean;
}

/** Writes a classic libpcap file: a 24-byte file header, then 16-byte record headers + data. */
export class PcapWriter {
  private readonly sink = new ChunkSink();
  private readonly w32: U32Writer;
  private readonly snaplen: number;
  private readonly nanosecond: boolean;

  constructor(o: PcapWriterOptions) {
    const bigEndian = o.bigEndian ?? false;
    this.w32 = u32Writer(bigEndian);
    this.snaplen = o.snaplen ?? 262144;
    this.nanosecond = o.nanosecond ?? false;
    const w16 = u16Writer(bigEndian);
    const b = this.sink.reserve(24);
    const p = this.sink.offset;
    this.w32(b, this.nanosecond ? 0xa1b23c4d : 0xa1b2c3d4, p);
    w16(b, 2, p + 4);
    w16(b, 4, p + 6);
    this.w32(b, 0, p + 8); // thiszone
    this.w32(b, 0, p + 12); // sigfigs
    this.w32(b, this.snaplen, p + 16);
    this.w32(b, o.linktype, p + 20);
    this.sink.advance(24);
  }

  /** Appends one record. `tsNsec` is nanoseconds within the second (truncated to µs unless nanosecond). */
  add(tsSec: number, tsNsec: number, frame: Uint8Array, origlen: number = frame.length): void {
    const caplen = Math.min(frame.length, this.snaplen);
    const b = this.sink.reserve(16 + caplen);
    const p = this.sink.offset;
    this.w32(b, tsSec, p);
    this.w32(b, this.nanosecond ? tsNsec : Math.floor(tsNsec / 1000), p + 4);
    this.w32(b, caplen, p + 8);
    this.w32(b, origlen, p + 12);
    b.set(caplen === frame.length ? frame : frame.subarray(0, caplen), p + 16);
    this.sink.advance(16 + caplen);
  }

  /** Bytes written since the last drain (the file header comes with the first). */
  drain(): Uint8Array {
    return this.sink.drain();
  }

  /** The whole file; only valid if drain() was never called. */
  toBuffer(): Buffer {
    return this.sink.toBuffer();
  }
}

export interface PcapngInterfaceOptions {
  snaplen?: number;
  name?: string;
  /** Timestamp units per second: 10^n or 2^n. Default 1e6 (if_tsresol absent). */
  tsUnitsPerSecond?: number;
  /** if_tsoffset: seconds added to every stored timestamp of this interface. */
  tsOffset?: number;
}

interface InterfaceState {
  units: number;
  offset: number;
  snaplen: number;
}

const SHB = 0x0a0d0d0a;
const IDB = 0x00000001;
const SPB = 0x00000003;
const EPB = 0x00000006;
const OPT_ENDOFOPT = 0;
const IF_NAME = 2;
const IF_TSRESOL = 9;
const IF_TSOFFSET = 14;

const pad4 = (n: number): number => (n + 3) & ~3;

/** The if_tsresol byte for a units-per-second value: 10^n → n, 2^n → 0x80 | n. */
function tsresolByte(units: number): number {
  for (let n = 0; n <= 19; n++) if (10 ** n === units) return n;
  for (let n = 0; n <= 63; n++) if (2 ** n === units) return 0x80 | n;
  throw new RangeError(`tsUnitsPerSecond ${units} is neither a power of 10 nor a power of 2`);
}

/** Writes pcapng: one or more sections, each a SHB followed by IDBs and packet blocks. */
export class PcapngWriter {
  private readonly sink = new ChunkSink();
  private w32!: U32Writer;
  private w16!: U16Writer;
  private interfaces: InterfaceState[] = [];
  private bigEndian = false;

  constructor(o: { bigEndian?: boolean } = {}) {
    this.writeSectionHeader(o.bigEndian ?? false);
  }

  /** Starts a new section (interface ids restart at 0), possibly of the other byte order. */
  newSection(o: { bigEndian?: boolean } = {}): void {
    this.writeSectionHeader(o.bigEndian ?? false);
  }

  /** Adds an Interface Description Block; returns its id within the current section. */
  addInterface(linktype: number, o: PcapngInterfaceOptions = {}): number {
    const snaplen = o.snaplen ?? 262144;
    const units = o.tsUnitsPerSecond ?? 1e6;
    const offset = o.tsOffset ?? 0;
    if (!Number.isInteger(offset)) throw new RangeError('tsOffset must be whole seconds');
    const name = o.name !== undefined ? Buffer.from(o.name, 'utf8') : null;
    let optLen = 0;
    if (name) optLen += 4 + pad4(name.length);
    if (units !== 1e6) optLen += 8;
    if (offset !== 0) optLen += 12;
    if (optLen > 0) optLen += 4;
    const total = 20 + optLen;
    const b = this.sink.reserve(total);
    const p = this.sink.offset;
    b.fill(0, p, p + total);
    this.w32(b, IDB, p);
    this.w32(b, total, p + 4);
    this.w16(b, linktype, p + 8);
    this.w16(b, 0, p + 10);
    this.w32(b, snaplen, p + 12);
    let q = p + 16;
    if (name) {
      this.w16(b, IF_NAME, q);
      this.w16(b, name.length, q + 2);
      b.set(name, q + 4);
      q += 4 + pad4(name.length);
    }
    if (units !== 1e6) {
      this.w16(b, IF_TSRESOL, q);
      this.w16(b, 1, q + 2);
      b[q + 4] = tsresolByte(units);
      q += 8;
    }
    if (offset !== 0) {
      this.w16(b, IF_TSOFFSET, q);
      this.w16(b, 8, q + 2);
      this.writeI64(b, offset, q + 4);
      q += 12;
    }
    if (optLen > 0) {
      this.w16(b, OPT_ENDOFOPT, q);
      this.w16(b, 0, q + 2);
    }
    this.w32(b, total, p + total - 4);
    this.sink.advance(total);
    this.interfaces.push({ units, offset, snaplen });
    return this.interfaces.length - 1;
  }

  /** Appends an Enhanced Packet Block on `interfaceId` (an id of the current section). */
  add(interfaceId: number, tsSec: number, tsNsec: number, frame: Uint8Array, origlen: number = frame.length): void {
    const ifc = this.interfaces[interfaceId];
    if (!ifc) throw new RangeError(`interface ${interfaceId} is not defined in this section`);
    const caplen = Math.min(frame.length, ifc.snaplen);
    const total = 32 + pad4(caplen);
    const b = this.sink.reserve(total);
    const p = this.sink.offset;
    this.w32(b, EPB, p);
    this.w32(b, total, p + 4);
    this.w32(b, interfaceId, p + 8);
    this.writeTimestamp(b, p + 12, ifc, tsSec, tsNsec);
    this.w32(b, caplen, p + 20);
    this.w32(b, origlen, p + 24);
    b.set(caplen === frame.length ? frame : frame.subarray(0, caplen), p + 28);
    b.fill(0, p + 28 + caplen, p + total - 4);
    this.w32(b, total, p + total - 4);
    this.sink.advance(total);
  }

  /** Appends a Simple Packet Block (no timestamp; cut to interface 0's snaplen). */
  addSimplePacket(frame: Uint8Array, origlen: number = frame.length): void {
    const ifc = this.interfaces[0];
    if (!ifc) throw new RangeError('a Simple Packet Block needs interface 0 in this section');
    const caplen = Math.min(frame.length, origlen, ifc.snaplen);
    const total = 16 + pad4(caplen);
    const b = this.sink.reserve(total);
    const p = this.sink.offset;
    this.w32(b, SPB, p);
    this.w32(b, total, p + 4);
    this.w32(b, origlen, p + 8);
    b.set(frame.subarray(0, caplen), p + 12);
    b.fill(0, p + 12 + caplen, p + total - 4);
    this.w32(b, total, p + total - 4);
    this.sink.advance(total);
  }

  drain(): Uint8Array {
    return this.sink.drain();
  }

  toBuffer(): Buffer {
    return this.sink.toBuffer();
  }

  private writeSectionHeader(bigEndian: boolean): void {
    this.bigEndian = bigEndian;
    this.w32 = u32Writer(bigEndian);
    this.w16 = u16Writer(bigEndian);
    this.interfaces = [];
    const b = this.sink.reserve(28);
    const p = this.sink.offset;
    this.w32(b, SHB, p);
    this.w32(b, 28, p + 4);
    this.w32(b, 0x1a2b3c4d, p + 8);
    this.w16(b, 1, p + 12);
    this.w16(b, 0, p + 14);
    this.w32(b, 0xffffffff, p + 16); // section length -1: not specified
    this.w32(b, 0xffffffff, p + 20);
    this.w32(b, 28, p + 24);
    this.sink.advance(28);
  }

  /** EPB timestamp: a 64-bit count of units, high word first, each word in section byte order. */
  private writeTimestamp(b: Buffer, p: number, ifc: InterfaceState, tsSec: number, tsNsec: number): void {
    const units = ifc.units;
    const sec = tsSec - ifc.offset;
    const frac = units === 1e9 ? tsNsec : Math.floor((tsNsec * units) / 1e9);
    // sec * units + frac without losing bits: split sec into 16-bit halves (all products < 2^53).
    const sh = Math.floor(sec / 65536);
    const sl = sec - sh * 65536;
    const a = sl * units + frac;
    const bb = sh * units;
    const bh = Math.floor(bb / 65536);
    const bl = bb - bh * 65536;
    const c = bl * 65536 + a;
    const carry = Math.floor(c / 4294967296);
    this.w32(b, bh + carry, p);
    this.w32(b, c - carry * 4294967296, p + 4);
  }

  private writeI64(b: Buffer, value: number, p: number): void {
    if (this.bigEndian) b.writeBigInt64BE(BigInt(value), p);
    else b.writeBigInt64LE(BigInt(value), p);
  }
}
