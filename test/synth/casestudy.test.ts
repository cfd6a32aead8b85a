import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CONSULTANT,
  DEPARTMENT,
  FIREWALL,
  generateConsultantLaptop,
  generateDepartmentHost,
  PROXY,
  type GeneratedCapture,
} from '../../src/synth/casestudy.js';
import { projectRoot } from '../support/corpus.js';
import { ACK, RST, rows, SYN, type Row } from './support.js';

const inNet = (ip: string, prefix: string) => ip.startsWith(prefix.replace(/0\/24$/, ''));

/** SYNs from the host to an outside network and port, grouped into bursts by gaps > `gap` seconds. */
function bursts(attempts: Row[], gap: number): Row[][] {
  const out: Row[][] = [];
  for (const a of attempts) {
    const cur = out[out.length - 1];
    if (cur && a.ts - cur[cur.length - 1]!.ts <= gap) cur.push(a);
    else out.push([a]);
  }
  return out;
}

/** Pairs each SYN with the RST that answers it (same four-tuple, ack = seq + 1). */
function resetFor(all: Row[], syn: Row): Row | undefined {
  return all.find(
    (r) => r.flags & RST && r.src === syn.dst && r.dst === syn.src && r.sport === syn.dport && r.dport === syn.sport && r.ts >= syn.ts,
  );
}

describe('case-study generator', () => {
  it('is deterministic and the committed captures match a fresh generation', () => {
    for (const gen of [generateDepartmentHost, generateConsultantLaptop]) {
      const a = gen();
      expect(a.pcap.equals(gen().pcap)).toBe(true);
      expect(a.pcap.length).toBeLessThan(1 << 20);
      const committed = readFileSync(join(projectRoot, 'captures', a.file));
      expect(committed.equals(a.pcap), `captures/${a.file} is stale: run npm run captures`).toBe(true);
    }
  });

  it('a different seed gives a different capture', () => {
    expect(generateDepartmentHost(1).pcap.equals(generateDepartmentHost().pcap)).toBe(false);
  });
});

