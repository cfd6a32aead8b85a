/**
 * A firewall log and a capture of the same network in one `analyze`: the log written from the
 * department host capture's own direct attempts on a firewall clock 2 h 13 s ahead (whole-second
 * stamps, as syslog writes them), plus a few attempts the capture never saw. Each attempt must be
 * counted once, the offset found, and the capture's findings left as they were.
 */
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { capturesLine } from '../../src/report/words.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyze, loadCaptures, type AnalysisResult, type Connection } from '../../src/index.js';
import { matchLogToCapture } from '../../src/logs/firewall/index.js';
import type { HostFinding } from '../../src/analysis/types.js';
import { departmentCapture } from '../report/real.js';

const OFFSET = 2 * 3600 + 13;
const HOST = '192.168.0.13';

/** A syslog stamp of a Unix time, cut down to the second: "Nov 17 14:35:48". */
function stamp(ts: number): string {
  const t = new Date(Math.floor(ts) * 1000);
  return `${t.toUTCString().slice(8, 11)} ${String(t.getUTCDate()).padStart(2, ' ')} ${t.toISOString().slice(11, 19)}`;
}

function netfilterLine(ts: number, prefix: string, src: string, sport: number, dst: string, dport: number): string {
  return (
    `${stamp(ts)} gw kernel: ${prefix}: IN=eth1 OUT=eth0 SRC=${src} DST=${dst} LEN=48 TOS=0x00 PREC=0x00 TTL=127 ID=1 DF ` +
    `PROTO=TCP SPT=${sport} DPT=${dport} WINDOW=64240 RES=0x00 SYN URGP=0`
  );
}

const attemptsOf = (h: HostFinding): number => h.groups.reduce((n, g) => n + g.attempts, 0);

