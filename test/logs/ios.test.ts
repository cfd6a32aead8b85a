/**
 * Cisco IOS access-list logging, as a router's syslog carries it: an ACL entry's denials are the
 * router's, timed by its own stamp; the counts it logs every five minutes of a flow already
 * logged are no new attempts; pings and IPv6 lists read alike.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze, loadCaptures } from '../../src/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'callhome-ios-'));
const pad = (n: number): string => String(n).padStart(2, '0');

function write(name: string, lines: string[]): string {
  const path = join(tmp, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

/** A line of the router `rtr1` as its syslog server stores it, the router's stamp `minute` minutes after 09:00, 250 ms in. */
const routed = (minute: number, message: string): string =>
  `Mar  5 09:${pad(minute)}:01 rtr1 ${400 + minute}: *Mar  5 09:${pad(minute)}:00.250: ${message}`;

describe('Cisco IOS access-list logs', () => {
  it("an outbound list's denials every minute: the host is blocked on a schedule, the five-minute counts no attempts", async () => {
    const lines = Array.from({ length: 30 }, (_, i) =>
      routed(i, `%SEC-6-IPACCESSLOGP: list OUTBOUND denied tcp 10.0.0.5(${40000 + i}) -> 198.51.100.9(443), 1 packet`),
    );
    lines.splice(8, 0, routed(7, '%SEC-6-IPACCESSLOGP: list OUTBOUND denied tcp 10.0.0.5(40002) -> 198.51.100.9(443), 4 packets'));
    const { result, loaded } = await analyze([write('ios.log', lines)], { firewall: { year: 2026 } });
    expect(loaded.captures[0]).toMatchObject({ format: 'cisco-ios', start: '2026-03-05T09:00:00.250Z' });
    const host = result.hosts.find((h) => h.address === '10.0.0.5');
    expect(host?.labels).toEqual(expect.arrayContaining(['blocked', 'periodic']));
    expect(host?.groups[0]).toMatchObject({ attempts: 30, resets: { middlebox: 30, endpoint: 0, unknown: 0 } });
    expect(host?.groups[0]?.schedule.periodSeconds).toBe(60);
  });

  it('reads a ping by its type and code, an IPv6 list, a permitted packet, and a stamp with its year', async () => {
    const path = write('mixed.log', [
      routed(0, '%SEC-6-IPACCESSLOGDP: list 101 denied icmp 10.0.0.6 -> 198.51.100.10 (8/0), 1 packet'),
      'Mar  5 09:01:01 rtr1 401: Mar  5 2026 09:01:00 UTC: %IPV6_ACL-6-ACCESSLOGP: list V6-OUT/20 denied tcp 2001:DB8::5(40000) -> 2001:DB8:1::9(443), 1 packet',
      routed(2, '%SEC-6-IPACCESSLOGP: list 101 permitted tcp 10.0.0.6(40001) -> 198.51.100.11(80), 1 packet'),
      routed(3, '%SEC-6-IPACCESSLOGNP: list 101 denied 47 10.0.0.6 -> 198.51.100.12, 1 packet'),
    ]);
    const { connections } = await loadCaptures([path], { firewall: { year: 2026 } });
    expect(connections.map((c) => [c.proto, c.origH, c.origP, c.respH, c.respP, c.established])).toEqual([
      ['icmp', '10.0.0.6', 8, '198.51.100.10', 0, false],
      ['tcp', '2001:db8::5', 40000, '2001:db8:1::9', 443, false],
      ['tcp', '10.0.0.6', 40001, '198.51.100.11', 80, true],
    ]);
  });
});
