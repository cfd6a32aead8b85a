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

describe('a LAN host refusing a scan with its own TTL', () => {
  const SCANNER = '10.42.42.253';
  /**
   * A port scan of three hosts on the sniffer's link: Windows 10.42.42.50 (TTL 128) answers
   * port 22 and refuses the rest, Linux 10.42.42.25 and 10.42.42.56 (TTL 64) refuse every port.
   */
  function lanScan(): string {
    const frames: [number, TcpSpec][] = [];
    let t = T0;
    for (let port = 1; port <= 60; port++) {
      for (const [target, ttl] of [
        ['10.42.42.50', 128],
        ['10.42.42.25', 64],
        ['10.42.42.56', 64],
      ] as const) {
        t += 0.05;
        const sport = 40000 + port;
        const seq = 1_000_000 + port * 17;
        frames.push([t, { src: SCANNER, dst: target, sport, dport: port, seq, flags: 'S', ttl: 64 }]);
        const open = target === '10.42.42.50' && port === 22;
        frames.push([
          t + 0.0001,
          { src: target, dst: SCANNER, sport: port, dport: sport, seq: open ? 5000 : 0, ack: seq + 1, flags: open ? 'SA' : 'RA', ttl },
        ]);
        if (open) frames.push([t + 0.0002, { src: SCANNER, dst: target, sport, dport: port, seq: seq + 1, flags: 'R', ttl: 64 }]);
      }
    }
    return capture('lan-scan.pcap', frames);
  }

  it('is not called a device in the path because its neighbours run another system', async () => {
    const { result } = await analyze([lanScan()]);
    const linux = result.resetSources.find((s) => s.ttl === 64 && s.kind === 'rst');
    expect(linux).toBeDefined();
    expect(linux!.attribution).not.toBe('middlebox');
    expect(linux!.evidence).toMatch(/both arrive with no router in between/);
    expect(result.resetSources.filter((s) => s.attribution === 'middlebox')).toEqual([]);
    expect(result.summary.join(' ')).not.toMatch(/device in the path/);
  });
});

describe('a reset with nothing before it in its connection', () => {
  const CLIENT = '192.168.1.195';
  const SERVER = '204.79.197.200';

  /**
   * Five TLS sessions with the server (TTL 120, 15 ms round trip); the last one the client
   * resets, and the server's own reset of it arrives 10 s later, alone in its connection.
   */
  function lateReset(): string {
    const frames: [number, TcpSpec][] = [];
    for (let k = 0; k < 5; k++) {
      const t = T0 + k * 30;
      const sport = 49280 + k;
      const c = { src: CLIENT, dst: SERVER, sport, dport: 443, ttl: 128 };
      const s = { src: SERVER, dst: CLIENT, sport: 443, dport: sport, ttl: 120 };
      frames.push([t, { ...c, seq: 100, flags: 'S' }]);
      frames.push([t + 0.015, { ...s, seq: 900, ack: 101, flags: 'SA' }]);
      frames.push([t + 0.0151, { ...c, seq: 101, ack: 901, flags: 'A' }]);
      frames.push([t + 0.016, { ...c, seq: 101, ack: 901, flags: 'PA', payload: 'x'.repeat(200) }]);
      frames.push([t + 0.031, { ...s, seq: 901, ack: 301, flags: 'PA', payload: 'y'.repeat(1200) }]);
      if (k < 4) {
        frames.push([t + 1, { ...c, seq: 301, ack: 2101, flags: 'FA' }]);
        frames.push([t + 1.015, { ...s, seq: 2101, ack: 302, flags: 'FA' }]);
        frames.push([t + 1.0151, { ...c, seq: 302, ack: 2102, flags: 'A' }]);
      } else {
        frames.push([t + 0.1, { ...c, seq: 301, ack: 2101, flags: 'RA' }]);
        frames.push([t + 10, { ...s, seq: 2101, ack: 301, flags: 'RA', ttl: 119 }]);
      }
    }
    return capture('late-reset.pcap', frames);
  }

  it("is judged by its TTL alone: the server's own, not a device that answered a SYN in 0 µs", async () => {
    const path = lateReset();
    const { result } = await analyze([path]);
    const source = result.resetSources.find((s) => s.ttl === 119);
    expect(source).toMatchObject({ attribution: 'endpoint', medianRttMs: null });
    expect(source!.evidence).toMatch(/TTL 119 matches/);
    expect(source!.evidence).not.toMatch(/the SYN/);
    expect(result.summary.join(' ')).not.toMatch(/device in the path/);
    const { connections } = await loadCaptures([path]);
    const alone = connections.find((c) => c.resets.some((r) => r.ttl === 119))!;
    expect(alone.resets[0]!.stage).toBe('unprompted');
  });

  it('after an ACK probe, says what it answered, not "after the SYN"', async () => {
    const SCANNER = '192.168.1.50';
    const TARGET = '192.168.1.25';
    const frames: [number, TcpSpec][] = [];
    for (let port = 1; port <= 40; port++) {
      const t = T0 + port * 0.01;
      frames.push([t, { src: SCANNER, dst: TARGET, sport: 60000, dport: port, seq: 7, ack: 4000 + port, flags: 'A', ttl: 64 }]);
      frames.push([t + 0.0008, { src: TARGET, dst: SCANNER, sport: port, dport: 60000, seq: 4000 + port, flags: 'R', ttl: 128 }]);
    }
    const path = capture('ack-scan.pcap', frames);
    const { result } = await analyze([path]);
    const source = result.resetSources.find((s) => s.ttl === 128)!;
    expect(source.evidence).not.toMatch(/the SYN/);
    expect(source.evidence).toMatch(/after the opening non-SYN packet/);
    const { connections } = await loadCaptures([path]);
    expect(new Set(connections.flatMap((c) => c.resets.map((r) => r.stage)))).toEqual(new Set(['probe']));
  });
});

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

