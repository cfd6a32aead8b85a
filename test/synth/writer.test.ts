import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readCaptureBytes } from '../../src/capture/index.js';
import { PcapWriter, PcapngWriter } from '../../src/capture/writer.js';

const require = createRequire(import.meta.url);
// pcap-parser ships no types; it is an independent libpcap reader to check against.
const pcapParser = require('pcap-parser') as {
  parse(input: Readable): NodeJS.EventEmitter;
};

interface ParsedRecord {
  sec: number;
  usec: number;
  caplen: number;
  origlen: number;
  data: Buffer;
}

function parseWithPcapParser(file: Uint8Array): Promise<{ header: Record<string, number>; records: ParsedRecord[] }> {
  return new Promise((resolve, reject) => {
    const parser = pcapParser.parse(Readable.from([Buffer.from(file)]));
    const records: ParsedRecord[] = [];
    let header: Record<string, number> = {};
    parser.on('globalHeader', (h: Record<string, number>) => (header = h));
    parser.on('packet', (p: { header: Record<string, number>; data: Buffer }) =>
      records.push({
        sec: p.header.timestampSeconds!,
        usec: p.header.timestampMicroseconds!,
        caplen: p.header.capturedLength!,
        origlen: p.header.originalLength!,
        data: Buffer.from(p.data),
      }),
    );
    parser.on('end', () => resolve({ header, records }));
    parser.on('error', reject);
  });
}

