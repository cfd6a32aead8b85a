/**
 * Format features: both pcap byte orders and resolutions, the modified pcap, and pcapng's
 * sections, interfaces, if_tsresol / if_tsoffset, Simple and obsolete Packet Blocks — on corpus
 * files and on captures written with callhome's own writer.
 */
import { describe, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { readCapture, readCaptureBytes } from '../../src/capture/index.js';
import type { CaptureFileInfo, CaptureRecord } from '../../src/capture/index.js';
import { PcapWriter, PcapngWriter } from '../../src/capture/writer.js';
import { convertTimestamp, converted, timestampScale } from '../../src/capture/timestamp.js';
import { Rng } from '../../src/synth/index.js';
import { corpusPath } from '../support/corpus.js';
import { fileURLToPath } from 'node:url';

interface Seen {
  index: number;
  tsSec: number;
  tsNsec: number;
  caplen: number;
  origlen: number;
  linktype: number;
  interfaceId: number;
  hex: string;
}

function copy(r: CaptureRecord): Seen {
  return {
    index: r.index,
    tsSec: r.tsSec,
    tsNsec: r.tsNsec,
    caplen: r.caplen,
    origlen: r.origlen,
    linktype: r.linktype,
    interfaceId: r.interfaceId,
    hex: Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength).toString('hex'),
  };
}

async function readBytes(bytes: Uint8Array): Promise<{ info: CaptureFileInfo; records: Seen[] }> {
  const records: Seen[] = [];
  const info = await readCaptureBytes('test.cap', bytes, (r) => records.push(copy(r)));
  return { info, records };
}

async function readFile(path: string): Promise<{ info: CaptureFileInfo; records: Seen[] }> {
  const records: Seen[] = [];
  const info = await readCapture(corpusPath(path), (r) => records.push(copy(r)));
  return { info, records };
}

function frame(n: number, seed: number): Uint8Array {
  const f = new Uint8Array(n);
  for (let i = 0; i < n; i++) f[i] = (i * 31 + seed) & 0xff;
  return f;
}

describe('classic pcap written by callhome', () => {
  test.each([
    { bigEndian: false, nanosecond: false, detail: 'pcap (microsecond, little-endian)' },
    { bigEndian: true, nanosecond: false, detail: 'pcap (microsecond, big-endian)' },
    { bigEndian: false, nanosecond: true, detail: 'pcap (nanosecond, little-endian)' },
    { bigEndian: true, nanosecond: true, detail: 'pcap (nanosecond, big-endian)' },
  ])('$detail: every record back with its exact timestamp', async ({ bigEndian, nanosecond, detail }) => {
    const w = new PcapWriter({ linktype: 101, bigEndian, nanosecond, snaplen: 1500 });
    const sent = [
      { sec: 1700000000, nsec: 123456789, len: 60 },
      { sec: 1700000000, nsec: 999999999, len: 1514 },
      { sec: 4294967295, nsec: 0, len: 1 },
      { sec: 0, nsec: 1000, len: 2000 },
    ];
    for (const [i, p] of sent.entries()) w.add(p.sec, p.nsec, frame(p.len, i), p.len);
    const { info, records } = await readBytes(w.toBuffer());
    expect(info.format).toBe('pcap');
    expect(info.formatDetail).toBe(detail);
    expect(info.linktypes).toEqual([101]);
    expect(info.interfaces[0]).toMatchObject({ snaplen: 1500, tsUnitsPerSecond: nanosecond ? 1e9 : 1e6 });
    expect(records.map((r) => [r.tsSec, r.tsNsec, r.caplen, r.origlen])).toEqual(
      sent.map((p) => [p.sec, nanosecond ? p.nsec : Math.floor(p.nsec / 1000) * 1000, Math.min(p.len, 1500), p.len]),
    );
    expect(records[3]!.hex).toBe(Buffer.from(frame(2000, 3).subarray(0, 1500)).toString('hex'));
    expect(info.packets).toBe(4);
    expect(info.bytes).toBe(60 + 1500 + 1 + 1500);
    expect(info.wireBytes).toBe(60 + 1514 + 1 + 2000);
    expect(info.start).toBe(0.000001);
    expect(info.end).toBe(4294967295);
  });
});

