import { describe, expect, it } from 'vitest';
import { analyzeSchedule } from '../../src/analysis/index.js';
import { naturalBreak, schedulePeriodic, sequentialPorts, twoLevelBreak } from '../../src/analysis/schedule.js';
import type { ScheduleBasis } from '../../src/analysis/types.js';
import { random } from './support.js';

function bursts(count: number, size: number, period: number, seed = 1, jitter = 1): { times: number[]; ports: number[] } {
  const rnd = random(seed);
  const times: number[] = [];
  const ports: number[] = [];
  let port = 2_480;
  for (let b = 0; b < count; b++) {
    const start = 100 + b * period + (rnd() - 0.5) * jitter;
    for (let i = 0; i < size; i++) {
      times.push(start + i * (0.8 + rnd() * 0.4));
      ports.push(port);
      port += rnd() < 0.15 ? 2 : 1;
    }
  }
  return { times, ports };
}

/** Event times whose gaps follow `pattern` over and over, each gap off by up to ±`spread` of itself (a timer's wobble). */
function gapped(pattern: readonly number[], cycles: number, spread: number, seed: number): { times: number[]; ports: number[] } {
  const rnd = random(seed);
  const times = [50];
  for (let c = 0; c < cycles; c++) for (const gap of pattern) times.push(times[times.length - 1]! + gap * (1 + (rnd() * 2 - 1) * spread));
  return { times, ports: times.map((_, i) => 33_000 + i) };
}

/** Times of `count` events whose gaps `gap()` draws. */
function drawn(count: number, gap: () => number): number[] {
  let t = 0;
  return Array.from({ length: count }, () => (t += gap()));
}

