/**
 * Shared types of the capture stage: what a reader yields and what it reports about a file.
 *
 * A reader calls back once per packet record with one reused `CaptureRecord`; its captured
 * bytes lie in the reader's buffer (`bytes` from `dataOffset`, `caplen` of them) and are valid
 * only until the callback returns. Copy what you keep.
 */

/** Container format, by magic number. */
export type CaptureFormat = 'pcap' | 'pcapng';

/** One packet record as read from the file. Reused between callbacks. */
export interface CaptureRecord {
  /** 1-based record number within the file (packet records only). */
  index: number;
  /** Byte offset of the record header in the (decompressed) file. */
  offset: number;
  /** Whole seconds since the epoch. */
  tsSec: number;
  /** Nanoseconds within the second, 0..999,999,999. */
  tsNsec: number;
  /** Seconds since the epoch as a float (tsSec + tsNsec / 1e9); microsecond-exact. */
  ts: number;
  /** Bytes captured (data.length). */
  caplen: number;
  /** Bytes on the wire. */
  origlen: number;
  /** LINKTYPE_* of the interface the packet was captured on. */
  linktype: number;
  /** Interface index within the file (pcapng IDB order across sections; 0 for pcap). */
  interfaceId: number;
  /**
   * The buffer the captured bytes lie in, with other records around them: read only
   * `bytes[dataOffset, dataOffset + caplen)`. Valid only during the callback.
   */
  bytes: Uint8Array;
  /** Where the captured bytes start in `bytes`. */
  dataOffset: number;
  /**
   * The captured bytes as a view of their own, made on request (readers make no view per
   * record); valid only during the callback.
   */
  readonly data: Uint8Array;
}

/**
 * One capture interface: pcapng's Interface Description Block (§4.2), or the pcap file header.
 * Strings are as the file has them (hostile text: cleaned where they are shown).
 */
export interface CaptureInterface {
  id: number;
  linktype: number;
  /** Snapshot length; 0: none given. */
  snaplen: number;
  /** if_name, if_description, if_os, if_hardware (pcapng), null when absent. */
  name: string | null;
  description: string | null;
  os: string | null;
  hardware: string | null;
  /** The if_tsresol byte when the option is present (pcapng), else null. */
  tsresol: number | null;
  /** Timestamp units per second (1e6 for µs, 1e9 for ns, 2^n for binary resolutions). */
  tsUnitsPerSecond: number;
  /** if_tsoffset in seconds (pcapng), 0 otherwise. */
  tsOffset: number;
}

/** The Section Header Block's shb_hardware, shb_os and shb_userappl options (pcapng §4.1). */
export interface CaptureWriter {
  hardware: string | null;
  os: string | null;
  application: string | null;
}

/** What the reader learned about a file (filled as it reads; final after the read resolves). */
export interface CaptureFileInfo {
  file: string;
  format: CaptureFormat;
  /** e.g. 'pcap (microsecond, little-endian)' — for humans. */
  formatDetail: string;
  compressed: 'gzip' | null;
  /** Bytes on disk (compressed bytes for gzip; the length of bytes read from memory); null for standard input and pipes. */
  fileSize: number | null;
  /** gzip: bytes of capture data after decompression, as far as it was read; null otherwise. */
  uncompressedSize: number | null;
  /** What the first pcapng section says wrote the file; null for pcap or a section that says nothing. */
  writtenBy: CaptureWriter | null;
  interfaces: CaptureInterface[];
  /** Distinct link types in interface order. */
  linktypes: number[];
  /** Packet records read. */
  packets: number;
  /** Sum of captured lengths. */
  bytes: number;
  /** Sum of original (wire) lengths. */
  wireBytes: number;
  /** Packet records captured shorter than they were on the wire (a snapshot length), and the longest of those. */
  cutRecords: number;
  cutTo: number;
  /** First and last packet timestamps (float seconds), null for an empty file. */
  start: number | null;
  end: number | null;
  /**
   * Records whose time is earlier than the record before them (capinfos's "strict time order"
   * is false when this is not 0), and the number of the first such record (null when none).
   */
  earlierRecords: number;
  firstEarlierRecord: number | null;
  /** Records without a time of their own (pcapng Simple Packet Blocks take the previous one's). */
  untimedRecords: number;
  /** One-line warnings: damage after a readable start, oddities. Already user-readable. */
  warnings: string[];
  /**
   * Set when reading stopped early because of damage after a readable start (records before it
   * were delivered). The message is the same one-line text as in `warnings`.
   */
  damage: { code: CaptureErrorCode; offset: number; record: number; message: string } | null;
}

/** File-level failure codes. Per-packet problems are never thrown. */
export type CaptureErrorCode = 'not-a-capture' | 'unsupported-version' | 'truncated' | 'bad-record-length' | 'bad-block' | 'io';

/**
 * A capture could not be read (from the start, or from some point on). The message is one
 * line naming the file, the byte offset and the record number where that applies.
 */
export class CaptureError extends Error {
  constructor(
    readonly code: CaptureErrorCode,
    readonly file: string,
    message: string,
    readonly offset: number | null = null,
    readonly record: number | null = null,
  ) {
    super(message);
    this.name = 'CaptureError';
  }
}

export type RecordCallback = (record: CaptureRecord) => void;