describe('classic pcap from other tools', () => {
  test('big-endian pcap (tcpdump pptp.pcap)', async () => {
    const { info, records } = await readFile('wireshark/tcpdump_pptp.pcap');
    expect(info.formatDetail).toBe('pcap (microsecond, big-endian)');
    expect(records).toHaveLength(23);
    // The first line of tcpdump's own output for this file: 00:00:00.000000 ... ; frame sizes are Ethernet.
    expect(records.every((r) => r.linktype === 1 && r.caplen > 14)).toBe(true);
  });

  test('nanosecond pcap keeps nanoseconds (tcpdump tcp-handshake-nano.pcap, as tcpdump --nano prints)', async () => {
    const { info, records } = await readFile('wireshark/tcpdump_tcp-handshake-nano.pcap');
    expect(info.formatDetail).toBe('pcap (nanosecond, little-endian)');
    const printed = readFileSync(corpusPath('wireshark/tcpdump_tcp-handshake-nano.pcap.tcpdump-out.txt'), 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => /(\d\d):(\d\d):(\d\d)\.(\d{9})/.exec(l)!.slice(1).join(':'));
    const ours = records.map((r) => {
      const d = new Date(r.tsSec * 1000);
      const hms = [d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()].map((n) => String(n).padStart(2, '0'));
      return [...hms, String(r.tsNsec).padStart(9, '0')].join(':');
    });
    expect(ours).toEqual(printed);
    expect(records.every((r) => r.linktype === 113)).toBe(true);
  });

  test('nanosecond pcap (zeek vntag.pcap): 240 ns from first to last', async () => {
    const { records } = await readFile('zeek/vntag.pcap');
    expect(records).toHaveLength(3);
    const first = records[0]!;
    const last = records[2]!;
    expect((last.tsSec - first.tsSec) * 1e9 + last.tsNsec - first.tsNsec).toBe(240);
  });

  test('modified (Kuznetzov) pcap: 24-byte record headers', async () => {
    const { info, records } = await readFile('malformed/pcap-parser_modified-format.pcap');
    expect(info.formatDetail).toContain('modified');
    expect(records).toHaveLength(1);
    expect(records[0]!.caplen).toBe(98);
    // An Ethernet frame carrying IPv4: ethertype 0800 at bytes 12-13, then 45.
    expect(records[0]!.hex.slice(24, 30)).toBe('080045');
  });
});

/**
 * The same 40 packets of the department capture (cut to 96 bytes) as editcap writes them in each
 * of the pcap variants Wireshark reads (`editcap -F rh6_1pcap|nokiapcap|suse6_3pcap|modpcap`).
 */
const variantFixture = (name: string): string => fileURLToPath(new URL(`./fixtures/variant-${name}.pcap`, import.meta.url));

async function readVariant(name: string): Promise<{ info: CaptureFileInfo; records: Seen[] }> {
  const records: Seen[] = [];
  const info = await readCapture(variantFixture(name), (r) => records.push(copy(r)));
  return { info, records };
}

/** `records` without their index, which every variant numbers alike. */
const packets = (records: Seen[]) => records.map(({ tsSec, tsNsec, caplen, origlen, hex }) => ({ tsSec, tsNsec, caplen, origlen, hex }));

