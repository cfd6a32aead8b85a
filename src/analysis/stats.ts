/** Small robust statistics used across the analysis (medians, MAD); inputs are never mutated. */

/** Up to this many values are sorted by insertion in a reused array (no typed array to create). */
const SMALL_SAMPLE = 32;
const smallSorted: number[] = new Array<number>(SMALL_SAMPLE).fill(0);

export function median(values: readonly number[]): number | null {
  const n = values.length;
  if (n === 0) return null;
  const mid = n >> 1;
  if (n <= SMALL_SAMPLE) {
    let ordered = true;
    for (let i = 0; i < n; i++) {
      const v = values[i]!;
      if (v !== v) {
        ordered = false; // NaN: sorted last, as below
        break;
      }
      let j = i;
      while (j > 0 && smallSorted[j - 1]! > v) {
        smallSorted[j] = smallSorted[j - 1]!;
        j--;
      }
      smallSorted[j] = v;
    }
    if (ordered) return n % 2 === 1 ? smallSorted[mid]! : (smallSorted[mid - 1]! + smallSorted[mid]!) / 2;
  }
  // The array constructor copies an array directly; `from` walks it through the iterator protocol.
  const sorted = new Float64Array(values).sort();
  return n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Median absolute deviation from the median. */
export function mad(values: readonly number[]): number | null {
  const m = median(values);
  if (m === null) return null;
  return median(values.map((v) => Math.abs(v - m)));
}

/** Initial TTLs in common use (Linux/macOS 64, Windows 128, network gear 255; old stacks 32). */
const INITIAL_TTLS = [32, 64, 128, 255];

/** The initial TTL a received TTL most likely started from. */
export function initialTtl(ttl: number): number {
  for (const initial of INITIAL_TTLS) if (ttl <= initial) return initial;
  return 255;
}

/** Router hops between the sender and the capture point, from a received TTL. */
export function hopsFromTtl(ttl: number): number {
  return initialTtl(ttl) - ttl;
}

export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** "0.3 ms", "32 ms", "1.2 s" */
export function formatDelay(seconds: number): string {
  const ms = seconds * 1000;
  if (ms < 1) return `${round(ms, 2)} ms`;
  if (ms < 10) return `${round(ms, 1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${round(seconds, 1)} s`;
}

/** "32 s", "1.5 s", "4 min", "2.1 h" */
export function formatSeconds(seconds: number): string {
  if (seconds < 10) return `${round(seconds, 1)} s`;
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${round(seconds / 60, 1)} min`;
  return `${round(seconds / 3600, 1)} h`;
}

export function plural(n: number, word: string, words = `${word}s`): string {
  return `${count(n)} ${n === 1 ? word : words}`;
}

/** "1,000": whole numbers with thousands separators, whatever the locale. */
export function count(n: number): string {
  return Number.isInteger(n) && Math.abs(n) >= 1000 ? n.toLocaleString('en-US') : String(n);
}

/** A rate per second as an analyst reads it: "0.08", "14.6", "14,600" (at most 3 significant digits when large). */
export function formatRate(perSecond: number, digits = 2): string {
  if (perSecond >= 100) return count(Number(perSecond.toPrecision(3)));
  if (perSecond >= 10) return String(round(perSecond, 1));
  return String(round(perSecond, digits));
}
