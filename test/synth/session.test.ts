import { describe, expect, it } from 'vitest';
import { buildPcap, checksumsValid, Rng, TcpSession } from '../../src/synth/index.js';

interface Seg {
  ts: number;
  src: string;
  flags: number;
  seq: number;
  ack: number;
  len: number;
  ttl: number;
  ipId: number;
}

function segs(s: TcpSession): Seg[] {
  return s.frames().map(({ ts, frame }) => {
    const d = new DataView(frame.buffer, frame.byteOffset);
    const ihl = (frame[14]! & 15) * 4;
    const l4 = 14 + ihl;
    const off = (frame[l4 + 12]! >> 4) * 4;
    return {
      ts,
      src: [...frame.subarray(26, 30)].join('.'),
      flags: frame[l4 + 13]!,
      seq: d.getUint32(l4 + 4),
      ack: d.getUint32(l4 + 8),
      len: d.getUint16(16) - ihl - off,
      ttl: frame[22]!,
      ipId: d.getUint16(18),
    };
  });
}

describe('TcpSession', () => {
  it('keeps sequence and acknowledgement numbers consistent through a whole conversation', () => {
    const s = new TcpSession({
      client: '192.168.0.13',
      server: '192.168.0.2',
      sport: 1100,
      dport: 8080,
      clientIsn: 0xfffffff0,
      serverIsn: 1000,
    });
    s.syn(1).synAck(1.001).ack(1.002);
    s.send(1.003, 'client', 'GET http://www.gov.lk/ HTTP/1.1\r\n\r\n');
    s.send(1.05, 'server', new Uint8Array(3000));
    s.ack(1.06, 'client').fin(1.07, 'server').ack(1.071).fin(1.08, 'client').ack(1.081, 'server');
    const x = segs(s);
    const expectNext = { '192.168.0.13': 0xfffffff0, '192.168.0.2': 1000 } as Record<string, number>;
    const other = (a: string) => (a === '192.168.0.13' ? '192.168.0.2' : '192.168.0.13');
    for (const g of x) {
      expect(g.seq).toBe(expectNext[g.src]);
      if (g.flags & 0x10) expect(g.ack).toBe(expectNext[other(g.src)]);
      expectNext[g.src] = (g.seq + g.len + (g.flags & 0x03 ? 1 : 0)) >>> 0;
    }
    // 3000 bytes split at the client's MSS of 1460: 1460 + 1460 + 80.
    expect(x.filter((g) => g.src === '192.168.0.2' && g.len > 0).map((g) => g.len)).toEqual([1460, 1460, 80]);
    expect(s.frames().every((f) => checksumsValid(f.frame))).toBe(true);
  });

  it('forges a firewall reset on behalf of the server: seq 0, acks the SYN, firewall TTL and IP ID', () => {
    const s = new TcpSession({ client: '192.168.0.13', server: '72.246.53.81', sport: 2499, dport: 80, clientIsn: 500 });
    s.syn(10).rst(10.0003, 'server', { ttl: 255, ipId: 777 });
    const [syn, rst] = segs(s);
    expect(syn!.ttl).toBe(128);
    expect(rst).toMatchObject({ src: '72.246.53.81', flags: 0x14, seq: 0, ack: 501, ttl: 255, ipId: 777 });
  });

  it('retransmits the same SYN and counts IP IDs from a shared host counter', () => {
    const s = new TcpSession({ client: '192.168.0.57', server: '65.55.1.1', sport: 1200, dport: 443, rng: new Rng(5) });
    s.syn(0).syn(3).syn(9);
    const x = segs(s);
    expect(new Set(x.map((g) => g.seq)).size).toBe(1);
    expect(x.map((g) => (g.ipId - x[0]!.ipId) & 0xffff)).toEqual([0, 1, 2]);
  });

  it('buildPcap sorts by time and the same input gives the same bytes', () => {
    const make = () => {
      const s = new TcpSession({ client: '10.0.0.1', server: '10.0.0.2', sport: 1, dport: 2, rng: new Rng(42) });
      s.syn(5).synAck(5.5).ack(4); // out of order on purpose
      return buildPcap(s.frames());
    };
    const a = make();
    expect(a.equals(make())).toBe(true);
    const t = (off: number) => a.readUInt32LE(off) + a.readUInt32LE(off + 4) / 1e6;
    expect(t(24)).toBe(4);
  });
});

describe('Rng', () => {
  it('is deterministic per seed and stays in range', () => {
    const a = new Rng(7);
    const b = new Rng(7);
    const xs = Array.from({ length: 1000 }, () => a.int(3, 9));
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b.int(3, 9)));
    expect(Math.min(...xs)).toBe(3);
    expect(Math.max(...xs)).toBe(9);
    expect(new Rng(8).next()).not.toBe(new Rng(7).next());
  });
});