describe('pcap variants of other record headers, told by their records', () => {
  test.each([
    { name: 'rh6_1pcap', detail: 'pcap (patched 1999-04-17, Red Hat 6.1, microsecond, little-endian)' },
    { name: 'nokiapcap', detail: 'pcap (Nokia IPSO, microsecond, little-endian)' },
    { name: 'suse6_3pcap', detail: 'pcap (modified, patched 1999-09-15, SuSE 6.3, microsecond, little-endian)' },
    { name: 'modpcap', detail: 'pcap (modified (Kuznetzov), microsecond, little-endian)' },
    { name: 'standard', detail: 'pcap (microsecond, little-endian)' },
  ])('$name: every packet as in the standard file', async ({ name, detail }) => {
    const standard = await readVariant('standard');
    expect(standard.records).toHaveLength(40);
    expect(standard.records.some((r) => r.caplen < r.origlen)).toBe(true);
    const { info, records } = await readVariant(name);
    expect(info.formatDetail).toBe(detail);
    expect(info.warnings).toEqual([]);
    expect(packets(records)).toEqual(packets(standard.records));
  });

  /** The standard fixture as a file of `version` whose records give their lengths swapped where `swapped(i)`. */
  function olderVersion(major: number, minor: number, swapped: (i: number) => boolean): Uint8Array {
    const bytes = new Uint8Array(readFileSync(variantFixture('standard')));
    const view = new DataView(bytes.buffer);
    view.setUint16(4, major, true);
    view.setUint16(6, minor, true);
    for (let at = 24, i = 0; at < bytes.length; i++) {
      const captured = view.getUint32(at + 8, true);
      const original = view.getUint32(at + 12, true);
      if (swapped(i)) {
        view.setUint32(at + 8, original, true);
        view.setUint32(at + 12, captured, true);
      }
      at += 16 + captured;
    }
    return bytes;
  }

  test.each([
    { version: '2.2', major: 2, minor: 2, every: true },
    { version: '2.0', major: 2, minor: 0, every: true },
    { version: '543.0 (DG/UX)', major: 543, minor: 0, every: true },
    { version: '2.3', major: 2, minor: 3, every: false },
  ])('version $version: original lengths given first are read so', async ({ major, minor, every }) => {
    const standard = await readVariant('standard');
    // 2.3 files were written both ways: every other record is swapped.
    const { info, records } = await readBytes(olderVersion(major, minor, (i) => every || i % 2 === 0));
    expect(packets(records)).toEqual(packets(standard.records));
    expect(info.warnings).toHaveLength(1);
    expect(info.warnings[0]).toContain(`pcap version ${major}.${minor}`);
  });
});

