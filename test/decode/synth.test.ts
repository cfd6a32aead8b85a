import { describe, expect, it } from 'vitest';
import { readCaptureBytes } from '../../src/capture/index.js';
import {
  DecodeStats,
  TCP_ACK,
  TCP_RST,
  TCP_SYN,
  decodePacket,
  newPacket,
  packetDestination,
  packetSource,
} from '../../src/decode/index.js';
import { CONSULTANT, DEPARTMENT, generateConsultantLaptop, generateDepartmentHost } from '../../src/synth/casestudy.js';

// The case-study captures the project's own packet builder writes: the decoder and the builder
// compute checksums independently, and every direct attempt the builder planned must come out
// of the decoder as a SYN from the host to that address and port.
describe.each([
  { name: 'department host', generate: generateDepartmentHost, profile: DEPARTMENT },
  { name: 'consultant laptop', generate: generateConsultantLaptop, profile: CONSULTANT },
])('decoding the $name capture', ({ generate, profile }) => {
  it('decodes every IP packet, with checksums right except where the host offloads them', async () => {
    const capture = generate();
    const stats = new DecodeStats();
    const p = newPacket();
    const syns = new Set<string>();
    const resets = new Set<string>();
    let badTransportChecksums = 0;
    const info = await readCaptureBytes(capture.file, capture.pcap, (record) => {
      decodePacket(record, p, { verifyChecksums: true });
      stats.add(p);
      if (p.status !== 'decoded') return;
      expect(p.ipChecksumOk).toBe(true);
      if (!p.transportChecksumOk) {
        badTransportChecksums++;
        // Only the capturing host's own packets, when its NIC computes the checksums.
        expect(profile.checksumOffload).toBe(true);
        expect(packetSource(p)).toBe(profile.host);
      }
      if (p.proto === 6 && (p.tcpFlags & (TCP_SYN | TCP_ACK)) === TCP_SYN && packetSource(p) === profile.host) {
        syns.add(`${p.sport}>${packetDestination(p)}:${p.dport}`);
      }
      if (p.proto === 6 && p.tcpFlags & TCP_RST && packetDestination(p) === profile.host) {
        resets.add(`${p.dport}>${packetSource(p)}:${p.sport}`);
      }
    });
    expect(stats.records).toBe(info.packets);
    expect(stats.statusCounts.malformed).toBe(0);
    expect(Object.keys(stats.skipped)).toEqual(stats.statusCounts.skipped > 0 ? ['l3.not-ip'] : []);
    if (!profile.checksumOffload) expect(badTransportChecksums).toBe(0);
    for (const attempt of capture.attempts) {
      const key = `${attempt.sport}>${attempt.dst}:${attempt.dport}`;
      expect(syns.has(key), key).toBe(true);
      expect(resets.has(key), key).toBe(attempt.outcome === 'reset');
    }
  });
});
