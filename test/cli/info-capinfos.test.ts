/**
 * `callhome info` says what Wireshark's `capinfos` says about a capture file. The expected
 * figures below were taken from capinfos 4.x (`capinfos -M -T -c -s -d -u -y -i -z -x -o -l`
 * and `capinfos -M` for interfaces and the section header) on these corpus files; capinfos
 * writes 0.00 where a rate has no span to stand on, callhome null.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { callhome } from './support.js';
import { corpusPath, projectRoot } from '../support/corpus.js';
import type { CaptureSummary } from '../../src/analysis/types.js';
import { PcapWriter, PcapngWriter } from '../../src/capture/writer.js';

interface Capinfos {
  file: string;
  packets: number;
  /** "File size" and "Data size" (sum of original lengths). */
  fileSize: number;
  dataSize: number;
  /** "Capture duration"; null where capinfos says n/a (records without a time). */
  duration: number | null;
  byteRate: number | null;
  bitRate: number | null;
  averageSize: number;
  packetRate: number | null;
  /** "Strict time order": True, False, Unknown. */
  order: boolean | null;
  /** "Packet size limit" of the pcap header; null for "(not set)" (pcapng). */
  snaplen: number | null;
}

const CAPINFOS: Capinfos[] = [
  {
    file: 'captures/department-host.pcap',
    packets: 2284,
    fileSize: 434628,
    dataSize: 398060,
    duration: 7183.462179,
    byteRate: 55.41,
    bitRate: 443.31,
    averageSize: 174.28,
    packetRate: 0.32,
    order: true,
    snaplen: 262144,
  },
  {
    file: 'test/corpus/zeek/pcapng-multi-interface.pcapng',
    packets: 6,
    fileSize: 1348,
    dataSize: 798,
    duration: 347.640611507,
    byteRate: 2.3,
    bitRate: 18.36,
    averageSize: 133,
    packetRate: 0.02,
    order: true,
    snaplen: null,
  },
  {
    file: 'test/corpus/beacon/zeek_merlinc2_quic.pcapng',
    packets: 100,
    fileSize: 59252,
    dataSize: 55462,
    duration: 184.068156,
    byteRate: 301.31,
    bitRate: 2410.5,
    averageSize: 554.62,
    packetRate: 0.54,
    order: true,
    snaplen: null,
  },
  {
    file: 'test/corpus/wireshark/tcpdump_tcp-handshake-nano.pcap',
    packets: 3,
    fileSize: 292,
    dataSize: 220,
    duration: 0.127609669,
    byteRate: 1724.01,
    bitRate: 13792.05,
    averageSize: 73.33,
    packetRate: 23.51,
    order: true,
    snaplen: 262144,
  },
  {
    // Captured lengths cut at 54 bytes: capinfos's data size is the wire lengths'.
    file: 'test/corpus/zeek/tcp__retransmit-fast009.pcap',
    packets: 39,
    fileSize: 2858,
    dataSize: 30757,
    duration: 60.99177,
    byteRate: 504.28,
    bitRate: 4034.25,
    averageSize: 788.64,
    packetRate: 0.64,
    order: true,
    snaplen: 10000,
  },
  {
    file: 'test/corpus/zeek/ipv6-http-atomic-frag.pcap',
    packets: 38,
    fileSize: 4040,
    dataSize: 3408,
    duration: 1.865295,
    byteRate: 1827.06,
    bitRate: 14616.46,
    averageSize: 89.68,
    packetRate: 20.37,
    order: false,
    snaplen: 1518,
  },
  {
    file: 'test/corpus/zeek/rfb__vnc-scanner.pcap',
    packets: 20,
    fileSize: 1623,
    dataSize: 1279,
    duration: 1.47481,
    byteRate: 867.23,
    bitRate: 6937.84,
    averageSize: 63.95,
    packetRate: 13.56,
    order: false,
    snaplen: 65535,
  },
  {
    // Simple Packet Blocks carry no time: capinfos gives no duration or rates and an unknown order.
    file: 'test/corpus/wireshark/pcapng-testgen_le_test100.pcapng',
    packets: 5,
    fileSize: 2392,
    dataSize: 1480,
    duration: null,
    byteRate: null,
    bitRate: null,
    averageSize: 296,
    packetRate: null,
    order: null,
    snaplen: null,
  },
  {
    // Three sections of mixed byte order; one record earlier than the one before outweighs the untimed ones.
    file: 'test/corpus/wireshark/pcapng-testgen_be_test202.pcapng',
    packets: 8,
    fileSize: 2908,
    dataSize: 2304,
    duration: null,
    byteRate: null,
    bitRate: null,
    averageSize: 288,
    packetRate: null,
    order: false,
    snaplen: null,
  },
];

