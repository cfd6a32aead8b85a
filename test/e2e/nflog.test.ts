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
import { buildPcap, tcpFrame, type TimedFrame } from '../../src/synth/index.js';

const LINKTYPE_NFLOG = 239;
const LINKTYPE_RAW = 101;
const AGENT = '192.168.1.20';
const BROWSER = '192.168.1.30';
const CDN = Array.from({ length: 6 }, (_, i) => `203.0.113.${40 + i}`);
const WEB = Array.from({ length: 12 }, (_, i) => `198.51.100.${10 + i}`);
const PERIOD = 30;

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
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * An update agent past the proxy, every 30 s a SYN and its two retries, each logged with
 * `blocked`'s prefix (NFLOG logs every packet its rule matches); a browser's connections, each
 * SYN logged once with `allowed`'s (the ACCEPT rule logs `--ctstate NEW`, not the answer). `wrap`
 * makes each packet's record from its Ethernet frame.
 */
function frames(wrap: (prefix: 'blocked' | 'allowed', frame: Uint8Array) => Uint8Array): TimedFrame[] {
  const out: TimedFrame[] = [];
  const start = 1_764_547_200;
  for (let k = 0; k < 20; k++) {
    const t = start + k * PERIOD;
    const dst = CDN[k % CDN.length]!;
    const sport = 50_000 + k;
    for (const retry of [0, 1, 3]) {
      out.push({ ts: t + retry, frame: wrap('blocked', tcpFrame({ src: AGENT, dst, sport, dport: 443, seq: 1000 + k, flags: 'S' })) });
    }
  }
  for (let k = 0; k < 30; k++) {
    const t = start + 7 + ((k * 7919) % 557) + ((k * 104_729) % 1000) / 1000;
    const dst = WEB[(k * 5) % WEB.length]!;
    const sport = 40_000 + ((k * 7717) % 20_000);
    out.push({ ts: t, frame: wrap('allowed', tcpFrame({ src: BROWSER, dst, sport, dport: 443, seq: 5000 + k, flags: 'S' })) });
  }
  return out.sort((a, b) => a.ts - b.ts);
}

/** The NFLOG capture with the given prefixes for the blocked and the allowed packets. */
function nflogCapture(blocked: string | null, allowed: string | null): Uint8Array {
  return buildPcap(
    frames((kind, frame) => logged(kind === 'blocked' ? blocked : allowed, frame)),
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
          frames((_, frame) => frame.subarray(14)),
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
