/**
 * pcapng (draft-ietf-opsawg-pcapng): a sequence of sections, each a Section Header Block with
 * its own byte order, then Interface Description Blocks and packet blocks. Packets come from
 * Enhanced (§4.3), Simple (§4.4) and the obsolete Packet Block (Appendix A); every other block
 * (NRB, ISB, DSB, custom, systemd journal, unknown) is skipped by its declared length.
 */
import { CaptureParser, MAX_RECORD_BYTES } from './parser.js';
import type { CaptureErrorCode, CaptureFileInfo, CaptureInterface, CaptureWriter, RecordCallback } from './types.js';
import { count } from '../quantities.js';
import { hex32 } from './messages.js';
import { PCAPNG_SHB } from './sniff.js';
import { convertTimestamp, converted, timestampScale } from './timestamp.js';
import type { TimestampScale } from './timestamp.js';
import { CAPTURE_TIME_RANGE, fromEpoch, isCaptureTime } from '../time.js';

const BLOCK_IDB = 0x00000001;
const BLOCK_PB = 0x00000002;
const BLOCK_SPB = 0x00000003;
const BLOCK_EPB = 0x00000006;

const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

/** Block type + total length at the front, total length again at the back. */
const BLOCK_FRAME_BYTES = 12;
const SHB_MIN_BYTES = 28;
const IDB_MIN_BYTES = 20;
/** Also the obsolete Packet Block's: its 16-bit interface ID and drops count fill EPB's 32-bit ID. */
const EPB_MIN_BYTES = 32;
const SPB_MIN_BYTES = 16;

const OPT_ENDOFOPT = 0;
// Section Header Block options (§4.1).
const OPT_SHB_HARDWARE = 2;
const OPT_SHB_OS = 3;
const OPT_SHB_USERAPPL = 4;
// Interface Description Block options (§4.2).
const OPT_IF_NAME = 2;
const OPT_IF_DESCRIPTION = 3;
const OPT_IF_TSRESOL = 9;
const OPT_IF_OS = 12;
const OPT_IF_TSOFFSET = 14;
const OPT_IF_HARDWARE = 15;

/** if_tsresol absent: microseconds (§4.2). */
const DEFAULT_TSRESOL = 6;

const utf8 = new TextDecoder('utf-8', { fatal: false });

export class PcapngParser extends CaptureParser {
  private littleEndian = true;
  private sections = 0;
  private readonly byteOrders = new Set<string>();
  /** Global id of the current section's first interface; interface ids in blocks are per section. */
  private sectionFirstInterface = 0;
  private sectionInterfaces = 0;
  // Per interface (global id), flat for the per-packet path.
  private readonly ifLinktype: number[] = [];
  private readonly ifSnaplen: number[] = [];
  private readonly ifScale: TimestampScale[] = [];
  /** Simple Packet Blocks carry no timestamp: they take the previous packet's (0 before any). */
  private lastSec = 0;
  private lastNsec = 0;
  private pendingType = 0;
  private untimed = 0;

  constructor(info: CaptureFileInfo, onRecord: RecordCallback) {
    super(info, onRecord);
    info.formatDetail = 'pcapng';
  }

  protected headerName(): string {
    return 'pcapng section header block';
  }

  protected describeCut(remaining: number): string {
    return this.need > BLOCK_FRAME_BYTES
      ? `the file ends ${count(remaining)} bytes into a ${count(this.need)}-byte ${blockName(this.pendingType)}`
      : `the file ends ${count(remaining)} bytes into a block header`;
  }

  /** Damage at the first section header makes the file unreadable; later, reading stops there. */
  private blockDamage(code: CaptureErrorCode, offset: number, what: string): void {
    if (this.atStart) this.fail(code, offset, `${this.info.file}: not a readable pcapng file: the block at byte ${count(offset)} ${what}`);
    this.damage(code, offset, what);
  }

