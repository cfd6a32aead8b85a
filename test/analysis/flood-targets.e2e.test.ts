/**
 * Floods of many sources at one target, as captures show them, written with callhome's own
 * writer: a SYN flood from spoofed sources — one SYN each — is no one host's flood, and read host
 * by host it is thousands of single attempts never answered. Counted at its target it is named,
 * however short the capture; a busy server answering its many clients, a syslog collector and one
 * NAT gateway's many connections are no flood's target.
 */
import { describe, expect, it } from 'vitest';
import { analyze, compare, type AnalysisResult } from '../../src/index.js';
import { buildPcap, type TimedFrame } from '../../src/synth/capture.js';
import { tcpFrame, udpFrame } from '../../src/synth/frame.js';
import { TcpSession } from '../../src/synth/session.js';
import { renderAnalyzeJson } from '../../src/report/json.js';

const T0 = 1_700_000_000;

async function analyzeFrames(frames: TimedFrame[], allHosts = false): Promise<AnalysisResult> {
  frames.sort((a, b) => a.ts - b.ts);
  const { result } = await analyze([{ name: 'capture.pcap', bytes: buildPcap(frames) }], { allHosts });
  return result;
}

/** The `i`th of many forged public sources, scattered over the address space as a flood's random ones are. */
function spoofed(i: number): string {
  const n = Math.imul(i + 1, 2_654_435_761) >>> 0;
  // 11.x to 99.x: clear of the internal ranges (10/8, 100.64/10, 169.254/16, 172.16/12, 192.168/16),
  // where a forged source would be read as one of the network's own.
  return `${11 + ((n >>> 24) % 89)}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${(n & 255) | 1}`;
}

/** One SYN from each of `n` forged sources at `dst`:`port`, `gap` seconds apart from `start`. */
function spoofedSyns(dst: string, port: number, n: number, start: number, gap: number): TimedFrame[] {
  return Array.from({ length: n }, (_, i) => ({
    ts: start + i * gap,
    frame: tcpFrame({
      src: spoofed(i),
      dst,
      sport: 1024 + ((i * 7919) % 60_000),
      dport: port,
      seq: (i * 104_729) >>> 0,
      flags: 'S',
      ttl: 50,
    }),
  }));
}

/** A connection answered, a request and its answer carried, closed by both sides: `rtt` seconds each way and back. */
function answered(client: string, server: string, sport: number, t: number, rtt: number): TimedFrame[] {
  const s = new TcpSession({ client, server, sport, dport: 443 });
  s.syn(t)
    .synAck(t + rtt)
    .ack(t + rtt * 1.03)
    .send(t + rtt * 1.3, 'client', 'GET')
    .send(t + rtt * 2.6, 'server', 'OK')
    .fin(t + rtt * 3.3, 'client')
    .fin(t + rtt * 4.3, 'server')
    .ack(t + rtt * 4.4);
  return s.frames();
}

/** A few ordinary connections of the network's own, so that the capture is of a network and not of the flood alone. */
function ordinary(start: number): TimedFrame[] {
  const frames: TimedFrame[] = [];
  for (let i = 0; i < 3; i++) frames.push(...answered('10.10.10.20', '93.184.216.34', 51_000 + i, start + i * 4, 0.03));
  return frames;
}

