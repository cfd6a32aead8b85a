/**
 * Classic libpcap files (https://wiki.wireshark.org/Development/LibpcapFileFormat,
 * draft-ietf-opsawg-pcap): a 24-byte file header, then records of a 16-byte header
 * (ts_sec, ts_usec|ts_nsec, incl_len, orig_len) and incl_len bytes. Kuznetzov's "modified"
 * format (magic a1b2cd34) adds ifindex(4), protocol(2), pkt_type(1) and a pad byte: 24-byte
 * record headers.
 *
 * Some writers of 1999–2005 used those magic numbers with other record headers, which only the
 * records themselves tell apart (Wireshark's wiretap reads them so): the standard magic with
 * the modified 24-byte header (Kuznetzov's patch of 1999-04-17, Red Hat 6.1's tcpdump) or with
 * 4 more bytes (Nokia IPSO, 20 bytes), the modified magic with 4 more (the patch of 1999-09-15,
 * SuSE 6.3's tcpdump, 28 bytes). Each layout is tried on the first records and the one whose
 * headers make sense is read. Files older than version 2.3 give each record's original length
 * before its captured length (2.3 files either way; DG/UX's 543.0 the older way).
 */
import { CaptureParser, MAX_RECORD_BYTES } from './parser.js';
import type { CaptureFileInfo, RecordCallback } from './types.js';
import { count } from '../quantities.js';

const FILE_HEADER_BYTES = 24;

/**
 * libpcap refuses records larger than this whatever the snapshot length says
 * (MAXIMUM_SNAPLEN, pcap-int.h; Wireshark's WTAP_MAX_PACKET_SIZE_STANDARD).
 */
export const STANDARD_MAX_SNAPLEN = 262144;

/** LT_RESERVED1: bits of the link-type field that must be zero (libpcap pcap/pcap-inttypes, sf-pcap.c). */
const LINKTYPE_RESERVED_MASK = 0x03ff0000;
/** FCS-length bits ride in the top of the link-type field (LT_FCS_LENGTH_PRESENT, LT_FCS_LENGTH). */
const LINKTYPE_MASK = 0x0000ffff;

export interface PcapVariant {
  littleEndian: boolean;
  nanosecond: boolean;
  modified: boolean;
}

/** A record header's layout: its size, its name in the format's detail, and the checks its extra fields must pass. */
interface RecordLayout {
  bytes: number;
  name: string;
  /** Problems its extra fields show for the record whose header starts at `at` (see layoutProblems). */
  extra: (view: DataView, at: number, le: boolean) => number;
}

const STANDARD: RecordLayout = { bytes: 16, name: '', extra: () => 0 };

/**
 * The extra fields of Kuznetzov's patched headers: an interface index (no machine of 1999 had
 * ten thousand), an Ethertype or one of Linux's ETH_P_ values, a Linux PACKET_ type (0–4).
 */
function patchedProblems(view: DataView, at: number, le: boolean): number {
  const ifindex = view.getUint32(at + 16, le);
  const protocol = view.getUint16(at + 20, le);
  const packetType = view.getUint8(at + 22);
  const knownProtocol = protocol >= 0x0600 || protocol === 0x0060 || protocol === 0x0200 || protocol === 0x0400 || protocol <= 0x0017;
  return (ifindex > 10_000 ? 1 : 0) + (knownProtocol ? 0 : 1) + (packetType > 4 ? 1 : 0);
}

const SS990417: RecordLayout = { bytes: 24, name: 'patched 1999-04-17, Red Hat 6.1', extra: patchedProblems };
const SS991029: RecordLayout = { bytes: 24, name: 'modified (Kuznetzov)', extra: patchedProblems };
const SS990915: RecordLayout = { bytes: 28, name: 'modified, patched 1999-09-15, SuSE 6.3', extra: patchedProblems };
/** Nokia IPSO's 4 added bytes have been seen only as 0xXfbfYZ0W: X 9 or b, Y b or d, Z 6 or 9, W 1 or 2. */
const NOKIA: RecordLayout = {
  bytes: 20,
  name: 'Nokia IPSO',
  extra: (view, at, le) => {
    const v = view.getUint32(at + 16, le);
    const x = v >>> 28;
    const y = (v >>> 12) & 0xf;
    const z = (v >>> 8) & 0xf;
    const w = v & 0xf;
    const seen =
      (v & 0x0fff00f0) === 0x0fbf0000 && (x === 9 || x === 0xb) && (y === 0xb || y === 0xd) && (z === 6 || z === 9) && (w === 1 || w === 2);
    return seen ? 0 : 1;
  },
};

