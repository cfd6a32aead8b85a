/**
 * What the pcap and pcapng push parsers share: the reused record, the running totals of the
 * file info, and how damage stops a read.
 *
 * A parser is fed a window of bytes and parses only whole records in it; when a record is not
 * all there it answers with `need` (bytes wanted from where it stopped) instead of throwing, and
 * it always moves on by the record's declared length (mcap's parse.ts idea), so the same parser
 * serves a file read in large chunks and a stream read a few bytes at a time.
 */
import { CaptureError } from './types.js';
import type { CaptureErrorCode, CaptureFileInfo, RecordCallback } from './types.js';
import { ReusedRecord } from './record.js';
import { count } from '../quantities.js';
import { recordsBefore } from './messages.js';

/** Largest record or block the reader will buffer; anything claiming more is damage. */
export const MAX_RECORD_BYTES = 128 << 20;

export function newRecord(): ReusedRecord {
  return new ReusedRecord();
}

export function newInfo(file: string, format: CaptureFileInfo['format'], compressed: CaptureFileInfo['compressed']): CaptureFileInfo {
  return {
    file,
    format,
    formatDetail: format,
    compressed,
    fileSize: null,
    uncompressedSize: null,
    writtenBy: null,
    interfaces: [],
    linktypes: [],
    packets: 0,
    bytes: 0,
    wireBytes: 0,
    cutRecords: 0,
    cutTo: 0,
    start: null,
    end: null,
    earlierRecords: 0,
    firstEarlierRecord: null,
    untimedRecords: 0,
    warnings: [],
    damage: null,
  };
}

export abstract class CaptureParser {
  readonly record: ReusedRecord = newRecord();
  /** Bytes wanted from the position `parse` returned before it can move on. */
  need = 0;
  /** Set once damage stopped the read. */
  stopped = false;
  /** True until the file header (pcap) or first section header (pcapng) has been read. */
  protected atStart = true;

  // Running totals, copied into `info` by `syncInfo` (kept as plain number fields for the hot loop).
  protected packets = 0;
  protected bytes = 0;
  protected wireBytes = 0;
  protected cutRecords = 0;
  protected cutTo = 0;
  protected start = Number.POSITIVE_INFINITY;
  protected end = Number.NEGATIVE_INFINITY;
  /** The previous record's time, and the records earlier than the one before them (time order). */
  protected previous = Number.NEGATIVE_INFINITY;
  protected earlier = 0;
  protected firstEarlier = 0;

  constructor(
    readonly info: CaptureFileInfo,
    protected readonly onRecord: RecordCallback,
  ) {}

  /**
   * Parses the whole records in `bytes[pos, end)`, where `bytes[0]` is at file offset `base`;
   * returns the position it stopped at. Throws CaptureError only while the file's header is
   * unreadable; later damage sets `stopped` and `info.damage`.
   */
  abstract parse(bytes: Uint8Array, view: DataView, pos: number, end: number, base: number): number;

  /** How the record or block the input ended inside was cut, `remaining` of its bytes being there. */
  protected abstract describeCut(remaining: number): string;

  /** The input ended with `remaining` unparsed bytes at file offset `offset`. */
  finish(remaining: number, offset: number): void {
    if (!this.stopped) {
      if (this.atStart) {
        this.fail('truncated', offset, `${this.info.file}: the file ends ${count(remaining)} bytes into its ${this.headerName()}`);
      }
      if (remaining > 0) this.damage('truncated', offset, `is cut short: ${this.describeCut(remaining)}`);
    }
    this.syncInfo();
  }

  protected abstract headerName(): string;

  /**
   * The input broke off (a damaged gzip stream, a read error) with the record at `offset` not
   * complete; `why` completes "is cut short: …".
   */
  inputFailed(code: CaptureErrorCode, offset: number, why: string): void {
    if (this.stopped) return;
    if (this.atStart) this.fail(code, offset, `${this.info.file}: ${why} before the ${this.headerName()} was read`);
    this.damage(code, offset, `is cut short: ${why}`);
  }

  /** The file cannot be read at all. */
  protected fail(code: CaptureErrorCode, offset: number | null, message: string): never {
    throw new CaptureError(code, this.info.file, message, offset, null);
  }

  /** Reading stops at the record (or block) at `offset`; what came before stands. */
  protected damage(code: CaptureErrorCode, offset: number, what: string): void {
    const record = this.packets + 1;
    const where = this.info.compressed ? 'byte (uncompressed)' : 'byte';
    const message =
      `${this.info.file}: record ${count(record)} at ${where} ${count(offset)} ${what}` +
      ` — reading stopped there, ${recordsBefore(this.packets)}`;
    this.info.damage = { code, offset, record, message };
    this.info.warnings.push(message);
    this.stopped = true;
    this.syncInfo();
  }

  /** Copies the running totals into `info`. */
  syncInfo(): void {
    const info = this.info;
    info.packets = this.packets;
    info.bytes = this.bytes;
    info.wireBytes = this.wireBytes;
    info.cutRecords = this.cutRecords;
    info.cutTo = this.cutTo;
    info.start = this.start <= this.end ? this.start : null;
    info.end = this.start <= this.end ? this.end : null;
    info.earlierRecords = this.earlier;
    info.firstEarlierRecord = this.earlier > 0 ? this.firstEarlier : null;
  }

  /** A record captured shorter than it was on the wire, to `caplen` bytes: off the per-record path, called only then. */
  protected noteCut(caplen: number): void {
    this.cutRecords++;
    if (caplen > this.cutTo) this.cutTo = caplen;
  }

  /** Record `record` is earlier than the one before it: off the per-record path, called only then. */
  protected noteEarlier(record: number): void {
    if (this.earlier++ === 0) this.firstEarlier = record;
  }
}
