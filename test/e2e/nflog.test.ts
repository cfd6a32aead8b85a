/**
 * A capture of Linux netfilter's NFLOG (`tcpdump -i nflog:5` on a gateway whose rules say
 * `-j NFLOG --nflog-group 5 --nflog-prefix "[UFW BLOCK] "`): each packet comes with the prefix of
 * the rule that logged it, which names the firewall's decision as a LOG line's prefix does in
 * kern.log. Blocked opening packets are the firewall's denials; an ALLOW rule logs what it lets
 * through with `--ctstate NEW`, so a SYN logged alone is an attempt that passed; a prefix that
 * names no decision (none, "[UFW AUDIT] ") leaves the capture what a capture of the wire is.
 */
import { describe, expect, it } from 'vitest';
import { analyze, info } from '../../src/index.js';
import { infoRenderers } from '../../src/report/index.js';
import { buildPcap } from '../../src/synth/index.js';
import { AGENT, BROWSER, PERIOD, loggedTraffic } from './logged-traffic.js';

const LINKTYPE_NFLOG = 239;
const LINKTYPE_RAW = 101;

/** A netlink attribute as an x86 host writes it: length (header included) and type little-endian, padded to 4 bytes. */
function tlv(type: number, value: Uint8Array): Uint8Array {
  const out = new Uint8Array((4 + value.length + 3) & ~3);
  const view = new DataView(out.buffer);
  view.setUint16(0, 4 + value.length, true);
  view.setUint16(2, type, true);
  out.set(value, 4);
  return out;
}

/**
 * The IPv4 packet of an Ethernet frame as NFLOG group 5 hands it to a capture: AF_INET, version 0,
 * the group; NFULA_PACKET_HDR (IPv4, hook FORWARD), the rule's prefix NUL-terminated (none when
 * null), NFULA_PAYLOAD.
 */
function logged(prefix: string | null, frame: Uint8Array): Uint8Array {
  const parts = [
    Uint8Array.of(2, 0, 0, 5),
    tlv(1, Uint8Array.of(0x08, 0x00, 2, 0)),
    ...(prefix === null ? [] : [tlv(10, new TextEncoder().encode(`${prefix}\0`))]),
    tlv(9, frame.subarray(14)),
  ];
  return Buffer.concat(parts);
}

/** The NFLOG capture with the given prefixes for the blocked and the allowed packets. */
function nflogCapture(blocked: string | null, allowed: string | null): Uint8Array {
  return buildPcap(
    loggedTraffic((action, frame) => logged(action === 'blocked' ? blocked : allowed, frame)),
    { linktype: LINKTYPE_NFLOG },
  );
}

describe('a capture of NFLOG', () => {
  it('reads "[UFW BLOCK]" openings as the firewall\'s denials and "[UFW ALLOW]" ones as attempts that got through', async () => {
    const { result } = await analyze([{ name: 'nflog5.pcap', bytes: nflogCapture('[UFW BLOCK] ', '[UFW ALLOW] ') }]);
    const agent = result.hosts.find((h) => h.address === AGENT);
    expect(agent?.labels).toEqual(expect.arrayContaining(['blocked', 'periodic']));
    expect(agent?.verdict).toMatch(/denied by the firewall \(its log: nflog\)/);
    expect(agent?.groups[0]?.schedule.periodSeconds).toBeCloseTo(PERIOD, 0);
    // One denial an attempt: the SYN's retries, each logged, are the same attempt.
    expect(agent?.groups[0]?.attempts).toBe(20);
    expect(agent?.groups[0]?.resets.middlebox).toBe(20);
    const source = result.resetSources.find((s) => s.kind === 'log');
    expect([source?.attribution, source?.senders, source?.resets]).toEqual(['middlebox', ['nflog'], 20]);
    // The browser's attempts passed the firewall: nothing in the path turned them away.
    const browser = result.hosts.find((h) => h.address === BROWSER);
    expect(browser?.labels ?? []).not.toContain('blocked');
  });

  it.each([
    { case: 'no prefix', prefix: null },
    { case: 'an empty prefix', prefix: '' },
    { case: "UFW's audit prefix", prefix: '[UFW AUDIT] ' },
    { case: 'a prefix naming no decision', prefix: 'IN-eth0 ' },
  ])('with $case, is read as the same packets captured on the wire', async ({ prefix }) => {
    const { result } = await analyze([{ name: 'nflog5.pcap', bytes: nflogCapture(prefix, prefix) }]);
    const wire = await analyze([
      {
        name: 'nflog5.pcap',
        bytes: buildPcap(
          loggedTraffic((_, frame) => frame.subarray(14)),
          { linktype: LINKTYPE_RAW },
        ),
      },
    ]);
    expect(result.resetSources.map((s) => s.kind)).not.toContain('log');
    expect({ ...result, captures: [] }).toEqual({ ...wire.result, captures: [] });
  });

  it('info counts the packets the firewall blocked and let through', async () => {
    const { captures } = await info([{ name: 'nflog5.pcap', bytes: nflogCapture('[UFW BLOCK] ', '[UFW ALLOW] ') }]);
    expect(captures[0]?.logged).toEqual({ blocked: 60, passed: 30 });
    expect(infoRenderers.text(captures, { color: false })).toContain('  logged      blocked 60, passed 30\n');
    const plain = await info([{ name: 'nflog5.pcap', bytes: nflogCapture(null, '[UFW AUDIT] ') }]);
    expect(plain.captures[0]?.logged).toBeUndefined();
    expect(infoRenderers.text(plain.captures, { color: false })).not.toContain('logged');
  });
});
