/**
 * Bad input: records claiming impossible lengths, impossible pcapng blocks, files cut short at
 * every byte, and files that are not captures at all. Reading stops at the damage with a one-line
 * warning naming the file, the byte offset and the record; what came before is delivered.
 */
import { describe, expect, test } from 'vitest';
import { gzipSync } from 'node:zlib';
import { CaptureError, describeNonCapture, readCaptureBytes } from '../../src/capture/index.js';
import type { CaptureFileInfo } from '../../src/capture/index.js';
import { PcapWriter, PcapngWriter } from '../../src/capture/writer.js';

function frame(n: number, seed: number): Uint8Array {
  const f = new Uint8Array(n);
  for (let i = 0; i < n; i++) f[i] = (i * 7 + seed) & 0xff;
  return f;
}

/** A pcap of `count` records of varying size; returns the bytes and each record's offset. */
function samplePcap(
  count: number,
  o: { snaplen?: number; bigEndian?: boolean; nanosecond?: boolean } = {},
): { bytes: Buffer; offsets: number[] } {
  const w = new PcapWriter({ linktype: 1, snaplen: o.snaplen ?? 65535, bigEndian: o.bigEndian, nanosecond: o.nanosecond });
  const offsets: number[] = [];
  let at = 24;
  for (let i = 0; i < count; i++) {
    const len = 40 + ((i * 37) % 90);
    offsets.push(at);
    w.add(1700000000 + i, i * 1000, frame(len, i));
    at += 16 + len;
  }
  return { bytes: Buffer.from(w.toBuffer()), offsets };
}

function samplePcapng(): { bytes: Buffer; packetBlocks: number[]; blocks: number[] } {
  const w = new PcapngWriter();
  w.addInterface(1, { name: 'eth0', tsUnitsPerSecond: 1e9 });
  w.add(0, 1700000000, 1, frame(50, 1));
  w.addSimplePacket(frame(33, 2));
  w.newSection({ bigEndian: true });
  w.addInterface(1);
  w.add(0, 1700000001, 2, frame(61, 3));
  w.add(0, 1700000002, 3, frame(20, 4));
  const bytes = Buffer.from(w.toBuffer());
  // Packet blocks: find them by walking the blocks.
  const packetBlocks: number[] = [];
  const blocks: number[] = [];
  let le = true;
  for (let at = 0; at < bytes.length;) {
    blocks.push(at);
    if (bytes.readUInt32LE(at) === 0x0a0d0d0a) le = bytes.readUInt32LE(at + 8) === 0x1a2b3c4d;
    const type = le ? bytes.readUInt32LE(at) : bytes.readUInt32BE(at);
    const len = le ? bytes.readUInt32LE(at + 4) : bytes.readUInt32BE(at + 4);
    if (type === 6 || type === 3) packetBlocks.push(at);
    at += len;
  }
  return { bytes, packetBlocks, blocks };
}

async function read(name: string, bytes: Uint8Array): Promise<{ info: CaptureFileInfo; count: number }> {
  let count = 0;
  const info = await readCaptureBytes(name, bytes, () => void count++);
  return { info, count };
}

describe('a record claiming more than the file allows', () => {
  test('the warning names the file, the record, the byte offset, the claim and the snapshot length', async () => {
    const { bytes, offsets } = samplePcap(5);
    bytes.writeUInt32LE(0xffffffff, offsets[3]! + 8);
    const { info, count } = await read('capture.pcap', bytes);
    expect(count).toBe(3);
    expect(info.packets).toBe(3);
    const message =
      `capture.pcap: record 4 at byte ${offsets[3]!.toLocaleString('en-US')} claims 4,294,967,295 bytes; ` +
      `the file's snapshot length is 65,535 — reading stopped there, 3 records before it were read`;
    expect(info.warnings).toEqual([message]);
    expect(info.damage).toEqual({ code: 'bad-record-length', offset: offsets[3], record: 4, message });
  });

  test.each([
    { snaplen: 0, claim: 262144, ok: true },
    { snaplen: 0, claim: 262145, ok: false },
    { snaplen: 1500, claim: 200000, ok: true },
    { snaplen: 1000000, claim: 999999, ok: true },
    { snaplen: 1000000, claim: 1000001, ok: false },
  ])('snapshot length $snaplen, a record of $claim bytes: read = $ok', async ({ snaplen, claim, ok }) => {
    const w = new PcapWriter({ linktype: 1, snaplen: Math.max(snaplen, claim) });
    w.add(1, 0, frame(claim, 0));
    w.add(2, 0, frame(10, 0));
    const bytes = Buffer.from(w.toBuffer());
    bytes.writeUInt32LE(snaplen, 16);
    const { info, count } = await read('x.pcap', bytes);
    expect(count).toBe(ok ? 2 : 0);
    expect(info.damage === null).toBe(ok);
  });
});