async function infoJson(...files: string[]): Promise<CaptureSummary[]> {
  const run = await callhome(['info', '--format', 'json', ...files]);
  expect(run.code, run.stderr).toBe(0);
  return (JSON.parse(run.stdout) as { captures: CaptureSummary[] }).captures;
}

/** capinfos -M prints rates and averages to two decimals. */
const twoDecimals = (n: number | null): number | null => (n === null ? null : Math.round(n * 100) / 100);

describe('info agrees with capinfos', () => {
  it.each(CAPINFOS.map((c) => [c.file, c] as const))('%s', async (file, expected) => {
    const [c] = await infoJson(resolve(projectRoot, file));
    expect(c!.packets).toBe(expected.packets);
    expect(c!.fileSize).toBe(expected.fileSize);
    expect(c!.uncompressedSize).toBeNull();
    expect(c!.wireBytes).toBe(expected.dataSize);
    expect(c!.snaplen).toBe(expected.snaplen);
    if (expected.duration !== null) expect(c!.durationSeconds).toBeCloseTo(expected.duration, 6);
    expect(twoDecimals(c!.dataByteRate)).toBe(expected.byteRate);
    expect(twoDecimals(c!.dataBitRate)).toBe(expected.bitRate);
    expect(twoDecimals(c!.averagePacketSize)).toBe(expected.averageSize);
    expect(twoDecimals(c!.averagePacketRate)).toBe(expected.packetRate);
    expect(c!.timeOrder!.ordered).toBe(expected.order);
  });

  it('names the interfaces and the writer as capinfos does', async () => {
    const [multi, merlin, gen] = await infoJson(
      corpusPath('zeek/pcapng-multi-interface.pcapng'),
      corpusPath('beacon/zeek_merlinc2_quic.pcapng'),
      corpusPath('wireshark/pcapng-testgen_le_test100.pcapng'),
    );
    expect(multi!.interfaceDetails).toEqual([
      {
        id: 0,
        name: 'eth0',
        description: null,
        os: 'Linux 6.8.0-90-generic',
        hardware: null,
        linktype: 1,
        snaplen: 262144,
        tsresol: 9,
        tsUnitsPerSecond: 1e9,
        tsOffset: 0,
      },
      {
        id: 1,
        name: '\\Device\\NPF_{5AE6EDB4-EFF9-46B3-A3C2-EE50C688A9E6}',
        description: 'Ethernet 2',
        os: '64-bit Windows 11 (25H2), build 26200',
        hardware: null,
        linktype: 1,
        snaplen: 262144,
        tsresol: 6,
        tsUnitsPerSecond: 1e6,
        tsOffset: 0,
      },
    ]);
    expect(multi!.writtenBy).toEqual({
      hardware: null,
      os: 'Linux 6.8.0-90-generic',
      application: 'Mergecap (Wireshark) 4.2.2 (Git v4.2.2 packaged as 4.2.2-1.1build3)',
    });
    expect(merlin!.writtenBy).toEqual({
      hardware: 'AMD EPYC 7452 32-Core Processor (with SSE4.2)',
      os: '64-bit Windows 11 (23H2), build 22631',
      application: 'Dumpcap (Wireshark) 4.4.0 (v4.4.0-0-g009a163470b5)',
    });
    expect(merlin!.interfaceDetails.map((i) => [i.name, i.description])).toEqual([
      ['\\Device\\NPF_{AA98062E-796F-4A96-85F9-2FDBD1024EA8}', 'Ethernet'],
    ]);
    // capinfos: eth0 (Ethernet, no limit), null1 (NULL/Loopback, no limit), wifi2? (Ethernet, 128).
    expect(gen!.interfaceDetails.map((i) => [i.name, i.linktype, i.snaplen])).toEqual([
      ['eth0', 1, 0],
      ['null1', 0, 0],
      ['wifi2?', 1, 128],
    ]);
    expect(gen!.writtenBy).toEqual({ hardware: 'Apple MBP', os: 'OS-X 10.10.5', application: 'pcap_writer.lua' });
  });

  it('shows them in the text too', async () => {
    const run = await callhome(['info', corpusPath('zeek/pcapng-multi-interface.pcapng'), corpusPath('zeek/rfb__vnc-scanner.pcap')]);
    expect(run.code).toBe(0);
    const [pcapng, pcap] = run.stdout.split('\n\n');
    expect(pcapng).toContain('file size   1,348 bytes (1.3 KiB)');
    expect(pcapng).toMatch(/^ {2}written by {2}Mergecap \(Wireshark\) 4\.2\.2 .*; OS Linux\n {14}6\.8\.0-90-generic$/m);
    expect(pcapng).toMatch(/^ {14}0: eth0, 1 \(Ethernet\), snaplen 262,144 bytes, nanoseconds, OS Linux 6\.8\.0-90-generic$/m);
    expect(pcapng).toMatch(/^ {14}1: \\Device\\NPF_\{5AE6EDB4-EFF9-46B3-A3C2-EE50C688A9E6\} “Ethernet 2”, 1 \(Ethernet\),/m);
    expect(pcapng).toContain('data size   798 bytes on the wire (all captured)');
    expect(pcapng).toContain('data rate   2.3 bytes/s, 18.36 bits/s');
    expect(pcapng).toContain('average     133 bytes a packet, 0.02 packets/s');
    expect(pcapng).toContain('time order  yes');
    expect(pcapng).not.toContain('snaplen     ');
    expect(pcap).toContain('snaplen     65,535 bytes');
    expect(pcap).toContain('time order  no, 1 record earlier than the one before, first at record 17');
  });
});