const YEAR_SECONDS = 366 * 86_400;
/** Records tried with each layout before one is chosen. */
const RECORDS_TRIED = 3;
/** An original length past this is taken for a sign of the wrong layout (no packet is 128 MiB). */
const MOST_LIKELY_ORIGINAL = 128 << 20;

export class PcapParser extends CaptureParser {
  private readonly littleEndian: boolean;
  private readonly unitsPerSecond: number;
  /** Multiplier from the file's fraction unit to nanoseconds. */
  private readonly toNanoseconds: number;
  private recordHeaderBytes: number;
  /** Layouts the records may have, tried on the first of them (null once chosen, or when the magic says). */
  private layouts: RecordLayout[] | null;
  /** Where a record header holds the captured and the original length (the older order swaps them). */
  private capturedAt = 8;
  private originalAt = 12;
  /** Version 2.3: each record's lengths in either order, the captured one never the larger. */
  private eitherOrder = false;
  private snaplen = 0;
  private maxCaplen = STANDARD_MAX_SNAPLEN;
  private linktype = 0;

  constructor(
    info: CaptureFileInfo,
    onRecord: RecordCallback,
    readonly variant: PcapVariant,
  ) {
    super(info, onRecord);
    this.littleEndian = variant.littleEndian;
    this.unitsPerSecond = variant.nanosecond ? 1e9 : 1e6;
    this.toNanoseconds = variant.nanosecond ? 1 : 1000;
    this.recordHeaderBytes = variant.modified ? 24 : 16;
    this.layouts = variant.modified ? [SS991029, SS990915] : variant.nanosecond ? null : [STANDARD, SS990417, NOKIA];
    this.describe(variant.modified ? SS991029 : STANDARD);
  }

  private describe(layout: RecordLayout): void {
    const v = this.variant;
    const kind = `${layout.name === '' ? '' : `${layout.name}, `}${v.nanosecond ? 'nanosecond' : 'microsecond'}`;
    this.info.formatDetail = `pcap (${kind}, ${v.littleEndian ? 'little' : 'big'}-endian)`;
  }

  /**
   * What is wrong with the first records (at most RECORDS_TRIED, as far as `end`) read with
   * `layout`: a sub-second field of a million microseconds or more, an empty packet, a time a year
   * from the record before, a captured length past what any record may hold or past the snapshot
   * length or the original length, an original length no packet has, and what the layout's own
   * fields show. None for the right layout, mostly.
   */
  private layoutProblems(view: DataView, pos: number, end: number, layout: RecordLayout): number {
    const le = this.littleEndian;
    let problems = 0;
    let at = pos;
    let previous = -1;
    for (let r = 0; r < RECORDS_TRIED && end - at >= layout.bytes; r++) {
      const captured = view.getUint32(at + this.capturedAt, le);
      const original = view.getUint32(at + this.originalAt, le);
      const impossible = captured > this.maxCaplen;
      const seconds = view.getUint32(at, le);
      if (view.getUint32(at + 4, le) >= 1e6) problems++;
      // Records read out of step land in packet bytes, often zeros: no packet is empty on the
      // wire, and the first records of a capture are not a year apart.
      if (original === 0) problems++;
      if (previous >= 0 && Math.abs(seconds - previous) > YEAR_SECONDS) problems++;
      previous = seconds;
      if (impossible) problems++;
      // A snapshot length of 0 sets no limit (some writers mean so).
      if (this.snaplen > 0 && captured > this.snaplen) problems++;
      if (original > MOST_LIKELY_ORIGINAL) problems++;
      if (captured > original && !this.eitherOrder) problems++;
      problems += layout.extra(view, at, le);
      if (impossible) break;
      at += layout.bytes + captured;
    }
    return problems;
  }

