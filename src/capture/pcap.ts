/**
 * Classic libpcap files (https://wiki.wireshark.org/Development/LibpcapFileFormat,
 * draft-ietf-opsawg-pcap): a 24-byte file header, then records of a 16-byte header
 * (ts_sec, ts_usec|ts_nsec, incl_len, orig_len) and incl_len bytes. Kuznetzov's "modified"
 * format (magic a1b2cd34) adds ifindex(4), protocol(2), pkt_type(1) and a pad byte: 24-byte
 * record headers.
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

export class PcapParser extends CaptureParser {
  private readonly littleEndian: boolean;
  private readonly unitsPerSecond: number;
  /** Multiplier from the file's fraction unit to nanoseconds. */
  private readonly toNanoseconds: number;
  private readonly recordHeaderBytes: number;
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
    const kind = variant.modified ? 'modified (Kuznetzov), microsecond' : variant.nanosecond ? 'nanosecond' : 'microsecond';
    info.formatDetail = `pcap (${kind}, ${variant.littleEndian ? 'little' : 'big'}-endian)`;
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
    // libpcap (sf-pcap.c) reads any 2.x; Wireshark too. Major versions other than 2 are not pcap as we know it.
    if (major !== 2) {
      this.fail('unsupported-version', base + pos + 4, `${file}: pcap version ${major}.${minor} is not supported (only version 2.x is)`);
    }
    if ((linkField & LINKTYPE_RESERVED_MASK) !== 0) {
      this.fail(
        'unsupported-version',
        base + pos + 20,
        `${file}: the pcap header's link-type field has reserved bits set (0x${linkField.toString(16)}): not a file libpcap writes`,
      );
    }
    if (minor !== 4) this.info.warnings.push(`${file}: pcap version 2.${minor} is not the usual 2.4; read as 2.4`);
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
      const caplen = view.getUint32(pos + 8, le);
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
      const origlen = view.getUint32(pos + 12, le);
      const nsec = frac * toNs;
      const ts = sec + nsec / 1e9;
      packets++;
      totalBytes += caplen;
      wireBytes += origlen;
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