describe('info on what capinfos does not see the same way', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'callhome-info-'));

  it('gzip: the compressed size on disk and the capture data inside', async () => {
    const plain = readFileSync(corpusPath('zeek/wikipedia.pcap'));
    const gz = join(scratch, 'wikipedia.pcap.gz');
    const packed = gzipSync(plain);
    writeFileSync(gz, packed);
    const [c] = await infoJson(gz);
    expect(c!.fileSize).toBe(packed.length);
    expect(c!.uncompressedSize).toBe(plain.length);
    const text = (await callhome(['info', gz])).stdout;
    expect(text).toMatch(/file size {3}[\d,]+ bytes \([\d.]+ KiB\) compressed; 27,460 bytes \(27 KiB\) of capture data, [\d.]+:1/);
  });

  it('counts every record earlier than the one before, and where the first is', async () => {
    const w = new PcapWriter({ linktype: 1 });
    const frame = new Uint8Array(60);
    for (const [i, sec] of [100, 101, 99, 102, 102, 50, 103].entries()) w.add(sec, i, frame);
    const file = join(scratch, 'unordered.pcap');
    writeFileSync(file, w.toBuffer());
    const [c] = await infoJson(file);
    // Equal times are in order (capinfos's nstime_cmp < 0): records 3 and 6 go back.
    expect(c!.timeOrder).toEqual({ ordered: false, earlierRecords: 2, firstEarlierRecord: 3, untimedRecords: 0 });
    expect((await callhome(['info', file])).stdout).toContain('time order  no, 2 records earlier than the one before, first at record 3');
  });

  it('interface names are hostile text: the terminal gets them without escapes, JSON escapes them (the same string to a parser)', async () => {
    const w = new PcapngWriter();
    const evil = 'eth0\x1b[2J\x1b]0;owned\x07\u202egnp.exe\x9b31m';
    const ifc = w.addInterface(1, { name: evil });
    w.add(ifc, 1700000000, 0, new Uint8Array(60));
    const file = join(scratch, 'evil.pcapng');
    writeFileSync(file, w.toBuffer());
    const text = (await callhome(['info', file])).stdout;
    expect(text).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/);
    expect(text).toMatch(/^ {14}0: eth0gnp\.exe, 1 \(Ethernet\)/m);
    const run = await callhome(['info', '--format', 'json', file]);
    // Escaped as \u sequences, bidi and C1 controls too: the same string to a parser, inert on a screen.
    expect(run.stdout).toContain('"name": "eth0\\u001b[2J\\u001b]0;owned\\u0007\\u202egnp.exe\\u009b31m"');
    expect((JSON.parse(run.stdout) as { captures: CaptureSummary[] }).captures[0]!.interfaceDetails[0]!.name).toBe(evil);
  });
});