  /** The layout the first records make most sense in (the first of the best, the usual one on a tie). */
  private chooseLayout(view: DataView, pos: number, end: number, layouts: RecordLayout[]): RecordLayout {
    let best = layouts[0]!;
    let fewest = Number.POSITIVE_INFINITY;
    for (const layout of layouts) {
      const problems = this.layoutProblems(view, pos, end, layout);
      if (problems < fewest) {
        best = layout;
        fewest = problems;
      }
      if (problems === 0) break;
    }
    return best;
  }

  private badFractions = 0;

  /** One warning for the first record whose sub-second field is out of range, a count for the rest. */
  private noteBadFraction(record: number, offset: number): void {
    this.badFractions++;
    const unit = this.unitsPerSecond === 1e9 ? 'nanoseconds' : 'microseconds';
    const message = (n: number) =>
      `${this.info.file}: record ${count(record)} at byte ${count(offset)} has a sub-second field of ${unit} out of range` +
      (n > 1 ? ` (${count(n)} records in all)` : '') +
      '; it was carried into the seconds, so its time may be wrong';
    if (this.badFractions === 1) {
      this.badFractionWarning = this.info.warnings.length;
      this.info.warnings.push(message(1));
    } else {
      const first = this.info.warnings[this.badFractionWarning]!;
      this.info.warnings[this.badFractionWarning] = first.replace(
        / \([\d,]+ records in all\)|(?=; it was carried)/,
        ` (${count(this.badFractions)} records in all)`,
      );
    }
  }

  private badFractionWarning = -1;

  /** Why a record longer than `maxCaplen` cannot be right: the snapshot length, or the reader's cap when that is smaller. */
  private whyTooLong(): string {
    return this.maxCaplen < this.snaplen
      ? `more than the ${count(this.maxCaplen)} bytes any record is read up to (the file's snapshot length, ${count(this.snaplen)}, sets no limit)`
      : `the file's snapshot length is ${count(this.snaplen)}`;
  }

  protected headerName(): string {
    return '24-byte pcap file header';
  }

  protected describeCut(remaining: number): string {
    return `the file ends ${count(remaining)} bytes into it`;
  }

  private readHeader(view: DataView, pos: number, base: number): void {
    const le = this.littleEndian;
    const major = view.getUint16(pos + 4, le);
    const minor = view.getUint16(pos + 6, le);
    const snaplen = view.getUint32(pos + 16, le);
    const linkField = view.getUint32(pos + 20, le);
    const file = this.info.file;
    // libpcap (sf-pcap.c) reads any 2.x; Wireshark too, and DG/UX's 543.0. Other major versions are not pcap as we know it.
    if (major !== 2 && !(major === 543 && minor === 0)) {
      this.fail('unsupported-version', base + pos + 4, `${file}: pcap version ${major}.${minor} is not supported (only version 2.x is)`);
    }
    if ((linkField & LINKTYPE_RESERVED_MASK) !== 0) {
      this.fail(
        'unsupported-version',
        base + pos + 20,
        `${file}: the pcap header's link-type field has reserved bits set (0x${linkField.toString(16)}): not a file libpcap writes`,
      );
    }
    if (major === 543 || minor < 3) {
      // Before 2.3 a record gave its original length first (DG/UX's tcpdump wrote 543.0 so).
      this.capturedAt = 12;
      this.originalAt = 8;
      this.layouts = null;
      this.info.warnings.push(
        `${file}: pcap version ${major}.${minor}: its records give the original length before the captured one, read so`,
      );
    } else if (minor === 3) {
      this.eitherOrder = true;
      this.layouts = null;
      this.info.warnings.push(
        `${file}: pcap version 2.3: a record whose captured length is larger than its original length is read with the two the other way round`,
      );
    } else if (minor !== 4) this.info.warnings.push(`${file}: pcap version 2.${minor} is not the usual 2.4; read as 2.4`);
    this.snaplen = snaplen;
    this.linktype = linkField & LINKTYPE_MASK;
    // A snapshot length of 0 means "no limit" to some writers; records may exceed small snaplens
    // (libpcap reads them), so only max(snaplen, 256 KiB) is impossible — capped so a bogus
    // header cannot make the reader buffer gigabytes.
    this.maxCaplen = Math.min(Math.max(snaplen, STANDARD_MAX_SNAPLEN), MAX_RECORD_BYTES);
    this.info.interfaces.push({
      id: 0,
      linktype: this.linktype,
      snaplen,
      name: null,
      description: null,
      os: null,
      hardware: null,
      tsresol: null,
      tsUnitsPerSecond: this.unitsPerSecond,
      tsOffset: 0,
    });
    this.info.linktypes.push(this.linktype);
    this.record.linktype = this.linktype;
    this.record.interfaceId = 0;
    this.atStart = false;
  }

