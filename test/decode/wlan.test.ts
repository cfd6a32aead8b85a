/**
 * Wi-Fi captures in monitor mode: 802.11 frames, alone (linktype 105) or after the capturing
 * radio's header (radiotap 127, PPI 192, Prism 119, AVS 163). A data frame's packet is read by its
 * LLC/SNAP ethertype; everything else on the air is skipped with its reason.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DecodeStats, decodePacket, newPacket, packetDestination, packetSource } from '../../src/decode/index.js';
import { formatMac, senderMac } from '../../src/decode/link.js';
import { analyze } from '../../src/index.js';
import { readCapture } from '../../src/capture/index.js';
import { PcapWriter } from '../../src/capture/writer.js';
import { decode, hex, record } from './support.js';
import { projectRoot } from '../support/corpus.js';

// wikipedia.pcap #9: a SYN from 141.142.220.118:48649 to 208.80.152.118:80, as Ethernet.
const ETHERNET_TCP_SYN =
  '00137fbe8cff00247ee01db508004500003cced540004006991a8d8edc76d0509876be090050579e296100000000a00216d0373b0000020405b40402080a001be7b40000000001030307';

const byte = (n: number): string => n.toString(16).padStart(2, '0');
const le16 = (n: number): string => byte(n & 0xff) + byte(n >>> 8);
const le32 = (n: number): string => le16(n & 0xffff) + le16(n >>> 16);
const be32 = (n: number): string => byte(n >>> 24) + byte((n >>> 16) & 0xff) + byte((n >>> 8) & 0xff) + byte(n & 0xff);

const BSSID = '02aabbccddee';
const STATION = '00247ee01db5';
const GATEWAY = '00137fbe8cff';

interface WlanOptions {
  /** Frame control, first byte: 0x08 data, 0x88 QoS data, 0x48 Null, 0x80 beacon. */
  fc0?: number;
  /** Frame control flags: 0x01 ToDS (the default), 0x02 FromDS, 0x08 Retry, 0x40 Protected, 0x80 Order. */
  flags?: number;
  sequence?: number;
  fragment?: number;
  /** QoS Control's first byte (0x80: an A-MSDU). */
  qos?: number;
  transmitter?: string;
  llc?: string;
}

/** An Ethernet frame as the 802.11 frame a station sends it in: the addresses, then LLC/SNAP and the ethertype. */
function wlan(ethernet: string, o: WlanOptions = {}): string {
  const fc0 = o.fc0 ?? 0x88;
  const flags = o.flags ?? 0x01;
  const dst = ethernet.slice(0, 12);
  const src = ethernet.slice(12, 24);
  const ethertype = ethernet.slice(24, 28);
  const fromDs = (flags & 3) === 2;
  const [a1, a2, a3] = fromDs ? [dst, o.transmitter ?? BSSID, src] : [BSSID, o.transmitter ?? src, dst];
  const sequenceControl = ((o.sequence ?? 1) << 4) | (o.fragment ?? 0);
  let header = byte(fc0) + byte(flags) + '3a01' + a1 + a2 + a3 + le16(sequenceControl);
  if ((flags & 3) === 3) header += STATION;
  const qosData = (fc0 & 0x0c) === 0x08 && (fc0 & 0x80) !== 0;
  if (qosData) header += byte(o.qos ?? 0) + '00';
  if (qosData && flags & 0x80) header += '00000000';
  return header + (o.llc ?? `aaaa03000000${ethertype}`) + ethernet.slice(28);
}

/** A radiotap header — TSFT (8 bytes, aligned), Flags, Rate, Channel, antenna signal, as a Linux driver writes them — then the frame. */
function radiotapFrame(radioFlags: number, frame: string): string {
  // Version 0, pad, length, present = TSFT | Flags | Rate | Channel | antenna signal; TSFT at offset 8.
  const fields = '0102030405060708' + byte(radioFlags) + '0c' + '6c09a000' + 'c4';
  const length = 8 + fields.length / 2;
  return `0000${le16(length)}${le32(0x2f)}${fields}${frame}${radioFlags & 0x10 ? 'deadbeef' : ''}`;
}

