import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PcapngWriter, type PcapngInterfaceOptions } from '../../src/capture/writer.js';
import { tcpFrame } from '../../src/synth/frame.js';
import { timeTicks } from '../../src/report/svg.js';
import { isoMicros, isoMillis, timeOfDay, zeekLogTime } from '../../src/time.js';
import type { CaptureSummary } from '../../src/index.js';
import { callhome } from './support.js';

const scratch = mkdtempSync(join(tmpdir(), 'callhome-time-'));
const client = '10.0.0.2';
const server = '93.184.216.34';

/** Enhanced packet block offsets of a little-endian pcapng written by PcapngWriter. */
function packetBlocks(b: Buffer): number[] {
  const at: number[] = [];
  for (let p = 0; p < b.length; p += b.readUInt32LE(p + 4)) if (b.readUInt32LE(p) === 6) at.push(p);
  return at;
}

/** Five refused connections (a SYN and the firewall's RST each), ten seconds apart, then `damage`. */
function capture(name: string, ifc: PcapngInterfaceOptions, damage: (b: Buffer) => void): string {
  const w = new PcapngWriter();
  w.addInterface(1, ifc);
  for (let i = 0; i < 5; i++) {
    const sport = 40000 + i;
    w.add(0, 1_700_000_000 + 10 * i, 0, tcpFrame({ src: client, dst: server, sport, dport: 443, seq: 1000, flags: 'S' }));
    w.add(0, 1_700_000_000 + 10 * i, 5e6, tcpFrame({ src: server, dst: client, sport: 443, dport: sport, seq: 0, ack: 1001, flags: 'RA' }));
  }
  const bytes = w.toBuffer();
  damage(bytes);
  const path = join(scratch, name);
  writeFileSync(path, bytes);
  return path;
}

const damaged = {
  // the fourth record's high word 0xFFFFFFFF: 2^64 microseconds, 584,542 years on
  'a time stamp high word of 0xFFFFFFFF': {
    file: () => capture('hiword.pcapng', {}, (b) => b.writeUInt32LE(0xffffffff, packetBlocks(b)[3]! + 12)),
    record: 4,
    bad: 1,
    connections: 5,
  },
  // if_tsoffset 2^63 (read as signed: -2^63 s) moves every packet of the interface
  'an if_tsoffset of 2^63': {
    file: () =>
      capture('tsoffset.pcapng', { tsOffset: 1 }, (b) => b.writeBigUInt64LE(1n << 63n, b.indexOf(Buffer.from([14, 0, 8, 0])) + 4)),
    record: 1,
    bad: 10,
    connections: 0,
  },
  // if_tsresol 0 (whole seconds) and a large high word on the third record
  'if_tsresol 0 with a large high word': {
    file: () => capture('tsresol0.pcapng', { tsUnitsPerSecond: 1 }, (b) => b.writeUInt32LE(0x7fffffff, packetBlocks(b)[2]! + 12)),
    record: 3,
    bad: 1,
    connections: 5,
  },
};

