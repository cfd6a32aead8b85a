import { describe, expect, it } from 'vitest';
import { BusyLan, buildPcap, checksumsValid, type TimedFrame } from '../../src/synth/index.js';
import { rows } from './support.js';

function draw(seed: number, n: number): { frames: TimedFrame[]; traffic: BusyLan } {
  const traffic = new BusyLan({ seed, warmupSeconds: 30 });
  const frames: TimedFrame[] = [];
  for (let i = 0; i < n; i++) frames.push(traffic.next());
  return { frames, traffic };
}

describe('busy-LAN traffic', () => {
  it('is the same for the same seed and differs for another', () => {
    const a = buildPcap(draw(3, 3000).frames);
    expect(buildPcap(draw(3, 3000).frames).equals(a)).toBe(true);
    expect(buildPcap(draw(4, 3000).frames).equals(a)).toBe(false);
  });

  it('comes out in time order, with valid checksums, opening with connections in progress', () => {
    const { frames, traffic } = draw(1, 20000);
    for (let i = 1; i < frames.length; i++) expect(frames[i]!.ts).toBeGreaterThanOrEqual(frames[i - 1]!.ts);
    expect(frames.every((f) => checksumsValid(f.frame))).toBe(true);
    expect(traffic.stats.inProgressMin).toBeGreaterThan(1500);
    expect(traffic.stats.dnsLookups).toBeGreaterThan(0);
    expect(traffic.stats.refused).toBeGreaterThan(0);
    expect(traffic.stats.unanswered).toBeGreaterThan(0);
  });

  it('refuses with the server’s own reset: RST+ACK, sequence 0, the TTL of its other packets', async () => {
    const { rows: packets } = await rows('busy.pcap', buildPcap(draw(1, 40000).frames));
    const resets = packets.filter((r) => r.proto === 6 && (r.flags & 0x04) !== 0 && r.seq === 0);
    expect(resets.length).toBeGreaterThan(0);
    for (const reset of resets) {
      expect(reset.flags & 0x10).toBe(0x10);
      const other = packets.filter((r) => r.src === reset.src && r.proto === 6 && (r.flags & 0x04) === 0);
      for (const o of other) expect(o.ttl).toBe(reset.ttl);
    }
  });
});