describe('pcapng written by callhome', () => {
  test('sections of both byte orders, interface ids unique across the file, per-interface link types', async () => {
    const w = new PcapngWriter({ bigEndian: false });
    const a = w.addInterface(1, { name: 'eth0' });
    const b = w.addInterface(113, { name: 'any' });
    w.add(a, 1700000000, 1000, frame(60, 1));
    w.add(b, 1700000001, 2000, frame(70, 2));
    w.newSection({ bigEndian: true });
    const c = w.addInterface(101, { name: 'tun0' });
    w.add(c, 1700000002, 3000, frame(80, 3));
    w.newSection({ bigEndian: false });
    const d = w.addInterface(1);
    w.add(d, 1700000003, 4000, frame(90, 4));
    const { info, records } = await readBytes(w.toBuffer());
    expect(info.formatDetail).toBe('pcapng (3 sections, mixed byte order)');
    expect(info.interfaces.map((i) => [i.id, i.linktype, i.name])).toEqual([
      [0, 1, 'eth0'],
      [1, 113, 'any'],
      [2, 101, 'tun0'],
      [3, 1, null],
    ]);
    expect(info.linktypes).toEqual([1, 113, 101]);
    expect(records.map((r) => [r.interfaceId, r.linktype, r.tsSec, r.tsNsec, r.caplen])).toEqual([
      [0, 1, 1700000000, 1000, 60],
      [1, 113, 1700000001, 2000, 70],
      [2, 101, 1700000002, 3000, 80],
      [3, 1, 1700000003, 4000, 90],
    ]);
  });

  test.each([
    { units: 1e9, step: 1 },
    { units: 1e6, step: 1000 },
    { units: 1e3, step: 1e6 },
    { units: 1e1, step: 1e8 },
    { units: 2 ** 20, step: 1e9 / 2 ** 20 },
    { units: 2 ** 30, step: 1e9 / 2 ** 30 },
  ])('if_tsresol of $units units per second and if_tsoffset', async ({ units, step }) => {
    const w = new PcapngWriter();
    const plain = w.addInterface(1, { tsUnitsPerSecond: units });
    const shifted = w.addInterface(1, { tsUnitsPerSecond: units, tsOffset: 1600000000 });
    const sent: [number, number][] = [
      [1700000000, 0],
      [1700000000, 999999999],
      [1731456789, 123456789],
    ];
    for (const [sec, nsec] of sent) w.add(plain, sec, nsec, frame(40, 0));
    for (const [sec, nsec] of sent) w.add(shifted, sec, nsec, frame(40, 0));
    const { info, records } = await readBytes(w.toBuffer());
    expect(info.interfaces.map((i) => [i.tsUnitsPerSecond, i.tsOffset])).toEqual([
      [units, 0],
      [units, 1600000000],
    ]);
    for (const [i, r] of records.entries()) {
      const [sec, nsec] = sent[i % 3]!;
      // What survives is the timestamp to the interface's resolution: within one unit, never later.
      const error = (sec - r.tsSec) * 1e9 + (nsec - r.tsNsec);
      expect(error).toBeGreaterThanOrEqual(0);
      expect(error).toBeLessThanOrEqual(Math.max(Math.ceil(step), 1));
      expect(r.tsNsec).toBeLessThan(1e9);
    }
  });

  test('Simple Packet Blocks: the first interface of their section, length from the block, cut to the snapshot length', async () => {
    const w = new PcapngWriter();
    w.addInterface(1, { snaplen: 100 });
    w.add(0, 1700000000, 5000, frame(60, 1));
    w.addSimplePacket(frame(80, 2));
    w.addSimplePacket(frame(150, 3));
    w.newSection({ bigEndian: true });
    w.addInterface(113);
    w.addInterface(1);
    w.addSimplePacket(frame(40, 4), 1000);
    const { records } = await readBytes(w.toBuffer());
    expect(records.map((r) => [r.interfaceId, r.linktype, r.caplen, r.origlen])).toEqual([
      [0, 1, 60, 60],
      [0, 1, 80, 80],
      [0, 1, 100, 150],
      [1, 113, 40, 1000],
    ]);
    expect(records[2]!.hex).toBe(Buffer.from(frame(150, 3).subarray(0, 100)).toString('hex'));
    // No timestamp in the block: the previous packet's.
    expect([records[1]!.tsSec, records[1]!.tsNsec]).toEqual([1700000000, 5000]);
  });

  test('obsolete Packet Block (type 2) and unknown blocks between packets', async () => {
    const w = new PcapngWriter();
    w.addInterface(1);
    w.add(0, 1700000000, 0, frame(20, 1));
    const head = Buffer.from(w.toBuffer());
    // Packet Block: type 2, length, interface id (16), drops (16), ts high, ts low, caplen, origlen, data.
    const data = frame(10, 7);
    const pb = Buffer.alloc(32 + 12);
    pb.writeUInt32LE(2, 0);
    pb.writeUInt32LE(pb.length, 4);
    pb.writeUInt16LE(0, 8);
    pb.writeUInt16LE(3, 10);
    const micros = 1700000001n * 1000000n + 250000n;
    pb.writeUInt32LE(Number(micros >> 32n), 12);
    pb.writeUInt32LE(Number(micros & 0xffffffffn), 16);
    pb.writeUInt32LE(10, 20);
    pb.writeUInt32LE(64, 24);
    pb.set(data, 28);
    pb.writeUInt32LE(pb.length, pb.length - 4);
    // A custom block (0x00000bad) and a block type nobody defined.
    const custom = Buffer.alloc(24);
    custom.writeUInt32LE(0x00000bad, 0);
    custom.writeUInt32LE(24, 4);
    custom.writeUInt32LE(24, 20);
    const unknown = Buffer.alloc(16);
    unknown.writeUInt32LE(0x12345678, 0);
    unknown.writeUInt32LE(16, 4);
    unknown.writeUInt32LE(16, 12);
    const { info, records } = await readBytes(Buffer.concat([head, custom, pb, unknown]));
    expect(info.damage).toBeNull();
    expect(records.map((r) => [r.tsSec, r.tsNsec, r.caplen, r.origlen])).toEqual([
      [1700000000, 0, 20, 20],
      [1700000001, 250000000, 10, 64],
    ]);
  });
});

