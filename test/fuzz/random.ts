/**
 * The fuzzer's randomness: mulberry32, seeded, so that a (seed, case) pair always makes the same
 * input and a failure can be replayed from the two numbers alone.
 */

export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A generator for one case of a run: independent of every other case's. */
  static forCase(seed: number, caseNumber: number): Rng {
    // splitmix-style mixing of the two numbers, so neighbouring cases start far apart
    let h = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(caseNumber + 1, 0x85ebca6b)) >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
    h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
    return new Rng(h ^ (h >>> 16));
  }

  /** Uniform in [0, 2^32). */
  u32(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform in [0, n). */
  below(n: number): number {
    return n <= 0 ? 0 : Math.floor((this.u32() / 4294967296) * n);
  }

  /** Uniform in [lo, hi]. */
  between(lo: number, hi: number): number {
    return lo + this.below(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.u32() / 4294967296 < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from nothing');
    return items[this.below(items.length)]!;
  }

  /** One of `choices`, each with its weight. */
  weighted<T>(choices: readonly (readonly [number, T])[]): T {
    const total = choices.reduce((s, [w]) => s + w, 0);
    let r = this.below(total);
    for (const [w, value] of choices) {
      if (r < w) return value;
      r -= w;
    }
    return choices[choices.length - 1]![1];
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.u32() & 0xff;
    return out;
  }

  /** A 32-bit value a parser is likely to mishandle: edges, powers of two, or the value nearby. */
  interesting32(near?: number): number {
    const edges = [0, 1, 2, 3, 4, 7, 8, 12, 16, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];
    if (near !== undefined && this.chance(0.5)) return (near + this.between(-16, 16)) >>> 0;
    if (this.chance(0.3)) return (1 << this.below(31)) >>> 0;
    return this.pick(edges);
  }

  interesting16(near?: number): number {
    const edges = [0, 1, 2, 4, 7, 8, 20, 40, 0x7f, 0x80, 0xff, 0x100, 0x5dc, 0x7fff, 0x8000, 0xfffe, 0xffff];
    if (near !== undefined && this.chance(0.5)) return (near + this.between(-16, 16)) & 0xffff;
    return this.pick(edges);
  }

  interesting8(): number {
    return this.pick([0, 1, 2, 4, 5, 6, 0x0f, 0x10, 0x3f, 0x40, 0x7f, 0x80, 0xc0, 0xfe, 0xff]);
  }
}
