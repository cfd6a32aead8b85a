/**
 * How client stacks retry a connection a firewall refuses, as callhome must count it: Windows
 * sends the same SYN again after each reset (twice, half a second apart: Microsoft KB 175523),
 * which is one attempt; software bound to one source port makes a new attempt with a new initial
 * sequence number each time, which is several.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze, loadCaptures } from '../../src/index.js';
import { flowsRenderers } from '../../src/report/index.js';
import { PcapWriter } from '../../src/capture/writer.js';
import { icmpFrame, quoteOf, tcpFrame, udpFrame } from '../../src/synth/frame.js';
import type { HostFinding } from '../../src/analysis/types.js';
import { outcomeWords } from '../../src/report/words.js';

const tmp = mkdtempSync(join(tmpdir(), 'callhome-stacks-'));
const T0 = 1_700_000_000;
const HOST = '10.0.0.9';
const SERVER = '203.0.113.10';

const attempts = (h: HostFinding | undefined): number => (h?.groups ?? []).reduce((n, g) => n + g.attempts, 0);

/**
 * A capture of `cycles` tries 300 s apart, each `syns` SYNs `spacing` s apart from one source
 * port (to `dport`), every SYN answered by the firewall's RST+ACK 0.3 ms later; `sameIsn`: the SYNs of a try
 * share their sequence number (a retransmission), else each has its own (a new connect()).
 */
function refusedTries(name: string, cycles: number, syns: number, spacing: number, sameIsn: boolean, dport = 443): string {
  const writer = new PcapWriter({ linktype: 1 });
  const add = (ts: number, frame: Uint8Array): void => writer.add(Math.floor(ts), Math.round((ts % 1) * 1e6) * 1000, frame);
  for (let i = 0; i < cycles; i++) {
    const sport = sameIsn ? 49700 + i : 50000;
    for (let k = 0; k < syns; k++) {
      const ts = T0 + i * 300 + k * spacing;
      const seq = 1_000_000 * (i + 1) + (sameIsn ? 0 : 7919 * k);
      add(ts, tcpFrame({ src: HOST, dst: SERVER, sport, dport, seq, flags: 'S', ttl: 128 }));
      add(ts + 0.0003, tcpFrame({ src: SERVER, dst: HOST, sport: dport, dport: sport, seq: 0, ack: seq + 1, flags: 'RA', ttl: 64 }));
    }
  }
  const path = join(tmp, name);
  writeFileSync(path, writer.drain());
  return path;
}

