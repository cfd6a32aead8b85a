/**
 * The structure-aware mutator: takes a corpus capture apart (container.ts), applies a few
 * mutations chosen by a seeded generator — to the container (record and block headers, time
 * stamps, interface options), to the packets' headers (link, IP, TCP, UDP) and payloads (DNS,
 * HTTP, TLS, QUIC, hostile text), or to raw bytes — and puts it back together. The same seed and
 * case number always give the same bytes.
 */
import {
  BLOCK_EPB,
  BLOCK_IDB,
  BLOCK_ISB,
  BLOCK_NRB,
  BLOCK_PB,
  BLOCK_SPB,
  PCAPNG_SHB,
  concat,
  encodeOptions,
  fixedBodyBytes,
  framesOf,
  parseCapture,
  serializeCapture,
  setU16,
  setU32,
  u32,
  type Block,
  type Capture,
  type FrameRef,
  type PcapRecord,
} from './container.js';
import { dissect, fixLengths, splice, text } from './layers.js';
import { HOSTILE_STRINGS, be16, dnsQuery, dnsResponse, httpRequest, quicLongHeader, tlsClientHello } from './payloads.js';
import type { Rng } from './random.js';

/** A mutation: changes the capture in place and says what it did (null when it found nothing to change). */
type Mutation = (cap: Capture, rng: Rng) => string | null;

function pcapRecords(cap: Capture): PcapRecord[] {
  return cap.units.filter((u): u is PcapRecord => u.kind === 'record');
}

function blocks(cap: Capture, ...types: number[]): Block[] {
  return cap.units.filter((u): u is Block => u.kind === 'block' && (types.length === 0 || types.includes(u.type)));
}

function pickFrame(cap: Capture, rng: Rng, want: (f: FrameRef) => boolean = () => true): FrameRef | null {
  const frames = framesOf(cap).filter(want);
  return frames.length === 0 ? null : rng.pick(frames);
}

// ---- pcap container -------------------------------------------------------------------------

const pcapRecordLength: Mutation = (cap, rng) => {
  const records = pcapRecords(cap);
  if (records.length === 0) return null;
  const r = rng.pick(records);
  if (rng.chance(0.5)) {
    r.pinLength = true;
    const value = rng.interesting32(r.data.length);
    setU32(r.header, 8, value, cap.le);
    return `pcap incl_len = ${value}`;
  }
  const value = rng.interesting32(r.data.length);
  setU32(r.header, 12, value, cap.le);
  return `pcap orig_len = ${value}`;
};

const pcapTimestamp: Mutation = (cap, rng) => {
  const records = pcapRecords(cap);
  if (records.length === 0) return null;
  const r = rng.pick(records);
  const field = rng.below(3);
  if (field === 0) {
    const value = rng.pick([0, 1, 0x7fffffff, 0x80000000, 0xffffffff, u32(r.header, 0, cap.le) + rng.between(-100000, 100000)]);
    setU32(r.header, 0, value, cap.le);
    return `pcap ts_sec = ${value}`;
  }
  if (field === 1) {
    const value = rng.pick([999999, 1000000, 999999999, 1000000000, 0xffffffff]);
    setU32(r.header, 4, value, cap.le);
    return `pcap ts_frac = ${value}`;
  }
  // time running backwards across the file
  for (const rec of records) setU32(rec.header, 0, 0x7fffffff - u32(rec.header, 0, cap.le), cap.le);
  return 'pcap time stamps reversed';
};

const pcapFileHeader: Mutation = (cap, rng) => {
  if (cap.format !== 'pcap') return null;
  const field = rng.below(4);
  if (field === 0) {
    const snaplen = rng.interesting32();
    setU32(cap.fileHeader, 16, snaplen, cap.le);
    return `pcap snaplen = ${snaplen}`;
  }
  if (field === 1) {
    const linktype = rng.pick([0, 1, 9, 12, 101, 105, 108, 113, 119, 127, 163, 192, 228, 229, 276, 0xffff, 0x10001]);
    setU32(cap.fileHeader, 20, linktype, cap.le);
    return `pcap linktype = ${linktype}`;
  }
  if (field === 2) {
    const minor = rng.pick([0, 1, 3, 5, 0xffff]);
    setU16(cap.fileHeader, 6, minor, cap.le);
    return `pcap minor version = ${minor}`;
  }
  // nanosecond magic on a microsecond file (and back)
  const magic = u32(cap.fileHeader, 0, cap.le);
  setU32(cap.fileHeader, 0, magic === 0xa1b2c3d4 ? 0xa1b23c4d : 0xa1b2c3d4, cap.le);
  return 'pcap time resolution magic swapped';
};