describe('schedule', () => {
  it('finds bursts of 14 every 32 s with jitter, and rising source ports', () => {
    const { times, ports } = bursts(10, 14, 32);
    const s = analyzeSchedule(times, ports, 'failed attempts');
    expect(s.periodic).toBe(true);
    expect(s.periodSeconds).toBeGreaterThan(32 * 0.95);
    expect(s.periodSeconds).toBeLessThan(32 * 1.05);
    expect(s.burstSize).toBe(14);
    expect(s.bursts).toBe(10);
    expect(s.burstRate).toBeGreaterThan(0.8);
    expect(s.burstRate).toBeLessThan(1.2);
    expect(s.sequentialPorts).toBe(true);
    expect(s.score).toBeGreaterThan(0.8);
    expect(s.evidence).toMatch(/bursts of 14 attempts .* every 3\d s/);
  });

  it('hands the input back in any order', () => {
    const { times, ports } = bursts(6, 5, 60);
    const reversed = analyzeSchedule([...times].reverse(), [...ports].reverse(), 'failed attempts');
    expect(reversed.periodic).toBe(true);
    expect(reversed.sequentialPorts).toBe(true);
  });

  it('a classic beacon: one connection every 60 s ± 10%', () => {
    const rnd = random(3);
    const times = Array.from({ length: 20 }, (_, i) => i * 60 + (rnd() - 0.5) * 12);
    const ports = times.map(() => 49_152 + Math.floor(rnd() * 16_000));
    const s = analyzeSchedule(times, ports, 'completed sessions');
    expect(s).toMatchObject({ periodic: true, burstSize: 1, sequentialPorts: false });
    expect(s.periodSeconds).toBeGreaterThan(57);
    expect(s.periodSeconds).toBeLessThan(63);
  });

  it('random traffic is not periodic', () => {
    const rnd = random(11);
    let t = 0;
    const times = Array.from({ length: 200 }, () => (t += -Math.log(1 - rnd()) * 20));
    const s = analyzeSchedule(times, null, 'completed sessions');
    expect(s.periodic).toBe(false);
    expect(s.score).toBeLessThan(0.45);
  });

  it('a short capture with four bursts is still periodic; two bursts are not enough', () => {
    const four = bursts(4, 14, 32, 5);
    expect(analyzeSchedule(four.times, four.ports, 'failed attempts').periodic).toBe(true);
    const two = bursts(2, 14, 32, 5);
    const s = analyzeSchedule(two.times, two.ports, 'failed attempts');
    expect(s.periodic).toBe(false);
    expect(s.evidence).toMatch(/too few repetitions/);
    expect(analyzeSchedule([1, 2], null, 'failed attempts').evidence).toMatch(/too few/);
  });

  it('a fast steady rate is a rate, not a schedule', () => {
    const times = Array.from({ length: 500 }, (_, i) => i * 0.005);
    const s = analyzeSchedule(times, null, 'failed attempts');
    expect(s.periodic).toBe(false);
    expect(s.evidence).toMatch(/steady rate/);
  });

  it('finds burst trains on top of the bursts', () => {
    const times: number[] = [];
    for (let train = 0; train < 3; train++) {
      for (let b = 0; b < 5; b++) for (let i = 0; i < 3; i++) times.push(train * 3_600 + b * 30 + i);
    }
    const s = analyzeSchedule(times, null, 'failed attempts');
    expect(s.periodic).toBe(true);
    expect(s.periodSeconds).toBe(30);
    expect(s.cycleSeconds).toBe(3_600);
  });

  it('requests on one keep-alive connection every 8 s', () => {
    const times = Array.from({ length: 30 }, (_, i) => 5 + i * 8 + (i % 3) * 0.2);
    const s = analyzeSchedule(times, null, 'requests in one connection');
    expect(s.periodic).toBe(true);
    expect(s.periodSeconds).toBeCloseTo(8, 0);
    expect(s.evidence).toMatch(/^one request every 8(\.\d)? s/);
  });

  it('three tries 3 s apart, then 10 s quiet: bursts of 3 every 16 s', () => {
    const { times, ports } = gapped([3, 3, 10], 6, 0.03, 31);
    const s = analyzeSchedule(times, ports, 'failed attempts');
    expect(s).toMatchObject({ periodic: true, burstSize: 3, sequentialPorts: true });
    expect(s.periodSeconds).toBeGreaterThan(15);
    expect(s.periodSeconds).toBeLessThan(17);
    expect(s.pauseSeconds).toBeGreaterThan(9);
    expect(s.pauseSeconds).toBeLessThan(11);
    expect(s.burstRate).toBeCloseTo(1 / 3, 1);
    expect(s.jitter).toBeLessThan(0.05);
    expect(s.cycleSeconds).toBeNull();
    expect(s.evidence).toMatch(/bursts of 3 attempts .* every 16 s/);
    expect(schedulePeriodic(times, ports, 'failed attempts')).toBe(true);
    // The same agent in a firewall log, on a whole-second clock.
    const logged = analyzeSchedule(times.map(Math.round), null, 'failed attempts');
    expect(logged).toMatchObject({ periodic: true, burstSize: 3, periodSeconds: 16 });
  });

  it('two tries 2 s apart, then 6 s quiet: bursts of 2 every 8 s', () => {
    const { times } = gapped([2, 6], 8, 0.04, 32);
    const s = analyzeSchedule(times, null, 'completed sessions');
    expect(s).toMatchObject({ periodic: true, burstSize: 2 });
    expect(s.periodSeconds).toBeGreaterThan(7.5);
    expect(s.periodSeconds).toBeLessThan(8.5);
    expect(s.pauseSeconds).toBeGreaterThan(5.5);
    expect(s.pauseSeconds).toBeLessThan(6.5);
    expect(s.jitter).toBeLessThan(0.06);
    expect(schedulePeriodic(times, null, 'completed sessions')).toBe(true);
  });

  it('gaps in two loose levels (3 and 10 s, each ±40 %) are no schedule', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const { times, ports } = gapped([3, 3, 10], 8, 0.4, seed);
      const s = analyzeSchedule(times, ports, 'failed attempts');
      expect(s.periodic, `seed ${seed}`).toBe(false);
      expect(s.burstSize, `seed ${seed}`).toBe(1);
    }
  });

  it('random spacing shows no two levels and stays no schedule: uniform 3–9 s, Poisson arrivals, browsing', () => {
    const rnd = random(41);
    const gapsOf = (times: readonly number[]): number[] => times.slice(1).map((t, i) => t - times[i]!);
    for (let k = 0; k < 300; k++) {
      const count = 10 + (k % 40);
      // Uniform 3–9 s is a 6 s beacon with a ±50 % random jitter once it keeps it up (MAX_JITTER_MANY), in single events.
      const uniform = drawn(count, () => 3 + rnd() * 6);
      expect(twoLevelBreak(gapsOf(uniform)), `uniform ${k}`).toBeNull();
      expect(analyzeSchedule(uniform, null, 'completed sessions').burstSize, `uniform ${k}`).toBe(1);
      const poisson = drawn(count, () => -Math.log(1 - rnd()) * 8);
      expect(twoLevelBreak(gapsOf(poisson)), `poisson ${k}`).toBeNull();
      expect(analyzeSchedule(poisson, null, 'completed sessions').periodic, `poisson ${k}`).toBe(false);
      // Page loads a fraction of a second apart, then a person reading for 3 s to 5 min.
      const browsing = drawn(count, () => (rnd() < 0.7 ? 0.02 + rnd() * 0.6 : 3 * 100 ** rnd()));
      expect(twoLevelBreak(gapsOf(browsing)), `browsing ${k}`).toBeNull();
      // The same on a firewall log's whole-second clock.
      expect(twoLevelBreak(gapsOf(browsing.map(Math.round)), 1), `browsing ${k}`).toBeNull();
      expect(twoLevelBreak(gapsOf(uniform.map(Math.round)), 1), `uniform ${k}`).toBeNull();
    }
  });

  it('a beacon that misses beats now and then is still one event every 60 s', () => {
    const rnd = random(43);
    const times: number[] = [];
    // A timer to a tenth of a second that misses two beats at a time: those gaps are three times the rest, as tight.
    for (let i = 0; i < 40; i++) if (![5, 6, 17, 18, 33, 34].includes(i)) times.push(i * 60 + (rnd() * 2 - 1) * 0.1);
    const s = analyzeSchedule(times, null, 'completed sessions');
    expect(s).toMatchObject({ periodic: true, burstSize: 1 });
    expect(s.periodSeconds).toBeCloseTo(60, -1);
  });

  it('natural breaks ignore near-simultaneous attempts', () => {
    expect(naturalBreak([0.001, 1, 1.1, 0.9, 1, 18, 1, 1, 18])).toBeGreaterThan(1.1);
    expect(naturalBreak([60, 61, 59, 62])).toBeNull();
  });

  it('source ports: rising with small skips, reused, random', () => {
    expect(sequentialPorts([2480, 2481, 2482, 2484, 2485]).sequential).toBe(true);
    expect(sequentialPorts([3000, 3000, 3000]).sequential).toBe(false);
    expect(sequentialPorts([51234, 40123, 61001, 33456]).sequential).toBe(false);
  });

  it('schedulePeriodic says of a series what analyzeSchedule says of its being periodic', () => {
    const bases: ScheduleBasis[] = ['failed attempts', 'completed sessions', 'requests in one connection', 'DNS lookups'];
    const rnd = random(21);
    let periodic = 0;
    for (let k = 0; k < 3_000; k++) {
      const size = 1 + Math.floor(rnd() * 4);
      const count = 2 + Math.floor(rnd() * 24);
      const period = [0.3, 1, 4, 30, 300][Math.floor(rnd() * 5)]!;
      const series = bursts(count, size, period, k, period * rnd() * 0.8);
      // Whole seconds (a firewall log's clock) for some; some given out of order.
      const times = rnd() < 0.3 ? series.times.map(Math.round) : series.times;
      if (rnd() < 0.1) times.reverse();
      const ports = rnd() < 0.5 ? series.ports : null;
      const basis = bases[k % bases.length]!;
      const expected = analyzeSchedule(times, ports, basis).periodic;
      if (expected) periodic++;
      expect(schedulePeriodic(times, ports, basis), `series ${k}`).toBe(expected);
    }
    // Both answers are met often.
    expect(periodic).toBeGreaterThan(300);
    expect(periodic).toBeLessThan(2_700);
  });
});

