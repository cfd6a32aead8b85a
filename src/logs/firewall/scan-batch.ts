/** What the worker reading a large firewall log (netfilter-worker.ts) posts to the thread that makes its attempts (read.ts). */

/** Bytes the worker reads at a time: a batch is the whole lines of one read (and the line the read before cut). */
export const SCAN_BATCH_BYTES = 1 << 18;

export interface ScanBatch {
  /** Whole lines, each with its line end. */
  bytes: Uint8Array;
  /** Where each line's LF is in `bytes` (the next line starts after it). */
  ends: Int32Array;
  /** Each line's scan (SCAN_SLOTS a line), where `read` is 1. */
  scans: Int32Array;
  /** 1 where the line is ASCII and scanned as a netfilter LOG line, 0 where it is to be read as text. */
  read: Uint8Array;
  /** Bytes of the first line left out of `bytes`: a line longer than any log writes is kept only by its beginning (KEPT_BYTES). */
  cut: number;
}

export interface ScanEnd {
  /** What follows the file's last line end, or null when nothing does. */
  tail: Uint8Array | null;
  /** Bytes of it left out of `tail` (as ScanBatch.cut). */
  cut: number;
}
