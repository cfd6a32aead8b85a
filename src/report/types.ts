/** The renderer contract: a pure function from findings to text. */
import type { Connection } from '../flows/connection.js';
import type { Clock } from '../time.js';

export interface RenderOptions {
  /** ANSI colour (the CLI decides from the TTY, NO_COLOR and --no-color). */
  color: boolean;
  /** Terminal columns, for wrapping and table width. */
  width?: number;
  /**
   * List every host (--all-hosts). By default hosts without findings are only counted, by what
   * they did, so that a network of thousands of hosts reads in one page.
   */
  allHosts?: boolean;
  /**
   * Where the input's times count from, for a renderer told before it has the captures' summaries
   * (`flows`, streamed): `boot` for a dmesg without -T, whose times are seconds since the kernel
   * booted and no dates. Dates by default.
   */
  clock?: Clock;
}

export type Renderer<T> = (value: T, options: RenderOptions) => string;

/**
 * A renderer of a long document as its lines (without line ends): the CLI writes them a batch at
 * a time, never holding the document — a report of thousands of hosts — as one string.
 */
export type LinesRenderer<T> = (value: T, options: RenderOptions) => Iterable<string>;

/** The renderer of the document of `lines`, each line ended by a newline. */
export function joined<T>(lines: LinesRenderer<T>): Renderer<T> {
  return (value, options) => `${[...lines(value, options)].join('\n')}\n`;
}

/** The connections a report counts by state: an array, or the store `analyze` keeps them in. */
export type ReportConnections = Iterable<Connection> & { readonly length: number };