describe('department-host.pcap shows what the case study describes', () => {
  const lu = DEPARTMENT.liveUpdate;
  let gen: GeneratedCapture;
  let all: Row[];
  let syns: Row[];
  beforeAll(async () => {
    gen = generateDepartmentHost();
    all = (await rows(gen.file, gen.pcap)).rows;
    syns = all.filter((r) => r.src === DEPARTMENT.host && inNet(r.dst, lu.network) && r.dport === 80 && r.flags === SYN);
  });

  it('makes the attempts the generator says it made', () => {
    expect(syns.map((s) => [s.sport, s.dst])).toEqual(gen.attempts.map((a) => [a.sport, a.dst]));
    expect(syns.length).toBe(546);
  });

  it('attempts come in bursts of 14, about a second apart, source ports rising', () => {
    const bs = bursts(syns, 5);
    expect(bs.length).toBe(39);
    let skipped = 0;
    for (const b of bs) {
      expect(b.length).toBe(lu.burstSize);
      for (let i = 1; i < b.length; i++) {
        const dt = b[i]!.ts - b[i - 1]!.ts;
        expect(dt).toBeGreaterThan(0.9);
        expect(dt).toBeLessThan(1.1);
        expect(b[i]!.sport).toBeGreaterThan(b[i - 1]!.sport);
        if (b[i]!.sport !== b[i - 1]!.sport + 1) skipped++;
      }
    }
    // Browsing interleaves with the bursts only now and then.
    expect(skipped).toBeLessThan(10);
    // Bursts 31 s apart within a cycle, then ~15 minutes of quiet.
    const gaps = bs.slice(1).map((b, i) => b[0]!.ts - bs[i]![0]!.ts);
    const short = gaps.filter((g) => g < 60);
    const long = gaps.filter((g) => g >= 60);
    expect(short.every((g) => g > 30.5 && g < 32)).toBe(true);
    // cycle starts jitter by ±20 s each: 1080 − 5·31 = 925 s ± 41.
    expect(long.every((g) => g > 925 - 41 && g < 925 + 41)).toBe(true);
    expect(long.length).toBe(6);
  });

  it('rotates over about 15 addresses of 72.246.53.0/24', () => {
    const dsts = new Set(syns.map((s) => s.dst));
    expect(dsts.size).toBe(15);
    for (const log of ['.72', '.73', '.74', '.80', '.81', '.83', '.89', '.90', '.91', '.96']) {
      expect(dsts.has(`72.246.53${log}`)).toBe(true);
    }
  });

  it('contains the firewall log excerpt: ports 2486–2499 from 13:12:40, 2480–2484 at 13:12:18–22', () => {
    const at = (sport: number) => syns.find((s) => s.sport === sport);
    const clock = (ts: number) => new Date(Math.floor(ts) * 1000).toISOString().slice(11, 19);
    expect(lu.anchor.destinations.map((d, i) => [at(2486 + i)?.dst, d])).toEqual(lu.anchor.destinations.map((d) => [d, d]));
    expect(clock(at(2486)!.ts)).toBe('13:12:40');
    expect([2480, 2481, 2482, 2483, 2484].map((p) => [clock(at(p)!.ts), at(p)!.dst])).toEqual([
      ['13:12:18', '72.246.53.73'],
      ['13:12:19', '72.246.53.74'],
      ['13:12:20', '72.246.53.80'],
      ['13:12:21', '72.246.53.81'],
      ['13:12:22', '72.246.53.83'],
    ]);
    expect(at(2485)).toBeUndefined();
    expect(all.some((r) => r.sport === 2485 && r.dst === PROXY.ip && r.dport === PROXY.port && r.flags === SYN)).toBe(true);
  });

  it('every SYN is answered within 1 ms by a RST+ACK with TTL 255 and one rising IP ID counter', () => {
    const resets = syns.map((s) => {
      const r = resetFor(all, s);
      expect(r, `no reset for port ${s.sport}`).toBeDefined();
      expect(r!.flags).toBe(RST | ACK);
      expect(r!.ttl).toBe(FIREWALL.ttl);
      expect(r!.ack).toBe((s.seq + 1) >>> 0);
      expect(r!.ts - s.ts).toBeGreaterThanOrEqual(0.0002);
      expect(r!.ts - s.ts).toBeLessThan(0.001);
      expect(s.ttl).toBe(DEPARTMENT.hostTtl);
      return r!;
    });
    const steps = resets.slice(1).map((r, i) => (r.ipId - resets[i]!.ipId) & 0xffff);
    expect(steps.every((d) => d >= 1 && d <= 3)).toBe(true);
    // Never retransmitted: one SYN per source port.
    expect(new Set(syns.map((s) => s.sport)).size).toBe(syns.length);
  });

  it('resolves the LiveUpdate name through a CNAME chain once per cycle', () => {
    const answers = all.filter((r) => r.src === DEPARTMENT.dnsServer && r.sport === 53 && r.payload.includes('akamai'));
    expect(answers.length).toBe(7);
    expect(answers.every((r) => r.payload.includes('edgesuite'))).toBe(true);
  });

  it('browses through the proxy with absolute-URI GETs and CONNECTs from Internet Explorer', () => {
    const requests = all.filter((r) => r.src === DEPARTMENT.host && r.dport === PROXY.port && /^(GET|CONNECT) /.test(r.payload));
    const gets = requests.filter((r) => r.payload.startsWith('GET http://'));
    const connects = requests.filter((r) => /^CONNECT [a-z.]+:443 /.test(r.payload));
    expect(gets.length).toBeGreaterThan(40);
    expect(connects.length).toBeGreaterThan(5);
    expect(requests.every((r) => r.payload.includes('MSIE 6.0'))).toBe(true);
    expect(all.some((r) => r.src === PROXY.ip && r.payload.startsWith('HTTP/1.0 200 Connection established'))).toBe(true);
    expect(all.some((r) => r.src === PROXY.ip && r.payload.includes('Via: 1.1 proxy'))).toBe(true);
    expect(all.filter((r) => r.src === PROXY.ip).every((r) => r.ttl === 64)).toBe(true);
  });

  it('the host’s own segments carry offloaded checksums; everything else verifies', () => {
    const own = all.filter((r) => r.srcMac === DEPARTMENT.hostMac && (r.proto === 6 || r.proto === 17));
    expect(own.length).toBeGreaterThan(1000);
    expect(own.every((r) => !r.checksumOk && !r.ownChecksumOk)).toBe(true);
    const rest = all.filter((r) => r.srcMac !== DEPARTMENT.hostMac);
    expect(rest.every((r) => r.checksumOk && r.ownChecksumOk)).toBe(true);
  });

  it('is not all TCP: ARP and NetBIOS broadcasts are there too', async () => {
    const { other } = await rows(gen.file, gen.pcap);
    expect(other).toBeGreaterThan(20); // ARP
    expect(all.filter((r) => r.dport === 137 && r.dst === '192.168.0.255').length).toBeGreaterThan(20);
  });
});

