/** The renderer contract: a pure function from findings to text. */

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
}

export type Renderer<T> = (value: T, options: RenderOptions) => string;
