/**
 * Schedules as they look on real networks: short captures that see only a few bursts, agents
 * and beacons that randomise their pause, and traffic that must stay non-periodic.
 */
import { describe, expect, it } from 'vitest';
import { analyzeSchedule } from '../../src/analysis/index.js';
import { shapeWords } from '../../src/analysis/schedule-words.js';
import { random } from './support.js';

/** An update agent: `count` bursts of `size` attempts about 1 s apart, ports rising by one. */
function agent(count: number, size: number, pause: (b: number) => number, seed = 1): { times: number[]; ports: number[] } {
  const rnd = random(seed);
  const times: number[] = [];
  const ports: number[] = [];
  let port = 3_100;
  let start = 50;
  for (let b = 0; b < count; b++) {
    for (let i = 0; i < size; i++) {
      times.push(start + i * (0.95 + rnd() * 0.1));
      ports.push(port++);
    }
    start += pause(b);
  }
  return { times, ports };
}

/** One connection per beat, random source ports: a beacon that sleeps `pause` between calls. */
function beacon(count: number, pause: () => number, seed = 2): { times: number[]; ports: number[] } {
  const rnd = random(seed);
  let t = 0;
  const times: number[] = [];
  for (let i = 0; i < count; i++) times.push((t += pause()));
  return { times, ports: times.map(() => 49_152 + Math.floor(rnd() * 16_000)) };
}

describe('schedules from few repetitions', () => {
  it('three alike bursts in a two-minute capture are a schedule, with the confidence said', () => {
    const { times, ports } = agent(3, 12, () => 45);
    const s = analyzeSchedule(times, ports, 'failed attempts');
    expect(s.periodic).toBe(true);
    expect(s.periodSeconds).toBeGreaterThan(45 * 0.95);
    expect(s.periodSeconds).toBeLessThan(45 * 1.05);
    expect(s.burstSize).toBe(12);
    expect(s.sequentialPorts).toBe(true);
    expect(s.repetitions).toBe(3);
    expect(s.confidence).toBeGreaterThan(0.3);
    expect(s.confidence).toBeLessThan(0.8);
    expect(s.evidence).toMatch(/3 bursts/);
  });

  it('more repetitions of the same schedule give more confidence', () => {
    const few = agent(3, 12, () => 45);
    const many = agent(20, 12, () => 45);
    const a = analyzeSchedule(few.times, few.ports, 'failed attempts');
    const b = analyzeSchedule(many.times, many.ports, 'failed attempts');
    expect(b.confidence).toBeGreaterThan(a.confidence);
    expect(b.confidence).toBeGreaterThan(0.9);
    expect(b.repetitions).toBe(20);
  });

  it('two bursts are not a schedule', () => {
    const { times, ports } = agent(2, 12, () => 45);
    const s = analyzeSchedule(times, ports, 'failed attempts');
    expect(s.periodic).toBe(false);
    expect(s.confidence).toBe(0);
    expect(s.evidence).toMatch(/too few repetitions/);
  });

  it('three bursts that do not agree in shape are not a schedule', () => {
    const sizes = [3, 12, 25];
    const times: number[] = [];
    const ports: number[] = [];
    sizes.forEach((size, b) => {
      for (let i = 0; i < size; i++) {
        times.push(b * 45 + i * (b === 1 ? 0.2 : 1));
        ports.push(5_000 + b * 100 + i);
      }
    });
    expect(analyzeSchedule(times, ports, 'failed attempts').periodic).toBe(false);
  });
});

