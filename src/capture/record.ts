/**
 * The record a parser reuses for every callback. Readers only point it at their buffer
 * (`bytes`, `dataOffset`): a typed-array view per record is garbage on every packet, so `data`
 * is made only when a consumer asks for it.
 */
import type { CaptureRecord } from './types.js';

const EMPTY = new Uint8Array(0);

export class ReusedRecord implements CaptureRecord {
  index = 0;
  offset = 0;
  tsSec = 0;
  tsNsec = 0;
  ts = 0;
  caplen = 0;
  origlen = 0;
  linktype = 0;
  interfaceId = 0;
  bytes: Uint8Array = EMPTY;
  dataOffset = 0;

  /** A plain Uint8Array over the captured bytes, whatever kind of array `bytes` is. */
  get data(): Uint8Array {
    const bytes = this.bytes;
    return new Uint8Array(bytes.buffer, bytes.byteOffset + this.dataOffset, this.caplen);
  }
}