describe('consultant-laptop.pcap', () => {
  const avg = CONSULTANT.avg;
  const wu = CONSULTANT.windowsUpdate;
  let gen: GeneratedCapture;
  let all: Row[];
  beforeAll(async () => {
    gen = generateConsultantLaptop();
    all = (await rows(gen.file, gen.pcap)).rows;
  });

  it('AVG tries in bursts of 5, 2 s apart, every ~60 s, all reset by the same firewall', () => {
    const syns = all.filter((r) => r.src === CONSULTANT.host && inNet(r.dst, avg.network) && r.flags === SYN);
    const bs = bursts(syns, 10);
    expect(bs.length).toBe(gen.attempts.filter((a) => a.agent === 'avg').length / 5);
    for (const b of bs) {
      expect(b.length).toBe(5);
      b.slice(1).forEach((s, i) => expect(Math.abs(s.ts - b[i]!.ts - 2)).toBeLessThan(0.11));
    }
    const starts = bs.slice(1).map((b, i) => b[0]!.ts - bs[i]![0]!.ts);
    expect(starts.every((g) => g > 56 && g < 64)).toBe(true);
    for (const s of syns) {
      const r = resetFor(all, s)!;
      expect(r.ttl).toBe(255);
      expect(r.ts - s.ts).toBeLessThan(0.001);
    }
  });

  it('Windows Update goes direct: port 443 dropped (SYN at 0, 3, 9 s), port 80 reset', () => {
    const https = all.filter(
      (r) => r.src === CONSULTANT.host && r.dport === 443 && r.flags === SYN && (wu.https.addresses as readonly string[]).includes(r.dst),
    );
    const byPort = new Map<number, Row[]>();
    for (const r of https) byPort.set(r.sport, [...(byPort.get(r.sport) ?? []), r]);
    expect(byPort.size).toBe(gen.attempts.filter((a) => a.outcome === 'dropped').length);
    for (const tries of byPort.values()) {
      expect(tries.length).toBe(3);
      expect(new Set(tries.map((t) => t.seq)).size).toBe(1);
      expect(Math.round(tries[1]!.ts - tries[0]!.ts)).toBe(3);
      expect(Math.round(tries[2]!.ts - tries[0]!.ts)).toBe(9);
      expect(all.some((r) => r.src === tries[0]!.dst)).toBe(false);
    }
    const http = all.filter(
      (r) => r.src === CONSULTANT.host && r.dport === 80 && r.flags === SYN && (wu.http.addresses as readonly string[]).includes(r.dst),
    );
    expect(http.length).toBeGreaterThan(20);
    expect(http.every((s) => resetFor(all, s)?.ttl === 255)).toBe(true);
  });

  it('Firefox browses through the proxy; no offloaded checksums on a mirror port', () => {
    const requests = all.filter((r) => r.src === CONSULTANT.host && r.dport === PROXY.port && /^(GET|CONNECT) /.test(r.payload));
    expect(requests.length).toBeGreaterThan(20);
    expect(requests.every((r) => r.payload.includes('Firefox/2.0'))).toBe(true);
    expect(all.every((r) => r.checksumOk && r.ownChecksumOk)).toBe(true);
  });
});