  parse(bytes: Uint8Array, view: DataView, pos: number, end: number, base: number): number {
    if (this.atStart) {
      if (end - pos < FILE_HEADER_BYTES) {
        this.need = FILE_HEADER_BYTES;
        return pos;
      }
      this.readHeader(view, pos, base);
      pos += FILE_HEADER_BYTES;
    }
    const layouts = this.layouts;
    if (layouts !== null) {
      // Chosen on the records at hand when the first are (a pipe's first bytes may hold fewer).
      this.layouts = null;
      const layout = this.chooseLayout(view, pos, end, layouts);
      this.recordHeaderBytes = layout.bytes;
      this.describe(layout);
    }
    const capturedAt = this.capturedAt;
    const originalAt = this.originalAt;
    const eitherOrder = this.eitherOrder;
    const le = this.littleEndian;
    const headerBytes = this.recordHeaderBytes;
    const maxCaplen = this.maxCaplen;
    const units = this.unitsPerSecond;
    const toNs = this.toNanoseconds;
    const record = this.record;
    const onRecord = this.onRecord;
    // The record points into this window; no view is made per record.
    record.bytes = bytes;
    let packets = this.packets;
    let totalBytes = this.bytes;
    let wireBytes = this.wireBytes;
    let start = this.start;
    let last = this.end;
    let previous = this.previous;
    let damaged = -1;
    // Totals are kept in locals and stored once on the way out; a callback that throws ends the
    // read, so totals it leaves behind are never reported.
    for (;;) {
      if (end - pos < headerBytes) {
        this.need = headerBytes;
        break;
      }
      let caplen = view.getUint32(pos + capturedAt, le);
      let origlen = view.getUint32(pos + originalAt, le);
      if (eitherOrder && caplen > origlen) [caplen, origlen] = [origlen, caplen];
      if (caplen > maxCaplen) {
        damaged = caplen;
        break;
      }
      const total = headerBytes + caplen;
      if (end - pos < total) {
        this.need = total;
        break;
      }
      let sec = view.getUint32(pos, le);
      let frac = view.getUint32(pos + 4, le);
      if (frac >= units) {
        // Out-of-range fraction (tcpdump's timestamp_invalid tests): carry it into the seconds,
        // and say so once — the packet's time is a guess.
        const carry = Math.floor(frac / units);
        sec += carry;
        frac -= carry * units;
        this.noteBadFraction(packets + 1, base + pos);
      }
      const nsec = frac * toNs;
      const ts = sec + nsec / 1e9;
      packets++;
      totalBytes += caplen;
      wireBytes += origlen;
      if (caplen < origlen) this.noteCut(caplen);
      if (ts < start) start = ts;
      if (ts > last) last = ts;
      // Time order: one comparison a record; counting is off the path.
      if (ts < previous) this.noteEarlier(packets);
      previous = ts;
      record.index = packets;
      record.offset = base + pos;
      record.tsSec = sec;
      record.tsNsec = nsec;
      record.ts = ts;
      record.caplen = caplen;
      record.origlen = origlen;
      record.dataOffset = pos + headerBytes;
      pos += total;
      onRecord(record);
    }
    this.packets = packets;
    this.bytes = totalBytes;
    this.wireBytes = wireBytes;
    this.start = start;
    this.end = last;
    this.previous = previous;
    if (damaged >= 0) this.damage('bad-record-length', base + pos, `claims ${count(damaged)} bytes; ${this.whyTooLong()}`);
    return pos;
  }
}