// ---- pcapng container -----------------------------------------------------------------------

const pcapngBlockLength: Mutation = (cap, rng) => {
  const all = blocks(cap);
  if (all.length === 0) return null;
  const b = rng.pick(all);
  const true_ = 12 + ((b.body.length + 3) & ~3);
  const value = rng.weighted([
    [3, rng.interesting32(true_)],
    [1, true_ + 2],
    [1, 8],
    [1, 0xfffffffc],
  ]);
  if (rng.chance(0.5)) b.leadingLength = value;
  else b.trailingLength = value;
  return `pcapng block 0x${b.type.toString(16)} length = ${value}`;
};

const pcapngBodyResize: Mutation = (cap, rng) => {
  const all = blocks(cap);
  if (all.length === 0) return null;
  const b = rng.pick(all);
  if (rng.chance(0.5) && b.body.length > 0) {
    b.body = b.body.slice(0, rng.below(b.body.length));
    return `pcapng block 0x${b.type.toString(16)} body cut to ${b.body.length}`;
  }
  b.body = concat([b.body, rng.bytes(rng.pick([4, 8, 64]))]);
  return `pcapng block 0x${b.type.toString(16)} body grown to ${b.body.length}`;
};

const pcapngPacketFields: Mutation = (cap, rng) => {
  const packets = blocks(cap, BLOCK_EPB, BLOCK_PB, BLOCK_SPB);
  if (packets.length === 0) return null;
  const b = rng.pick(packets);
  const le = b.le;
  if (b.type === BLOCK_SPB) {
    const value = rng.interesting32(b.body.length >= 4 ? u32(b.body, 0, le) : 0);
    setU32(b.body, 0, value, le);
    return `SPB original length = ${value}`;
  }
  const field = rng.below(5);
  if (field === 0) {
    const id = rng.pick([1, 2, 0xffff, 0xffffffff]);
    if (b.type === BLOCK_EPB) setU32(b.body, 0, id, le);
    else setU16(b.body, 0, id, le);
    return `packet block interface = ${id}`;
  }
  if (field === 1) {
    const high = rng.pick([0, 0x7fffffff, 0xffffffff, u32(b.body, 4, le) + 1, u32(b.body, 4, le) ^ 0x100]);
    setU32(b.body, 4, high, le);
    return `packet block time stamp high = ${high}`;
  }
  if (field === 2) {
    const low = rng.interesting32(u32(b.body, 8, le));
    setU32(b.body, 8, low, le);
    return `packet block time stamp low = ${low}`;
  }
  if (field === 3) {
    const caplen = rng.interesting32(u32(b.body, 12, le));
    setU32(b.body, 12, caplen, le);
    return `packet block captured length = ${caplen}`;
  }
  const origlen = rng.interesting32(u32(b.body, 16, le));
  setU32(b.body, 16, origlen, le);
  return `packet block original length = ${origlen}`;
};