describe('jittered schedules', () => {
  it('a beacon sleeping 200–300 s (±20 %) is periodic, and the jitter is stated', () => {
    const rnd = random(21);
    const { times, ports } = beacon(16, () => 200 + rnd() * 100);
    const s = analyzeSchedule(times, ports, 'completed sessions');
    expect(s.periodic).toBe(true);
    expect(s.periodSeconds).toBeGreaterThan(250 * 0.9);
    expect(s.periodSeconds).toBeLessThan(250 * 1.1);
    expect(s.jitter).toBeGreaterThan(0.1);
    expect(s.jitter).toBeLessThanOrEqual(0.3);
    expect(s.evidence).toMatch(/jitter ±\d+ ?%/);
  });

  it('45 ± 6 s over half an hour is periodic', () => {
    const rnd = random(5);
    const { times, ports } = beacon(40, () => 39 + rnd() * 12);
    const s = analyzeSchedule(times, ports, 'completed sessions');
    expect(s.periodic).toBe(true);
    expect(Math.abs(s.periodSeconds! - 45)).toBeLessThan(45 * 0.05);
  });

  it('an update agent whose pause is jittered ±25 % keeps its schedule', () => {
    const rnd = random(8);
    const { times, ports } = agent(8, 10, () => 60 * (0.75 + rnd() * 0.5));
    const s = analyzeSchedule(times, ports, 'failed attempts');
    expect(s.periodic).toBe(true);
    expect(s.burstSize).toBe(10);
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8])('random arrivals are not periodic (seed %i)', (seed) => {
    const rnd = random(seed * 31);
    for (const n of [4, 5, 8, 30]) {
      const { times } = beacon(n, () => -Math.log(1 - rnd()) * 60, seed);
      expect(analyzeSchedule(times, null, 'completed sessions').periodic, `${n} arrivals`).toBe(false);
    }
  });

  // A busy network holds thousands of such streams: a share that looks periodic by chance is that
  // many false beacons at the top of the report (125 of them in 86 s of the bench's busy LAN).
  it('among 3,000 streams of random arrivals, almost none is called periodic', () => {
    const rnd = random(2024);
    const called = { attempts: 0, requests: 0 };
    for (let stream = 0; stream < 3_000; stream++) {
      const n = 8 + (stream % 7);
      const times = [0];
      for (let i = 1; i < n; i++) times.push(times[i - 1]! - Math.log(1 - rnd()) * 2);
      if (analyzeSchedule(times, null, 'failed attempts').periodic) called.attempts++;
      if (analyzeSchedule(times, null, 'requests in one connection').periodic) called.requests++;
    }
    expect(called.attempts).toBeLessThan(30);
    expect(called.requests).toBeLessThan(10);
  });

  // Requests inside one interactive session (SSH, IMAP, a keep-alive web page) a dozen or so, at
  // a loose ±40 % around a few seconds: on the bench's busy LAN, three such sessions were called
  // beacons. An agent polling with a jitter that wide keeps it up for dozens of requests.
  it('a dozen loosely spaced requests in one connection are not a beacon; dozens are', () => {
    const rnd = random(4242);
    const loose = (count: number): number[] => beacon(count, () => 6 * (0.6 + rnd() * 0.8)).times;
    let wide = 0;
    let tooFew = 0;
    for (let session = 0; session < 40; session++) {
      const s = analyzeSchedule(loose(12 + (session % 5)), null, 'requests in one connection');
      if (s.jitter! <= 0.26) continue;
      wide++;
      expect(s.periodic, `session ${session}: ${s.evidence}`).toBe(false);
      if (s.evidence.includes('too few inside one connection to tell a schedule from chance')) tooFew++;
    }
    expect(wide).toBeGreaterThan(20);
    expect(tooFew).toBeGreaterThan(5);
    const agentPolling = analyzeSchedule(loose(30), null, 'requests in one connection');
    expect(agentPolling.periodic, agentPolling.evidence).toBe(true);
    expect(agentPolling.periodSeconds!).toBeGreaterThan(5);
    expect(agentPolling.periodSeconds!).toBeLessThan(7);
  });

  // A busy LAN's interactive sessions (SSH, LDAP, IMAP, keep-alive web): a dozen requests on
  // average, a few seconds apart at random. The bench's busy LAN has ten thousand such sessions
  // in six minutes, and every one that lines up by chance is a "beacon" at the top of the report.
  it('among 20,000 interactive sessions with requests at random, at most one in ten thousand reads as a beacon', () => {
    const rnd = random(9001);
    let sessions = 0;
    const beacons: string[] = [];
    while (sessions < 20_000) {
      const requests = 1 + Math.floor(-Math.log(1 - rnd()) * 11);
      const meanGap = 1.5 + rnd() * 4.5;
      const times = [0];
      for (let i = 1; i < requests; i++) times.push(times[i - 1]! - Math.log(1 - rnd()) * meanGap);
      const seen = times.filter((t) => t < 340);
      if (seen.length < 6) continue;
      sessions++;
      const s = analyzeSchedule(seen, null, 'requests in one connection');
      if (s.periodic) beacons.push(s.evidence);
    }
    expect(beacons.length, beacons.join('\n')).toBeLessThanOrEqual(2);
  });

  it('a timer inside one connection is a beacon after five requests; one loose by ±8 % after eight', () => {
    const rnd = random(31);
    const polls = (count: number, spread: number): number[] => beacon(count + 1, () => 10 * (1 - spread + 2 * spread * rnd())).times;
    const timer = analyzeSchedule(polls(5, 0.01), null, 'requests in one connection');
    expect(timer.periodic, timer.evidence).toBe(true);
    expect(timer.repetitions).toBe(6);
    const looseFew = analyzeSchedule(polls(5, 0.08), null, 'requests in one connection');
    expect(looseFew.periodic, looseFew.evidence).toBe(false);
    expect(looseFew.evidence).toContain('too few inside one connection to tell a schedule from chance');
    const looseMany = analyzeSchedule(polls(8, 0.08), null, 'requests in one connection');
    expect(looseMany.periodic, looseMany.evidence).toBe(true);
  });

  // Four sessions of a host with its file and web servers, at random: 0.7 % of such hosts came
  // within ±10 %, and a busy network has thousands of them ("one connection every 44 s (±7 %)").
  it('four connections at random times are rarely a schedule; four a timer apart are', () => {
    const rnd = random(555);
    let periodic = 0;
    for (let host = 0; host < 20_000; host++) {
      const times = Array.from({ length: 4 }, () => rnd() * 340).sort((a, b) => a - b);
      if (analyzeSchedule(times, null, 'completed sessions').periodic) periodic++;
    }
    expect(periodic / 20_000).toBeLessThan(0.002);
    const timer = beacon(4, () => 60 * (0.99 + 0.02 * rnd()));
    expect(analyzeSchedule(timer.times, timer.ports, 'completed sessions').periodic).toBe(true);
    const loose = beacon(4, () => 60 * (0.93 + 0.14 * rnd()), 9);
    const s = analyzeSchedule(loose.times, loose.ports, 'completed sessions');
    expect(s.periodic, s.evidence).toBe(false);
    expect(s.evidence).toContain('too few to tell a schedule from chance');
  });

  // Random arrivals fall into pairs and threes alike in shape, and two or three intervals between
  // them agree within ±26 % by chance: most of chance's schedules were three or four such bursts.
  it('among 20,000 hosts with six to twelve connections at random times, under one in six hundred keeps a schedule', () => {
    const rnd = random(777);
    let periodic = 0;
    for (let host = 0; host < 20_000; host++) {
      const times = Array.from({ length: 6 + (host % 7) }, () => rnd() * 340).sort((a, b) => a - b);
      if (analyzeSchedule(times, null, 'completed sessions').periodic) periodic++;
    }
    expect(periodic).toBeLessThan(20_000 / 600);
  });

  it('three or four bursts of a retry timer are a schedule, also read from one-second time stamps', () => {
    const rnd = random(12);
    const precise = agent(3, 4, () => 30 * (0.99 + 0.02 * rnd()));
    expect(analyzeSchedule(precise.times, precise.ports, 'failed attempts').periodic).toBe(true);
    // A firewall's log: 20 s between bursts read as 19 to 21.
    const logged = agent(4, 3, (b) => [19, 21, 20][b]!);
    const s = analyzeSchedule(
      logged.times.map((t) => Math.floor(t)),
      logged.ports,
      'failed attempts',
    );
    expect(s.periodic, s.evidence).toBe(true);
    // Three bursts 27 and 33 s apart: ±10 %, as random pairs and threes line up.
    const loose = agent(3, 4, (b) => [27, 33][b]!);
    const l = analyzeSchedule(loose.times, loose.ports, 'failed attempts');
    expect(l.periodic, l.evidence).toBe(false);
    expect(l.evidence).toContain('too few to tell a schedule from chance');
  });

  it('human browsing (page loads of several connections at random times) is not periodic', () => {
    const rnd = random(77);
    const times: number[] = [];
    let t = 0;
    for (let page = 0; page < 25; page++) {
      t += 5 + -Math.log(1 - rnd()) * 90;
      const n = 1 + Math.floor(rnd() * 8);
      for (let i = 0; i < n; i++) times.push(t + rnd() * 1.5);
    }
    expect(analyzeSchedule(times, null, 'completed sessions').periodic).toBe(false);
  });

  it('a single retry storm with back-off is not periodic', () => {
    const times: number[] = [];
    let t = 0;
    for (let i = 0; i < 9; i++) times.push((t += 2 ** i));
    expect(analyzeSchedule(times, null, 'failed attempts').periodic).toBe(false);
  });
});

