/** The renderer contract: a pure function from findings to text. */

export interface RenderOptions {
  /** ANSI colour (the CLI decides from the TTY, NO_COLOR and --no-color). */
  color: boolean;
  /** Terminal columns, for wrapping and table width. */
  width?: number;
}

export type Renderer<T> = (value: T, options: RenderOptions) => string;
