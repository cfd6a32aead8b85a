/**
 * Scans as captures show them, written with callhome's own writer: each port or address is judged
 * once, however often it was tried — a sweep that sends every address a few datagrams, a
 * vulnerability scanner that hammers the one port that answers — and probes of any kind count:
 * nmap's ACK, FIN, NULL and Xmas scans send no SYN, a UDP port scan is answered by ICMP.
 */
import { describe, expect, it } from 'vitest';
import { analyze, type AnalysisResult } from '../../src/index.js';
import { buildPcap, type TimedFrame } from '../../src/synth/capture.js';
import { icmpFrame, quoteOf, tcpFrame, udpFrame } from '../../src/synth/frame.js';
import { TcpSession } from '../../src/synth/session.js';
import { hostActivity } from '../../src/report/words.js';
import { analyzeRenderers } from '../../src/report/index.js';
import { MAX_GROUPS_KEPT } from '../../src/analysis/hosts.js';

const T0 = 1_700_000_000;

async function analyzeFrames(frames: TimedFrame[]): Promise<AnalysisResult> {
  // The capture goes on a minute after the last probe: none is cut off by its end.
  const last = Math.max(...frames.map((f) => f.ts));
  frames.push({ ts: last + 60, frame: udpFrame({ src: '192.168.1.2', dst: '192.168.1.255', sport: 138, dport: 138, payload: 'x' }) });
  frames.sort((a, b) => a.ts - b.ts);
  const { result } = await analyze([{ name: 'scan.pcap', bytes: buildPcap(frames) }], { allHosts: true });
  return result;
}

function hostOf(result: AnalysisResult, address: string) {
  const h = result.hosts.find((x) => x.address === address);
  expect(h, address).toBeDefined();
  return h!;
}

/** A connection to `server`:`port` that completes and carries a request. */
function answered(client: string, server: string, port: number, t: number, sport: number): TimedFrame[] {
  const s = new TcpSession({ client, server, sport, dport: port });
  s.syn(t)
    .synAck(t + 0.0004)
    .ack(t + 0.0005)
    .send(t + 0.001, 'client', 'hello')
    .send(t + 0.002, 'server', 'hi');
  return s
    .fin(t + 0.003, 'client')
    .fin(t + 0.0035, 'server')
    .ack(t + 0.004)
    .frames();
}

/** A SYN to `server`:`port` refused by the server's reset. */
function refused(client: string, server: string, port: number, t: number, sport: number): TimedFrame[] {
  return [
    { ts: t, frame: tcpFrame({ src: client, dst: server, sport, dport: port, seq: 100, flags: 'S' }) },
    { ts: t + 0.0004, frame: tcpFrame({ src: server, dst: client, sport: port, dport: sport, seq: 0, ack: 101, flags: 'RA', ttl: 128 }) },
  ];
}

