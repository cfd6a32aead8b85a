/** Small robust statistics used across the analysis (medians, MAD); inputs are never mutated. */

/** Up to this many values are sorted by insertion into a reused typed array (sortedValues). */
const SMALL_SORT = 64;
const sortScratch = new Float64Array(SMALL_SORT);

/**
 * An array whose first `values.length` entries are `values` in ascending order, as
 * `new Float64Array(values).sort()` orders them. A few values are sorted by insertion into a
 * reused buffer — the typed array's own sort costs microseconds a call however short the list,
 * and the schedules of a busy network's hosts make tens of thousands of calls —, which is
 * returned as it is (no view made): read no further than `values.length`, and before the next call
 * (of it or of `median`, which sorts with it).
 */
export function sortedValues(values: readonly number[]): Float64Array {
  const n = values.length;
  if (n <= SMALL_SORT) {
    let plain = true;
    for (let i = 0; i < n; i++) {
      const v = values[i]!;
      // NaN and −0 are left to the typed array's sort (NaN last, −0 before +0).
      if (v !== v || (v === 0 && 1 / v < 0)) {
        plain = false;
        break;
      }
      let j = i;
      while (j > 0 && sortScratch[j - 1]! > v) {
        sortScratch[j] = sortScratch[j - 1]!;
        j--;
      }
      sortScratch[j] = v;
    }
    if (plain) return sortScratch;
  }
  return new Float64Array(values).sort();
}

/**
 * `values` sorted (sortedValues) in an array of their own, for passes that read the same values
 * sorted several times: a long series is sorted once. Undefined for a few values, which
 * sortedValues sorts into its shared buffer faster than an array of their own is made.
 */
export function keptSorted(values: readonly number[]): Float64Array | undefined {
  return values.length > SMALL_SORT ? sortedValues(values) : undefined;
}

/** The median of `values`; `sorted`, where given, is keptSorted(values). */
export function median(values: readonly number[], sorted: Float64Array = sortedValues(values)): number | null {
  const n = values.length;
  if (n === 0) return null;
  const mid = n >> 1;
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
