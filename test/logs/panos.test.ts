/**
 * Palo Alto Networks PAN-OS traffic logs as the firewall sends them to syslog: the documented
 * comma-separated fields, no header. Denied sessions are the firewall's denials, a session is
 * timed by its start (its start and end lines one attempt), and the firewall's THREAT lines,
 * beside them in the same file, are no connections of their own.
 */
import { describe, expect, it } from 'vitest';
import { logFiles } from './support.js';
import { analyze, loadCaptures } from '../../src/index.js';

const write = logFiles('callhome-panos-');

const pad = (n: number): string => String(n).padStart(2, '0');
/** "2026/03/05 09:mm:ss" `seconds` after 09:00. */
const stamp = (seconds: number): string => `2026/03/05 09:${pad(Math.floor(seconds / 60))}:${pad(seconds % 60)}`;

/** A TRAFFIC line: `subtype` (start, end, drop, deny), the session's start at `start` s, logged at `logged` s. */
function traffic(o: {
  subtype: string;
  action: string;
  sport: number;
  start: number;
  logged: number;
  rule?: string;
  dst?: string;
  /** Bytes and packets the session received (none by default). */
  received?: { bytes: number; packets: number };
  proto?: string;
  application?: string;
  dport?: number;
}): string {
  const gen = stamp(o.logged);
  const back = o.received ?? { bytes: 0, packets: 0 };
  return (
    `Mar  5 ${gen.slice(11)} pa-fw 1,${gen},012501002341,TRAFFIC,${o.subtype},2561,${gen},10.0.0.5,${o.dst ?? '198.51.100.9'},` +
    `0.0.0.0,0.0.0.0,${o.rule ?? 'deny-web'},,,${o.application ?? 'not-applicable'},vsys1,trust,untrust,ethernet1/2,,Log-Fwd,${gen},0,1,` +
    `${o.sport},${o.dport ?? 443},0,0,0x0,${o.proto ?? 'tcp'},${o.action},${66 + back.bytes},66,${back.bytes},${1 + back.packets},` +
    `${stamp(o.start)},${o.logged - o.start},any,,7253419119627122716,0x8000000000000000,` +
    `10.0.0.0-10.255.255.255,United States,,1,${back.packets},policy-deny,0,0,0,0,,pa-fw,from-policy`
  );
}

describe('PAN-OS traffic logs', () => {
  it("a drop rule's sessions every minute: the host is blocked on a schedule, its THREAT lines beside them no attempts", async () => {
    const lines = Array.from({ length: 30 }, (_, i) =>
      traffic({ subtype: 'drop', action: 'deny', sport: 40000 + i, start: 60 * i, logged: 60 * i }),
    );
    lines.splice(
      5,
      0,
      `Mar  5 09:04:30 pa-fw 1,2026/03/05 09:04:30,012501002341,THREAT,url,2561,2026/03/05 09:04:30,10.0.0.6,203.0.113.7,0.0.0.0,0.0.0.0,allow-web,,,web-browsing,vsys1,trust,untrust,ethernet1/2,,Log-Fwd,2026/03/05 09:04:30,1,1,50000,80,0,0,0x0,tcp,alert,"example.com/",(9999),news,informational,client-to-server`,
    );
    const { result, loaded } = await analyze([write('drop.log', lines)]);
    expect(loaded.captures[0]).toMatchObject({ format: 'pan-os', packets: 30 });
    // Its lines carry their year: none is taken from the file's date, nor said to be.
    expect(loaded.captures[0]?.formatDetail).toMatch(/times in UTC/);
    expect(loaded.captures[0]?.formatDetail).not.toMatch(/year/);
    const host = result.hosts.find((h) => h.address === '10.0.0.5');
    expect(host?.labels).toEqual(expect.arrayContaining(['blocked', 'periodic']));
    expect(host?.groups[0]).toMatchObject({ attempts: 30, resets: { middlebox: 30, endpoint: 0, unknown: 0 } });
    expect(host?.groups[0]?.schedule.periodSeconds).toBe(60);
    expect(result.hosts.find((h) => h.address === '10.0.0.6')).toBeUndefined();
  });

  it('a session logged as it started and as it ended is one attempt, at its start; a rule name in quotes holds its comma', async () => {
    const path = write('session.log', [
      traffic({ subtype: 'start', action: 'allow', sport: 41000, start: 0, logged: 0, rule: 'allow-web' }),
      traffic({
        subtype: 'end',
        action: 'allow',
        sport: 41000,
        start: 0,
        logged: 600,
        rule: '"allow web, office"',
        received: { bytes: 4200, packets: 6 },
      }),
      traffic({ subtype: 'deny', action: 'reset-both', sport: 41001, start: 5, logged: 5, dst: '198.51.100.10' }),
    ]);
    const { connections } = await loadCaptures([path]);
    expect(connections.map((c) => [c.ts - Date.UTC(2026, 2, 5, 9) / 1000, c.origP, c.respH, c.established])).toEqual([
      [0, 41000, '198.51.100.9', true],
      [5, 41001, '198.51.100.10', false],
    ]);
  });

  it('a session let through that aged out having received nothing was never answered; a ping is an echo request', async () => {
    const path = write('aged-out.log', [
      traffic({ subtype: 'end', action: 'allow', sport: 42000, start: 0, logged: 30, rule: 'allow-web' }),
      traffic({
        subtype: 'end',
        action: 'allow',
        sport: 42001,
        start: 10,
        logged: 70,
        rule: 'allow-web',
        received: { bytes: 900, packets: 3 },
      }),
      traffic({ subtype: 'end', action: 'allow', sport: 0, dport: 0, start: 20, logged: 50, proto: 'icmp', application: 'ping' }),
    ]);
    const { connections } = await loadCaptures([path]);
    expect(connections.map((c) => [c.ts - Date.UTC(2026, 2, 5, 9) / 1000, c.proto, c.origP, c.respP, c.connState])).toEqual([
      [0, 'tcp', 42000, 443, 'S0'],
      [10, 'tcp', 42001, 443, 'S1'],
      [20, 'icmp', 8, 0, 'S1'],
    ]);
  });
});