/** Replaces (or adds) options of an IDB: if_tsresol, if_tsoffset, if_name, if_description. */
const idbOptions: Mutation = (cap, rng) => {
  const idbs = blocks(cap, BLOCK_IDB);
  if (idbs.length === 0) return null;
  const b = rng.pick(idbs);
  const le = b.le;
  const fixed = b.body.slice(0, 8);
  const options: { code: number; value: Uint8Array }[] = [];
  const what: string[] = [];
  if (rng.chance(0.6)) {
    const tsresol = rng.pick([0, 3, 6, 9, 10, 19, 20, 63, 0x80, 0x8a, 0x94, 0xbf, 0xff]);
    options.push({ code: 9, value: Uint8Array.of(tsresol) });
    what.push(`if_tsresol = 0x${tsresol.toString(16)}`);
  }
  if (rng.chance(0.5)) {
    const value = new Uint8Array(8);
    const view = new DataView(value.buffer);
    const hi = rng.pick([0, 0xffffffff, 0x7fffffff, 0x80000000, 1]);
    const lo = rng.interesting32();
    view.setUint32(le ? 4 : 0, hi, le);
    view.setUint32(le ? 0 : 4, lo, le);
    options.push({ code: 14, value });
    what.push(`if_tsoffset = ${hi}:${lo}`);
  }
  if (rng.chance(0.6)) {
    options.push({ code: rng.pick([2, 3]), value: text(rng.pick(HOSTILE_STRINGS)) });
    what.push('hostile if_name/if_description');
  }
  if (rng.chance(0.3)) {
    setU16(fixed, 0, rng.pick([0, 1, 101, 113, 276, 0xffff]), le);
    setU32(fixed, 4, rng.interesting32(), le);
    what.push('IDB link type / snaplen');
  }
  let encoded = encodeOptions(options, le);
  if (rng.chance(0.15) && encoded.length >= 4) {
    // an option claiming more than the block holds
    setU16(encoded, 2, 0xfff0, le);
    what.push('option length past the block');
  }
  if (rng.chance(0.1)) encoded = new Uint8Array(0);
  b.body = concat([fixed, encoded]);
  return `IDB: ${what.join(', ') || 'options removed'}`;
};

/** A hostile comment (opt_comment) on the section header or a packet block. */
const pcapngComment: Mutation = (cap, rng) => {
  const candidates = blocks(cap, PCAPNG_SHB, BLOCK_EPB, BLOCK_ISB);
  if (candidates.length === 0) return null;
  const b = rng.pick(candidates);
  const fixed = fixedBodyBytes(b);
  if (fixed === null || fixed > b.body.length) return null;
  b.body = concat([b.body.slice(0, fixed), encodeOptions([{ code: 1, value: text(rng.pick(HOSTILE_STRINGS)) }], b.le)]);
  return `hostile comment on block 0x${b.type.toString(16)}`;
};

const shbFields: Mutation = (cap, rng) => {
  const shbs = blocks(cap, PCAPNG_SHB);
  if (shbs.length === 0) return null;
  const b = rng.pick(shbs);
  const field = rng.below(3);
  if (field === 0) {
    const major = rng.pick([0, 2, 0xffff]);
    setU16(b.body, 4, major, b.le);
    return `SHB major version = ${major}`;
  }
  if (field === 1) {
    setU32(b.body, 8, rng.pick([0, 16, 0xffffffff]), b.le);
    setU32(b.body, 12, rng.pick([0, 0xffffffff]), b.le);
    return 'SHB section length';
  }
  // a second section of the other byte order, with its own interface
  const le = !b.le;
  const shb = new Uint8Array(16);
  setU32(shb, 0, 0x1a2b3c4d, le);
  setU16(shb, 4, 1, le);
  setU32(shb, 8, 0xffffffff, le);
  setU32(shb, 12, 0xffffffff, le);
  const idb = new Uint8Array(8);
  setU16(idb, 0, rng.pick([1, 101, 113]), le);
  setU32(idb, 4, 0, le);
  const at = rng.below(cap.units.length + 1);
  cap.units.splice(
    at,
    0,
    { kind: 'block', type: PCAPNG_SHB, le, body: concat([shb, encodeOptions([], le)]), leadingLength: null, trailingLength: null },
    { kind: 'block', type: BLOCK_IDB, le, body: idb, leadingLength: null, trailingLength: null },
  );
  return `second section (${le ? 'little' : 'big'}-endian) inserted at unit ${at}`;
};

/** Blocks the reader skips: NRB with hostile names, ISB, a custom block, an unknown type. */
const pcapngExtraBlock: Mutation = (cap, rng) => {
  if (cap.format !== 'pcapng' || cap.units.length === 0) return null;
  const le = (cap.units[0] as Block).le;
  const kind = rng.below(4);
  let block: Block;
  if (kind === 0) {
    const name = text(`${rng.pick(HOSTILE_STRINGS)}\0`);
    const record = concat([be16(1), be16(4 + name.length), Uint8Array.of(198, 51, 100, 7), name]);
    const fixed = new Uint8Array(4);
    setU16(fixed, 0, 1, le);
    setU16(fixed, 2, 4 + name.length, le);
    block = {
      kind: 'block',
      type: BLOCK_NRB,
      le,
      body: concat([fixed, record.slice(4), new Uint8Array((4 - ((4 + name.length) % 4)) % 4), new Uint8Array(4)]),
      leadingLength: null,
      trailingLength: null,
    };
  } else if (kind === 1) {
    block = { kind: 'block', type: BLOCK_ISB, le, body: rng.bytes(12), leadingLength: null, trailingLength: null };
  } else {
    block = {
      kind: 'block',
      type: kind === 2 ? 0x00000bad : rng.u32() & 0x7ffffff0,
      le,
      body: rng.bytes(rng.pick([0, 4, 32])),
      leadingLength: null,
      trailingLength: null,
    };
  }
  // never before the first SHB: that would make the file not a capture at all, which is dull
  const at = rng.between(1, cap.units.length);
  cap.units.splice(at, 0, block);
  return `block 0x${block.type.toString(16)} inserted at unit ${at}`;
};