/** Block counts of a pcapng-test-generator description. */
function expectedBlocks(path: string): Record<string, number> {
  const text = readFileSync(corpusPath(`${path}.expected.txt`), 'utf8');
  const counts: Record<string, number> = {};
  for (const m of text.matchAll(/^\s+(\w+): (\d+)$/gm)) counts[m[1]!] = Number(m[2]);
  return counts;
}

const testgen = ['001', '005', '006', '010', '012', '016', '018', '100', '102', '200', '202'].flatMap((n) => [
  `wireshark/pcapng-testgen_le_test${n}.pcapng`,
  `wireshark/pcapng-testgen_be_test${n}.pcapng`,
]);

describe('pcapng test generator files (block counts of their .expected.txt)', () => {
  test.each(testgen.map((p) => [p]))('%s', async (path) => {
    const blocks = expectedBlocks(path);
    const { info, records } = await readFile(path);
    expect(info.damage).toBeNull();
    expect(records).toHaveLength((blocks.EPB ?? 0) + (blocks.SPB ?? 0));
    expect(info.interfaces).toHaveLength(blocks.IDB ?? 0);
    expect(info.formatDetail).toContain(blocks.SHB! > 1 ? `${blocks.SHB} sections` : 'pcapng (');
    // Interface ids are unique across sections and every record names one that exists.
    expect(new Set(info.interfaces.map((i) => i.id)).size).toBe(info.interfaces.length);
    for (const r of records) expect(info.interfaces[r.interfaceId]!.linktype).toBe(r.linktype);
  });

  test('little- and big-endian versions of each file give the same records', async () => {
    for (const n of ['001', '005', '006', '010', '012', '016', '018', '100', '102', '202']) {
      const le = await readFile(`wireshark/pcapng-testgen_le_test${n}.pcapng`);
      const be = await readFile(`wireshark/pcapng-testgen_be_test${n}.pcapng`);
      expect(be.records, n).toEqual(le.records);
    }
  });

  test('test012: snapshot length cuts Simple Packet Blocks, not Enhanced ones', async () => {
    const { info, records } = await readFile('wireshark/pcapng-testgen_le_test012.pcapng');
    const snaplen = info.interfaces[0]!.snaplen;
    expect(snaplen).toBeGreaterThan(0);
    const simple = records.slice(0, 2);
    expect(simple.every((r) => r.caplen <= snaplen && r.caplen <= r.origlen)).toBe(true);
    expect(simple.some((r) => r.caplen < r.origlen)).toBe(true);
  });
});

describe('pcapng timestamp conversion is exact', () => {
  const reference = (hi: number, lo: number, tsresol: number, offset: number): [number, number] => {
    const v = (BigInt(hi) << 32n) | BigInt(lo);
    const units = tsresol & 0x80 ? 1n << BigInt(tsresol & 0x7f) : 10n ** BigInt(tsresol);
    return [Number(v / units) + offset, Number(((v % units) * 1_000_000_000n) / units)];
  };
  test.each([
    ['µs', 6],
    ['ns', 9],
    ['ms', 3],
    ['s', 0],
    ['ps', 12],
    ['2^-10', 0x80 | 10],
    ['2^-20', 0x80 | 20],
    ['2^-30', 0x80 | 30],
    ['2^-32', 0x80 | 32],
  ] as const)('%s', (_name, tsresol) => {
    const rng = new Rng(tsresol + 1);
    for (let i = 0; i < 2000; i++) {
      const hi = i < 4 ? [0, 0x1fffff, 0x200000, 0x17d78400][i]! : rng.u32() >>> (i % 12);
      const lo = rng.u32();
      const offset = i % 3 === 0 ? -1000 : 0;
      const scale = timestampScale(tsresol, offset);
      convertTimestamp(hi, lo, scale);
      const [sec, nsec] = reference(hi, lo, tsresol, offset);
      if (!Number.isSafeInteger(sec)) continue;
      expect([converted.sec, converted.nsec], `${hi}:${lo}`).toEqual([sec, nsec]);
    }
  });
});