describe("bytes of a destination when a forged SYN-ACK moved the client's acknowledgments", () => {
  it("count what came, not the gap between the forged and the real sequence numbers (Zeek's resp_bytes)", async () => {
    // A device in the path answers the SYN first with its own SYN-ACK (not captured: a tap on
    // the far side of it), the client acknowledges its numbers, then the real SYN-ACK comes,
    // 358 MB of sequence numbers below them, and the device resets: three times.
    const CLIENT = '10.200.1.18';
    const SERVER = '54.175.48.202';
    const frames: [number, TcpSpec][] = [];
    const request = 'GET / HTTP/1.1\r\nHost: www.example.com\r\n\r\n';
    for (let k = 0; k < 3; k++) {
      const t = T0 + k * 40;
      const sport = 1054 + k;
      const forged = 3_000_000_000;
      const real = forged - 358_000_000;
      const seq = 5000 + k * 1000;
      const out = { src: CLIENT, dst: SERVER, sport, dport: 80, ttl: 128 };
      const back = { src: SERVER, dst: CLIENT, sport: 80, dport: sport, ttl: 47 };
      frames.push(
        [t, { ...out, seq, flags: 'S' }],
        [t + 0.0006, { ...out, seq: seq + 1, ack: forged + 1, flags: 'A' }],
        [t + 0.0007, { ...out, seq: seq + 1, ack: forged + 1, flags: 'PA', payload: request }],
        [t + 0.03, { ...back, seq: real, ack: seq + 1, flags: 'SA' }],
        [t + 0.0301, { ...out, seq: seq + 1 + request.length, ack: forged + 1, flags: 'A' }],
        [t + 0.031, { ...back, seq: real + 1, ack: seq + 1, flags: 'R' }],
      );
    }
    const path = capture('forged-syn-ack.pcap', frames);
    const { connections } = await loadCaptures([path]);
    // The conn.log keeps Zeek's figure, the gap said as missed bytes …
    expect(connections.map((c) => [c.respBytes, c.missedBytes])).toEqual(Array.from({ length: 3 }, () => [358_000_000, 358_000_000]));
    // … and the destination counts the 80 IP bytes each brought, not a gigabyte.
    const { result } = await analyze([path], { allHosts: true });
    const group = result.hosts.flatMap((h) => h.groups).find((g) => g.addressList.includes(SERVER))!;
    expect(group.bytesIn).toBe(240);
  });
});