  parse(bytes: Uint8Array, view: DataView, pos: number, end: number, base: number): number {
    const record = this.record;
    const onRecord = this.onRecord;
    for (;;) {
      if (end - pos < BLOCK_FRAME_BYTES) {
        this.need = BLOCK_FRAME_BYTES;
        return pos;
      }
      let le = this.littleEndian;
      const type = view.getUint32(pos, le);
      if (type === PCAPNG_SHB) {
        // The section's byte order is whatever makes the byte-order magic read right (§4.1).
        const magic = view.getUint32(pos + 8, true);
        if (magic === BYTE_ORDER_MAGIC) le = true;
        else if (magic === 0x4d3c2b1a) le = false;
        else {
          this.blockDamage('bad-block', base + pos, `has no valid byte-order magic (${hex32(magic)})`);
          return pos;
        }
      }
      const length = view.getUint32(pos + 4, le);
      if (length < BLOCK_FRAME_BYTES || length % 4 !== 0 || length > MAX_RECORD_BYTES) {
        const why =
          length % 4 !== 0
            ? 'not a multiple of 4'
            : length < BLOCK_FRAME_BYTES
              ? 'less than the 12-byte minimum'
              : 'more than any block can hold';
        this.blockDamage('bad-block', base + pos, `is ${aBlock(type)} claiming ${count(length)} bytes, ${why}`);
        return pos;
      }
      if (end - pos < length) {
        this.need = length;
        this.pendingType = type;
        return pos;
      }
      const trailer = view.getUint32(pos + length - 4, le);
      if (trailer !== length) {
        this.blockDamage(
          'bad-block',
          base + pos,
          `is ${aBlock(type)} whose leading length (${count(length)}) and trailing length (${count(trailer)}) differ`,
        );
        return pos;
      }
      if (type === BLOCK_EPB || type === BLOCK_PB) {
        if (length < EPB_MIN_BYTES) {
          this.blockDamage('bad-block', base + pos, `is ${aBlock(type)} of ${count(length)} bytes, shorter than its fixed fields`);
          return pos;
        }
        const localId = type === BLOCK_EPB ? view.getUint32(pos + 8, le) : view.getUint16(pos + 8, le);
        if (localId >= this.sectionInterfaces) {
          this.blockDamage('bad-block', base + pos, `refers to interface ${localId}, but its section declares ${this.sectionInterfaces}`);
          return pos;
        }
        const caplen = view.getUint32(pos + 20, le);
        if (caplen > length - EPB_MIN_BYTES) {
          this.blockDamage(
            'bad-record-length',
            base + pos,
            `claims ${count(caplen)} captured bytes in a ${count(length)}-byte ${blockName(type)}`,
          );
          return pos;
        }
        const id = this.sectionFirstInterface + localId;
        convertTimestamp(view.getUint32(pos + 12, le), view.getUint32(pos + 16, le), this.ifScale[id]!);
        this.lastSec = converted.sec;
        this.lastNsec = converted.nsec;
        this.fillRecord(bytes, pos, 28, base, id, caplen, view.getUint32(pos + 24, le), true);
        pos += length;
        onRecord(record);
        continue;
      }
      if (type === BLOCK_SPB) {
        if (!this.simplePacket(bytes, view, pos, length, base, le)) return pos;
        pos += length;
        onRecord(record);
        continue;
      }
      if (type === PCAPNG_SHB) {
        if (!this.sectionHeader(bytes, view, pos, length, base, le)) return pos;
      } else if (type === BLOCK_IDB) {
        if (!this.interfaceDescription(bytes, view, pos, length, base, le)) return pos;
      }
      pos += length;
    }
  }

  /** §4.4: the section's first interface; captured length min(original, block room, snaplen). */
  private simplePacket(bytes: Uint8Array, view: DataView, pos: number, length: number, base: number, le: boolean): boolean {
    if (length < SPB_MIN_BYTES) {
      this.blockDamage('bad-block', base + pos, `is ${aBlock(BLOCK_SPB)} of ${count(length)} bytes, shorter than its fixed fields`);
      return false;
    }
    if (this.sectionInterfaces === 0) {
      this.blockDamage('bad-block', base + pos, `is ${aBlock(BLOCK_SPB)} in a section that declares no interface`);
      return false;
    }
    const id = this.sectionFirstInterface;
    const origlen = view.getUint32(pos + 8, le);
    let caplen = Math.min(origlen, length - SPB_MIN_BYTES);
    const snaplen = this.ifSnaplen[id]!;
    if (snaplen > 0 && caplen > snaplen) caplen = snaplen;
    // The block has no time of its own: it takes the previous packet's.
    this.untimed++;
    this.fillRecord(bytes, pos, 12, base, id, caplen, origlen, false);
    return true;
  }