/** Independent pcapng walk: SHB byte order per section, IDB tsresol/tsoffset, EPB and SPB. */
function walkPcapng(file: Uint8Array) {
  const buf = Buffer.from(file);
  const out: {
    section: number;
    iface: number;
    units: number;
    tsHigh: number;
    tsLow: number;
    caplen: number;
    origlen: number;
    data: Buffer;
  }[] = [];
  let off = 0;
  let le = true;
  let section = -1;
  let ifaces: { units: number; offset: bigint }[] = [];
  const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const u16 = (o: number) => (le ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
  while (off < buf.length) {
    if (buf.readUInt32LE(off) === 0x0a0d0d0a) {
      le = buf.readUInt32LE(off + 8) === 0x1a2b3c4d;
      section++;
      ifaces = [];
    }
    const type = u32(off);
    const len = u32(off + 4);
    expect(u32(off + len - 4)).toBe(len);
    expect(len % 4).toBe(0);
    if (type === 1) {
      let units = 1e6;
      let offset = 0n;
      let q = off + 16;
      while (q < off + len - 4) {
        const code = u16(q);
        const olen = u16(q + 2);
        if (code === 0) break;
        if (code === 9) {
          const r = buf[q + 4]!;
          units = r & 0x80 ? 2 ** (r & 0x7f) : 10 ** r;
        }
        if (code === 14) offset = le ? buf.readBigInt64LE(q + 4) : buf.readBigInt64BE(q + 4);
        q += 4 + ((olen + 3) & ~3);
      }
      ifaces.push({ units, offset });
    } else if (type === 6) {
      const iface = u32(off + 8);
      const caplen = u32(off + 20);
      out.push({
        section,
        iface,
        units: ifaces[iface]!.units,
        tsHigh: u32(off + 12),
        tsLow: u32(off + 16),
        caplen,
        origlen: u32(off + 24),
        data: buf.subarray(off + 28, off + 28 + caplen),
      });
    } else if (type === 3) {
      const origlen = u32(off + 8);
      const caplen = Math.min(origlen, len - 16);
      out.push({ section, iface: -1, units: 0, tsHigh: 0, tsLow: 0, caplen, origlen, data: buf.subarray(off + 12, off + 12 + caplen) });
    }
    off += len;
  }
  return { records: out, ifaces };
}

const frameOf = (n: number, fill: number) => new Uint8Array(n).fill(fill);

describe('PcapWriter', () => {
  it.each([
    { bigEndian: false, magic: 0xa1b2c3d4 },
    { bigEndian: true, magic: 0xa1b2c3d4 },
  ])('writes records pcap-parser reads back identically (bigEndian=$bigEndian)', async ({ bigEndian, magic }) => {
    const w = new PcapWriter({ linktype: 1, bigEndian, snaplen: 100 });
    const frames = [frameOf(60, 1), frameOf(100, 2), frameOf(150, 3), frameOf(0, 0)];
    frames.forEach((f, i) => w.add(1163768000 + i, i * 123_456_789, f));
    const { header, records } = await parseWithPcapParser(w.toBuffer());
    expect(header.magicNumber).toBe(magic);
    expect(header.snapshotLength).toBe(100);
    expect(header.linkLayerType).toBe(1);
    expect(records.map((r) => [r.sec, r.usec, r.caplen, r.origlen])).toEqual([
      [1163768000, 0, 60, 60],
      [1163768001, 123456, 100, 100],
      [1163768002, 246913, 100, 150],
      [1163768003, 370370, 0, 0],
    ]);
    expect(records[2]!.data.equals(Buffer.from(frameOf(100, 3)))).toBe(true);
  });

  it('writes the nanosecond magic and keeps nanoseconds', () => {
    const w = new PcapWriter({ linktype: 101, nanosecond: true });
    w.add(10, 999_999_999, frameOf(4, 9), 1500);
    const b = w.toBuffer();
    expect(b.readUInt32LE(0)).toBe(0xa1b23c4d);
    expect(b.readUInt32LE(20)).toBe(101);
    expect(b.readUInt32LE(28)).toBe(999_999_999);
    expect(b.readUInt32LE(36)).toBe(1500);
  });

  it('drain() hands out the file in pieces that concatenate to the whole file', () => {
    const a = new PcapWriter({ linktype: 1 });
    const b = new PcapWriter({ linktype: 1 });
    const pieces: Uint8Array[] = [];
    for (let i = 0; i < 3000; i++) {
      const f = frameOf(1 + (i % 1500), i & 0xff);
      a.add(i, 0, f);
      b.add(i, 0, f);
      if (i % 700 === 0) pieces.push(b.drain());
    }
    pieces.push(b.drain());
    expect(Buffer.concat(pieces).equals(a.toBuffer())).toBe(true);
    expect(b.drain().length).toBe(0);
    expect(() => b.toBuffer()).toThrow();
  });
});

describe('PcapngWriter', () => {
  it('writes two sections of different byte order with 10^9, 2^20 and default resolutions', () => {
    const w = new PcapngWriter();
    const ns = w.addInterface(1, { name: 'eth0', tsUnitsPerSecond: 1e9 });
    const bin = w.addInterface(1, { tsUnitsPerSecond: 2 ** 20, tsOffset: 1000 });
    w.add(ns, 1_700_000_000, 123_456_789, frameOf(61, 1));
    w.add(bin, 1_700_001_000, 500_000_000, frameOf(62, 2));
    w.newSection({ bigEndian: true });
    const us = w.addInterface(1, { snaplen: 40 });
    w.add(us, 1_700_000_002, 1_500, frameOf(63, 3), 70);
    w.addSimplePacket(frameOf(50, 4));
    const { records } = walkPcapng(w.toBuffer());
    const ts = (r: (typeof records)[number]) => (BigInt(r.tsHigh) << 32n) | BigInt(r.tsLow);
    expect(records.map((r) => [r.section, r.iface, r.caplen, r.origlen])).toEqual([
      [0, 0, 61, 61],
      [0, 1, 62, 62],
      [1, 0, 40, 70],
      [1, -1, 40, 50],
    ]);
    expect(ts(records[0]!)).toBe(1_700_000_000_123_456_789n);
    // Stored relative to if_tsoffset, in 2^-20 s units.
    expect(ts(records[1]!)).toBe(1_700_000_000n * 2n ** 20n + 2n ** 19n);
    expect(ts(records[2]!)).toBe(1_700_000_002_000_001n);
    expect(records[1]!.data.equals(Buffer.from(frameOf(62, 2)))).toBe(true);
    expect(records[2]!.data.equals(Buffer.from(frameOf(40, 3)))).toBe(true);
  });

  it('rejects a packet on an interface the section does not define', () => {
    const w = new PcapngWriter();
    w.addInterface(1);
    w.newSection();
    expect(() => w.add(0, 0, 0, frameOf(1, 1))).toThrow(/interface 0/);
    expect(() => w.addInterface(1, { tsUnitsPerSecond: 3 })).toThrow(/power/);
  });
});

describe('callhome reader reads what the writers write', () => {
  it.each([
    { nanosecond: false, bigEndian: false },
    { nanosecond: true, bigEndian: true },
  ])('pcap nanosecond=$nanosecond bigEndian=$bigEndian', async ({ nanosecond, bigEndian }) => {
    const w = new PcapWriter({ linktype: 1, nanosecond, bigEndian, snaplen: 64 });
    w.add(1163768000, 123_456_789, frameOf(60, 1));
    w.add(1163768001, 5_000, frameOf(100, 2), 1514);
    const got: [number, number, number, number, number][] = [];
    const info = await readCaptureBytes('w.pcap', w.toBuffer(), (r) => got.push([r.tsSec, r.tsNsec, r.caplen, r.origlen, r.data[0]!]));
    expect(info.format).toBe('pcap');
    expect(got).toEqual([
      [1163768000, nanosecond ? 123_456_789 : 123_456_000, 60, 60, 1],
      [1163768001, 5_000, 64, 1514, 2],
    ]);
  });

  it('pcapng: two sections of different byte order, 10^9 and 2^-20 resolutions, a Simple Packet Block', async () => {
    const w = new PcapngWriter();
    const ns = w.addInterface(1, { tsUnitsPerSecond: 1e9, name: 'eth0' });
    const bin = w.addInterface(1, { tsUnitsPerSecond: 2 ** 20 });
    w.add(ns, 1_700_000_000, 123_456_789, frameOf(61, 1));
    w.add(bin, 1_700_000_001, 500_000_000, frameOf(62, 2));
    w.newSection({ bigEndian: true });
    const us = w.addInterface(1, { snaplen: 40 });
    w.add(us, 1_700_000_002, 1_000, frameOf(63, 3));
    const got: [number, number, number, number, number][] = [];
    const info = await readCaptureBytes('w.pcapng', w.toBuffer(), (r) =>
      got.push([r.interfaceId, r.tsSec, r.tsNsec, r.caplen, r.data[0]!]),
    );
    expect(info.format).toBe('pcapng');
    expect(info.interfaces.map((i) => i.tsUnitsPerSecond)).toEqual([1e9, 2 ** 20, 1e6]);
    expect(got).toEqual([
      [0, 1_700_000_000, 123_456_789, 61, 1],
      [1, 1_700_000_001, 500_000_000, 62, 2],
      [2, 1_700_000_002, 1_000, 40, 3],
    ]);
  });
});
