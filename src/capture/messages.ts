/** Wording shared by the capture readers' one-line warnings and errors. */

/** 1234567 → '1,234,567' (the style of capinfos and of callhome's messages). */
export function formatCount(n: number): string {
  return Math.trunc(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** '1 record before it was read' / '3 records before it were read'. */
export function recordsBefore(n: number): string {
  return n === 1 ? '1 record before it was read' : `${formatCount(n)} records before it were read`;
}

export function hex32(n: number): string {
  return '0x' + (n >>> 0).toString(16).padStart(8, '0');
}