// ---- records, generically -------------------------------------------------------------------

const duplicateRecords: Mutation = (cap, rng) => {
  if (cap.units.length < 2) return null;
  const from = rng.between(1, cap.units.length - 1);
  const n = rng.between(1, Math.min(8, cap.units.length - from));
  const copies = cap.units
    .slice(from, from + n)
    .map((u) => (u.kind === 'record' ? { ...u, header: u.header.slice(), data: u.data.slice() } : { ...u, body: u.body.slice() }));
  const times = rng.pick([1, 2, 50]);
  const at = rng.between(1, cap.units.length);
  for (let i = 0; i < times; i++) cap.units.splice(at, 0, ...copies.map((c) => ({ ...c })));
  return `${n} units from ${from} copied ${times}x to ${at}`;
};

const dropOrSwapRecords: Mutation = (cap, rng) => {
  if (cap.units.length < 3) return null;
  const a = rng.between(1, cap.units.length - 1);
  if (rng.chance(0.5)) {
    const n = rng.between(1, Math.min(10, cap.units.length - a));
    cap.units.splice(a, n);
    return `${n} units from ${a} dropped`;
  }
  const b = rng.between(1, cap.units.length - 1);
  [cap.units[a], cap.units[b]] = [cap.units[b]!, cap.units[a]!];
  return `units ${a} and ${b} swapped`;
};

// ---- packet headers -------------------------------------------------------------------------

function mutateFrame(
  cap: Capture,
  rng: Rng,
  name: string,
  want: (f: FrameRef) => boolean,
  change: (f: FrameRef) => string | null,
): string | null {
  const f = pickFrame(cap, rng, want);
  if (f === null) return null;
  const what = change(f);
  return what === null ? null : `${name}: ${what}`;
}

const linkHeader: Mutation = (cap, rng) =>
  mutateFrame(
    cap,
    rng,
    'link',
    (f) => dissect(f.frame, f.linktype).etherTypeAt >= 0 || f.linktype === 1,
    (f) => {
      const l = dissect(f.frame, f.linktype);
      const frame = f.frame.slice();
      if (l.vlanInsertAt >= 0 && rng.chance(0.6)) {
        // 802.1Q / QinQ tags, sometimes very many
        const tags = rng.pick([1, 2, 3, 40]);
        const parts: Uint8Array[] = [];
        for (let i = 0; i < tags; i++) parts.push(be16(i === 0 && tags > 1 ? 0x88a8 : 0x8100), be16(rng.below(4096)));
        f.replace(splice(frame, l.vlanInsertAt, 0, concat(parts)));
        return `${tags} VLAN tags`;
      }
      if (l.etherTypeAt < 0 || l.etherTypeAt + 2 > frame.length) return null;
      const type = rng.pick([0x0800, 0x86dd, 0x8100, 0x88a8, 0x8864, 0x8847, 0x0806, 0x0000, 0xffff]);
      frame.set(be16(type), l.etherTypeAt);
      f.replace(frame, true);
      return `EtherType = 0x${type.toString(16)}`;
    },
  );