describe('flood targets', () => {
  it('a SYN flood from spoofed sources, one SYN each, is named as the flood at its target, not as hosts calling out', async () => {
    // A capture at the victim of 1,000 forged sources, one SYN each, at a game server over 20 s,
    // ending with the flood. No host of the network opens a connection: every source is read as one.
    const result = await analyzeFrames(spoofedSyns('10.10.10.10', 25565, 1000, T0, 0.02));
    expect(result.summary[0]).toMatch(
      /^10\.10\.10\.10:25565 is the target of a SYN flood: 1,000 SYNs from 1,000 sources in 20 s \(50 SYNs\/s\), 100% of 7\d\d connections never answered, 2\d\d more cut off by the end of the capture — the sources are likely spoofed .*they are not hosts of this network calling out\.$/,
    );
    // The misleading reading of the same attempts host by host is gone.
    expect(result.summary.join(' ')).not.toContain('scattered rather than repeated');
    expect(result.summary.join(' ')).not.toContain('left unjudged');
    const rows = Object.fromEntries(result.quietHosts.byActivity.map((r) => [r.activity, r.hosts]));
    expect(rows['flood-source']).toBe(1000);
    expect(rows['cut-off']).toBeUndefined();
    expect(rows.direct).toBeUndefined();
    const json = JSON.parse(renderAnalyzeJson(result, { color: false })) as AnalysisResult;
    expect(json.version).toBe(1);
    expect(json.floodTargets).toEqual([
      expect.objectContaining({
        target: '10.10.10.10',
        port: 25565,
        proto: 'tcp',
        attempts: 1000,
        packets: 1000,
        sources: 1000,
        refused: 0,
        likelySpoofed: true,
      }),
    ]);
    const [target] = json.floodTargets!;
    expect([target!.failed, target!.unanswered, target!.failed + target!.cutOff]).toEqual([target!.unanswered, expect.any(Number), 1000]);
    expect(target!.cutOff).toBeGreaterThan(240);
    expect(json.floodTargets![0]!.rate).toBeCloseTo(50, 0);
  });

  it('a flood all of whose SYNs fall in the capture’s last second is still named, its SYNs cut off by the end', async () => {
    // A DDoS capture of 20 s whose flood comes in its last half second: 300 forged sources, one
    // SYN each, after a few stray resets at the port seconds earlier (backscatter of another flood).
    const frames = spoofedSyns('10.10.10.10', 30120, 300, T0 + 20, 0.0015);
    for (let i = 0; i < 5; i++) {
      frames.push({
        ts: T0 + i * 3,
        frame: tcpFrame({ src: spoofed(5000 + i), dst: '10.10.10.10', sport: 4000 + i, dport: 30120, seq: i, flags: 'R' }),
      });
    }
    const result = await analyzeFrames(frames);
    expect(result.summary[0]).toMatch(
      /^10\.10\.10\.10:30120 is the target of a SYN flood: 300 SYNs from 300 sources within a second \(300 SYNs\/s\), all 300 connections cut off by the end of the capture/,
    );
    expect(result.summary.join(' ')).not.toContain('left unjudged');
    // Not 300 hosts "cut off by the end" and 5 with "no new connections": the flood's sources, all of them.
    expect(result.quietHosts.byActivity.map((r) => [r.activity, r.hosts])).toEqual([['flood-source', 305]]);
    expect(result.floodTargets?.[0]).toMatchObject({ attempts: 300, cutOff: 300, failed: 0, sources: 300 });
  });

  it('the same flood listed host by host (--all-hosts) says the same', async () => {
    const result = await analyzeFrames(spoofedSyns('10.10.10.10', 25565, 400, T0, 0.02), true);
    expect(result.summary[0]).toContain('10.10.10.10:25565 is the target of a SYN flood: 400 SYNs from 400 sources');
    expect(result.summary.join(' ')).not.toContain('scattered rather than repeated');
    expect(result.summary.join(' ')).not.toContain('No TCP connections');
    expect(result.quietHosts.byActivity.find((r) => r.activity === 'flood-source')?.hosts).toBe(400);
  });

  it('a flood seen beside the network’s own hosts is named all the same; its outside sources are no hosts of the network', async () => {
    const result = await analyzeFrames([...spoofedSyns('10.10.10.10', 25565, 600, T0 + 10, 0.02), ...ordinary(T0)]);
    expect(result.summary[0]).toContain('10.10.10.10:25565 is the target of a SYN flood: 600 SYNs from 600 sources in 12 s (50 SYNs/s)');
    expect(result.summary[1]).toBe('Nothing calls home on a schedule, and no other attempt is refused or left unanswered.');
    expect(result.quietHosts.count).toBe(1);
  });

  it('a busy server answering its many clients is no flood target: most of their connections complete', async () => {
    // 60 clients, 10 connections each, 600 in 20 s at one web server, every one answered.
    const frames: TimedFrame[] = [];
    for (let i = 0; i < 600; i++) {
      const t = T0 + i * 0.033;
      frames.push(...answered(`10.1.${(i % 60) >> 4}.${(i % 60) + 2}`, '10.1.9.9', 40_000 + i, t, 0.0004));
    }
    frames.push(...ordinary(T0 + 30));
    const result = await analyzeFrames(frames);
    expect(result.floodTargets).toBeUndefined();
    expect(result.summary.join(' ')).not.toContain('target of a');
    expect(result.quietHosts.byActivity.map((r) => r.activity)).not.toContain('flood-source');
  });

  it('one NAT gateway’s many failing connections, a few hosts retrying a server that is down and a syslog collector’s devices make no flood target', async () => {
    const frames: TimedFrame[] = [];
    // The gateway: 400 SYNs at one server in 20 s, none answered — one source, its own flood at most.
    for (let i = 0; i < 400; i++) {
      frames.push({
        ts: T0 + i * 0.05,
        frame: tcpFrame({ src: '10.0.0.1', dst: '198.51.100.7', sport: 30_000 + i, dport: 443, seq: i, flags: 'S' }),
      });
    }
    // 40 devices logging to one collector, 20 datagrams a second in all, never answered by design.
    for (let i = 0; i < 600; i++) {
      frames.push({
        ts: T0 + i * 0.05,
        frame: udpFrame({
          src: `10.0.1.${(i % 40) + 10}`,
          dst: '10.0.2.5',
          sport: 514,
          dport: 514,
          payload: '<13>Nov  1 00:00:00 sw1 link up',
        }),
      });
    }
    // Five hosts retrying a server that is down, 50 SYNs each within 10 s: a few hosts, not many sources.
    for (let i = 0; i < 250; i++) {
      frames.push({
        ts: T0 + i * 0.04,
        frame: tcpFrame({ src: `10.0.4.${(i % 5) + 1}`, dst: '10.0.3.3', sport: 33_000 + i, dport: 8443, seq: i, flags: 'S' }),
      });
    }
    frames.push(...ordinary(T0 + 40));
    const result = await analyzeFrames(frames);
    expect(result.floodTargets).toBeUndefined();
    expect(result.summary.join(' ')).not.toContain('target of a');
  });

  it('many real sources, a few SYNs each, none a flood by itself: a distributed flood, not said to be spoofed', async () => {
    // 40 machines, 5 SYNs each, at one server within 10 s; none answered.
    const frames: TimedFrame[] = [];
    for (let i = 0; i < 200; i++) {
      frames.push({
        ts: T0 + i * 0.05,
        frame: tcpFrame({ src: spoofed(i % 40), dst: '10.10.10.10', sport: 20_000 + i, dport: 80, seq: i * 1000, flags: 'S' }),
      });
    }
    frames.push(...ordinary(T0 + 20));
    const result = await analyzeFrames(frames);
    expect(result.summary[0]).toMatch(
      /^10\.10\.10\.10:80 is the target of a SYN flood: 200 SYNs from 40 sources in 10 s .*a distributed flood at one target/,
    );
    expect(result.summary[0]).not.toContain('spoofed');
    expect(result.floodTargets?.[0]?.likelySpoofed).toBe(false);
  });

  describe('UDP at any port of one address', () => {
    /** One datagram from each of `n` sources at `dst`'s scattered ports within `seconds`, each from `sport(i)`. */
    const datagrams = (dst: string, n: number, seconds: number, sport: (i: number) => number): TimedFrame[] =>
      Array.from({ length: n }, (_, i) => ({
        ts: T0 + (i * seconds) / n,
        frame: udpFrame({ src: spoofed(i), dst, sport: sport(i), dport: 1024 + ((i * 7919) % 60_000), payload: 'x'.repeat(200) }),
      }));

    it("servers' answers from their service port to requests forged in the target's name are a reflection flood at it", async () => {
      const result = await analyzeFrames([...datagrams('10.10.10.10', 400, 2, () => 161), ...ordinary(T0 + 10)], true);
      expect(result.floodTargets?.[0]).toMatchObject({
        target: '10.10.10.10',
        port: 0,
        proto: 'udp',
        packets: 400,
        sources: 400,
        anyPort: { sourcePorts: [161] },
      });
      expect(result.summary[0]).toMatch(
        /^10\.10\.10\.10 \(UDP, any port\) is the target of a reflection flood: 400 UDP datagrams from 400 sources' port 161 in 2 s .*servers answering requests forged in its name/,
      );
      // Datagrams it never asked for are no attempts of its own.
      const target = result.hosts.find((h) => h.address === '10.10.10.10');
      expect(target?.labels ?? []).toEqual([]);
      expect(target?.groups.reduce((n, g) => n + g.attempts, 0) ?? 0).toBe(0);
    });

    it('datagrams from scattered ports of many sources are a UDP flood at any port', async () => {
      const result = await analyzeFrames([...datagrams('10.10.10.11', 300, 2, (i) => 20_000 + i), ...ordinary(T0 + 10)]);
      expect(result.floodTargets?.[0]).toMatchObject({ target: '10.10.10.11', port: 0, anyPort: { sourcePorts: [] } });
      expect(result.summary[0]).toMatch(
        /^10\.10\.10\.11 \(UDP, any port\) is the target of a UDP flood: 300 UDP datagrams from 300 sources in 2 s/,
      );
    });

    it("servers' SYN-ACKs and resets answering SYNs forged in the target's name are a TCP reflection flood, their resets no refusal", async () => {
      const frames: TimedFrame[] = Array.from({ length: 400 }, (_, i) => ({
        ts: T0 + i * 0.005,
        frame: tcpFrame({
          src: spoofed(i),
          dst: '10.10.10.12',
          sport: i % 4 === 0 ? 443 : 80,
          dport: 1024 + ((i * 7919) % 60_000),
          seq: i * 1000,
          ack: (i * 104_729) >>> 0,
          flags: i % 5 === 0 ? 'RA' : 'SA',
          ttl: 50,
        }),
      }));
      const result = await analyzeFrames([...frames, ...ordinary(T0 + 10)]);
      expect(result.floodTargets?.[0]).toMatchObject({
        target: '10.10.10.12',
        port: 0,
        proto: 'tcp',
        unit: 'SYN-ACK or reset',
        sources: 400,
        anyPort: { sourcePorts: [80, 443] },
      });
      expect(result.summary[0]).toMatch(
        /^10\.10\.10\.12 \(TCP, any port\) is the target of a reflection flood: 400 SYN-ACKs and resets from 400 sources' ports 80 and 443 in 2 s .*servers answering SYNs forged in its name/,
      );
      // Resets that answered nothing the host sent refused nothing.
      expect(result.resetSources).toEqual([]);
    });

    it('compare sets two reflection floods at one target side by side, and a capture without one apart', async () => {
      const capture = (name: string, frames: TimedFrame[]) => {
        frames.sort((a, b) => a.ts - b.ts);
        return { name, bytes: buildPcap(frames) };
      };
      const snmp = capture('snmp.pcap', [...datagrams('10.10.10.10', 400, 2, () => 161), ...ordinary(T0 + 10)]);
      const ike = capture('ike.pcap', [...datagrams('10.10.10.10', 300, 2, () => 4500), ...ordinary(T0 + 10)]);
      const { result } = await compare([snmp, ike]);
      expect(result.conclusion).toMatch(/^Both captures show a reflection flood \(UDP\) from many sources at 10\.10\.10\.10 in each[;.]/);
      const row = result.shared.find((b) => b.behaviour === 'flood at one target from many sources');
      expect(row?.perCapture).toEqual([
        '10.10.10.10 (UDP, any port): a reflection flood from port 161, 400 UDP datagrams from 400 sources',
        '10.10.10.10 (UDP, any port): a reflection flood from port 4500, 300 UDP datagrams from 300 sources',
      ]);
      const quiet = capture('quiet.pcap', ordinary(T0));
      const apart = (await compare([snmp, quiet])).result;
      expect(apart.different.find((b) => b.behaviour === 'flood at one target from many sources')?.perCapture[1]).toBe('none seen');
    });

    it("a resolver's answers to its queries, a few of them come after it gave up, are no flood", async () => {
      const frames: TimedFrame[] = [];
      for (let i = 0; i < 400; i++) {
        const server = spoofed(i);
        const sport = 1024 + ((i * 7919) % 60_000);
        const t = T0 + i * 0.01;
        frames.push(
          { ts: t, frame: udpFrame({ src: '10.10.10.53', dst: server, sport, dport: 53, payload: 'q'.repeat(40) }) },
          { ts: t + 0.03, frame: udpFrame({ src: server, dst: '10.10.10.53', sport: 53, dport: sport, payload: 'a'.repeat(120) }) },
        );
      }
      // 150 answers from other servers to ports whose queries are gone: one way each.
      for (let i = 0; i < 150; i++) {
        frames.push({
          ts: T0 + i * 0.02,
          frame: udpFrame({ src: spoofed(1000 + i), dst: '10.10.10.53', sport: 53, dport: 2000 + i, payload: 'a'.repeat(120) }),
        });
      }
      frames.push(...ordinary(T0 + 10));
      const result = await analyzeFrames(frames);
      expect(result.floodTargets).toBeUndefined();
    });
  });
});
