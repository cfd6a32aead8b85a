/**
 * `flows` into a pipe whose reader is behind: reading waits until the rows written so far are
 * taken, so memory is held whatever the reader does (`callhome flows big.pcap | slow-consumer`).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PcapWriter } from '../../src/capture/writer.js';
import { runCli } from '../../src/cli/program.js';
import { tcpFrame } from '../../src/synth/frame.js';
import { callhome } from './support.js';

const T0 = 1_700_000_000;

/** 40,000 refused attempts 1 ms apart (about 5 MB): each connection ends, and is written, as the file is read. */
function refusals(): string {
  const w = new PcapWriter({ linktype: 1 });
  for (let i = 0; i < 40_000; i++) {
    const sport = 1_024 + (i % 60_000);
    const dst = `198.51.${(i >> 8) & 255}.${i & 255}`;
    const us = i * 1_000;
    w.add(T0 + Math.floor(us / 1e6), (us % 1e6) * 1_000, tcpFrame({ src: '10.0.0.9', dst, sport, dport: 443, seq: i, flags: 'S' }));
    w.add(
      T0 + Math.floor((us + 300) / 1e6),
      ((us + 300) % 1e6) * 1_000,
      tcpFrame({ src: dst, dst: '10.0.0.9', sport: 443, dport: sport, seq: 0, ack: i + 1, flags: 'RA' }),
    );
  }
  const file = join(mkdtempSync(join(tmpdir(), 'callhome-pipe-')), 'refusals.pcap');
  writeFileSync(file, w.toBuffer());
  return file;
}

describe('flows into a pipe whose reader is behind', () => {
  const file = refusals();

  it('stops reading until the rows written are taken, then writes every row', async () => {
    let stdout = '';
    let writes = 0;
    let drain: (() => void) | null = null;
    let settled = false;
    const run = runCli(['flows', '--format', 'csv', file], {
      // A pipe that is always full: every write is queued, 'drain' comes when the test says.
      stdout: {
        write: (s: string) => {
          stdout += s;
          writes++;
          return false;
        },
        once: (_event: 'drain', listener: () => void) => (drain = listener),
        isTTY: false,
      },
      stderr: { write: () => true },
      env: {},
    }).then((code) => {
      settled = true;
      return code;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const whilePaused = stdout.length;
    expect(drain).not.toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(settled).toBe(false);
    // Nothing more was read while the reader was behind: at most rows already made went out.
    expect(stdout.length - whilePaused).toBeLessThanOrEqual(64 << 10);
    const pausedAt = stdout.length;
    let drains = 0;
    while (!settled) {
      const listener = drain as (() => void) | null; // set by the CLI, out of the compiler's sight
      drain = null;
      if (listener !== null) {
        drains++;
        listener();
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    expect(await run).toBe(0);
    expect(drains).toBeGreaterThan(1);
    expect(stdout).toBe((await callhome(['flows', '--format', 'csv', file])).stdout);
    expect(stdout.trim().split('\r\n')).toHaveLength(40_001);
    expect(pausedAt).toBeLessThan(stdout.length / 2);
    expect(writes).toBeGreaterThan(drains);
  }, 60_000);
});
