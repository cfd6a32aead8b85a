/**
 * conn.log read side by side with its dns, http and ssl logs (zeek-lockstep.ts): when a conn.log
 * row may be joined, in what order rows are handed on, and how far each reader runs ahead.
 */
import { describe, expect, it } from 'vitest';
import type { Connection } from '../../src/flows/connection.js';
import { AHEAD, JOIN_SLACK, Lockstep, WAITING_MAX, reachOf } from '../../src/logs/zeek-lockstep.js';
import { random } from '../analysis/support.js';

/** A conn.log row as the lockstep sees it: its uid and end. */
const row = (uid: string, end: number) => ({ uid, ts: end - 1, lastTs: end }) as Connection;

/** A lockstep whose side logs have each given their first rows, stamped 1 and 2 (a first row alone is not taken: it may be a stray). */
function lockstep(sides: number) {
  const joined: string[] = [];
  const ls = new Lockstep(sides, (c) => joined.push(c.uid));
  for (let k = 0; k < sides; k++) {
    ls.sideRow(k, 1);
    ls.sideRow(k, 2);
  }
  return { ls, joined };
}

describe('conn.log beside its side logs', () => {
  it('a conn.log row is joined once every side log has given a row stamped past its end and the slack', () => {
    const { ls, joined } = lockstep(2);
    ls.connRow(row('C1', 1000));
    // A query nobody answered is logged when it times out: rows stamped after the connection's
    // end may come before it, and its conn.log row waits.
    ls.sideRow(0, 1000 + 60);
    ls.sideRow(1, 1000 + 60);
    void ls.connPause();
    expect(joined).toEqual([]);
    ls.sideRow(0, 1000 + JOIN_SLACK + 1);
    ls.sideRow(1, 1000 + JOIN_SLACK - 1);
    void ls.connPause();
    // dns.log is past it; http.log is not
    expect(joined).toEqual([]);
    ls.sideRow(1, 1000 + JOIN_SLACK + 1);
    void ls.sidePause(1);
    expect(joined).toEqual(['C1']);
    // a side log read to its end waits for nothing
    const other = lockstep(1);
    other.ls.connRow(row('C2', 5000));
    other.ls.sideEnd(0);
    expect(other.joined).toEqual(['C2']);
  });

  it("rows are handed on in the conn.log's order: one ready waits for an earlier one that is not", () => {
    const { ls, joined } = lockstep(1);
    ls.sideRow(0, 500 + JOIN_SLACK + 1);
    ls.connRow(row('Clong', 4000)); // a long connection, written as it ends
    ls.connRow(row('Cshort', 400));
    void ls.connPause();
    expect(joined).toEqual([]);
    ls.sideRow(0, 4000 + JOIN_SLACK + 1);
    void ls.sidePause(0);
    expect(joined).toEqual(['Clong', 'Cshort']);
  });

  it('one side row stamped years off is not taken as the log having got there; two in a row are', () => {
    const { ls, joined } = lockstep(1);
    ls.connRow(row('C1', 1000));
    ls.sideRow(0, 100);
    ls.sideRow(0, 1e10); // a damaged packet's time
    ls.sideRow(0, 200);
    void ls.connPause();
    expect(joined).toEqual([]);
    // a log that does go on years later (a capture of two days far apart)
    ls.sideRow(0, 1e10);
    ls.sideRow(0, 1e10 + 1);
    void ls.connPause();
    expect(joined).toEqual(['C1']);
  });

  it('a side log waits while it is further ahead than the rows waiting need, and reads on when they catch up', async () => {
    const { ls, joined } = lockstep(1);
    ls.connRow(row('C1', 1000));
    ls.sideRow(0, 1000 + JOIN_SLACK + AHEAD + 10);
    const wait = ls.sidePause(0);
    expect(wait).not.toBeNull();
    expect(joined).toEqual(['C1']);
    let going = false;
    void wait!.then(() => (going = true));
    await Promise.resolve();
    expect(going).toBe(false);
    ls.connRow(row('C2', 1020));
    expect(ls.connPause()).toBeNull();
    await Promise.resolve();
    expect(going).toBe(true);
    expect(joined).toEqual(['C1', 'C2']);
  });

  it('the conn.log waits while WAITING_MAX of its rows wait, and reads on once they are joined', async () => {
    const { ls, joined } = lockstep(1);
    for (let i = 0; i < WAITING_MAX; i++) ls.connRow(row(`C${i}`, 1000 + i));
    const wait = ls.connPause();
    expect(wait).not.toBeNull();
    expect(ls.waitingRows).toBe(WAITING_MAX);
    ls.sideRow(0, 1000 + JOIN_SLACK + 100);
    expect(ls.sidePause(0)).toBeNull();
    await wait;
    expect(joined).toHaveLength(100);
    expect(ls.waitingRows).toBe(WAITING_MAX - 100);
    ls.finish();
    expect(joined).toHaveLength(WAITING_MAX);
  });

  it('a row of no time is joined at once and holds none after it', () => {
    const { ls, joined } = lockstep(1);
    ls.sideRow(0, 100);
    ls.connRow({ uid: 'Cnan', ts: Number.NaN, lastTs: Number.NaN } as Connection);
    ls.connRow(row('C1', 50 - JOIN_SLACK));
    expect(joined).toEqual(['Cnan', 'C1']);
    expect(ls.sidePause(0)).toBeNull();
  });

  it('readers of random logs, read a random number of rows at a time, end; every row is joined once, in order, never before its side rows were read', async () => {
    for (let seed = 1; seed <= 40; seed++) {
      const rand = random(seed);
      const sides = 1 + Math.floor(rand() * 3);
      // Each log mostly in time order, with rows out of order, rows of no time and strays years off.
      const times = (n: number) => {
        const out: number[] = [];
        let t = 1_000_000 + rand() * 5000;
        for (let i = 0; i < n; i++) {
          t += rand() * 30;
          const r = rand();
          out.push(r < 0.02 ? Number.NaN : r < 0.04 ? t + 1e8 : r < 0.2 ? t - rand() * 2000 : t);
        }
        return out;
      };
      const sideTimes = Array.from({ length: sides }, () => times(Math.floor(rand() * 3000)));
      // (some of them past WAITING_MAX rows, for the conn.log to wait on its side logs)
      const connRows = seed % 8 === 0 ? WAITING_MAX + Math.floor(rand() * 5000) : Math.floor(rand() * 3000);
      const conns = times(connRows).map((end, i) => row(`C${i}`, end));
      const seen = sideTimes.map(() => -Infinity);
      const ended = sideTimes.map(() => false);
      const joined: string[] = [];
      const early: string[] = [];
      let finished = false;
      const ls = new Lockstep(sides, (c) => {
        joined.push(c.uid);
        const end = Number.isFinite(c.lastTs) ? c.lastTs : -Infinity;
        if (!finished && seen.some((t, k) => !ended[k] && !(t > end + JOIN_SLACK))) early.push(c.uid);
      });
      const chunk = () => 1 + Math.floor(rand() * 400);
      const sideReader = async (k: number) => {
        const ts = sideTimes[k]!;
        for (let i = 0; i < ts.length;) {
          for (const end = Math.min(ts.length, i + chunk()); i < end; i++) {
            if (ts[i]! > seen[k]!) seen[k] = ts[i]!;
            ls.sideRow(k, ts[i]!);
          }
          const wait = ls.sidePause(k);
          if (wait) await wait;
        }
        ended[k] = true;
        ls.sideEnd(k);
      };
      const connReader = async () => {
        for (let i = 0; i < conns.length;) {
          for (const end = Math.min(conns.length, i + chunk()); i < end; i++) ls.connRow(conns[i]!);
          const wait = ls.connPause();
          if (wait) await wait;
        }
        ls.connEnd();
      };
      let timer: NodeJS.Timeout | undefined;
      const stuck = new Promise<string>((resolve) => (timer = setTimeout(() => resolve('stuck'), 5000)));
      const done = Promise.all([...sideTimes.map((_, k) => sideReader(k)), connReader()]).then(() => 'done');
      expect(await Promise.race([done, stuck]), `seed ${seed}`).toBe('done');
      clearTimeout(timer);
      finished = true;
      ls.finish();
      expect(joined, `seed ${seed}`).toEqual(conns.map((c) => c.uid));
      expect(early, `seed ${seed}`).toEqual([]);
    }
  });
});

describe("the order a log's files were written in", () => {
  const hour = 3600;
  it.each([
    ['rows in time order: the last', [10, 20, 30], 30],
    ['rows written late first, stamped an hour before: the rows after them', [-hour + 5, -hour + 9, 10, 20, 30], 30],
    ['one row stamped years off among them: not taken', [10, 20, 6 * 365 * 86400, 30], 30],
    ['a stray first row: the next', [6 * 365 * 86400, 10, 20], 20],
    ['one row: its own', [42], 42],
    ['no row with a time', [Number.NaN], Number.NaN],
  ])('%s', (_, times, reach) => {
    expect(reachOf(times)).toBe(reach);
  });
});