describe('impossible pcapng blocks', () => {
  const cases: { name: string; patch: (b: Buffer, at: number) => void; expect: RegExp }[] = [
    {
      name: 'length not a multiple of 4',
      patch: (b, at) => b.writeUInt32LE(b.readUInt32LE(at + 4) + 1, at + 4),
      expect: /not a multiple of 4/,
    },
    { name: 'length below 12', patch: (b, at) => b.writeUInt32LE(8, at + 4), expect: /less than the 12-byte minimum/ },
    {
      name: 'trailing length differs',
      patch: (b, at) => b.writeUInt32LE(b.readUInt32LE(at + 4) + 4, at + 4),
      expect: /leading length .* trailing length .* differ/,
    },
    { name: 'length beyond the end of the file', patch: (b, at) => b.writeUInt32LE(0x00100000, at + 4), expect: /cut short/ },
    {
      name: 'captured length larger than the block',
      patch: (b, at) => b.writeUInt32LE(10000, at + 20),
      expect: /claims 10,000 captured bytes/,
    },
    {
      name: 'unknown interface',
      patch: (b, at) => b.writeUInt32LE(7, at + 8),
      expect: /refers to interface 7, but its section declares 1/,
    },
  ];
  test.each(cases)('$name', async ({ patch, expect: pattern }) => {
    const { bytes, packetBlocks } = samplePcapng();
    // The first packet block is an EPB in the little-endian section.
    patch(bytes, packetBlocks[0]!);
    const { info, count } = await read('trace.pcapng', bytes);
    expect(count).toBe(0);
    expect(info.damage).not.toBeNull();
    expect(info.damage!.offset).toBe(packetBlocks[0]);
    expect(info.damage!.record).toBe(1);
    expect(info.warnings[0]).toMatch(pattern);
    expect(info.warnings[0]).toMatch(
      new RegExp(`^trace\\.pcapng: record 1 at byte ${packetBlocks[0]} .* — reading stopped there, 0 records before it were read$`),
    );
  });

  test('damage in a later section keeps the earlier records', async () => {
    const { bytes, packetBlocks } = samplePcapng();
    // Third packet: an EPB in the big-endian section.
    bytes.writeUInt32BE(13, packetBlocks[2]! + 4);
    const { info, count } = await read('trace.pcapng', bytes);
    expect(count).toBe(2);
    expect(info.damage).toMatchObject({ code: 'bad-block', record: 3, offset: packetBlocks[2] });
  });
});

describe('a file cut short at every byte', () => {
  test.each([
    {
      name: 'pcap',
      sample: () => {
        const s = samplePcap(6);
        return { bytes: s.bytes, records: s.offsets, boundaries: [24, ...s.offsets], unreadableBelow: 24 };
      },
    },
    {
      name: 'pcap, big-endian nanosecond',
      sample: () => {
        const s = samplePcap(4, { bigEndian: true, nanosecond: true });
        return { bytes: s.bytes, records: s.offsets, boundaries: [24, ...s.offsets], unreadableBelow: 24 };
      },
    },
    {
      name: 'pcapng, two sections',
      sample: () => {
        const s = samplePcapng();
        return { bytes: s.bytes, records: s.packetBlocks, boundaries: s.blocks, unreadableBelow: s.blocks[1]! };
      },
    },
  ])('$name: whole records before the cut, the cut named with its offset and record', async ({ sample }) => {
    const { bytes, records, boundaries, unreadableBelow } = sample();
    // A record ends where the next block or record starts.
    const ends = records.map((start) => boundaries.find((b) => b > start) ?? bytes.length);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const part = bytes.subarray(0, cut);
      let info: CaptureFileInfo;
      let count = 0;
      try {
        info = await readCaptureBytes('cut.cap', part, () => void count++);
      } catch (e) {
        // Only a cut inside the file header (pcapng: the first section header block) is unreadable.
        expect(e, `cut at ${cut}`).toBeInstanceOf(CaptureError);
        expect((e as Error).message).not.toContain('\n');
        expect(cut, `cut at ${cut}`).toBeLessThan(unreadableBelow);
        continue;
      }
      expect(cut, `cut at ${cut}`).toBeGreaterThanOrEqual(unreadableBelow);
      const whole = ends.filter((end) => end <= cut).length;
      expect(count, `cut at ${cut}`).toBe(whole);
      expect(info.packets).toBe(whole);
      if (cut === bytes.length || boundaries.includes(cut)) {
        expect(info.damage, `cut at ${cut}`).toBeNull();
      } else {
        const start = Math.max(...boundaries.filter((b) => b < cut));
        expect(info.damage, `cut at ${cut}`).toMatchObject({ code: 'truncated', record: whole + 1, offset: start });
        expect(info.warnings[0]).toMatch(
          new RegExp(
            `^cut\\.cap: record ${whole + 1} at byte ${start.toLocaleString('en-US')} is cut short: .* — reading stopped there, ${whole} records? before it w(as|ere) read$`,
          ),
        );
      }
    }
  });
});