let dir: string;
let direct: Connection[];
let alone: AnalysisResult;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'callhome-join-'));
  const loaded = await loadCaptures([departmentCapture]);
  direct = loaded.connections.filter((c) => c.proto === 'tcp' && c.synCount > 0 && c.origH === HOST && !c.respH.startsWith('192.168.'));
  alone = (await analyze([departmentCapture])).result;
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The log file: one DROP line per direct attempt of the capture on the firewall's clock, and `extra` lines of its own. */
function writeLog(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

describe('a netfilter log of the capture’s own attempts, its clock 2 h 13 s ahead', () => {
  const EXTRA = 3;
  let result: AnalysisResult;
  let logPath: string;

  beforeAll(async () => {
    const first = direct[0]!.ts + OFFSET;
    // An hour before the capture started, the host tried another destination: the firewall saw it, the sniffer did not.
    const extras = Array.from({ length: EXTRA }, (_, k) =>
      netfilterLine(first - 3600 + k * 7, 'DROP-OUT', HOST, 1100 + k, `203.0.113.${k + 1}`, 443),
    );
    const lines = [...extras, ...direct.map((c) => netfilterLine(c.ts + OFFSET, 'DROP-OUT', c.origH, c.origP, c.respH, c.respP))];
    logPath = writeLog('fw.log', lines);
    result = (await analyze([logPath, departmentCapture], { firewall: { year: 2006 } })).result;
  });

  it('is one network: both inputs analysed together, the attempts of both counted once', () => {
    expect(result.networks).toBeUndefined();
    expect(result.captures.map((c) => c.format).sort()).toEqual(['netfilter', 'pcap']);
    const host = result.hosts.find((h) => h.address === HOST)!;
    const before = alone.hosts.find((h) => h.address === HOST)!;
    expect(attemptsOf(before)).toBeGreaterThan(500);
    expect(attemptsOf(host)).toBe(attemptsOf(before) + EXTRA);
  });

  it('the span of the run is said on the capture’s clock: an hour before it (the log’s own lines) to its end', () => {
    const line = capturesLine(result.captures);
    const capture = alone.captures[0]!;
    // the log's extra lines start an hour before the capture's first attempt; nothing ends 2 h later
    expect(line).toMatch(/, 2006-11-17 11:\d\d:\d\dZ → 14:24:45Z \(\d h \d+ min\)$/);
    expect(line.endsWith(`→ ${capture.end!.slice(11, 19)}Z (${line.split('(').pop()}`)).toBe(true);
    expect(result.captures.find((c) => c.format === 'netfilter')!.clockOffsetSeconds).toBeCloseTo(OFFSET, 0);
  });

  it('finds the clock offset and says how many of the capture’s attempts the firewall logged', () => {
    expect(result.logMatches).toHaveLength(1);
    const m = result.logMatches![0]!;
    expect(m).toMatchObject({
      log: logPath,
      captures: [departmentCapture],
      matched: direct.length,
      captureAttempts: direct.length,
      logAttempts: direct.length + EXTRA,
      logOnly: EXTRA,
      timeZoneLike: true,
      denied: direct.length,
      allowed: 0,
      conflicts: 0,
      resetTtl: 255,
    });
    expect(Math.abs(m.offsetSeconds! - OFFSET)).toBeLessThan(0.5);
    expect(m.resetDelayMs!).toBeGreaterThan(0.2);
    expect(m.resetDelayMs!).toBeLessThan(0.5);
    const n = direct.length.toLocaleString('en-US');
    expect(result.summary.at(-1)).toContain(
      `logged ${n} of the ${n} attempts to outside addresses in the capture (clock offset +2 h 0 min 13 s`,
    );
    const host = result.hosts.find((h) => h.address === HOST)!;
    const line = host.evidence.find((e) => e.startsWith('firewall log:'));
    expect(line).toMatch(
      new RegExp(
        `^firewall log: the firewall logged ${n} of the ${n} attempts \\(clock offset \\+2 h 0 min 13 s; .*\\), denied all ${n}; its resets carry TTL 255, 0\\.\\d+ ms`,
      ),
    );
    expect(line).toContain("by the capture's physics too");
    expect(line).toContain(`${EXTRA} more logged attempts not in the capture`);
    expect(line).not.toContain('disagree');
    expect(host.verdict).toMatch(/The firewall's own log confirms it denied them\.$/);
  });

  it('leaves the capture’s labels, schedules and reset sources as they were', () => {
    const host = result.hosts.find((h) => h.address === HOST)!;
    const before = alone.hosts.find((h) => h.address === HOST)!;
    expect(host.labels).toEqual(before.labels);
    for (const g of before.groups) {
      const same = host.groups.find((x) => x.destination === g.destination)!;
      expect({ destination: same.destination, attempts: same.attempts, resets: same.resets, schedule: same.schedule }).toEqual({
        destination: g.destination,
        attempts: g.attempts,
        resets: g.resets,
        schedule: g.schedule,
      });
    }
    const packets = result.resetSources.filter((s) => s.kind === 'rst');
    expect(packets).toEqual(alone.resetSources);
    // The log's own attempts stay the firewall's by its word, on the capture's clock.
    const logged = result.resetSources.filter((s) => s.kind === 'log');
    expect(logged.map((s) => s.resets)).toEqual([EXTRA]);
    const extra = host.attempts.filter((a) => a.address.startsWith('203.0.113.'));
    expect(extra).toHaveLength(EXTRA);
    expect(Math.abs(extra[0]!.ts - (direct[0]!.ts - 3600))).toBeLessThan(2);
  });
});

describe('a year-less log given with the capture', () => {
  it("takes its year from the capture, whatever the file's date, and joins it", async () => {
    const lines = direct.map((c) => netfilterLine(c.ts + OFFSET, 'DROP-OUT', c.origH, c.origP, c.respH, c.respP));
    const path = writeLog('kern.log', lines);
    // A copy made today: its date says nothing of the year its lines were written in.
    utimesSync(path, new Date(Date.UTC(2030, 5, 1)), new Date(Date.UTC(2030, 5, 1)));
    const { result } = await analyze([path, departmentCapture]);
    expect(result.networks).toBeUndefined();
    expect(result.logMatches![0]!).toMatchObject({ matched: direct.length, captureAttempts: direct.length });
    expect(result.captures.find((c) => c.format === 'netfilter')!.formatDetail).toContain('year 2006 from the captures given with it');
    // --year still comes first.
    const given = await analyze([path, departmentCapture], { firewall: { year: 2024 } });
    expect(given.result.logMatches).toBeUndefined();
  });
});

describe('a log whose word the capture contradicts', () => {
  it('says so, rather than picking one', async () => {
    // The log says the firewall let the attempts through; the capture shows a device in the path resetting them.
    const lines = direct.slice(0, 40).map((c) => netfilterLine(c.ts + 5, 'ACCEPT', c.origH, c.origP, c.respH, c.respP));
    const { result } = await analyze([writeLog('accept.log', lines), departmentCapture], { firewall: { year: 2006 } });
    const m = result.logMatches![0]!;
    expect(m).toMatchObject({ matched: 40, allowed: 40, denied: 0, conflicts: 40, timeZoneLike: false });
    expect(m.words).toContain(
      'the log and the capture disagree: 40 the log says it allowed were reset by a device in the path in the capture',
    );
    const host = result.hosts.find((h) => h.address === HOST)!;
    expect(host.verdict).toContain('The firewall log and the capture disagree');
    // The capture's physics still decide its reset sources: nothing silently picked.
    expect(result.resetSources).toEqual(alone.resetSources);
  });
});

describe('a log and a capture with nothing in common', () => {
  it('of another network and another year: both analysed apart, nothing joined', async () => {
    const fixture = fileURLToPath(new URL('fixtures/netfilter-kern.log', import.meta.url));
    const { result } = await analyze([fixture, departmentCapture], { firewall: { year: 2024 } });
    expect(result.networks).toHaveLength(2);
    expect(result.logMatches).toBeUndefined();
    expect(result.hosts.some((h) => h.address === HOST)).toBe(true);
    expect(result.hosts.some((h) => h.address.startsWith('192.168.1.'))).toBe(true);
    expect(attemptsOf(result.hosts.find((h) => h.address === HOST)!)).toBe(attemptsOf(alone.hosts.find((h) => h.address === HOST)!));
  });

  it('of the same network and hours, other attempts: no match, every attempt on its own', async () => {
    const lines = direct.slice(0, 20).map((c, k) => netfilterLine(c.ts, 'DROP', HOST, 60_000 + k, c.respH, c.respP));
    const { result } = await analyze([writeLog('other.log', lines), departmentCapture], { firewall: { year: 2006 } });
    expect(result.networks).toBeUndefined();
    const m = result.logMatches![0]!;
    expect(m).toMatchObject({ matched: 0, logOnly: 20, offsetSeconds: null, captureAttempts: direct.length });
    expect(m.words).toMatch(/have no attempt in common .*: nothing joined, each counted on its own\.$/);
    const host = result.hosts.find((h) => h.address === HOST)!;
    expect(attemptsOf(host)).toBe(attemptsOf(alone.hosts.find((h) => h.address === HOST)!) + 20);
  });
});

describe('the clock offset', () => {
  it('is the one most attempts agree on, when source ports come round again', () => {
    // Two rounds of the same 5-tuples 40 min apart: the nearest log line of a 5-tuple is the other round's for half of them.
    const base = direct.slice(0, 100);
    const capture = [...base, ...base.map((c, i) => ({ ...c, uid: `again${i}`, ts: c.ts + 2400, lastTs: c.lastTs + 2400 }))];
    const offset = 1800;
    const log = capture.map((c, i) => ({ ...c, uid: `log${i}`, ts: Math.floor(c.ts + offset), lastTs: Math.floor(c.ts + offset) }));
    const m = matchLogToCapture(log, capture);
    expect(Math.abs(m.clockOffsetSeconds! - offset)).toBeLessThan(0.5);
    expect(m.logged).toBe(capture.length);
    expect(m.matchOf.every((i, k) => log[i]!.uid === `log${k}`)).toBe(true);
    expect(m.timeZoneLike).toBe(true);
  });
});