  /**
   * Count a packet block at `pos` and point the reused record at it (data `dataAt` bytes into
   * the block, time lastSec/lastNsec, interface `id`; `ownTime` when the block carries it). A
   * time no capture can mean is kept on the record (decode/ names it `time.out_of_range`) but
   * left out of the file's start and end.
   */
  private fillRecord(
    bytes: Uint8Array,
    pos: number,
    dataAt: number,
    base: number,
    id: number,
    caplen: number,
    origlen: number,
    ownTime: boolean,
  ): void {
    const record = this.record;
    const ts = this.lastSec + this.lastNsec / 1e9;
    record.index = ++this.packets;
    // Time order: one comparison a record; counting is off the path.
    if (ts < this.previous) this.noteEarlier(this.packets);
    this.previous = ts;
    if (!isCaptureTime(ts)) {
      this.noteOutOfRangeTime(this.packets, base + pos, ts);
    } else if (ownTime) {
      if (ts < this.start) this.start = ts;
      if (ts > this.end) this.end = ts;
    }
    this.bytes += caplen;
    this.wireBytes += origlen;
    if (caplen < origlen) this.noteCut(caplen);
    record.offset = base + pos;
    record.tsSec = this.lastSec;
    record.tsNsec = this.lastNsec;
    record.ts = ts;
    record.caplen = caplen;
    record.origlen = origlen;
    record.linktype = this.ifLinktype[id]!;
    record.interfaceId = id;
    record.bytes = bytes;
    record.dataOffset = pos + dataAt;
  }

  private outOfRangeTimes = 0;
  /** Where the warning about them stands in `info.warnings`, and its first part. */
  private outOfRangeWarning = -1;
  private firstOutOfRange = '';

  /** One warning for the first record whose time no capture can mean, a count for the rest. */
  private noteOutOfRangeTime(record: number, offset: number, ts: number): void {
    if (++this.outOfRangeTimes > 1) return;
    this.outOfRangeWarning = this.info.warnings.length;
    this.firstOutOfRange =
      `${this.info.file}: record ${count(record)} at byte ${count(offset)} has a time stamp outside ${CAPTURE_TIME_RANGE}` +
      ` (${fromEpoch(ts)})`;
    this.info.warnings.push('');
  }

  override syncInfo(): void {
    super.syncInfo();
    this.info.untimedRecords = this.untimed;
    const n = this.outOfRangeTimes;
    if (n === 0) return;
    this.info.warnings[this.outOfRangeWarning] =
      `${this.firstOutOfRange}; ${n === 1 ? 'it is' : `${count(n)} records in all are`} counted as time.out_of_range` +
      ' and left out of connections and the time span';
  }

  private sectionHeader(bytes: Uint8Array, view: DataView, pos: number, length: number, base: number, le: boolean): boolean {
    if (length < SHB_MIN_BYTES) {
      this.blockDamage('bad-block', base + pos, `claims ${count(length)} bytes, shorter than its fixed fields`);
      return false;
    }
    const major = view.getUint16(pos + 12, le);
    const minor = view.getUint16(pos + 14, le);
    // libpcap and Wireshark read 1.0, and 1.2 as written by some old tools; nothing else.
    if (major !== 1 || (minor !== 0 && minor !== 2)) {
      const what = `pcapng version ${major}.${minor} is not supported (only 1.0)`;
      if (this.atStart) this.fail('unsupported-version', base + pos, `${this.info.file}: ${what}`);
      this.damage('unsupported-version', base + pos, `starts a section of ${what}`);
      return false;
    }
    const writtenBy: CaptureWriter = { hardware: null, os: null, application: null };
    const readOption = (code: number, value: number, valueLength: number): void => {
      if (code === OPT_SHB_HARDWARE) writtenBy.hardware = optionText(bytes, value, valueLength);
      else if (code === OPT_SHB_OS) writtenBy.os = optionText(bytes, value, valueLength);
      else if (code === OPT_SHB_USERAPPL) writtenBy.application = optionText(bytes, value, valueLength);
    };
    if (!walkOptions(view, pos + 24, pos + length - 4, le, readOption)) {
      this.blockDamage('bad-block', base + pos, 'has an option that runs past the end of the block');
      return false;
    }
    // capinfos shows the first section's; so do we.
    if (this.sections === 0 && (writtenBy.hardware !== null || writtenBy.os !== null || writtenBy.application !== null)) {
      this.info.writtenBy = writtenBy;
    }
    this.littleEndian = le;
    this.sections++;
    this.byteOrders.add(le ? 'little' : 'big');
    this.sectionFirstInterface = this.ifLinktype.length;
    this.sectionInterfaces = 0;
    this.atStart = false;
    this.updateDetail();
    return true;
  }

