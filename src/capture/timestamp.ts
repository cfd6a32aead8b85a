/**
 * pcapng timestamps: a 64-bit count of if_tsresol units (draft-ietf-opsawg-pcapng §4.2:
 * 10^-n or 2^-n seconds) split into two 32-bit words, plus if_tsoffset whole seconds.
 * Converted exactly to seconds + nanoseconds with Number arithmetic (16-bit long division),
 * falling back to BigInt only for resolutions where that cannot be exact.
 */

const TWO_32 = 4294967296;

/** How one interface's timestamps are turned into seconds and nanoseconds. */
export interface TimestampScale {
  /** Units per second, 10^n or 2^n. */
  units: number;
  /** 'decimal' (10^n, n ≤ 9), 'binary' (2^n, n ≤ 23) or 'bigint' (anything else, exact but slow). */
  method: 'decimal' | 'binary' | 'bigint';
  /** decimal: units → ns multiplier; binary: n. */
  factor: number;
  /** if_tsoffset, whole seconds. */
  offset: number;
  /** Units per second as a BigInt, for the 'bigint' method. */
  bigUnits: bigint;
}

/** The scale for an if_tsresol byte (absent: 6, microseconds) and if_tsoffset. */
export function timestampScale(tsresol: number, offset: number): TimestampScale {
  if (tsresol & 0x80) {
    const n = tsresol & 0x7f;
    return { units: 2 ** n, method: n <= 23 ? 'binary' : 'bigint', factor: n, offset, bigUnits: 1n << BigInt(n) };
  }
  const n = tsresol;
  return { units: 10 ** n, method: n <= 9 ? 'decimal' : 'bigint', factor: n <= 9 ? 10 ** (9 - n) : 0, offset, bigUnits: 10n ** BigInt(n) };
}

/** Result of the last conversion (reused, no allocation per packet). */
export const converted = { sec: 0, nsec: 0 };

/** Converts the 64-bit unit count hi:lo into `converted`. */
export function convertTimestamp(hi: number, lo: number, scale: TimestampScale): void {
  if (scale.method === 'decimal') {
    const units = scale.units;
    let sec: number;
    let rem: number;
    if (hi < 0x200000) {
      // hi:lo < 2^53: one exact Number; the division may round up by one, so correct it.
      const v = hi * TWO_32 + lo;
      sec = Math.floor(v / units);
      rem = v - sec * units;
      if (rem < 0) {
        sec -= 1;
        rem += units;
      } else if (rem >= units) {
        sec += 1;
        rem -= units;
      }
    } else {
      // Long division by 16-bit digits: every intermediate stays below 2^46, so exact.
      let cur = hi >>> 16;
      let q = Math.floor(cur / units);
      rem = cur - q * units;
      cur = rem * 65536 + (hi & 0xffff);
      let d = Math.floor(cur / units);
      rem = cur - d * units;
      q = q * 65536 + d;
      cur = rem * 65536 + (lo >>> 16);
      d = Math.floor(cur / units);
      rem = cur - d * units;
      q = q * 65536 + d;
      cur = rem * 65536 + (lo & 0xffff);
      d = Math.floor(cur / units);
      rem = cur - d * units;
      sec = q * 65536 + d;
    }
    converted.sec = sec + scale.offset;
    converted.nsec = rem * scale.factor;
    return;
  }
  if (scale.method === 'binary') {
    const n = scale.factor;
    // v / 2^n: whole seconds are hi * 2^(32-n) + (lo >>> n); the fraction is lo's low n bits.
    const sec = hi * 2 ** (32 - n) + (n === 0 ? lo : Math.floor(lo / 2 ** n));
    const frac = n === 0 ? 0 : lo % 2 ** n;
    converted.sec = sec + scale.offset;
    // frac < 2^23, so frac * 1e9 < 2^53 and the floor is exact.
    converted.nsec = Math.floor((frac * 1e9) / 2 ** n);
    return;
  }
  const v = (BigInt(hi) << 32n) | BigInt(lo);
  const units = scale.bigUnits;
  const sec = v / units;
  const frac = v % units;
  converted.sec = Number(sec) + scale.offset;
  converted.nsec = Number((frac * 1_000_000_000n) / units);
}
