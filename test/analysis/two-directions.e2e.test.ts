/**
 * A tap's two directions captured into two files — a passive tap has a port for each direction,
 * and a capture box a card for each port — are one timeline: callhome reads them at once, in
 * order of their time stamps, and tells the case study from them as it does from one file of the
 * wire, in whichever order the files are named. With the inbound card's clock a little ahead, the
 * firewall's resets land before the SYNs they answer, and are still its resets.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/index.js';
import { projectRoot } from '../support/corpus.js';
import { findingsSeen } from '../support/findings.js';

const tmp = mkdtempSync(join(tmpdir(), 'callhome-two-directions-'));

/**
 * The records of a classic little-endian microsecond pcap of Ethernet frames split by direction
 * as a tap's ports see them: what `host` sent (and every frame that is not IPv4: ARP goes both
 * ways), and what came to it, `skew` seconds added to the second file's stamps.
 */
function splitByDirection(pcap: Buffer, host: string, skew = 0): { out: Buffer; in: Buffer } {
  expect(pcap.readUInt32LE(0)).toBe(0xa1b2c3d4);
  const source = Buffer.from(host.split('.').map(Number));
  const out: Buffer[] = [pcap.subarray(0, 24)];
  const back: Buffer[] = [pcap.subarray(0, 24)];
  for (let at = 24; at + 16 <= pcap.length;) {
    const record = Buffer.from(pcap.subarray(at, at + 16 + pcap.readUInt32LE(at + 8)));
    at += record.length;
    const frame = record.subarray(16);
    const ipv4 = frame.length >= 34 && frame.readUInt16BE(12) === 0x0800;
    if (!ipv4 || frame.subarray(26, 30).equals(source)) {
      out.push(record);
      continue;
    }
    const micros = record.readUInt32LE(0) * 1e6 + record.readUInt32LE(4) + Math.round(skew * 1e6);
    record.writeUInt32LE(Math.floor(micros / 1e6), 0);
    record.writeUInt32LE(micros % 1e6, 4);
    back.push(record);
  }
  return { out: Buffer.concat(out), in: Buffer.concat(back) };
}

describe("a tap's two directions in two files", () => {
  for (const [file, host] of [
    ['department-host.pcap', '192.168.0.13'],
    ['consultant-laptop.pcap', '192.168.0.57'],
  ] as const) {
    it(`${file}: the same findings as the one file, whichever file is named first`, async () => {
      const original = resolve(projectRoot, 'captures', file);
      const split = splitByDirection(readFileSync(original), host);
      const outbound = join(tmp, `out-${file}`);
      const inbound = join(tmp, `in-${file}`);
      writeFileSync(outbound, split.out);
      writeFileSync(inbound, split.in);
      const once = (await analyze([original])).result;
      for (const order of [
        [outbound, inbound],
        [inbound, outbound],
      ]) {
        const { result } = await analyze(order);
        // One network, not two "with no internal address in common".
        expect(result.networks).toBeUndefined();
        expect(result.captures.reduce((n, c) => n + c.packets, 0)).toBe(once.captures[0]!.packets);
        expect(findingsSeen(result)).toEqual(findingsSeen(once));
      }
    });
  }

  it("department-host.pcap with the inbound card's clock 0.6 ms ahead: every reset still the firewall's", async () => {
    const original = resolve(projectRoot, 'captures', 'department-host.pcap');
    const split = splitByDirection(readFileSync(original), '192.168.0.13', -0.0006);
    const outbound = join(tmp, 'out-skewed.pcap');
    const inbound = join(tmp, 'in-skewed.pcap');
    writeFileSync(outbound, split.out);
    writeFileSync(inbound, split.in);
    const { result } = await analyze([outbound, inbound]);
    const host = result.hosts.find((h) => h.address === '192.168.0.13')!;
    expect(host.labels).toEqual(['proxy-bypass', 'blocked', 'periodic', 'via-proxy']);
    expect(host.groups[0]).toMatchObject({ attempts: 546, unanswered: 0, resets: { middlebox: 546, endpoint: 0, unknown: 0 } });
    expect(result.resetSources[0]).toMatchObject({ attribution: 'middlebox', ttl: 255, resets: 546, attempts: 546 });
    expect(result.resetSources[0]!.evidence).toContain('each stamped before the SYN it answers');
  });
});
