/**
 * A capture taken on a router with `tcpdump -i any` (Linux cooked headers, SLL2): each packet the
 * router forwards is there twice, as it came in and as it went out — with the router's outside
 * address in place of the inside host's when it translates addresses. callhome tracks each once:
 * the router's outside address is no host of its own, and a reset it forwarded is one reset
 * source, not two.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/index.js';
import { PcapngWriter, PcapWriter } from '../../src/capture/writer.js';
import { tcpFrame, type TcpSpec } from '../../src/synth/frame.js';

const tmp = mkdtempSync(join(tmpdir(), 'callhome-forwarded-'));
const T0 = 1_700_000_000;
const HOST = '10.0.0.5';
const SERVER = '93.184.216.34';
const LINKTYPE_LINUX_SLL2 = 276;
const LAN = 2;
const WAN = 3;
/** SLL2 packet types: to this host, sent by this host. */
const INCOMING = 0;
const OUTGOING = 4;

/** An SLL2 record of `spec`'s IP packet, seen on interface `ifindex` as `type`. */
function sll2(spec: TcpSpec, ifindex: number, type: number): Uint8Array {
  const ip = tcpFrame(spec).subarray(14);
  const frame = new Uint8Array(20 + ip.length);
  const v = new DataView(frame.buffer);
  v.setUint16(0, 0x0800);
  v.setUint32(4, ifindex);
  v.setUint16(8, 1);
  frame[10] = type;
  frame[11] = 6;
  frame.set(ip, 20);
  return frame;
}

/**
 * 20 tries of HOST at SERVER:443, 300 s apart, captured on the router: each SYN in on the LAN and
 * out on the WAN (from `outside` when the router translates, else from HOST), each reset the
 * firewall upstream sends in on the WAN and out on the LAN, every copy 12 µs after the first.
 */
function routerCapture(name: string, outside: string | null): string {
  const writer = new PcapWriter({ linktype: LINKTYPE_LINUX_SLL2 });
  const add = (ts: number, frame: Uint8Array): void => writer.add(Math.floor(ts), Math.round((ts % 1) * 1e6) * 1000, frame);
  for (let i = 0; i < 20; i++) {
    const ts = T0 + i * 300;
    const sport = 49700 + i;
    const natPort = outside === null ? sport : 61000 + i;
    const seq = 1_000_000 * (i + 1);
    const syn = { dst: SERVER, dport: 443, seq, flags: 'S', ipId: 100 + i } as const;
    add(ts, sll2({ ...syn, src: HOST, sport, ttl: 128 }, LAN, INCOMING));
    add(ts + 0.000012, sll2({ ...syn, src: outside ?? HOST, sport: natPort, ttl: 127 }, WAN, OUTGOING));
    const rst = { src: SERVER, sport: 443, seq: 0, ack: seq + 1, flags: 'RA', ipId: 0 } as const;
    add(ts + 0.0003, sll2({ ...rst, dst: outside ?? HOST, dport: natPort, ttl: 63 }, WAN, INCOMING));
    add(ts + 0.000312, sll2({ ...rst, dst: HOST, dport: sport, ttl: 62 }, LAN, OUTGOING));
  }
  const path = join(tmp, name);
  writeFileSync(path, writer.drain());
  return path;
}

describe('tcpdump -i any on a router', () => {
  for (const [what, outside] of [
    ['translating to a private outside address (double NAT)', '192.168.1.2'],
    ['translating to a public outside address', '198.51.100.2'],
    ['routing without translation', null],
  ] as const) {
    it(`${what}: the inside host alone, its 20 attempts, one reset source`, async () => {
      const { result, loaded } = await analyze([routerCapture(`${outside ?? 'routed'}.pcap`, outside)], { allHosts: true });
      expect(result.hosts.map((h) => h.address)).toEqual([HOST]);
      expect(result.hosts[0]!.groups.reduce((n, g) => n + g.attempts, 0)).toBe(20);
      // Translated, a packet is tracked as the inside saw it; routed, as the router first saw it.
      expect(result.resetSources.map((s) => [s.ttl, s.resets])).toEqual([[outside === null ? 63 : 62, 20]]);
      const capture = loaded.captures[0]!;
      expect(capture.skipped['dup.forwarded-copy']).toBe(40);
      expect(capture.warnings.join(' ')).toMatch(
        outside === null
          ? /40 packets seen again on another interface within 2 ms, as a router forwards packets \(tcpdump -i any on a router, a pcapng of several interfaces\): each tracked once$/
          : /40 packets seen again on another interface within 2 ms, .*, 40 of them with the router's outside address \(NAT\): each tracked once, a translated one as the inside saw it$/,
      );
    });
  }

  it("a pcapng of the router's two interfaces (Ethernet): the first SYN seen on both is one SYN, as every later one", async () => {
    // dumpcap -i lan -i wan: each packet in on one interface and out on the other, 8 µs apart.
    const writer = new PcapngWriter();
    const lan = writer.addInterface(1, { name: 'lan' });
    const wan = writer.addInterface(1, { name: 'wan' });
    for (let i = 0; i < 5; i++) {
      const ts = T0 + i * 60;
      const syn = { src: HOST, dst: SERVER, sport: 49800 + i, dport: 443, seq: 7000 * (i + 1), flags: 'S', ipId: 300 + i } as const;
      writer.add(lan, ts, 0, tcpFrame({ ...syn, ttl: 128 }));
      writer.add(wan, ts, 8_000, tcpFrame({ ...syn, ttl: 127 }));
    }
    const path = join(tmp, 'two-interfaces.pcapng');
    writeFileSync(path, writer.toBuffer());
    const { loaded } = await analyze([path]);
    expect(loaded.captures[0]!.skipped['dup.forwarded-copy']).toBe(5);
    expect(Array.from({ length: loaded.connections.length }, (_, i) => loaded.connections.get(i).synCount)).toEqual([1, 1, 1, 1, 1]);
  });

  it('a capture of one interface has no copies: a SYN sent twice within a millisecond is two SYNs', async () => {
    const writer = new PcapWriter({ linktype: 1 });
    const spec = { src: HOST, dst: SERVER, sport: 49700, dport: 443, seq: 5, flags: 'S', ipId: 7 } as const;
    writer.add(T0, 0, tcpFrame(spec));
    writer.add(T0, 500_000, tcpFrame(spec));
    const path = join(tmp, 'one-interface.pcap');
    writeFileSync(path, writer.drain());
    const { loaded } = await analyze([path]);
    expect(loaded.captures[0]!.skipped['dup.forwarded-copy']).toBeUndefined();
    expect(loaded.connections.get(0).synCount).toBe(2);
  });
});