describe('files that are not captures', () => {
  const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
  const cases: [string, Uint8Array, string][] = [
    ['an empty file', new Uint8Array(0), 'an empty file'],
    ['a text file', enc('tcpdump: listening on eth0\nsome notes about the capture\n'), 'a text file'],
    ['an HTML error page', enc('<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head><body>nope</body></html>'), 'an HTML page'],
    ['a zip', Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 20, 0, 0, 0, 8, 0, 1, 2, 3, 4]), 'a zip archive'],
    [
      'a gzip of text',
      gzipSync(Buffer.from('just some words, not packets\n'.repeat(10))),
      'a gzip file that does not hold a capture (inside: a text file, and not a Zeek log or a firewall log callhome reads)',
    ],
    ['a gzip of nothing', gzipSync(Buffer.alloc(0)), 'a gzip file that does not hold a capture (inside: nothing)'],
    ['three bytes of a pcap header', Uint8Array.from([0xd4, 0xc3, 0xb2]), 'a capture cut short: only 3 bytes'],
    ['Latin-1 bytes', Uint8Array.from([0xe9, 0xe8, 0x00, 0xff, 0x10, 0x20]), 'an unrecognised binary file'],
    ['binary junk', Uint8Array.from([0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3]), 'an unrecognised binary file (it starts with de ad be ef)'],
    ['JSON', enc('{"packets": []}'), 'a JSON file'],
    [
      'a Zeek log pretty-printed',
      enc('[\n  {\n    "ts": 1597559163.5,\n    "uid": "CMdzit1AMNsmfAIiQc",\n    "id.orig_h": "192.168.4.76"\n  }\n]\n'),
      "a JSON file of objects spread over several lines (Zeek JSON logs are read one object a line: `jq -c '.[]'` rewrites them so)",
    ],
    [
      'a Zeek log as jq prints it',
      enc('{\n  "ts": 1597559163.5,\n  "uid": "CMdzit1AMNsmfAIiQc"\n}\n{\n'),
      'a JSON file of objects spread over several lines (Zeek JSON logs are read one object a line: `jq -c .` rewrites them so)',
    ],
  ];
  test.each(cases)('%s: refused in one line saying what it looks like', async (_name, bytes, looks) => {
    const error = await readCaptureBytes('upload.pcap', bytes, () => {}).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CaptureError);
    const e = error as CaptureError;
    expect(e.code).toBe('not-a-capture');
    expect(e.file).toBe('upload.pcap');
    expect(e.message).toContain(`upload.pcap: not a capture file — it looks like ${looks}`);
    expect(e.message).not.toContain('\n');
  });

  test('describeNonCapture on its own', () => {
    expect(describeNonCapture(new Uint8Array(0))).toBe('an empty file');
    expect(describeNonCapture(Uint8Array.from([0x1f, 0x8b, 8, 0]))).toBe('a gzip file that does not hold a capture');
    expect(describeNonCapture(new TextEncoder().encode('<html><body>hi</body></html>'))).toBe('an HTML page');
  });

  test.each([
    ['pcap 1.4', (b: Buffer) => b.writeUInt16LE(1, 4), /pcap version 1\.4 is not supported/],
    ['pcap 3.0', (b: Buffer) => b.writeUInt16LE(3, 4), /pcap version 3\.4 is not supported/],
  ] as const)('unsupported %s', async (_n, patch, pattern) => {
    const { bytes } = samplePcap(2);
    patch(bytes);
    await expect(readCaptureBytes('old.pcap', bytes, () => {})).rejects.toThrow(pattern);
  });

  test('pcapng 2.0 is refused; pcapng 1.2 is read', async () => {
    const { bytes } = samplePcapng();
    bytes.writeUInt16LE(2, 12);
    await expect(readCaptureBytes('new.pcapng', bytes, () => {})).rejects.toMatchObject({ code: 'unsupported-version' });
    bytes.writeUInt16LE(1, 12);
    bytes.writeUInt16LE(2, 14);
    expect((await read('old.pcapng', bytes)).count).toBe(4);
  });

  test('pcap 2.5 is read with a warning (libpcap reads it)', async () => {
    const { bytes } = samplePcap(2);
    bytes.writeUInt16LE(5, 6);
    const { info, count } = await read('odd.pcap', bytes);
    expect(count).toBe(2);
    expect(info.damage).toBeNull();
    expect(info.warnings).toEqual(['odd.pcap: pcap version 2.5 is not the usual 2.4; read as 2.4']);
  });
});

describe('a callback that throws', () => {
  test('stops the read with its own error', async () => {
    const { bytes } = samplePcap(5);
    let seen = 0;
    const stop = new Error('enough');
    await expect(
      readCaptureBytes('x.pcap', bytes, () => {
        if (++seen === 2) throw stop;
      }),
    ).rejects.toBe(stop);
    expect(seen).toBe(2);
  });
});
