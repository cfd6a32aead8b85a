import { execFileSync } from 'node:child_process';
import { open } from 'node:fs/promises';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PcapWriter } from '../../src/capture/writer.js';
import { tcpFrame } from '../../src/synth/frame.js';
import { callhome } from './support.js';

const scratch = mkdtempSync(join(tmpdir(), 'callhome-stream-'));
const T0 = 1_700_000_000;

/**
 * A long connection that starts first and ends last (SYN, SYN-ACK, ACK at T0, FIN exchange at
 * T0 + 100), and two refused attempts in between: by start time the long one is first, by
 * end time it is last.
 */
function longAndShort(): string {
  const w = new PcapWriter({ linktype: 1 });
  const c = { src: '10.0.0.2', dst: '93.184.216.34' };
  const s = { src: '93.184.216.34', dst: '10.0.0.2' };
  w.add(T0, 0, tcpFrame({ ...c, sport: 40000, dport: 443, seq: 100, flags: 'S' }));
  w.add(T0, 10e6, tcpFrame({ ...s, sport: 443, dport: 40000, seq: 500, ack: 101, flags: 'SA' }));
  w.add(T0, 20e6, tcpFrame({ ...c, sport: 40000, dport: 443, seq: 101, ack: 501, flags: 'A' }));
  for (const [i, sport] of [41000, 41001].entries()) {
    w.add(T0 + 10 + i, 0, tcpFrame({ ...c, sport, dport: 80, seq: 7, flags: 'S' }));
    w.add(T0 + 10 + i, 1e6, tcpFrame({ ...s, sport: 80, dport: sport, seq: 0, ack: 8, flags: 'RA' }));
  }
  w.add(T0 + 100, 0, tcpFrame({ ...c, sport: 40000, dport: 443, seq: 101, ack: 501, flags: 'FA' }));
  w.add(T0 + 100, 10e6, tcpFrame({ ...s, sport: 443, dport: 40000, seq: 501, ack: 102, flags: 'FA' }));
  w.add(T0 + 100, 20e6, tcpFrame({ ...c, sport: 40000, dport: 443, seq: 102, ack: 502, flags: 'A' }));
  const file = join(scratch, 'long-and-short.pcap');
  writeFileSync(file, w.toBuffer());
  return file;
}

describe('flows writes each connection as it ends', () => {
  const file = longAndShort();
  const ports = (csv: string): number[] =>
    csv
      .trim()
      .split('\r\n')
      .slice(1)
      .map((l) => Number(l.split(',')[3]));

  it('by default in the order connections end, as Zeek writes conn.log', async () => {
    const run = await callhome(['flows', '--format', 'csv', file]);
    expect(run.code).toBe(0);
    expect(ports(run.stdout)).toEqual([41000, 41001, 40000]);
  });

  it('with --sort start in order of start time', async () => {
    const run = await callhome(['flows', '--sort', 'start', '--format', 'csv', file]);
    expect(ports(run.stdout)).toEqual([40000, 41000, 41001]);
  });

  it.each([['end'], ['start']])('--sort %s: Zeek TSV has its header first and #close last', async (order) => {
    const lines = (await callhome(['flows', '--sort', order, '--format', 'zeek', file])).stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('#separator \\x09');
    expect(lines[5]).toBe('#open\t2023-11-14-22-13-20');
    expect(lines.filter((l) => !l.startsWith('#'))).toHaveLength(3);
    expect(lines[lines.length - 1]).toBe('#close\t2023-11-14-22-15-00');
  });

  it('the same rows either way, in every format', async () => {
    for (const format of ['csv', 'json', 'zeek', 'text']) {
      const end = (await callhome(['flows', '--format', format, file])).stdout.split('\n').sort();
      const start = (await callhome(['flows', '--sort', 'start', '--format', format, file])).stdout.split('\n').sort();
      expect(end).toEqual(start);
    }
  });

  it('names what --sort start costs in --help', async () => {
    const help = (await callhome(['flows', '--help'])).stdout.replace(/\s+/g, ' ');
    expect(help).toMatch(/start: by start time, which holds every connection until the input ends/);
  });

  it('writes rows while the input is still arriving', async () => {
    const fifo = join(scratch, 'live');
    execFileSync('mkfifo', [fifo]);
    const w = new PcapWriter({ linktype: 1 });
    let stdout = '';
    // read-write, so that opening it neither waits for a reader nor leaves the reader waiting for us
    const pipe = await open(fifo, 'r+');
    const { runCli } = await import('../../src/cli/program.js');
    const done = runCli(['flows', '--max-connections', '10', '--format', 'csv', fifo], {
      stdout: { write: (s: string) => ((stdout += s), true) },
      stderr: { write: () => true },
      env: {},
    });
    const syns = (from: number, n: number): Uint8Array => {
      for (let i = from; i < from + n; i++) {
        w.add(T0 + i, 0, tcpFrame({ src: '10.0.0.2', dst: '198.51.100.7', sport: 20000 + i, dport: 443, seq: 1, flags: 'S' }));
      }
      return w.drain();
    };
    await pipe.write(syns(0, 100));
    // the ceiling of 10 pushed 90 attempts out: their rows come before the input ends
    for (let waited = 0; stdout.split('\r\n').length < 80 && waited < 5000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    const before = stdout.split('\r\n').length - 2;
    await pipe.write(syns(100, 10));
    await pipe.close();
    expect(await done).toBe(0);
    expect(before).toBeGreaterThanOrEqual(90);
    expect(stdout.trim().split('\r\n')).toHaveLength(1 + 110);
  });
});
