/**
 * Captures taken apart into the units the fuzzer mutates — a pcap file header and its records, or
 * pcapng blocks — and put back together. Lengths that follow from the content (incl_len, block
 * lengths, padding) are recomputed on the way out unless a mutation pinned a wrong one on purpose.
 */

export const PCAPNG_SHB = 0x0a0d0d0a;
export const BLOCK_IDB = 1;
export const BLOCK_PB = 2;
export const BLOCK_SPB = 3;
export const BLOCK_NRB = 4;
export const BLOCK_ISB = 5;
export const BLOCK_EPB = 6;

/** One pcap record: its 16- (or 24-) byte header and the captured bytes. */
export interface PcapRecord {
  kind: 'record';
  header: Uint8Array;
  data: Uint8Array;
  /** Keep the header's incl_len as it is instead of writing data.length. */
  pinLength: boolean;
}

/** One pcapng block: its type, byte order and the body between the two length fields. */
export interface Block {
  kind: 'block';
  type: number;
  le: boolean;
  body: Uint8Array;
  /** Written instead of the true lengths, when a mutation wants them wrong. */
  leadingLength: number | null;
  trailingLength: number | null;
}

export interface Capture {
  format: 'pcap' | 'pcapng' | 'raw';
  /** pcap: the 24-byte file header; pcapng: empty (the SHB is a block); raw: the whole file. */
  fileHeader: Uint8Array;
  le: boolean;
  /** pcap: 16, or 24 for the modified format. */
  recordHeaderBytes: number;
  units: (PcapRecord | Block)[];
  /** Bytes after the last whole unit, kept as they were. */
  tail: Uint8Array;
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

export function u32(b: Uint8Array, at: number, le: boolean): number {
  return view(b).getUint32(at, le);
}

export function setU32(b: Uint8Array, at: number, value: number, le: boolean): void {
  if (at + 4 <= b.length) view(b).setUint32(at, value >>> 0, le);
}

export function u16(b: Uint8Array, at: number, le: boolean): number {
  return view(b).getUint16(at, le);
}

export function setU16(b: Uint8Array, at: number, value: number, le: boolean): void {
  if (at + 2 <= b.length) view(b).setUint16(at, value & 0xffff, le);
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Takes a file apart; anything not pcap or pcapng (or not parseable as such) is one raw unit. */
export function parseCapture(file: Uint8Array): Capture {
  const raw: Capture = { format: 'raw', fileHeader: file.slice(), le: true, recordHeaderBytes: 16, units: [], tail: new Uint8Array(0) };
  if (file.length < 24) return raw;
  const magicLe = u32(file, 0, true);
  if (magicLe === PCAPNG_SHB) return parsePcapng(file);
  const magics: Record<number, { le: boolean; modified: boolean }> = {
    0xa1b2c3d4: { le: true, modified: false },
    0xa1b23c4d: { le: true, modified: false },
    0xa1b2cd34: { le: true, modified: true },
  };
  let kind = magics[magicLe];
  if (kind === undefined) {
    const be = magics[u32(file, 0, false)];
    if (be === undefined) return raw;
    kind = { le: false, modified: be.modified };
  }
  const headerBytes = kind.modified ? 24 : 16;
  const cap: Capture = {
    format: 'pcap',
    fileHeader: file.slice(0, 24),
    le: kind.le,
    recordHeaderBytes: headerBytes,
    units: [],
    tail: new Uint8Array(0),
  };
  let pos = 24;
  while (file.length - pos >= headerBytes) {
    const incl = u32(file, pos + 8, kind.le);
    if (pos + headerBytes + incl > file.length) break;
    cap.units.push({
      kind: 'record',
      header: file.slice(pos, pos + headerBytes),
      data: file.slice(pos + headerBytes, pos + headerBytes + incl),
      pinLength: false,
    });
    pos += headerBytes + incl;
  }
  cap.tail = file.slice(pos);
  return cap;
}

function parsePcapng(file: Uint8Array): Capture {
  const cap: Capture = {
    format: 'pcapng',
    fileHeader: new Uint8Array(0),
    le: true,
    recordHeaderBytes: 16,
    units: [],
    tail: new Uint8Array(0),
  };
  let le = true;
  let pos = 0;
  while (file.length - pos >= 12) {
    let type = u32(file, pos, le);
    if (u32(file, pos, true) === PCAPNG_SHB) {
      const magic = u32(file, pos + 8, true);
      if (magic === 0x1a2b3c4d) le = true;
      else if (magic === 0x4d3c2b1a) le = false;
      else break;
      type = PCAPNG_SHB;
    }
    const length = u32(file, pos + 4, le);
    if (length < 12 || length % 4 !== 0 || pos + length > file.length) break;
    cap.units.push({
      kind: 'block',
      type,
      le,
      body: file.slice(pos + 8, pos + length - 4),
      leadingLength: null,
      // a damaged block keeps its wrong trailer
      trailingLength: u32(file, pos + length - 4, le) === length ? null : u32(file, pos + length - 4, le),
    });
    pos += length;
  }
  cap.tail = file.slice(pos);
  if (cap.units.length === 0) return { ...cap, format: 'raw', fileHeader: file.slice(), tail: new Uint8Array(0) };
  return cap;
}

/** Puts a capture back together. */
export function serializeCapture(cap: Capture): Uint8Array {
  if (cap.format === 'raw') return concat([cap.fileHeader, cap.tail]);
  const parts: Uint8Array[] = [cap.fileHeader];
  for (const unit of cap.units) {
    if (unit.kind === 'record') {
      const header = unit.header.slice();
      if (!unit.pinLength) setU32(header, 8, unit.data.length, cap.le);
      parts.push(header, unit.data);
    } else {
      const padded = (unit.body.length + 3) & ~3;
      const length = 12 + padded;
      const frame = new Uint8Array(length);
      const type = unit.type;
      setU32(frame, 0, type, unit.le);
      if (type === PCAPNG_SHB) setU32(frame, 0, PCAPNG_SHB, true);
      setU32(frame, 4, unit.leadingLength ?? length, unit.le);
      frame.set(unit.body, 8);
      setU32(frame, length - 4, unit.trailingLength ?? length, unit.le);
      parts.push(frame);
    }
  }
  parts.push(cap.tail);
  return concat(parts);
}

/** The link type of each interface of a pcapng capture, in IDB order (sections flattened). */
export function pcapngInterfaces(cap: Capture): { linktype: number; block: Block }[] {
  const out: { linktype: number; block: Block }[] = [];
  for (const unit of cap.units) {
    if (unit.kind === 'block' && unit.type === BLOCK_IDB && unit.body.length >= 8)
      out.push({ linktype: u16(unit.body, 0, unit.le), block: unit });
  }
  return out;
}

/** A packet inside a unit: where its frame lies, and how to replace it. */
export interface FrameRef {
  unit: PcapRecord | Block;
  linktype: number;
  frame: Uint8Array;
  /** Replaces the frame; orig_len follows the new length unless `keepOrig`. */
  replace(frame: Uint8Array, keepOrig?: boolean): void;
}

/** Every packet of a capture with its link type. */
export function framesOf(cap: Capture): FrameRef[] {
  const out: FrameRef[] = [];
  if (cap.format === 'pcap') {
    const linktype = u32(cap.fileHeader, 20, cap.le) & 0xffff;
    for (const unit of cap.units) {
      if (unit.kind !== 'record') continue;
      out.push({
        unit,
        linktype,
        frame: unit.data,
        replace(frame, keepOrig = false) {
          unit.data = frame;
          if (!keepOrig) setU32(unit.header, 12, frame.length, cap.le);
        },
      });
    }
    return out;
  }
  if (cap.format !== 'pcapng') return out;
  // interface numbers are per section
  let sectionLinktypes: number[] = [];
  for (const unit of cap.units) {
    if (unit.kind !== 'block') continue;
    if (unit.type === PCAPNG_SHB) sectionLinktypes = [];
    else if (unit.type === BLOCK_IDB && unit.body.length >= 2) sectionLinktypes.push(u16(unit.body, 0, unit.le));
    else if ((unit.type === BLOCK_EPB || unit.type === BLOCK_PB) && unit.body.length >= 20) {
      const le = unit.le;
      const id = unit.type === BLOCK_EPB ? u32(unit.body, 0, le) : u16(unit.body, 0, le);
      const caplen = u32(unit.body, 12, le);
      if (20 + caplen > unit.body.length) continue;
      const linktype = sectionLinktypes[id] ?? 1;
      out.push({
        unit,
        linktype,
        frame: unit.body.slice(20, 20 + caplen),
        replace(frame, keepOrig = false) {
          const options = unit.body.slice(20 + ((caplen + 3) & ~3));
          const fixed = unit.body.slice(0, 20);
          setU32(fixed, 12, frame.length, le);
          if (!keepOrig) setU32(fixed, 16, frame.length, le);
          const padded = new Uint8Array((frame.length + 3) & ~3);
          padded.set(frame);
          unit.body = concat([fixed, padded, options]);
        },
      });
    } else if (unit.type === BLOCK_SPB && unit.body.length >= 4) {
      const le = unit.le;
      const origlen = u32(unit.body, 0, le);
      const frame = unit.body.slice(4, 4 + Math.min(origlen, unit.body.length - 4));
      out.push({
        unit,
        linktype: sectionLinktypes[0] ?? 1,
        frame,
        replace(newFrame) {
          const body = new Uint8Array(4 + ((newFrame.length + 3) & ~3));
          setU32(body, 0, newFrame.length, le);
          body.set(newFrame, 4);
          unit.body = body;
        },
      });
    }
  }
  return out;
}

/** pcapng options (§3.5) as a list, and back. */
export interface BlockOption {
  code: number;
  value: Uint8Array;
}

export function encodeOptions(options: BlockOption[], le: boolean, endOfOpt = true): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const o of options) {
    const head = new Uint8Array(4);
    setU16(head, 0, o.code, le);
    setU16(head, 2, o.value.length, le);
    const value = new Uint8Array((o.value.length + 3) & ~3);
    value.set(o.value);
    parts.push(head, value);
  }
  if (endOfOpt) parts.push(new Uint8Array(4));
  return concat(parts);
}

/** The fixed-field size of a block type's body (before its options), or null when it has none we know. */
export function fixedBodyBytes(block: Block): number | null {
  const le = block.le;
  switch (block.type) {
    case PCAPNG_SHB:
      return 16;
    case BLOCK_IDB:
      return 8;
    case BLOCK_ISB:
      return 12;
    case BLOCK_EPB:
    case BLOCK_PB:
      return block.body.length >= 20 ? 20 + ((u32(block.body, 12, le) + 3) & ~3) : null;
    default:
      return null;
  }
}
