/**
 * Schedules chance makes on a large network: the rules that find a schedule in a few
 * repetitions let about one random series in 1,500 through, and a log of thousands of hosts has
 * thousands of series. A loose schedule of a few repetitions stands in a small capture; among
 * thousands of series it is said to be too few to tell from chance, while a timer stands in both.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/index.js';
import { analyzeSchedule, chanceGate, scheduleChance } from '../../src/analysis/schedule.js';
import type { AnalysisResult, DestinationGroup } from '../../src/analysis/types.js';
import { DAY, PROXIED_SESSION, tsvLog } from '../logs/support.js';

/** Numbers in [0, 1) from `seed` (mulberry32): no lattice for the times of one host to fall on. */
function mulberry(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** A conn.log row of a session that went through (Zeek's SF). */
function session(t: number, uid: string, client: string, server: string, port: number): string[] {
  return [
    t.toFixed(6),
    uid,
    client,
    String(40_000 + ((Number(uid.slice(1)) * 7_919) % 20_000)),
    server,
    String(port),
    'tcp',
    '-',
    '2.000000',
    '900',
    '4000',
  ].concat(PROXIED_SESSION);
}

/** A host that calls every ~10 min, its pauses 600, 560, 640 and 590 s: within ±7 %, five calls. */
const LOOSE = '10.1.0.20';
const LOOSE_PAUSES = [600, 560, 640, 590];
/** A timer: every 600 s to the millisecond, six calls. */
const TIMER = '10.1.0.21';
const SERVER = '203.0.113.10';

/**
 * The loose host and the timer, `backgroundHosts` hosts of six sessions at random, and
 * `alikeHosts` more hosts that call SERVER on the loose host's schedule, each from its own start.
 */
function rows(backgroundHosts: number, alikeHosts = 0): string[][] {
  const out: string[][] = [];
  let uid = 0;
  for (let h = -1; h < alikeHosts; h++) {
    let t = DAY + 100 + 7 * (h + 1);
    const client = h < 0 ? LOOSE : `10.3.${h >> 8}.${h & 255}`;
    for (const pause of [0, ...LOOSE_PAUSES]) out.push(session((t += pause), `C${uid++}`, client, SERVER, 443));
  }
  for (let k = 0; k < 6; k++) out.push(session(DAY + 130 + k * 600 + (k % 2) * 0.001, `C${uid++}`, TIMER, SERVER, 443));
  // Hosts that open six sessions each at random in the hour, to one of a few servers each.
  const rnd = mulberry(7);
  for (let h = 0; h < backgroundHosts; h++) {
    const client = `10.2.${h >> 8}.${h & 255}`;
    const server = `198.51.100.${1 + (h % 50)}`;
    for (let k = 0; k < 6; k++) out.push(session(DAY + rnd() * 3_600, `C${uid++}`, client, server, 443));
  }
  return out.sort((a, b) => Number(a[0]) - Number(b[0]));
}

async function analyzed(backgroundHosts: number, alikeHosts = 0): Promise<AnalysisResult> {
  const dir = mkdtempSync(join(tmpdir(), 'callhome-chance-'));
  const path = join(dir, 'conn.log');
  writeFileSync(path, tsvLog('conn', rows(backgroundHosts, alikeHosts)));
  return (await analyze([path], { allHosts: true })).result;
}

function groupOf(result: AnalysisResult, address: string): DestinationGroup {
  const host = result.hosts.find((h) => h.address === address);
  expect(host, address).toBeDefined();
  return host!.groups.find((g) => g.addressList.includes(SERVER))!;
}

describe('schedules chance makes among many series', () => {
  it('a loose schedule of five calls is periodic in a small log, and too few to tell from chance among 3,000 hosts; a timer is periodic in both', async () => {
    const small = await analyzed(20);
    expect(groupOf(small, LOOSE).schedule.periodic).toBe(true);
    expect(groupOf(small, TIMER).schedule.periodic).toBe(true);
    expect(small.hosts.find((h) => h.address === LOOSE)!.labels).toContain('periodic');

    const large = await analyzed(3_000);
    const loose = groupOf(large, LOOSE).schedule;
    expect(loose.periodic).toBe(false);
    expect(loose.evidence).toMatch(
      /^one connection every 9 min 55 s \(jitter ±7%\) over 5 bursts, too few repetitions to tell from chance among 3,0\d\d series \(random times keep one as tight about once in [\d,]+\)$/,
    );
    expect(loose.chance).toBeGreaterThan(1e-4);
    expect(large.hosts.find((h) => h.address === LOOSE)!.labels).not.toContain('periodic');
    const timer = groupOf(large, TIMER).schedule;
    expect(timer.periodic).toBe(true);
    expect(timer.chance).toBeLessThan(1e-6);
    expect(large.hosts.find((h) => h.address === TIMER)!.labels).toContain('periodic');
    // Chance's own schedules among the random hosts are not findings either.
    const periodic = large.hosts.filter((h) => h.labels.includes('periodic')).map((h) => h.address);
    expect(periodic).toEqual([TIMER]);
  });

  it('three hundred hosts on the same loose schedule among 3,000 random ones are each periodic: chance does not make that many', async () => {
    const result = await analyzed(3_000, 300);
    const periodic = result.hosts.filter((h) => h.labels.includes('periodic')).map((h) => h.address);
    expect(periodic).toContain(LOOSE);
    expect(periodic.filter((a) => a.startsWith('10.3.'))).toHaveLength(300);
    // Their schedules make any as loose as theirs stand: of the random hosts, a few of chance's
    // may stand beside them (a tenth of what is reported at most, Benjamini and Hochberg's rate).
    expect(periodic.filter((a) => a.startsWith('10.2.')).length).toBeLessThanOrEqual(3);
  });

  it('without the gate, random hosts of six sessions keep schedules the rules find', () => {
    // What the gate is for: the same random hosts, judged one by one, give chance's schedules.
    const rnd = mulberry(7);
    let found = 0;
    for (let h = 0; h < 3_000; h++) {
      const times = Array.from({ length: 6 }, () => DAY + rnd() * 3_600);
      const s = analyzeSchedule(times, null, 'completed sessions');
      if (s.periodic) found++;
      const gated = analyzeSchedule(times, null, 'completed sessions', undefined, chanceGate(3_000, []));
      expect(gated.periodic).toBe(false);
    }
    expect(found).toBeGreaterThan(0);
  });
});

describe('the chance of a schedule', () => {
  it('falls with repetitions and tightness, and a clock’s ticks are no looseness', () => {
    expect(scheduleChance(5, 0.09)).toBeGreaterThan(scheduleChance(5, 0.02));
    expect(scheduleChance(5, 0.09)).toBeGreaterThan(scheduleChance(12, 0.09));
    // One-second stamps of a 20 s timer read ±5 %; the same as a timer read to the millisecond.
    expect(scheduleChance(8, 0.05, 0.05)).toBe(scheduleChance(8, 0));
  });

  it('a run of a hundred series keeps every schedule the rules find; of thousands, as many as chance cannot explain together', () => {
    expect(chanceGate(40, [0.01])).toBeNull();
    expect(chanceGate(140, [0.01])).toBeNull();
    // One schedule among 3,000 series: its chance must be 1 in 30,000.
    expect(chanceGate(3_000, [1e-3])).toEqual({ series: 3_000, bound: 0 });
    expect(chanceGate(3_000, [2e-5])).toEqual({ series: 3_000, bound: 2e-5 });
    // Three hundred as likely as that one: chance would make 0.3 of them, not 300.
    expect(
      chanceGate(
        3_000,
        Array.from({ length: 300 }, () => 1e-3),
      )!.bound,
    ).toBe(1e-3);
  });
});

/** A host's lookups of a name as dns.log rows: the name's A record, answered with a five-minute TTL. */
function lookups(client: string, name: string, times: readonly number[], uid: { n: number }): string[][] {
  return times.map((t) => [
    t.toFixed(6),
    `D${uid.n++}`,
    client,
    String(30_000 + (uid.n % 30_000)),
    '10.0.0.53',
    '53',
    'udp',
    name,
    'A',
    '93.184.216.34',
    '300.000000',
  ]);
}

/** Looks a name up 7 times in spells: two or three lookups 55 min apart (±1 %), the spells 5 h apart. */
const SPELLS = '10.1.0.30';
const SPELL_TIMES = [0, 3300, 19260, 22590, 38520, 41790, 45120];
/** Looks a name up every 5 min (±3 %), ten times. */
const DNS_BEACON = '10.1.0.31';
const BEACON_PAUSES = [300, 291, 309, 297, 303, 294, 306, 300, 298];
/** Looks a name up every minute to the millisecond for two hours. */
const DNS_TIMER = '10.1.0.32';

/** The three hosts above, and `backgroundHosts` hosts looking up ten names each 6 to 30 times at random in the day. */
function dnsLog(backgroundHosts: number): string {
  const uid = { n: 0 };
  const out: string[][] = [];
  out.push(
    ...lookups(
      SPELLS,
      'update.vendor-a.example',
      SPELL_TIMES.map((x) => DAY + 60 + x),
      uid,
    ),
  );
  let t = DAY + 90;
  out.push(
    ...lookups(
      DNS_BEACON,
      'cdn.vendor-b.example',
      [0, ...BEACON_PAUSES].map((p) => (t += p)),
      uid,
    ),
  );
  out.push(
    ...lookups(
      DNS_TIMER,
      'poll.vendor-c.example',
      Array.from({ length: 120 }, (_, k) => DAY + 45 + 60 * k),
      uid,
    ),
  );
  const rnd = mulberry(11);
  for (let h = 0; h < backgroundHosts; h++) {
    const client = `10.2.${h >> 8}.${h & 255}`;
    for (let k = 0; k < 10; k++) {
      const name = `www.site${Math.floor(rnd() * 50_000)}.example`;
      const times = Array.from({ length: 6 + Math.floor(rnd() * 25) }, () => DAY + rnd() * 86_400);
      out.push(...lookups(client, name, times, uid));
    }
  }
  return tsvLog(
    'dns',
    out.sort((a, b) => Number(a[0]) - Number(b[0])),
  );
}

async function dnsAnalyzed(backgroundHosts: number): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'callhome-chance-dns-'));
  const path = join(dir, 'dns.log');
  writeFileSync(path, dnsLog(backgroundHosts));
  const { result } = await analyze([path], { allHosts: true });
  return result.hosts.filter((h) => h.labels.includes('periodic')).map((h) => h.address);
}

describe('names looked up on a schedule among many series', () => {
  it('are weighed against chance with every series of the run: among 1,000 hosts looking names up at random, only the beacon and the timer stand', async () => {
    // A small network: every schedule the rules find stands, the one in spells too.
    expect((await dnsAnalyzed(10)).sort()).toEqual([SPELLS, DNS_BEACON, DNS_TIMER]);
    // Ten thousand names looked up at random: the rules find a few schedules among them (four
    // hosts' here, judged one by one). Seven lookups in spells keep four beats between them, not
    // six: as likely chance's as theirs.
    expect((await dnsAnalyzed(1_000)).sort()).toEqual([DNS_BEACON, DNS_TIMER]);
  });
});