  private interfaceDescription(bytes: Uint8Array, view: DataView, pos: number, length: number, base: number, le: boolean): boolean {
    if (length < IDB_MIN_BYTES) {
      this.blockDamage('bad-block', base + pos, `is ${aBlock(BLOCK_IDB)} of ${count(length)} bytes, shorter than its fixed fields`);
      return false;
    }
    const ifc = { name: null, description: null, os: null, hardware: null, tsresol: null } as Pick<
      CaptureInterface,
      'name' | 'description' | 'os' | 'hardware' | 'tsresol'
    >;
    let tsoffset = 0;
    const readOption = (code: number, value: number, valueLength: number): void => {
      if (code === OPT_IF_NAME) ifc.name = optionText(bytes, value, valueLength);
      else if (code === OPT_IF_DESCRIPTION) ifc.description = optionText(bytes, value, valueLength);
      else if (code === OPT_IF_OS) ifc.os = optionText(bytes, value, valueLength);
      else if (code === OPT_IF_HARDWARE) ifc.hardware = optionText(bytes, value, valueLength);
      else if (code === OPT_IF_TSRESOL && valueLength >= 1) ifc.tsresol = view.getUint8(value);
      else if (code === OPT_IF_TSOFFSET && valueLength >= 8) {
        // Signed 64-bit seconds; the high word's sign carries.
        tsoffset = le
          ? view.getInt32(value + 4, true) * 4294967296 + view.getUint32(value, true)
          : view.getInt32(value, false) * 4294967296 + view.getUint32(value + 4, false);
      }
    };
    if (!walkOptions(view, pos + 16, pos + length - 4, le, readOption)) {
      this.blockDamage('bad-block', base + pos, `is ${aBlock(BLOCK_IDB)} with an option that runs past the end of the block`);
      return false;
    }
    const linktype = view.getUint16(pos + 8, le);
    const snaplen = view.getUint32(pos + 12, le);
    const scale = timestampScale(ifc.tsresol ?? DEFAULT_TSRESOL, tsoffset);
    const id = this.ifLinktype.length;
    this.ifLinktype.push(linktype);
    this.ifSnaplen.push(snaplen);
    this.ifScale.push(scale);
    this.sectionInterfaces++;
    this.info.interfaces.push({ id, linktype, snaplen, ...ifc, tsUnitsPerSecond: scale.units, tsOffset: scale.offset });
    if (!this.info.linktypes.includes(linktype)) this.info.linktypes.push(linktype);
    return true;
  }

  private updateDetail(): void {
    const order = this.byteOrders.size > 1 ? 'mixed byte order' : `${[...this.byteOrders][0]}-endian`;
    this.info.formatDetail = this.sections > 1 ? `pcapng (${this.sections} sections, ${order})` : `pcapng (${order})`;
  }
}

/**
 * A string option (§3.5: UTF-8, not zero-terminated), as the file has it: hostile text, cleaned
 * where it is shown. Trailing NULs that some writers add are not part of it.
 */
function optionText(bytes: Uint8Array, value: number, length: number): string {
  return utf8.decode(bytes.subarray(value, value + length)).replace(/\0+$/, '');
}

/** Walks a block's options (§3.5), handing each to `onOption`; false when one runs past `end`. */
function walkOptions(
  view: DataView,
  pos: number,
  end: number,
  le: boolean,
  onOption: (code: number, value: number, length: number) => void,
): boolean {
  while (end - pos >= 4) {
    const code = view.getUint16(pos, le);
    const length = view.getUint16(pos + 2, le);
    if (code === OPT_ENDOFOPT) return true;
    if (pos + 4 + length > end) return false;
    onOption(code, pos + 4, length);
    pos += 4 + ((length + 3) & ~3);
  }
  return true;
}

function blockName(type: number): string {
  switch (type) {
    case PCAPNG_SHB:
      return 'section header block';
    case BLOCK_IDB:
      return 'interface description block';
    case BLOCK_PB:
      return 'packet block';
    case BLOCK_SPB:
      return 'simple packet block';
    case BLOCK_EPB:
      return 'enhanced packet block';
    case 0x00000004:
      return 'name resolution block';
    case 0x00000005:
      return 'interface statistics block';
    default:
      return `block of type ${hex32(type)}`;
  }
}

function aBlock(type: number): string {
  const name = blockName(type);
  return /^[aeiou]/.test(name) ? `an ${name}` : `a ${name}`;
}
