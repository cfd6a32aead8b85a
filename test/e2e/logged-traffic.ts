/**
 * The traffic the packet-logger captures' tests wrap (pflog, NFLOG): an update agent past the
 * proxy, every PERIOD s a SYN and its two retries, each blocked; a browser's connections, each
 * SYN let through. A packet logger writes each record as its own header before the packet: `wrap`
 * makes the record from the Ethernet frame and what the firewall did with it.
 */
import { tcpFrame, type TimedFrame } from '../../src/synth/index.js';

export const AGENT = '192.168.1.20';
export const BROWSER = '192.168.1.30';
export const PERIOD = 30;
const CDN = Array.from({ length: 6 }, (_, i) => `203.0.113.${40 + i}`);
const WEB = Array.from({ length: 12 }, (_, i) => `198.51.100.${10 + i}`);

/** The agent's 20 rounds and the browser's 30 connections, in time order. */
export function loggedTraffic(wrap: (action: 'blocked' | 'allowed', frame: Uint8Array) => Uint8Array): TimedFrame[] {
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
