/** Wording shared by the capture readers' one-line warnings and errors. */
import { count } from '../quantities.js';

/** '1 record before it was read' / '3 records before it were read'. */
export function recordsBefore(n: number): string {
  return n === 1 ? '1 record before it was read' : `${count(n)} records before it were read`;
}

export function hex32(n: number): string {
  return '0x' + (n >>> 0).toString(16).padStart(8, '0');
}
