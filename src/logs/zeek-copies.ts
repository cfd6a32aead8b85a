/**
 * Rows seen twice across Zeek logs: the same conn.log given twice, rotated logs that overlap (a
 * cluster's logger restarted and wrote the last hour again, a copy of the last hour in two
 * folders). A row is known by what makes it that row — its `uid`, time and, for conn.log, its
 * 5-tuple; for dns.log the query, for http.log the request — and a row an earlier log file of
 * the same type already had is dropped and counted (`dup.seen-in-earlier-log`) in the file that
 * repeats it. Within one file nothing is a copy.
 *
 * Memory: the packets' `DuplicateFilter`, over each log type's files in reading order, keyed by
 * a fingerprint of the row. A row is kept only while a later file of its type can still repeat
 * it: Zeek writes a conn.log row when the connection is removed (its end plus the inactivity
 * timeout, five minutes for TCP by default), so rows are in order of their end time within that
 * much; a later file's rows start near the end time of its first row, which its first bytes tell.
 */
import { DuplicateFilter } from '../duplicates.js';

/** How far apart in time a row and its copy may be seen, seconds: three times Zeek's `tcp_inactivity_timeout`. */
export const LOG_COPY_WINDOW = 15 * 60;

export const COPY_REASON = 'dup.seen-in-earlier-log';

/** A file as the filters see it: in reading order, with the time of its first row. */
export interface LogInOrder<F> {
  file: F;
  /** The end time of its first row; null when its first bytes do not tell; NaN when it has no row. */
  first: number | null;
}

export class LogCopies<F> {
  private readonly byType = new Map<string, { filter: DuplicateFilter; position: Map<F, number> }>();

  /** `order`: per log type, the files that may hold its rows, in the order they are read. */
  constructor(order: ReadonlyMap<string, readonly LogInOrder<F>[]>) {
    for (const [logType, files] of order) {
      // one file of a type: nothing to compare, nothing kept
      if (files.length < 2) continue;
      this.byType.set(logType, {
        filter: new DuplicateFilter(
          files.map((f) => f.first),
          LOG_COPY_WINDOW,
        ),
        position: new Map(files.map((f, i) => [f.file, i])),
      });
    }
  }

  /** `file` is about to be read for the rows of `types`. */
  start(file: F, types: ReadonlySet<string>): void {
    for (const [logType, { filter, position }] of this.byType) {
      const at = position.get(file);
      if (at !== undefined && types.has(logType)) filter.startInput(at);
    }
  }

  /** The filter for rows of `logType`, null when only one file may hold them. */
  of(logType: string): DuplicateFilter | null {
    return this.byType.get(logType)?.filter ?? null;
  }
}