function ppi(frame: string, commonFlags: number | null, dlt = 105): string {
  const common = commonFlags === null ? '' : `0200${le16(20)}${'0000000000000000'}${le16(commonFlags)}${'00'.repeat(10)}`;
  const length = 8 + common.length / 2;
  return `0000${le16(length)}${le32(dlt)}${common}${frame}${commonFlags !== null && commonFlags & 1 ? 'deadbeef' : ''}`;
}

const prism = (frame: string): string => `${le32(0x44)}${le32(144)}${'00'.repeat(136)}${frame}`;
const avs = (frame: string): string => `${be32(0x80211001)}${be32(64)}${'00'.repeat(56)}${frame}`;

interface Case {
  name: string;
  linktype: number;
  frame: string;
  status: 'decoded' | 'skipped' | 'malformed';
  reason?: string;
}

const SYN = wlan(ETHERNET_TCP_SYN);
const cases: Case[] = [
  { name: '802.11 QoS data to the AP (ToDS)', linktype: 105, frame: SYN, status: 'decoded' },
  {
    name: '802.11 data (no QoS) from the AP (FromDS)',
    linktype: 105,
    frame: wlan(ETHERNET_TCP_SYN, { fc0: 0x08, flags: 0x02 }),
    status: 'decoded',
  },
  {
    name: '802.11 four-address frame (a mesh or WDS link)',
    linktype: 105,
    frame: wlan(ETHERNET_TCP_SYN, { flags: 0x03 }),
    status: 'decoded',
  },
  { name: '802.11 QoS data with HT Control (Order bit)', linktype: 105, frame: wlan(ETHERNET_TCP_SYN, { flags: 0x81 }), status: 'decoded' },
  { name: 'radiotap, then 802.11', linktype: 127, frame: radiotapFrame(0, SYN), status: 'decoded' },
  { name: 'radiotap, a frame that ends in its FCS', linktype: 127, frame: radiotapFrame(0x10, SYN), status: 'decoded' },
  {
    name: 'radiotap, a frame received with a bad FCS',
    linktype: 127,
    frame: radiotapFrame(0x50, SYN),
    status: 'skipped',
    reason: 'wlan.bad-fcs',
  },
  { name: 'PPI, then 802.11', linktype: 192, frame: ppi(SYN, null), status: 'decoded' },
  { name: 'PPI with 802.11-Common flags: FCS present', linktype: 192, frame: ppi(SYN, 0x1), status: 'decoded' },
  { name: 'PPI with 802.11-Common flags: FCS bad', linktype: 192, frame: ppi(SYN, 0x5), status: 'skipped', reason: 'wlan.bad-fcs' },
  { name: 'PPI, of an Ethernet frame', linktype: 192, frame: ppi(ETHERNET_TCP_SYN, null, 1), status: 'decoded' },
  { name: 'PPI inside PPI', linktype: 192, frame: ppi(ppi(SYN, null), null, 192), status: 'skipped', reason: 'link.unsupported' },
  { name: 'Prism, then 802.11', linktype: 119, frame: prism(SYN), status: 'decoded' },
  { name: 'AVS, then 802.11', linktype: 163, frame: avs(SYN), status: 'decoded' },
  {
    name: 'a beacon (management)',
    linktype: 105,
    frame: `8000${'0000'}ffffffffffff${BSSID}${BSSID}1000${'00'.repeat(12)}`,
    status: 'skipped',
    reason: 'wlan.not-data',
  },
  { name: 'an ACK (control)', linktype: 105, frame: `d4000000${STATION}`, status: 'skipped', reason: 'wlan.not-data' },
  {
    name: 'a QoS Null frame (power saving)',
    linktype: 105,
    frame: wlan('', { fc0: 0xc8 }).slice(0, 52),
    status: 'skipped',
    reason: 'wlan.no-payload',
  },
  {
    name: 'a frame encrypted on the air',
    linktype: 105,
    frame: wlan(ETHERNET_TCP_SYN, { flags: 0x41 }),
    status: 'skipped',
    reason: 'wlan.protected',
  },
  { name: 'a fragment', linktype: 105, frame: wlan(ETHERNET_TCP_SYN, { fragment: 1 }), status: 'skipped', reason: 'wlan.fragment' },
  {
    name: 'more fragments to come',
    linktype: 105,
    frame: wlan(ETHERNET_TCP_SYN, { flags: 0x05 }),
    status: 'skipped',
    reason: 'wlan.fragment',
  },
  { name: 'an A-MSDU', linktype: 105, frame: wlan(ETHERNET_TCP_SYN, { qos: 0x80 }), status: 'skipped', reason: 'wlan.a-msdu' },
  {
    name: 'ARP in LLC/SNAP',
    linktype: 105,
    frame: wlan(`${GATEWAY}${STATION}0806${'00'.repeat(28)}`),
    status: 'skipped',
    reason: 'l3.not-ip',
  },
  {
    name: 'LLC without SNAP (spanning tree)',
    linktype: 105,
    frame: wlan(ETHERNET_TCP_SYN, { llc: '424203' }),
    status: 'skipped',
    reason: 'l3.not-ip',
  },
  { name: '802.11 header cut short', linktype: 105, frame: SYN.slice(0, 40), status: 'malformed', reason: 'truncated.wlan' },
  { name: 'SNAP header cut short', linktype: 105, frame: SYN.slice(0, 64), status: 'malformed', reason: 'truncated.wlan' },
  { name: 'radiotap cut short', linktype: 127, frame: '00001800', status: 'malformed', reason: 'truncated.radio' },
  { name: 'radiotap longer than the frame', linktype: 127, frame: `0000ff00${le32(0)}`, status: 'malformed', reason: 'truncated.radio' },
  {
    name: 'radiotap shorter than its own header',
    linktype: 127,
    frame: `00000400${le32(0)}${SYN}`,
    status: 'malformed',
    reason: 'radio.bad_header_length',
  },
  {
    name: 'AVS of no known version',
    linktype: 163,
    frame: `${be32(0x12345678)}${be32(64)}${'00'.repeat(56)}${SYN}`,
    status: 'malformed',
    reason: 'radio.bad_header_length',
  },
];

