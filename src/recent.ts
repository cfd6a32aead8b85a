/**
 * What was seen last per key, good for `window` seconds after its time (`timeOf`); older entries
 * are swept out as the map grows — a scan's million responders, or a capture's unmatched ICMP
 * errors, would fill it otherwise.
 */
export class Recent<T> {
  private readonly last = new Map<string, T>();
  private sweepAt: number;

  constructor(
    private readonly window: number,
    private readonly timeOf: (value: T) => number,
    /** Entries held before the map is first swept. */
    private readonly sweepFrom = 4096,
  ) {
    this.sweepAt = sweepFrom;
  }

  /** How many entries are held, those past their window not yet swept included. */
  get size(): number {
    return this.last.size;
  }

  /** The value at `key` when `now` is at most `window` after its time. */
  get(key: string, now: number): T | undefined {
    const value = this.last.get(key);
    return value !== undefined && now - this.timeOf(value) <= this.window ? value : undefined;
  }

  /** `value` at `key`; `now`, the time of what is at hand, tells what to sweep out. */
  set(key: string, value: T, now: number): void {
    if (this.last.size >= this.sweepAt) {
      for (const [k, v] of this.last) if (now - this.timeOf(v) > this.window) this.last.delete(k);
      this.sweepAt = Math.max(this.sweepFrom, this.last.size * 2);
    }
    this.last.set(key, value);
  }

  delete(key: string): void {
    this.last.delete(key);
  }
}