/**
 * A C2 agent's check-ins: it sleeps `sleep()` after each, and a share of them (`more`) opens one
 * to three more connections a moment later (tasks asked for, then their results posted).
 */
function checkIns(count: number, sleep: () => number, more: number, seed: number): number[] {
  const rnd = random(seed);
  const times: number[] = [];
  let t = 100;
  for (let i = 0; i < count; i++) {
    times.push(t);
    if (rnd() < more) for (let m = 1 + Math.floor(rnd() * 3); m > 0; m--) times.push((t += 0.02 + rnd() * 0.4));
    t += sleep();
  }
  return times;
}

/** A person browsing: pages of one to eight connections, lognormal think times between them. */
function browsingTimes(connections: number, thinkSpread: number, rnd: () => number): number[] {
  const times: number[] = [];
  let t = 0;
  while (times.length < connections) {
    const page = 1 + Math.floor(rnd() * 8);
    for (let i = 0; i < page && times.length < connections; i++) times.push(t + (i === 0 ? 0 : rnd() * 1.5));
    const normal = Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
    t += 1.5 + 30 * Math.exp(thinkSpread * normal);
  }
  return times.sort((a, b) => a - b);
}

describe('C2 agents that randomise their sleep widely', () => {
  it('an Empire-like agent sleeping 8 s ± 80 % over a hundred check-ins is periodic, with its range said and less confidence', () => {
    const rnd = random(808);
    const times = checkIns(100, () => 8 * (0.2 + 1.6 * rnd()), 0.3, 809);
    const s = analyzeSchedule(times, null, 'completed sessions');
    expect(s.periodic, s.evidence).toBe(true);
    expect(s.periodSeconds!).toBeGreaterThan(8 * 0.85);
    expect(s.periodSeconds!).toBeLessThan(8 * 1.15);
    expect(s.jitter!).toBeGreaterThan(0.6);
    expect(s.shortestSeconds!).toBeGreaterThanOrEqual(1.6);
    expect(s.shortestSeconds!).toBeLessThan(3);
    expect(s.longestSeconds!).toBeGreaterThan(13);
    expect(s.longestSeconds!).toBeLessThanOrEqual(14.4 + 1.3);
    expect(s.repetitions).toBe(100);
    expect(s.evidence).toMatch(
      /^one connection every [\d.]+ s, randomised between [\d.]+ s and [\d.]+ s \(jitter ±\d+%\) over 100 bursts \(\d+ connections\)/,
    );
    // A timer that keeps time is surer, seen as often.
    const timer = analyzeSchedule(
      checkIns(100, () => 8 * (0.98 + 0.04 * rnd()), 0.3, 810),
      null,
      'completed sessions',
    );
    expect(timer.periodic, timer.evidence).toBe(true);
    expect(timer.shortestSeconds).toBeUndefined();
    expect(s.confidence).toBeGreaterThan(0.3);
    expect(s.confidence).toBeLessThan(timer.confidence - 0.3);
  });

  it('a Cobalt-Strike-like agent sleeping 60 s less up to half of it is periodic, its check-ins of one connection or a few', () => {
    const rnd = random(505);
    const s = analyzeSchedule(
      checkIns(100, () => 60 * (1 - 0.5 * rnd()), 0.3, 506),
      null,
      'completed sessions',
    );
    expect(s.periodic, s.evidence).toBe(true);
    expect(s.periodSeconds!).toBeGreaterThan(45 * 0.9);
    expect(s.periodSeconds!).toBeLessThan(45 * 1.1);
    expect(s.repetitions).toBe(100);
  });

  // The even spread is what tells a randomised sleep from random arrivals and from a person's
  // think times; a network holds thousands of hosts with a hundred such connections.
  it('among 2,000 hosts with a hundred connections at random or browsing, none is a wide schedule', () => {
    const rnd = random(2718);
    const wide = { poisson: 0, browsing: 0, narrowBrowsing: 0 };
    for (let host = 0; host < 2_000; host++) {
      const connections = 60 + (host % 5) * 30;
      const arrivals = [0];
      while (arrivals.length < connections) arrivals.push(arrivals.at(-1)! - Math.log(1 - rnd()) * 20);
      if (analyzeSchedule(arrivals, null, 'completed sessions').periodic) wide.poisson++;
      const browse = analyzeSchedule(browsingTimes(connections, 1, rnd), null, 'completed sessions');
      if (browse.shortestSeconds !== undefined) wide.browsing++;
      const narrow = analyzeSchedule(browsingTimes(connections, 0.5, rnd), null, 'completed sessions');
      if (narrow.shortestSeconds !== undefined) wide.narrowBrowsing++;
    }
    expect(wide).toEqual({ poisson: 0, browsing: 0, narrowBrowsing: 0 });
  });
});

describe('bursts in words', () => {
  it("a program opening connections in pairs at once says so, not a rate: two SYNs 0.5 ms apart are no '2,000 attempts/s'", () => {
    const times: number[] = [];
    const ports: number[] = [];
    for (let b = 0; b < 8; b++) times.push(100 + b * 30, 100 + b * 30 + 0.0005);
    for (let i = 0; i < times.length; i++) ports.push(50_000 + i);
    const s = analyzeSchedule(times, ports, 'failed attempts');
    expect(shapeWords(s)).toMatch(/^bursts of 2 attempts at once/);
    expect(shapeWords(s)).not.toMatch(/attempts\/s/);
    // An agent's bursts one attempt a second keep their rate.
    const paced = agent(4, 6, () => 40);
    expect(shapeWords(analyzeSchedule(paced.times, paced.ports, 'failed attempts'))).toMatch(/^bursts of 6 attempts \(1 attempt\/s\)/);
  });
});
