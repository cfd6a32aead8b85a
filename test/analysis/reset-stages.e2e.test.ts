/**
 * Resets that say nothing of distance or delay, as real captures hold them: a LAN host whose
 * system starts its TTL at 64 among neighbours starting theirs at 128, a server's late reset of a
 * session the client had already reset (no SYN before it in its connection), the answers to a scan
 * of ACK probes, and nmap's OS probes whose acknowledgment numbers are unrelated to each other.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze, loadCaptures } from '../../src/index.js';
import { PcapWriter } from '../../src/capture/writer.js';
import { tcpFrame, type TcpSpec } from '../../src/synth/frame.js';

const tmp = mkdtempSync(join(tmpdir(), 'callhome-reset-stages-'));
const T0 = 1_700_000_000;

/** A capture of `frames` (time, frame spec), written as a sniffer on Ethernet writes them. */
function capture(name: string, frames: [number, TcpSpec][]): string {
  const writer = new PcapWriter({ linktype: 1 });
  for (const [ts, spec] of frames.sort((a, b) => a[0] - b[0])) {
    writer.add(Math.floor(ts), Math.round((ts % 1) * 1e6) * 1000, tcpFrame(spec));
  }
  const path = join(tmp, name);
  writeFileSync(path, writer.drain());
  return path;
}

describe('bytes of a connection nmap probes twice', () => {
  it('are not made from the unrelated acknowledgment numbers of two probes after a reset', async () => {
    const SCANNER = '10.42.42.253';
    const TARGET = '10.42.42.56';
    const probe = { src: SCANNER, dst: TARGET, sport: 36137, dport: 1, ttl: 64 };
    const answer = { src: TARGET, dst: SCANNER, sport: 1, dport: 36137, flags: 'R', ttl: 64 };
    const path = capture('os-probes.pcap', [
      [T0, { ...probe, seq: 1405980936, ack: 4233401440, flags: 'A' }],
      [T0 + 0.00002, { ...answer, seq: 4233401440 }],
      [T0 + 2.3, { ...probe, seq: 1040205397, ack: 1160066338, flags: 'A' }],
      [T0 + 2.30001, { ...answer, seq: 1160066338 }],
    ]);
    const { connections } = await loadCaptures([path]);
    expect(connections).toHaveLength(1);
    expect(connections[0]!.history).toBe('Arr');
    expect(connections[0]!.respBytes).toBe(0);
    const { result } = await analyze([path], { allHosts: true });
    const groups = result.hosts.flatMap((h) => h.groups);
    expect(groups.reduce((n, g) => n + g.bytesIn, 0)).toBe(0);
  });
});