describe('beats missed and days apart', () => {
  /** A beat every `period` s ± `wobble` s over `slots` slots, the slots in `missed` left out. */
  function beacon(slots: number, period: number, wobble: number, missed: ReadonlySet<number>, seed: number): number[] {
    const rnd = random(seed);
    const times: number[] = [];
    for (let k = 0; k < slots; k++) if (!missed.has(k)) times.push(1_000 + k * period + (rnd() * 2 - 1) * wobble);
    return times;
  }

  it('a beat every 5 min with a few beats missed here and there is still every 5 min', () => {
    for (const missed of [new Set([3, 9, 14, 22]), new Set([2, 5, 8, 13, 17, 25])]) {
      const times = beacon(30, 300, 3, missed, 7);
      const s = analyzeSchedule(times, null, 'failed attempts');
      expect(s.periodic, [...missed].join(',')).toBe(true);
      expect(s.periodSeconds).toBeGreaterThan(297);
      expect(s.periodSeconds).toBeLessThan(303);
      expect(schedulePeriodic(times, null, 'failed attempts')).toBe(true);
    }
  });

  it('a beat every 5 min in office hours on several days is that beat in spells; a retry loop a second apart stays bursts', () => {
    const day = (d: number, n: number, every: number): number[] => Array.from({ length: n }, (_, i) => 1_000 + d * 86_400 + i * every);
    const spells = analyzeSchedule(
      [0, 1, 2, 3].flatMap((d) => day(d, 12, 300)),
      null,
      'failed attempts',
    );
    expect([spells.periodSeconds, spells.burstSize, spells.cycleSeconds]).toEqual([300, 1, 86_400]);
    expect(spells.evidence).toMatch(/^one attempt every 5 min .*in spells that repeat every 1 d$/);
    // Twenty tries a second apart, once a day: a retry loop's bursts, not a beat of a second.
    const retries = analyzeSchedule(
      [0, 1, 2, 3].flatMap((d) => day(d, 20, 1)),
      null,
      'failed attempts',
    );
    expect([retries.burstSize, retries.periodSeconds]).toEqual([20, 86_400]);
    // Thirty seconds apart is still a burst's rate.
    expect(
      analyzeSchedule(
        [0, 1, 2, 3].flatMap((d) => day(d, 12, 30)),
        null,
        'failed attempts',
      ).burstSize,
    ).toBe(12);
  });

  it('random arrivals stay no schedule, their long gaps near multiples of the median or not', () => {
    let periodic = 0;
    for (let seed = 1; seed <= 400; seed++) {
      const rnd = random(seed);
      if (
        analyzeSchedule(
          drawn(30, () => -Math.log(1 - rnd()) * 300),
          null,
          'failed attempts',
        ).periodic
      )
        periodic++;
    }
    expect(periodic).toBeLessThanOrEqual(2);
  });

  it('a back-off that doubles its wait is no schedule of missed beats', () => {
    const times = drawn(
      14,
      (() => {
        let wait = 1;
        return () => (wait *= 2);
      })(),
    );
    expect(analyzeSchedule(times, null, 'failed attempts').periodic).toBe(false);
  });

  it('a beat every 5 min during an hour on each of two days is every 5 min, not two bursts', () => {
    const day = [...beacon(12, 300, 0, new Set(), 1), ...beacon(12, 300, 0, new Set(), 1).map((t) => t + 86_400)];
    const s = analyzeSchedule(day, null, 'failed attempts');
    expect(s.periodic).toBe(true);
    expect(s.periodSeconds).toBe(300);
    expect(s.burstSize).toBe(1);
  });

  it('two bursts of a retry loop a second apart stay two bursts: a burst’s rate is no schedule', () => {
    const loop = [...Array.from({ length: 12 }, (_, i) => 1_000 + i), ...Array.from({ length: 12 }, (_, i) => 4_600 + i)];
    const s = analyzeSchedule(loop, null, 'failed attempts');
    expect(s.periodic).toBe(false);
    expect(s.burstSize).toBe(12);
  });
});