const ipv4Header: Mutation = (cap, rng) =>
  mutateFrame(
    cap,
    rng,
    'IPv4',
    (f) => dissect(f.frame, f.linktype).ipVersion === 4,
    (f) => {
      const l = dissect(f.frame, f.linktype);
      const frame = f.frame.slice();
      const ip = l.ip;
      switch (rng.below(6)) {
        case 0: {
          const ihl = rng.below(16);
          frame[ip] = 0x40 | ihl;
          f.replace(frame, true);
          return `IHL = ${ihl}`;
        }
        case 1: {
          const total = rng.interesting16(frame.length - ip);
          frame.set(be16(total), ip + 2);
          f.replace(frame, true);
          return `total length = ${total}`;
        }
        case 2: {
          const proto = rng.pick([0, 1, 4, 6, 17, 41, 47, 50, 58, 132, 255]);
          frame[ip + 9] = proto;
          f.replace(frame, true);
          return `protocol = ${proto}`;
        }
        case 3: {
          // fragments: MF, an offset, or both; sometimes the packet split in two for real
          const flags = rng.pick([0x2000, 0x4000, 0x6000, 0x8000, 0]);
          const offset = rng.pick([0, 1, 2, 0x1fff, rng.below(0x2000)]);
          frame.set(be16(flags | offset), ip + 6);
          f.replace(frame, true);
          return `flags/fragment offset = 0x${(flags | offset).toString(16)}`;
        }
        case 4: {
          frame[ip + 8] = rng.pick([0, 1, 64, 255]);
          f.replace(frame, true);
          return `TTL = ${frame[ip + 8]}`;
        }
        default: {
          // options: IHL grown over garbage (or an unterminated option list)
          const words = rng.between(1, 10);
          const ihl = (frame[ip]! & 0x0f) + words;
          if (ihl > 15) return null;
          const options = rng.chance(0.5)
            ? rng.bytes(words * 4)
            : Uint8Array.from({ length: words * 4 }, (_, i) => (i === 0 ? 0x44 : i === 1 ? 0xff : 1));
          const out = splice(frame, ip + (frame[ip]! & 0x0f) * 4, 0, options);
          out[ip] = 0x40 | ihl;
          fixLengths(out, { ...l, protocol: -1 }, options.length);
          f.replace(out);
          return `${words * 4} bytes of options`;
        }
      }
    },
  );

const ipv6Header: Mutation = (cap, rng) =>
  mutateFrame(
    cap,
    rng,
    'IPv6',
    (f) => dissect(f.frame, f.linktype).ipVersion === 6,
    (f) => {
      const l = dissect(f.frame, f.linktype);
      const frame = f.frame.slice();
      const ip = l.ip;
      const choice = rng.below(3);
      if (choice === 0) {
        const length = rng.interesting16(frame.length - ip - 40);
        frame.set(be16(length), ip + 4);
        f.replace(frame, true);
        return `payload length = ${length}`;
      }
      if (choice === 1) {
        const next = rng.pick([0, 6, 17, 43, 44, 51, 58, 59, 60, 135, 255]);
        frame[l.nextHeaderAt] = next;
        f.replace(frame, true);
        return `next header = ${next}`;
      }
      // an extension header inserted before the transport header: hop-by-hop, routing,
      // fragment (atomic or not) or destination options, sometimes with a lying length
      const type = rng.pick([0, 43, 44, 60]);
      const next = frame[l.nextHeaderAt]!;
      let ext: Uint8Array;
      if (type === 44) {
        const offsetFlags = rng.pick([0, 1, 0x0008, 0xfff9, rng.below(65536)]);
        ext = concat([Uint8Array.of(next, 0), be16(offsetFlags), rng.bytes(4)]);
      } else {
        const units = rng.below(3);
        ext = new Uint8Array((units + 1) * 8);
        ext[0] = next;
        ext[1] = rng.chance(0.2) ? rng.interesting8() : units;
        if (type !== 43) ext[2] = 1; // PadN
        ext[3] = ext.length - 4;
        if (type === 43) ext.set(Uint8Array.of(rng.pick([0, 2, 4]), rng.below(4)), 2);
      }
      const at = l.transport >= 0 ? l.transport : frame.length;
      const out = splice(frame, at, 0, ext);
      out[l.nextHeaderAt] = type;
      fixLengths(out, { ...l, protocol: -1 }, ext.length);
      f.replace(out);
      return `extension header ${type} inserted`;
    },
  );