describe('Wi-Fi link layers', () => {
  it.each(cases)('$name', (c) => {
    const p = decode(c.frame, c.linktype);
    expect({ status: p.status, reason: p.reason }).toEqual({ status: c.status, reason: c.reason ?? '' });
    if (c.status === 'decoded') {
      expect([packetSource(p), packetDestination(p), p.sport, p.dport]).toEqual(['141.142.220.118', '208.80.152.118', 48649, 80]);
    }
  });

  it.each([
    // A station sends its own frames: it is their transmitter.
    { way: 'to the access point (ToDS): address 2', flags: 0x01, transmitter: undefined },
    { way: 'from the access point (FromDS): address 3', flags: 0x02, transmitter: '0011335000ff' },
    { way: 'between two access points (ToDS and FromDS): address 4', flags: 0x03, transmitter: '0011335000ff' },
  ])("the sender's hardware address is the source address, $way", ({ flags, transmitter }) => {
    const p = decode(wlan(ETHERNET_TCP_SYN, { flags, transmitter }), 105);
    expect(p.status).toBe('decoded');
    // The frame's source: the Ethernet frame's, never the access point's (BSSID) nor another transmitter's.
    const source = flags === 0x03 ? STATION : ETHERNET_TCP_SYN.slice(12, 24);
    expect(formatMac(senderMac(p))).toBe(source.match(/../g)!.join(':'));
  });

  it('a frame sent again by its transmitter (Retry, the same sequence number) is read once; a retry of a frame not captured is read', () => {
    const stats = new DecodeStats();
    const p = newPacket();
    const frames = [
      wlan(ETHERNET_TCP_SYN, { sequence: 7 }),
      wlan(ETHERNET_TCP_SYN, { sequence: 7, flags: 0x09 }),
      wlan(ETHERNET_TCP_SYN, { sequence: 7, flags: 0x09 }),
      // The same sequence number from another transmitter is its own frame.
      wlan(ETHERNET_TCP_SYN, { sequence: 7, flags: 0x09, transmitter: '0011335000ff' }),
      // A retry whose first try the sniffer missed.
      wlan(ETHERNET_TCP_SYN, { sequence: 9, flags: 0x09 }),
    ];
    for (const f of frames) {
      decodePacket(record(hex(f), 105), p);
      stats.add(p);
    }
    expect(stats.skipped).toEqual({ 'wlan.retransmission': 2 });
    expect(stats.records).toBe(5);
  });
});

