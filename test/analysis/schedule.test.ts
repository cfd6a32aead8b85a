import { describe, expect, it } from 'vitest';
import { analyzeSchedule } from '../../src/analysis/index.js';
import { naturalBreak, schedulePeriodic, sequentialPorts } from '../../src/analysis/schedule.js';
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