const tcpHeader: Mutation = (cap, rng) =>
  mutateFrame(
    cap,
    rng,
    'TCP',
    (f) => {
      const l = dissect(f.frame, f.linktype);
      return l.protocol === 6 && l.transport >= 0 && l.transport + 20 <= f.frame.length;
    },
    (f) => {
      const l = dissect(f.frame, f.linktype);
      const frame = f.frame.slice();
      const t = l.transport;
      switch (rng.below(4)) {
        case 0: {
          const offset = rng.below(16);
          frame[t + 12] = (offset << 4) | (frame[t + 12]! & 0x0f);
          f.replace(frame, true);
          return `data offset = ${offset}`;
        }
        case 1: {
          const flags = rng.pick([0x00, 0x01, 0x02, 0x03, 0x04, 0x06, 0x12, 0x14, 0x29, 0x3f, 0xff, rng.below(256)]);
          frame[t + 13] = flags;
          f.replace(frame, true);
          return `flags = 0x${flags.toString(16)}`;
        }
        case 2: {
          const port = rng.pick([0, 53, 80, 443, 3128, 8080, 65535]);
          frame.set(be16(port), t + rng.pick([0, 2]));
          f.replace(frame, true);
          return `port = ${port}`;
        }
        default: {
          // options: garbage, or a kind with a length running past the header
          const offset = frame[t + 12]! >> 4;
          if (offset <= 5) return null;
          const options = rng.chance(0.5)
            ? rng.bytes((offset - 5) * 4)
            : Uint8Array.from({ length: (offset - 5) * 4 }, (_, i) =>
                i % 2 === 0 ? rng.pick([2, 3, 4, 5, 8, 29, 30, 255]) : rng.interesting8(),
              );
          frame.set(options.subarray(0, Math.max(0, frame.length - t - 20)), t + 20);
          f.replace(frame, true);
          return 'options scrambled';
        }
      }
    },
  );

const udpHeader: Mutation = (cap, rng) =>
  mutateFrame(
    cap,
    rng,
    'UDP',
    (f) => {
      const l = dissect(f.frame, f.linktype);
      return l.protocol === 17 && l.transport >= 0 && l.transport + 8 <= f.frame.length;
    },
    (f) => {
      const l = dissect(f.frame, f.linktype);
      const frame = f.frame.slice();
      if (rng.chance(0.7)) {
        const length = rng.interesting16(frame.length - l.transport);
        frame.set(be16(length), l.transport + 4);
        f.replace(frame, true);
        return `length = ${length}`;
      }
      const port = rng.pick([0, 53, 443, 5353, 137, 65535]);
      frame.set(be16(port), l.transport + rng.pick([0, 2]));
      f.replace(frame, true);
      return `port = ${port}`;
    },
  );

/** Cuts a packet short: captured length below the wire length, inside some header. */
const truncatePacket: Mutation = (cap, rng) =>
  mutateFrame(
    cap,
    rng,
    'packet',
    (f) => f.frame.length > 1,
    (f) => {
      const l = dissect(f.frame, f.linktype);
      const marks = [l.ip, l.transport, l.payload].filter((m) => m > 0);
      const at =
        marks.length > 0 && rng.chance(0.7) ? Math.min(f.frame.length, rng.pick(marks) + rng.between(0, 12)) : rng.below(f.frame.length);
      f.replace(f.frame.slice(0, at), true);
      return `captured bytes cut to ${at}`;
    },
  );

// ---- payloads -------------------------------------------------------------------------------

/** Replaces a packet's transport payload, fixing the IP and UDP lengths. */
function replacePayload(f: FrameRef, payload: Uint8Array): void {
  const l = dissect(f.frame, f.linktype);
  if (l.payload < 0) return;
  // the IP datagram may be shorter than the frame (Ethernet padding): cut at its end
  let end = f.frame.length;
  if (l.ipVersion === 4) end = Math.min(end, l.ip + ((f.frame[l.ip + 2]! << 8) | f.frame[l.ip + 3]!));
  else if (l.ipVersion === 6) end = Math.min(end, l.ip + 40 + ((f.frame[l.ip + 4]! << 8) | f.frame[l.ip + 5]!));
  end = Math.max(end, l.payload);
  const out = splice(f.frame.slice(0, end), l.payload, end - l.payload, payload);
  fixLengths(out, l, payload.length - (end - l.payload));
  f.replace(out);
}

function ports(f: FrameRef): [number, number] {
  const l = dissect(f.frame, f.linktype);
  if (l.transport < 0 || l.transport + 4 > f.frame.length) return [-1, -1];
  return [(f.frame[l.transport]! << 8) | f.frame[l.transport + 1]!, (f.frame[l.transport + 2]! << 8) | f.frame[l.transport + 3]!];
}