// ---------------------------------------------------------------- the case study over Wi-Fi

const HOST_MAC = '00:13:72:0b:44:e1'.replace(/:/g, '');

/**
 * The case study's department host as a sniffer in monitor mode beside it would have it: every
 * frame on the air, the host's to its access point and the access point's to it, with the
 * beacons, power-saving Nulls, retries and a neighbour's encrypted frames around them.
 */
async function overTheAir(path: string): Promise<Buffer> {
  const w = new PcapWriter({ linktype: 127 });
  const sequences = new Map<string, number>();
  let n = 0;
  let lastBeacon = -Infinity;
  const add = (ts: number, frame: string): void => {
    const sec = Math.floor(ts);
    w.add(sec, Math.round((ts - sec) * 1e6) * 1000, Buffer.from(frame, 'hex'));
  };
  await readCapture(path, (r) => {
    const ethernet = Buffer.from(r.bytes.subarray(r.dataOffset, r.dataOffset + r.caplen)).toString('hex');
    const fromHost = ethernet.slice(12, 24) === HOST_MAC || ethernet.slice(0, 12) !== HOST_MAC;
    const transmitter = fromHost ? ethernet.slice(12, 24) : BSSID;
    const sequence = ((sequences.get(transmitter) ?? 0) + 1) & 0xfff;
    sequences.set(transmitter, sequence);
    if (r.ts - lastBeacon >= 10) {
      add(r.ts - 0.002, radiotapFrame(0, `8000${'0000'}ffffffffffff${BSSID}${BSSID}1000${'00'.repeat(12)}`));
      add(
        r.ts - 0.001,
        radiotapFrame(0x10, wlan(`${GATEWAY}${'0a0b0c0d0e0f'}0800${'00'.repeat(40)}`, { flags: 0x41, transmitter: '0a0b0c0d0e0f' })),
      );
      lastBeacon = r.ts;
    }
    const frame = wlan(ethernet, { flags: fromHost ? 0x01 : 0x02, sequence, transmitter });
    add(r.ts, radiotapFrame(0x10, frame));
    // Every seventh frame sent again: its ACK was lost.
    if (++n % 7 === 0)
      add(r.ts + 0.0003, radiotapFrame(0x10, wlan(ethernet, { flags: (fromHost ? 0x01 : 0x02) | 0x08, sequence, transmitter })));
    if (n % 50 === 0) add(r.ts + 0.0005, radiotapFrame(0, wlan('', { fc0: 0xc8 }).slice(0, 52)));
  });
  return w.toBuffer();
}

describe('the case study captured over the air', () => {
  it('gives the same hosts, schedules and reset sources as the wired capture, every frame accounted for', async () => {
    const wired = join(projectRoot, 'captures', 'department-host.pcap');
    const path = join(mkdtempSync(join(tmpdir(), 'callhome-wifi-')), 'department-host-air.pcap');
    writeFileSync(path, await overTheAir(wired));
    try {
      const { result: a } = await analyze([wired]);
      const { result: b } = await analyze([path]);
      const without = (r: typeof a) => ({ ...r, captures: [] });
      expect(JSON.stringify(without(b))).toBe(JSON.stringify(without(a)));
      expect(a.hosts[0]!.labels).toContain('blocked');
      const capture = b.captures[0]!;
      expect(capture.linktype).toBe(127);
      const skipped = capture.skipped;
      expect(Object.keys(skipped).sort()).toEqual([
        'l3.not-ip',
        'wlan.no-payload',
        'wlan.not-data',
        'wlan.protected',
        'wlan.retransmission',
      ]);
      expect(skipped['wlan.retransmission']).toBe(Math.floor(a.captures[0]!.packets / 7));
    } finally {
      rmSync(path, { force: true });
    }
  });
});
