/** ANSI styles for the terminal renderers; a no-op unless colour was asked for. */
import type { Label } from '../analysis/types.js';

export type Style = 'bold' | 'dim' | 'red' | 'green' | 'yellow' | 'blue' | 'magenta' | 'cyan';

const CODES: Record<Style, [number, number]> = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  magenta: [35, 39],
  cyan: [36, 39],
};

export function paint(text: string, style: Style, color: boolean): string {
  if (!color || text === '') return text;
  const [open, close] = CODES[style];
  return `\x1b[${open}m${text}\x1b[${close}m`;
}

/** Colour of each label: the ones that need action are red. */
export const LABEL_STYLE: Record<Label, Style> = {
  'proxy-bypass': 'red',
  blocked: 'red',
  periodic: 'yellow',
  'via-proxy': 'green',
  scanner: 'magenta',
  flood: 'magenta',
  'dns-tunnel': 'red',
};