describe('a time stamp no capture can mean', () => {
  for (const [what, c] of Object.entries(damaged)) {
    describe(what, () => {
      const file = c.file();

      it.each([['info'], ['analyze'], ['flows'], ['compare'], ['report']])(
        '%s reads the file, warns once naming the record, exits 0',
        async (command) => {
          const args = command === 'compare' ? [command, file, file] : [command, file];
          const run = await callhome(args);
          expect(run.stderr).not.toMatch(/internal error/);
          expect(run.code).toBe(0);
          const warnings = run.stderr.split('\n').filter((l) => /time stamp outside 1970–2200/.test(l));
          expect(warnings).toHaveLength(command === 'compare' ? 2 : 1);
          expect(warnings[0]).toMatch(new RegExp(`record ${c.record} at byte [\\d,]+ has a time stamp`));
          expect(run.stdout.length).toBeGreaterThan(0);
        },
      );

      it('counts the anomaly and keeps the other records in the analysis', async () => {
        const info = JSON.parse((await callhome(['info', '--format', 'json', file])).stdout) as { captures: CaptureSummary[] };
        const summary = info.captures[0]!;
        expect(summary.packets).toBe(10);
        expect(summary.anomalies['time.out_of_range']).toBe(c.bad);
        expect(summary.start).toBe(c.bad < 10 ? '2023-11-14T22:13:20.000Z' : null);
        const flows = (await callhome(['flows', '--format', 'csv', file])).stdout.trim().split('\n');
        expect(flows.length - 1).toBe(c.connections);
      });
    });
  }

  it('every time text of every output says so in words, never throws, never starts a formula', () => {
    for (const ts of [Number.NaN, Infinity, -Infinity, -1, 7_258_118_400, 2 ** 64, -(2 ** 63)]) {
      for (const f of [isoMicros, isoMillis, timeOfDay, zeekLogTime]) {
        expect(f(ts)).toMatch(/^time out of range \(/);
      }
    }
    expect(isoMicros(1_700_000_000 + 0.9999996)).toBe('2023-11-14T22:13:21.000000Z');
  });
});

describe('a chart over a span no capture runs', () => {
  it('draws at most a dozen ticks whatever the span', () => {
    for (const [t0, t1] of [
      [0, 7_258_118_399],
      [1e9, 1e9 + 86400 * 365 * 3],
      [1e15, 1e15 + 1e13],
      [1_700_000_000, 1_700_000_000 + 3600],
    ] as const) {
      const ticks = timeTicks(t0, t1, 40);
      expect(ticks.length).toBeGreaterThan(0);
      expect(ticks.length).toBeLessThanOrEqual(12);
    }
  });

  it('report -o x.html stays small and says the span is implausible', async () => {
    const w = new PcapngWriter();
    w.addInterface(1);
    [86_400, 2e9, 7.2e9].forEach((t, i) => {
      for (let k = 0; k < 3; k++) {
        const sport = 40000 + i * 3 + k;
        w.add(0, t + k, 0, tcpFrame({ src: client, dst: server, sport, dport: 443, seq: 1, flags: 'S' }));
        w.add(0, t + k, 1e6, tcpFrame({ src: server, dst: client, sport: 443, dport: sport, seq: 0, ack: 2, flags: 'RA' }));
      }
    });
    const file = join(scratch, 'centuries.pcapng');
    writeFileSync(file, w.toBuffer());
    const html = join(scratch, 'centuries.html');
    const run = await callhome(['report', '--proxy', '10.0.0.1:3128', '-o', html, file]);
    expect(run.code).toBe(0);
    const page = readFileSync(html, 'utf8');
    expect(page.length).toBeLessThan(100_000);
    expect(page).toMatch(/more than a capture runs, so its clock or time stamps are likely wrong/);
  });
});

describe('times written to the millisecond', () => {
  it('are what Date writes, for any time a capture can mean', () => {
    // isoMillis keeps the text of recent dates and writes the time of day itself: every time must
    // still read as Date reads it, the milliseconds cut, not rounded, at the edges of seconds, of
    // days and of the range too.
    let seed = 0x2545f491;
    const random = (): number => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) / 0x1_0000_0000;
    };
    const times = [0, 0.0009, 0.001, 0.9995, 0.9999999, 1, 59.9999, 1_700_000_000.9996, 7_258_118_399.999];
    for (const day of [1, 2, 19_675, 84_000])
      times.push(day * 86_400 - 0.0004, day * 86_400, day * 86_400 + 0.001, day * 86_400 + 3599.9995);
    for (let i = 0; i < 20_000; i++) {
      const second = Math.floor(random() * 7_258_118_400);
      // Times in a few seconds (the cache's hits), and times anywhere (its misses).
      times.push(i % 2 === 0 ? 1_700_000_000 + (i % 7) + random() : second + random());
    }
    for (const ts of times) expect(isoMillis(ts), String(ts)).toBe(new Date(ts * 1000).toISOString());
  });
});
