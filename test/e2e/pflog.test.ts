/**
 * A capture of pf's log interface (pflog0 on pfSense, OPNsense, OpenBSD): each packet comes with
 * what pf did with it. Blocked opening packets are the firewall's denials, as its log's lines are;
 * a pass rule with `log` logs only a connection's first packet, so a SYN let through and nothing
 * more is an attempt that passed, not one nobody answered.
 */
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/index.js';
import { buildPcap } from '../../src/synth/index.js';
import { AGENT, BROWSER, PERIOD, loggedTraffic } from './logged-traffic.js';

const LINKTYPE_PFLOG = 117;

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

/** pf blocks the agent (`block drop`) and logs the browser's connections it lets through (`pass log`: a connection's first packet only). */
function pflogCapture(): Uint8Array {
  return buildPcap(
    loggedTraffic((action, frame) => logged(action === 'blocked' ? 1 : 0, frame)),
    { linktype: LINKTYPE_PFLOG },
  );
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