describe('scans', () => {
  it('a UDP sweep that sends each address several datagrams is a scan of those addresses', async () => {
    // 120 addresses on port 6892, each sent two datagrams from each of three source ports, nothing answering.
    const frames: TimedFrame[] = [];
    for (let a = 0; a < 120; a++) {
      for (let k = 0; k < 3; k++) {
        for (let d = 0; d < 2; d++) {
          const ts = T0 + a * 0.25 + k * 0.05 + d * 0.01;
          frames.push({
            ts,
            frame: udpFrame({
              src: '192.168.1.46',
              dst: `194.165.${16 + (a >> 8)}.${a & 255}`,
              sport: 50_000 + k,
              dport: 6892,
              payload: 'hi',
            }),
          });
        }
      }
    }
    const h = hostOf(await analyzeFrames(frames), '192.168.1.46');
    expect(h.labels).toContain('scanner');
    expect(h.verdict).toMatch(/^A scan: 120 addresses on port 6892\/udp probed in .*, 100% refused or unanswered/);
  });

  it('a vulnerability scan whose one open port is tried hundreds of times is still a scan of its ports', async () => {
    const scanner = '192.168.1.125';
    const target = '192.168.1.120';
    const frames: TimedFrame[] = [];
    let t = T0;
    // 56 closed ports refused, three open ones answered, and port 445 connected to 250 times.
    for (let p = 1; p <= 56; p++) frames.push(...refused(scanner, target, p * 10 + 1, (t += 0.2), 3_000 + p));
    for (const p of [80, 139, 3389]) frames.push(...answered(scanner, target, p, (t += 0.2), 4_000 + p));
    for (let i = 0; i < 250; i++) frames.push(...answered(scanner, target, 445, (t += 0.5), 10_000 + i));
    const h = hostOf(await analyzeFrames(frames), scanner);
    expect(h.labels).toContain('scanner');
    expect(h.verdict).toMatch(/^A scan: 60 ports on 192\.168\.1\.120 probed in .*, 93% refused or unanswered/);
  });

  it('failures at one destination are not called scattered', async () => {
    const frames: TimedFrame[] = [];
    // At irregular times: nothing on a schedule.
    for (let i = 0; i < 10; i++) frames.push(...answered('192.168.1.30', '192.168.1.5', 80, T0 + i * i * 3, 20_000 + i));
    for (let i = 0; i < 3; i++) frames.push(...refused('192.168.1.30', '192.168.1.5', 81, T0 + 3 + i * 11, 30_000 + i));
    const h = hostOf(await analyzeFrames(frames), '192.168.1.30');
    expect(h.labels).toEqual([]);
    expect(h.verdict).toContain('3 of 13 attempts failed (3 refused), all at one destination.');
    expect(h.verdict).not.toContain('scattered');
  });

  for (const [name, flags] of [
    ['ACK', 'A'],
    ['FIN', 'F'],
    ['NULL', ''],
    ['Xmas', 'FPU'],
  ] as const) {
    it(`an nmap ${name} scan — probes without a SYN, each answered by a reset — is a scan`, async () => {
      const frames: TimedFrame[] = [];
      for (let p = 1; p <= 100; p++) {
        const ts = T0 + p * 0.001;
        frames.push({ ts, frame: tcpFrame({ src: '192.168.1.10', dst: '192.168.1.25', sport: 53_073, dport: p, seq: 7, ack: 0, flags }) });
        frames.push({
          ts: ts + 0.0005,
          frame: tcpFrame({ src: '192.168.1.25', dst: '192.168.1.10', sport: p, dport: 53_073, seq: 0, flags: 'R', ttl: 128 }),
        });
      }
      const result = await analyzeFrames(frames);
      const h = hostOf(result, '192.168.1.10');
      expect(h.labels).toEqual(['scanner']);
      // A probe without a SYN opens no connection: its reset says the port is unfiltered (or closed), not that it refused one.
      expect(h.verdict).toMatch(/^A scan: 100 ports on 192\.168\.1\.25 probed in [^,]*, all 100 answered by a reset — /);
      expect(result.summary[0]).toMatch(
        /^192\.168\.1\.10: scanning \(100 ports on 192\.168\.1\.25 probed in [^,]*, all 100 answered by a reset\)\.$/,
      );
      expect(h.evidence).toContainEqual(expect.stringMatching(/^scanner: 100 ports on .*, all 100 answered by a reset$/));
    });
  }

  it('stray ACKs to one port of many servers, reset because the servers forgot them, are no scan', async () => {
    const frames: TimedFrame[] = [];
    for (let a = 1; a <= 80; a++) {
      const ts = T0 + a * 0.5;
      const server = `203.0.113.${a}`;
      frames.push({ ts, frame: tcpFrame({ src: '192.168.1.40', dst: server, sport: 40_000 + a, dport: 443, seq: 7, ack: 9, flags: 'A' }) });
      frames.push({
        ts: ts + 0.03,
        frame: tcpFrame({ src: server, dst: '192.168.1.40', sport: 443, dport: 40_000 + a, seq: 9, flags: 'R' }),
      });
    }
    const result = await analyzeFrames(frames);
    expect(result.hosts.flatMap((h) => h.labels)).not.toContain('scanner');
  });

  it('a UDP port scan of a LAN host, answered by ICMP port unreachable, is a scan', async () => {
    const frames: TimedFrame[] = [];
    for (let p = 0; p < 100; p++) {
      const ts = T0 + p * 0.002;
      const probe = udpFrame({ src: '192.168.1.10', dst: '192.168.1.25', sport: 62_025, dport: 1_000 + p, payload: '' });
      frames.push({ ts, frame: probe });
      frames.push({
        ts: ts + 0.0008,
        frame: icmpFrame({ src: '192.168.1.25', dst: '192.168.1.10', type: 3, code: 3, quoted: quoteOf(probe), ttl: 128 }),
      });
    }
    const h = hostOf(await analyzeFrames(frames), '192.168.1.10');
    expect(h.labels).toEqual(['scanner']);
    expect(h.verdict).toMatch(/^A scan: 100 ports on 192\.168\.1\.25 probed in .*, 100% refused or unanswered/);
  });
  it('an nmap ACK scan counts the ports above its source port too, and its host line counts the probes sent', async () => {
    // One source port in the middle of the port range: 100 ports below it, 50 above, each reset.
    const frames: TimedFrame[] = [];
    const ports = [...Array.from({ length: 100 }, (_, k) => k + 1), ...Array.from({ length: 50 }, (_, k) => 40_001 + k)];
    ports.forEach((p, k) => {
      const ts = T0 + k * 0.001;
      frames.push({
        ts,
        frame: tcpFrame({ src: '192.168.1.10', dst: '192.168.1.25', sport: 40_000, dport: p, seq: 7, ack: 9, flags: 'A' }),
      });
      frames.push({
        ts: ts + 0.0005,
        frame: tcpFrame({ src: '192.168.1.25', dst: '192.168.1.10', sport: p, dport: 40_000, seq: 9, flags: 'R', ttl: 128 }),
      });
    });
    const h = hostOf(await analyzeFrames(frames), '192.168.1.10');
    expect(h.labels).toEqual(['scanner']);
    expect(h.verdict).toMatch(/^A scan: 150 ports on 192\.168\.1\.25 probed in /);
    expect(h.groups[0]!.ports).toHaveLength(150);
    expect(h.probes).toBe(150);
    expect(hostActivity(h)).toEqual(['150 probes without a SYN', '1 destination group']);
  });

  it("a server's stray ACKs and FINs to its clients' ephemeral ports are no probes", async () => {
    // A LAN web service on port 8443 (a port the connection tracker does not know, so its strays
    // are read as sent from it): its late ACK or FIN to each of 60 ports of a client whose
    // connections ended before the capture began, which the client resets; and the client's
    // connection of now.
    const server = '192.168.1.5';
    const client = '192.168.1.40';
    const frames: TimedFrame[] = [...answered(client, server, 8443, T0, 49_999)];
    for (let k = 0; k < 60; k++) {
      const t = T0 + 1 + k * 0.5;
      frames.push({
        ts: t,
        frame: tcpFrame({ src: server, dst: client, sport: 8443, dport: 50_000 + k, seq: 900, ack: 9, flags: k % 2 ? 'A' : 'FA' }),
      });
      frames.push({ ts: t + 0.0005, frame: tcpFrame({ src: client, dst: server, sport: 50_000 + k, dport: 8443, seq: 9, flags: 'R' }) });
    }
    const result = await analyzeFrames(frames);
    expect(result.hosts.flatMap((h) => h.labels)).not.toContain('scanner');
    expect(result.hosts.find((h) => h.address === server)?.probes).toBeUndefined();
  });

  it('a UDP port scan of a LAN host counts its LAN services and the ports above its source port, answered or not', async () => {
    // 100 ports (NetBIOS 137 and 138 among them) and 30 above the source port, refused by ICMP,
    // but for NetBIOS, which answers, and one port that never does.
    const frames: TimedFrame[] = [];
    const ports = [...Array.from({ length: 100 }, (_, k) => 100 + k), ...Array.from({ length: 30 }, (_, k) => 40_001 + k)];
    ports.forEach((p, k) => {
      const ts = T0 + k * 0.002;
      const probe = udpFrame({ src: '192.168.1.10', dst: '192.168.1.25', sport: 40_000, dport: p, payload: '' });
      frames.push({ ts, frame: probe });
      if (p === 150) return;
      const answer =
        p === 137 || p === 138
          ? udpFrame({ src: '192.168.1.25', dst: '192.168.1.10', sport: p, dport: 40_000, payload: 'name' })
          : icmpFrame({ src: '192.168.1.25', dst: '192.168.1.10', type: 3, code: 3, quoted: quoteOf(probe), ttl: 128 });
      frames.push({ ts: ts + 0.0008, frame: answer });
    });
    const h = hostOf(await analyzeFrames(frames), '192.168.1.10');
    expect(h.labels).toEqual(['scanner']);
    expect(h.verdict).toMatch(/^A scan: 130 ports on 192\.168\.1\.25 probed in /);
    expect(h.groups[0]!.ports).toHaveLength(130);
    expect(hostActivity(h)).toEqual(['130 attempts', '1 destination group']);
  });

  it("a port scan cut off by the capture's end counts the ports it probed in its last seconds", async () => {
    // 100 ports refused, then 10 more the capture ends on before any answer.
    const frames: TimedFrame[] = [];
    for (let p = 1; p <= 110; p++) {
      const ts = T0 + p * 0.01;
      frames.push(...(p <= 100 ? refused('192.168.1.10', '192.168.1.25', p, ts, 41_000 + p) : []));
      if (p > 100)
        frames.push({
          ts,
          frame: tcpFrame({ src: '192.168.1.10', dst: '192.168.1.25', sport: 41_000 + p, dport: p, seq: 100, flags: 'S' }),
        });
    }
    const { result } = await analyze([{ name: 'scan.pcap', bytes: buildPcap(frames) }], { allHosts: true });
    const h = hostOf(result, '192.168.1.10');
    expect(h.labels).toEqual(['scanner']);
    expect(h.verdict).toMatch(/^A scan: 110 ports on 192\.168\.1\.25 probed in .*, 91% refused or unanswered/);
    expect(h.groups[0]!.ports).toHaveLength(110);
  });
  it('a capture as short as the port scan it holds, no probe answered before it ends, is a scan', async () => {
    // A sniffer stopped 0.3 s after the last of 29 SYNs, 100 ms apart, to 29 ports of one host:
    // every probe is in the capture's last 5 s, none judged unanswered, and still a scan.
    const syns = (ports: readonly number[], at: number): TimedFrame[] =>
      ports.map((dport, k) => ({
        ts: T0 + at + k * 0.1,
        frame: tcpFrame({ src: '10.100.25.14', dst: '10.100.18.12', sport: 20_000 + dport, dport, seq: 100, flags: 'S' }),
      }));
    const ports = [21, 22, 23, 25, 53, 79, 80, 110, 111, 113, 135, 139, 143, 161, 389, 443, 445, 515, 1433, 3306];
    const short = async (frames: TimedFrame[]): Promise<AnalysisResult> =>
      (await analyze([{ name: 'portscan.pcap', bytes: buildPcap(frames) }], { allHosts: true })).result;
    const scan = hostOf(await short(syns([...ports, 3389, 5900, 8080], 0)), '10.100.25.14');
    expect(scan.labels).toEqual(['scanner']);
    expect(scan.verdict).toMatch(/^A scan: 23 ports on 10\.100\.18\.12 probed in 2\.2 s, none answered before the capture ended/);
    // Fewer ports than a scan's: attempts the end cut off, nothing more.
    const few = hostOf(await short(syns(ports.slice(0, 12), 0)), '10.100.25.14');
    expect(few.labels).toEqual([]);
    // Ports refused a minute before, and more the end cut off: one scan of them all.
    const refusedFirst = ports.slice(0, 12).flatMap((p, k) => refused('10.100.25.14', '10.100.18.12', p, T0 + k * 0.1, 30_000 + p));
    const mixed = hostOf(await short([...refusedFirst, ...syns(ports.slice(12), 60)]), '10.100.25.14');
    expect(mixed.labels).toEqual(['scanner']);
    expect(mixed.verdict).toContain(
      '20 ports on 10.100.18.12 probed in 1 min 1 s, 8 unanswered when the capture ended and 12 of the other 12 refused or unanswered',
    );
  });
  it('an nmap FIN scan whose open ports stay silent says how many were answered by a reset and how many not', async () => {
    // 90 closed ports answer the FIN with a reset; 10 open (or filtered) ones say nothing, each probed twice.
    const frames: TimedFrame[] = [];
    for (let p = 1; p <= 100; p++) {
      const ts = T0 + p * 0.001;
      const fin = (at: number): TimedFrame => ({
        ts: at,
        frame: tcpFrame({ src: '192.168.1.10', dst: '192.168.1.25', sport: 53_073, dport: p, seq: 7, ack: 0, flags: 'F' }),
      });
      frames.push(fin(ts));
      if (p <= 90) {
        frames.push({
          ts: ts + 0.0005,
          frame: tcpFrame({ src: '192.168.1.25', dst: '192.168.1.10', sport: p, dport: 53_073, seq: 0, flags: 'R', ttl: 128 }),
        });
      } else frames.push(fin(ts + 1));
    }
    const h = hostOf(await analyzeFrames(frames), '192.168.1.10');
    expect(h.labels).toEqual(['scanner']);
    expect(h.verdict).toMatch(/^A scan: 100 ports on 192\.168\.1\.25 probed in [^,]*, 90 answered by a reset, 10 unanswered — /);
  });

  it('a scan of TCP ports, UDP ports and ping counts each protocol apart, in its words and in its group line alike', async () => {
    // 30 TCP ports refused, 20 UDP ports answered by ICMP port unreachable (10 of them numbers the
    // TCP probes used too), and a ping answered: 40 port numbers, 30 TCP ports and 20 UDP ports.
    const target = '192.168.1.25';
    const frames: TimedFrame[] = [];
    for (let p = 1; p <= 30; p++) frames.push(...refused('192.168.1.10', target, p, T0 + p * 0.01, 41_000 + p));
    for (let k = 0; k < 20; k++) {
      const ts = T0 + 1 + k * 0.01;
      const probe = udpFrame({ src: '192.168.1.10', dst: target, sport: 62_025, dport: 21 + k, payload: '' });
      frames.push({ ts, frame: probe });
      frames.push({
        ts: ts + 0.0008,
        frame: icmpFrame({ src: target, dst: '192.168.1.10', type: 3, code: 3, quoted: quoteOf(probe), ttl: 128 }),
      });
    }
    frames.push({ ts: T0 + 2, frame: icmpFrame({ src: '192.168.1.10', dst: target, type: 8, code: 0, id: 7, sequence: 1 }) });
    frames.push({ ts: T0 + 2.001, frame: icmpFrame({ src: target, dst: '192.168.1.10', type: 0, code: 0, id: 7, sequence: 1, ttl: 128 }) });
    const result = await analyzeFrames(frames);
    const h = hostOf(result, '192.168.1.10');
    expect(h.labels).toEqual(['scanner']);
    expect(h.verdict).toMatch(/^A scan: 30 TCP ports, 20 UDP ports and ping on 192\.168\.1\.25 probed in /);
    expect(h.groups[0]!.ports).toHaveLength(40);
    expect(h.groups[0]!.portsByProtocol).toEqual({ tcp: 30, udp: 20 });
    const text = analyzeRenderers.text(result, { color: false, width: 200 });
    expect(text).toContain('ports 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, … (30 TCP ports and 20 UDP ports) and ping — 1 address');
  });

  it("the groups a sweep's report does not show say how many of their attempts the capture's end cut off", async () => {
    // SYNs to port 80 of 60 addresses, each in a network of its own, none answered: the last 10
    // in the capture's last seconds, before another host's packet ends it.
    const frames: TimedFrame[] = [];
    const syn = (k: number, ts: number): TimedFrame => ({
      ts,
      frame: tcpFrame({ src: '192.168.1.10', dst: `${20 + k}.0.113.9`, sport: 42_000 + k, dport: 80, seq: 100, flags: 'S' }),
    });
    for (let k = 0; k < 50; k++) frames.push(syn(k, T0 + k * 0.5));
    for (let k = 50; k < 60; k++) frames.push(syn(k, T0 + 97 + (k - 50) * 0.2));
    frames.push({ ts: T0 + 100, frame: udpFrame({ src: '192.168.1.2', dst: '192.168.1.255', sport: 138, dport: 138, payload: 'x' }) });
    const { result } = await analyze([{ name: 'sweep.pcap', bytes: buildPcap(frames) }]);
    const h = hostOf(result, '192.168.1.10');
    expect(h.labels).toContain('scanner');
    expect(h.groupsOmitted).toMatchObject({ groups: 60 - MAX_GROUPS_KEPT, attempts: 10, cutOff: 10 });
    // The terminal shows 5 groups and counts the 55 others, as the groups it shows say theirs.
    const text = analyzeRenderers.text(result, { color: false, width: 200 });
    expect(text).toContain(
      `… 55 more destination groups (55 attempts, 10 cut off by the end of the capture; --format json has the first ${MAX_GROUPS_KEPT}, and counts the rest)`,
    );
    // Markdown lists the groups the finding keeps, and counts those it left out.
    const markdown = analyzeRenderers.markdown(result, { color: false });
    expect(markdown).toContain(
      '… and 10 more destination groups (10 attempts, 0 established, 0 unanswered, 10 cut off by the end of the capture, 10 addresses): left out to bound the output.',
    );
  });
});