/** The transport payload, without the link layer's padding after the IP datagram. */
function payloadOf(f: FrameRef): Uint8Array {
  const l = dissect(f.frame, f.linktype);
  if (l.payload < 0) return new Uint8Array(0);
  let end = f.frame.length;
  if (l.ipVersion === 4) end = Math.min(end, l.ip + ((f.frame[l.ip + 2]! << 8) | f.frame[l.ip + 3]!));
  else if (l.ipVersion === 6) end = Math.min(end, l.ip + 40 + ((f.frame[l.ip + 4]! << 8) | f.frame[l.ip + 5]!));
  return f.frame.subarray(l.payload, Math.max(l.payload, end));
}

/**
 * Picks a packet for a payload: first one that already carries this protocol, else one of the
 * protocol's ports, else any TCP (or UDP) packet with a payload, else any.
 */
function payloadTarget(
  cap: Capture,
  rng: Rng,
  protocol: number,
  looksRight: (payload: Uint8Array, ports: [number, number]) => boolean,
): FrameRef | null {
  const frames = framesOf(cap).filter((f) => {
    const l = dissect(f.frame, f.linktype);
    return l.protocol === protocol && l.payload >= 0;
  });
  if (frames.length === 0) return null;
  const right = frames.filter((f) => looksRight(payloadOf(f), ports(f)));
  const pool = right.length > 0 && rng.chance(0.85) ? right : frames;
  // the first payload of a conversation is the one the decoders peek at
  const seen = new Set<string>();
  const carrying = pool.filter((f) => payloadOf(f).length > 0);
  const firsts = carrying.filter((f) => {
    const key = ports(f).sort().join();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  if (firsts.length > 0 && rng.chance(0.8)) return rng.pick(firsts);
  return rng.pick(carrying.length > 0 && rng.chance(0.8) ? carrying : pool);
}

const dnsPayload: Mutation = (cap, rng) => {
  const f = payloadTarget(cap, rng, 17, (_p, [s, d]) => s === 53 || d === 53);
  if (f === null) return null;
  const [, d] = ports(f);
  replacePayload(f, d === 53 && rng.chance(0.5) ? dnsQuery(rng) : dnsResponse(rng));
  return 'DNS message with hostile names';
};

const HTTP_START = /^(GET|POST|HEAD|PUT|CONNECT|OPTIONS|DELETE) /;

const httpPayload: Mutation = (cap, rng) => {
  const f = payloadTarget(
    cap,
    rng,
    6,
    (p, [, d]) => HTTP_START.test(String.fromCharCode(...p.subarray(0, 8))) || d === 80 || d === 8080 || d === 3128,
  );
  if (f === null) return null;
  replacePayload(f, httpRequest(rng));
  return 'HTTP request with hostile Host/URI/User-Agent';
};

const tlsPayload: Mutation = (cap, rng) => {
  const f = payloadTarget(cap, rng, 6, (p, [, d]) => (p[0] === 0x16 && p[1] === 3) || d === 443);
  if (f === null) return null;
  replacePayload(f, tlsClientHello(rng));
  return 'TLS ClientHello with hostile SNI';
};

const quicPayload: Mutation = (cap, rng) => {
  const f = payloadTarget(cap, rng, 17, (p, [s, d]) => (p.length > 0 && (p[0]! & 0x80) !== 0 && d !== 53 && s !== 53) || d === 443);
  if (f === null) return null;
  const payload = payloadOf(f);
  if (payload.length > 7 && (payload[0]! & 0x80) !== 0 && rng.chance(0.5)) {
    // an existing long header with one field bent: version, a connection-ID length, or the first bytes after
    const out = payload.slice();
    const at = rng.pick([1, 2, 3, 4, 5, 6 + (out[5] ?? 0), 7 + (out[5] ?? 0) + (out[6 + (out[5] ?? 0)] ?? 0)]);
    if (at < out.length) out[at] = rng.interesting8();
    replacePayload(f, out);
    return `QUIC long header byte ${at} bent`;
  }
  replacePayload(f, quicLongHeader(rng));
  return 'QUIC long header packet';
};

/** Random bits of a packet's payload (or headers) flipped. */
const flipBits: Mutation = (cap, rng) =>
  mutateFrame(
    cap,
    rng,
    'bits',
    (f) => f.frame.length > 0,
    (f) => {
      const frame = f.frame.slice();
      const n = rng.pick([1, 2, 4, 16]);
      for (let i = 0; i < n; i++) {
        const at = rng.below(frame.length);
        frame[at] = frame[at]! ^ (1 << rng.below(8));
      }
      f.replace(frame, true);
      return `${n} bits flipped`;
    },
  );

const MUTATIONS: readonly (readonly [number, string, Mutation])[] = [
  [4, 'pcap-record-length', pcapRecordLength],
  [4, 'pcap-timestamp', pcapTimestamp],
  [2, 'pcap-file-header', pcapFileHeader],
  [3, 'pcapng-block-length', pcapngBlockLength],
  [2, 'pcapng-body-resize', pcapngBodyResize],
  [4, 'pcapng-packet-fields', pcapngPacketFields],
  [5, 'pcapng-idb-options', idbOptions],
  [3, 'pcapng-comment', pcapngComment],
  [2, 'pcapng-shb', shbFields],
  [2, 'pcapng-extra-block', pcapngExtraBlock],
  [3, 'duplicate-records', duplicateRecords],
  [2, 'drop-or-swap-records', dropOrSwapRecords],
  [4, 'link-header', linkHeader],
  [5, 'ipv4-header', ipv4Header],
  [4, 'ipv6-header', ipv6Header],
  [5, 'tcp-header', tcpHeader],
  [3, 'udp-header', udpHeader],
  [3, 'truncate-packet', truncatePacket],
  [6, 'dns-payload', dnsPayload],
  [7, 'http-payload', httpPayload],
  [6, 'tls-payload', tlsPayload],
  [4, 'quic-payload', quicPayload],
  [5, 'flip-bits', flipBits],
];

const HOSTILE_MUTATIONS: readonly (readonly [string, Mutation])[] = [
  ['http-payload', httpPayload],
  ['dns-payload', dnsPayload],
  ['tls-payload', tlsPayload],
  ['pcapng-comment', pcapngComment],
  ['pcapng-idb-options', idbOptions],
];

export const MUTATION_NAMES: readonly string[] = MUTATIONS.map(([, name]) => name);

export interface Mutated {
  bytes: Uint8Array;
  /** What was done, one line a mutation, for the failure report. */
  steps: string[];
}

/**
 * A mutated copy of `original`: one to five structural mutations, then sometimes a byte-level
 * one on the whole file (a cut at a random offset, a run of bytes overwritten).
 */
export function mutate(original: Uint8Array, rng: Rng): Mutated {
  const cap = parseCapture(original);
  const steps: string[] = [];
  const rounds = rng.weighted([
    [4, 1],
    [3, 2],
    [2, 3],
    [1, 5],
  ]);
  for (let attempt = 0; steps.length < rounds && attempt < rounds * 6; attempt++) {
    const [, name, mutation] = rng.weighted(MUTATIONS.map((m) => [m[0], m] as const));
    if (cap.format === 'raw' && !name.startsWith('flip')) continue;
    let what: string | null;
    try {
      what = mutation(cap, rng);
    } catch (e) {
      // a header the mutator misjudged as long enough: that mutation is skipped, the case goes on
      if (!(e instanceof RangeError)) throw e;
      what = null;
    }
    if (what !== null) steps.push(`${name}: ${what}`);
  }
  if (rng.chance(0.5)) {
    // hostile text in a place that reaches the reports, on top of the damage
    const [name, mutation] = rng.pick(HOSTILE_MUTATIONS);
    const what = mutation(cap, rng);
    if (what !== null) steps.push(`${name}: ${what}`);
  }
  let bytes = serializeCapture(cap);
  if (rng.chance(0.12) && bytes.length > 0) {
    const at = rng.below(bytes.length);
    bytes = bytes.slice(0, at);
    steps.push(`file-cut: at byte ${at}`);
  } else if (rng.chance(0.08) && bytes.length > 32) {
    const at = rng.between(24, bytes.length - 1);
    const run = rng.bytes(Math.min(rng.pick([1, 4, 16, 256]), bytes.length - at));
    bytes = bytes.slice();
    bytes.set(run, at);
    steps.push(`file-overwrite: ${run.length} bytes at ${at}`);
  }
  return { bytes, steps };
}
