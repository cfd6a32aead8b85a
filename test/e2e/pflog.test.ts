/**
 * A capture of pf's log interface (pflog0 on pfSense, OPNsense, OpenBSD): each packet comes with
 * what pf did with it. Blocked opening packets are the firewall's denials, as its log's lines are;
 * a pass rule with `log` logs only a connection's first packet, so a SYN let through and nothing
 * more is an attempt that passed, not one nobody answered.
 */
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/index.js';
import { buildPcap, tcpFrame, type TimedFrame } from '../../src/synth/index.js';

const LINKTYPE_PFLOG = 117;
const AGENT = '192.168.1.20';
const BROWSER = '192.168.1.30';
const CDN = Array.from({ length: 6 }, (_, i) => `203.0.113.${40 + i}`);
const WEB = Array.from({ length: 12 }, (_, i) => `198.51.100.${10 + i}`);
const PERIOD = 30;

/** pf's log header (FreeBSD's 61 bytes, padded to 64) for an IPv4 packet on em0: action 0 pass, 1 block. */
function pflogHeader(action: 0 | 1): Uint8Array {
  const h = new Uint8Array(64);
  h[0] = 61;
  h[1] = 2; // AF_INET
  h[2] = action;
  h.set(new TextEncoder().encode('em0'), 4);
  new DataView(h.buffer).setUint32(36, 5); // rule 5
  h[60] = 1; // in
  return h;
}

/** An IPv4 packet (the Ethernet frame's payload) behind pf's header. */
function logged(action: 0 | 1, frame: Uint8Array): Uint8Array {
  const ip = frame.subarray(14);
  const out = new Uint8Array(64 + ip.length);
  out.set(pflogHeader(action), 0);
  out.set(ip, 64);
  return out;
}

function pflogCapture(): Uint8Array {
  const frames: TimedFrame[] = [];
  const start = 1_764_547_200;
  // An update agent past the proxy, blocked (`block drop`): its SYN and the two retries, every 30 s.
  for (let k = 0; k < 20; k++) {
    const t = start + k * PERIOD;
    const dst = CDN[k % CDN.length]!;
    const sport = 50_000 + k;
    for (const retry of [0, 1, 3]) {
      frames.push({ ts: t + retry, frame: logged(1, tcpFrame({ src: AGENT, dst, sport, dport: 443, seq: 1000 + k, flags: 'S' })) });
    }
  }
  // A browser let through (`pass log`): pf logs each connection's first packet only.
  for (let k = 0; k < 30; k++) {
    const t = start + 7 + ((k * 7919) % 557) + ((k * 104_729) % 1000) / 1000;
    const dst = WEB[(k * 5) % WEB.length]!;
    const sport = 40_000 + ((k * 7717) % 20_000);
    frames.push({ ts: t, frame: logged(0, tcpFrame({ src: BROWSER, dst, sport, dport: 443, seq: 5000 + k, flags: 'S' })) });
  }
  return buildPcap(frames, { linktype: LINKTYPE_PFLOG });
}

describe("a capture of pf's log interface", () => {
  it("reads pf's blocks as the firewall's denials and its logged passes as attempts that got through", async () => {
    const { result } = await analyze([{ name: 'pflog0.pcap', bytes: pflogCapture() }]);
    const agent = result.hosts.find((h) => h.address === AGENT);
    expect(agent?.labels).toEqual(expect.arrayContaining(['blocked', 'periodic']));
    expect(agent?.verdict).toMatch(/denied by the firewall \(its log: pflog\)/);
    expect(agent?.groups[0]?.schedule.periodSeconds).toBeCloseTo(PERIOD, 0);
    expect(result.resetSources.map((s) => [s.kind, s.attribution])).toContainEqual(['log', 'middlebox']);
    // The browser's attempts passed the firewall: nothing in the path turned them away.
    const browser = result.hosts.find((h) => h.address === BROWSER);
    expect(browser?.labels ?? []).not.toContain('blocked');
  });
});