describe('a refused SYN sent again', () => {
  it('Windows: the same SYN again after each reset is one attempt, and the schedule is one every 5 min', async () => {
    const { result } = await analyze([refusedTries('windows.pcap', 20, 3, 0.5, true)]);
    const host = result.hosts.find((h) => h.address === HOST);
    expect(attempts(host)).toBe(20);
    const schedule = host?.groups[0]?.schedule;
    expect(schedule?.periodic).toBe(true);
    expect(schedule?.periodSeconds).toBeCloseTo(300, 0);
    expect(schedule?.burstSize).toBe(1);
  });

  it('Windows: the verdict counts refused attempts, and the group says what the other resets were', async () => {
    const { result } = await analyze([refusedTries('windows-words.pcap', 20, 3, 0.5, true, 4445)]);
    const host = result.hosts.find((h) => h.address === HOST)!;
    // Not "60 of 20 attempts": the resets of the SYNs sent again refused the same attempts.
    expect(host.verdict).toMatch(
      /^Periodic attempts that fail: one attempt every 5 min to 203\.0\.113\.10 \(TCP 4445\), every attempt refused by /,
    );
    expect(outcomeWords(host.groups[0]!)).toMatch(
      /^20 attempts and 40 repeated SYNs of refused attempts: 0 established, 60 reset \(60 by /,
    );
  });

  it('one source port, a new sequence number each time: every SYN is an attempt of its own', async () => {
    const { result } = await analyze([refusedTries('bound-port.pcap', 10, 3, 1, false)]);
    expect(attempts(result.hosts.find((h) => h.address === HOST))).toBe(30);
  });
});

/**
 * The firewall's refusals of 20 tries 300 s apart, each reset 0.3 ms after its SYN on the wire,
 * as a sniffer wrote them: `skew` s added to the resets' stamps (a tap that stamps its two
 * directions apart), `resetFirst` the reset written to the file before its SYN.
 */
function skewedRefusals(name: string, skew: number, resetFirst: boolean): string {
  const writer = new PcapWriter({ linktype: 1 });
  const add = (ts: number, frame: Uint8Array): void => writer.add(Math.floor(ts), Math.round((ts % 1) * 1e6) * 1000, frame);
  for (let i = 0; i < 20; i++) {
    const ts = T0 + i * 300;
    const sport = 49700 + i;
    const seq = 1_000_000 * (i + 1);
    const syn = (): void => add(ts, tcpFrame({ src: HOST, dst: SERVER, sport, dport: 443, seq, flags: 'S', ttl: 128 }));
    const rst = (): void =>
      add(ts + 0.0003 + skew, tcpFrame({ src: SERVER, dst: HOST, sport: 443, dport: sport, seq: 0, ack: seq + 1, flags: 'RA', ttl: 64 }));
    if (resetFirst || skew < -0.0003) {
      rst();
      syn();
    } else {
      syn();
      rst();
    }
  }
  const path = join(tmp, name);
  writeFileSync(path, writer.drain());
  return path;
}

describe('a refusal stamped or written before its SYN', () => {
  for (const [what, skew, resetFirst] of [
    ['stamped a millisecond before its SYN (a tap’s two directions stamped apart)', -0.0013, false],
    ['written to the file before its SYN, stamped after it (a capture from several queues)', 0, true],
  ] as const) {
    it(`${what}: every attempt refused, none "never answered"`, async () => {
      const { result } = await analyze([skewedRefusals(`${skew}-${resetFirst}.pcap`, skew, resetFirst)]);
      const group = result.hosts.find((h) => h.address === HOST)?.groups[0];
      expect(group?.attempts).toBe(20);
      expect(group?.unanswered).toBe(0);
      expect(group!.resets.middlebox + group!.resets.endpoint + group!.resets.unknown).toBe(20);
      expect(result.hosts.find((h) => h.address === HOST)?.evidence.join(' ')).not.toMatch(/cut off/);
    });
  }
});

/**
 * Software bound to one source port (an agent's fixed port, a device's) whose every try is
 * silently dropped: `tries` connects `every` s apart, each a new initial sequence number and its
 * SYN sent again 1 and 3 s later as a stack does (the same sequence number).
 */
function boundPortDropped(name: string, tries: number, every: number): string {
  const writer = new PcapWriter({ linktype: 1 });
  const add = (ts: number, frame: Uint8Array): void => writer.add(Math.floor(ts), Math.round((ts % 1) * 1e6) * 1000, frame);
  for (let i = 0; i < tries; i++) {
    const seq = 0x9000_0000 + 7919 * 4096 * (i + 1);
    for (const after of [0, 1, 3])
      add(T0 + i * every + after, tcpFrame({ src: HOST, dst: SERVER, sport: 50000, dport: 443, seq, flags: 'S', ttl: 64 }));
  }
  // Another host's traffic after the last try: the tries are not at the end of the capture.
  add(T0 + tries * every + 60, tcpFrame({ src: '10.0.0.20', dst: SERVER, sport: 40000, dport: 443, seq: 1, flags: 'S', ttl: 64 }));
  const path = join(tmp, name);
  writeFileSync(path, writer.drain());
  return path;
}

describe('one source port, silently dropped', () => {
  it('a new sequence number each try is a new attempt, its SYN sent again is not: 30 attempts every 30 s', async () => {
    const { result } = await analyze([boundPortDropped('bound-dropped.pcap', 30, 30)]);
    const host = result.hosts.find((h) => h.address === HOST);
    const group = host?.groups[0];
    expect(group?.attempts).toBe(30);
    expect(group?.unanswered).toBe(30);
    expect(group?.schedule.periodic).toBe(true);
    expect(group?.schedule.periodSeconds).toBeCloseTo(30, 0);
    expect(host?.labels).toContain('blocked');
  });

  it('the same count read back from its conn.log (callhome_syn_seq)', async () => {
    const path = boundPortDropped('bound-dropped-2.pcap', 30, 30);
    const { connections } = await loadCaptures([path]);
    const log = join(tmp, 'bound-dropped-conn.log');
    writeFileSync(log, flowsRenderers.zeek(connections, { color: false }));
    const { result } = await analyze([log]);
    expect(result.hosts.find((h) => h.address === HOST)?.groups[0]?.attempts).toBe(30);
  });
});

/**
 * The firewall's ICMP refusals (administratively prohibited, from 10.0.0.1) of 20 tries 300 s
 * apart, each 0.3 ms after its SYN or datagram on the wire, as a sniffer wrote them: `skew` s added
 * to the ICMP's stamp, `icmpFirst` the ICMP written to the file before what it refused.
 */
function skewedIcmpRefusals(name: string, udp: boolean, skew: number, icmpFirst: boolean): string {
  const writer = new PcapWriter({ linktype: 1 });
  const add = (ts: number, frame: Uint8Array): void => writer.add(Math.floor(ts), Math.round((ts % 1) * 1e6) * 1000, frame);
  for (let i = 0; i < 20; i++) {
    const ts = T0 + i * 300;
    const sport = 49700 + i;
    const sent = udp
      ? udpFrame({ src: HOST, dst: SERVER, sport, dport: 443, payload: new Uint8Array(1200).fill(0xc3), ttl: 128 })
      : tcpFrame({ src: HOST, dst: SERVER, sport, dport: 443, seq: 1_000_000 * (i + 1), flags: 'S', ttl: 128 });
    const refusal = icmpFrame({ src: '10.0.0.1', dst: HOST, type: 3, code: 13, quoted: quoteOf(sent), ttl: 64 });
    if (icmpFirst || skew < -0.0003) {
      add(ts + 0.0003 + skew, refusal);
      add(ts, sent);
    } else {
      add(ts, sent);
      add(ts + 0.0003 + skew, refusal);
    }
  }
  const path = join(tmp, name);
  writeFileSync(path, writer.drain());
  return path;
}

describe('an ICMP refusal stamped or written before what it refused', () => {
  for (const udp of [false, true]) {
    for (const [what, skew, icmpFirst] of [
      ['stamped a millisecond before it', -0.0013, false],
      ['written to the file before it, stamped after it', 0, true],
    ] as const) {
      it(`${udp ? 'a UDP datagram' : 'a SYN'}: ${what} — every attempt refused by a device in the path, none "never answered"`, async () => {
        const { result } = await analyze([skewedIcmpRefusals(`icmp-${udp}-${skew}-${icmpFirst}.pcap`, udp, skew, icmpFirst)]);
        const group = result.hosts.find((h) => h.address === HOST)?.groups[0];
        expect(group?.attempts).toBe(20);
        expect(group?.unanswered).toBe(0);
        expect(group?.resets.middlebox).toBe(20);
      });
    }
  }

  it('an ICMP refusal a second before a SYN of the same ports is no refusal of it', async () => {
    const { result } = await analyze([skewedIcmpRefusals('icmp-early.pcap', false, -1.5, false)]);
    const group = result.hosts.find((h) => h.address === HOST)?.groups[0];
    expect(group?.resets.middlebox).toBe(0);
    // Every attempt the capture's end did not cut off is unanswered.
    expect(group?.unanswered).toBe(group!.attempts - (group!.cutOff ?? 0));
  });
});