describe('a capture of one interface holding every frame twice (a mirror port copying both ways)', () => {
  /** 20 tries of HOST at SERVER:443, 30 s apart, each reset by the firewall 0.3 ms later; `twice`: each frame again 15 µs after. */
  function mirrorCapture(name: string, twice: boolean): string {
    const writer = new PcapWriter({ linktype: 1 });
    const add = (ts: number, frame: Uint8Array): void => {
      writer.add(Math.floor(ts), Math.round((ts % 1) * 1e6) * 1000, frame);
      if (twice) writer.add(Math.floor(ts + 0.000015), Math.round(((ts + 0.000015) % 1) * 1e6) * 1000, frame);
    };
    for (let i = 0; i < 20; i++) {
      const ts = T0 + i * 30;
      const seq = 1_000_000 * (i + 1);
      add(ts, tcpFrame({ src: HOST, dst: SERVER, sport: 49700 + i, dport: 443, seq, flags: 'S', ipId: 100 + i, ttl: 128 }));
      add(
        ts + 0.0003,
        tcpFrame({ src: SERVER, dst: HOST, sport: 443, dport: 49700 + i, seq: 0, ack: seq + 1, flags: 'RA', ipId: 0, ttl: 255 }),
      );
    }
    const path = join(tmp, name);
    writeFileSync(path, writer.drain());
    return path;
  }

  it('says so, counts every frame as Zeek does, and finds what the capture of each frame once finds', async () => {
    const once = await analyze([mirrorCapture('once.pcap', false)]);
    const doubled = mirrorCapture('twice.pcap', true);
    const twice = await analyze([doubled]);
    const capture = twice.loaded.captures[0]!;
    expect(capture.packets).toBe(80);
    expect(capture.decoded.tcp).toBe(80);
    expect(capture.warnings).toEqual([
      `${doubled}: 40 of 80 IP packets repeat one just before them on the same interface, the same bytes within 15 µs: ` +
        'the sniffer was most likely given each frame twice (a mirror port copying traffic both ways, a virtual switch or capture driver that delivers each frame twice). ' +
        "Counted as Zeek counts them, packet and byte counts are up to twice the traffic's (editcap -D drops the copies)",
    ]);
    expect(once.loaded.captures[0]!.warnings).toEqual([]);
    const pkts = (r: typeof once) => Array.from({ length: r.loaded.connections.length }, (_, i) => r.loaded.connections.get(i).origPkts);
    expect(pkts(twice)).toEqual(pkts(once).map((n) => 2 * n));
    expect(twice.result.hosts[0]!.labels).toEqual(once.result.hosts[0]!.labels);
    expect(twice.result.resetSources.map((s) => [s.attribution, s.ttl, s.resets])).toEqual(
      once.result.resetSources.map((s) => [s.attribution, s.ttl, s.resets]),
    );
  });

  it("a stack's own repeats are not said to be a doubled capture: resets alike, a sender's loop of one SYN", async () => {
    const writer = new PcapWriter({ linktype: 1 });
    const spec = { src: HOST, dst: SERVER, sport: 20, dport: 80, seq: 0, flags: 'S', ipId: 1 } as const;
    // A packet crafter's loop: one SYN, its IP ID fixed, every 0.4 ms.
    for (let i = 0; i < 50; i++) writer.add(T0, i * 400_000, tcpFrame(spec));
    // Linux's resets to two segments that came after a close: IP ID 0, alike, 40 µs apart.
    for (let i = 0; i < 10; i++) {
      const rst = tcpFrame({ src: HOST, dst: SERVER, sport: 40000 + i, dport: 443, seq: 77 + i, flags: 'R', ipId: 0, ttl: 64 });
      writer.add(T0 + 1 + i, 0, rst);
      writer.add(T0 + 1 + i, 40_000, rst);
    }
    const path = join(tmp, 'loop.pcap');
    writeFileSync(path, writer.drain());
    const { loaded } = await analyze([path]);
    expect(loaded.captures[0]!.warnings).toEqual([]);
    const syns = Array.from({ length: loaded.connections.length }, (_, i) => loaded.connections.get(i)).find((c) => c.respP === 80)!;
    expect(syns.synCount).toBe(50);
  });
});
