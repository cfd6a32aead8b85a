/**
 * Cisco Meraki MX syslog as the documentation's samples show it: the appliance's epoch time and
 * name, `flows` events naming the rule a flow matched (`pattern: allow all`, inbound rules' 1 for
 * deny and 0 for allow), MX 18.101's `firewall`, `vpn_firewall` and `cellular_firewall` events,
 * and its `urls` and other events beside them, which decide no flow.
 */
import { describe, expect, it } from 'vitest';
import { logFiles } from './support.js';
import { analyze, loadCaptures } from '../../src/index.js';

const write = logFiles('callhome-meraki-');
const T0 = Date.UTC(2026, 2, 5, 9, 0, 0) / 1000;

/** The appliance's stamp `at` seconds after 09:00, with its nanoseconds. */
const stamp = (at: number): string => `${T0 + at}.123456789`;

describe('Cisco Meraki MX syslog', () => {
  it("an outbound deny rule's flows every minute: the host is blocked on a schedule; URLs and events beside them no attempts", async () => {
    const lines: string[] = [];
    for (let i = 0; i < 30; i++) {
      lines.push(
        `<134>1 ${stamp(60 * i)} MX84 flows src=10.0.0.5 dst=198.51.100.9 mac=00:18:0A:12:34:56 protocol=tcp sport=${40000 + i} dport=443 ` +
          'pattern: deny (dst 198.51.100.0/24)',
      );
      lines.push(
        `<134>1 ${stamp(60 * i + 7)} MX84 urls src=10.0.0.6:${50000 + i} dst=203.0.113.7:80 mac=00:18:0A:12:34:57 request: GET http://example.com/`,
      );
    }
    lines.push(
      `<134>1 ${stamp(90)} MX84 events type=vpn_connectivity_change vpn_type='site-to-site' peer_contact='192.0.2.10:51856' connectivity='true'`,
    );
    lines.push('no line of any firewall');
    const { result, loaded } = await analyze([write('meraki.log', lines)]);
    expect(loaded.captures[0]).toMatchObject({ format: 'meraki', packets: 30 });
    expect(loaded.captures[0]?.start).toBe('2026-03-05T09:00:00.123Z');
    expect(loaded.captures[0]?.skipped).toMatchObject({ 'log.unmatched': 1, 'log.other_message': 31 });
    expect(loaded.captures[0]?.formatDetail).toMatch(/device MX84/);
    const host = result.hosts.find((h) => h.address === '10.0.0.5');
    expect(host?.labels).toEqual(expect.arrayContaining(['blocked', 'periodic']));
    expect(host?.groups[0]).toMatchObject({ attempts: 30, ports: [443], resets: { middlebox: 30, endpoint: 0, unknown: 0 } });
    expect(host?.groups[0]?.schedule.periodSeconds).toBe(60);
    expect(result.hosts.find((h) => h.address === '10.0.0.6')).toBeUndefined();
  });

  it("reads each rule's decision, the newer firmware's events and a syslog server's header before the appliance's stamp", async () => {
    const path = write('decisions.log', [
      // An outbound rule that allows, as the documentation's sample, behind a syslog server's header (read at the appliance's time).
      `Mar  5 10:00:00 192.0.2.1 1 ${stamp(0)} MX84 flows src=10.0.0.7 dst=198.51.100.20 mac=00:18:0A:12:34:58 protocol=udp sport=9562 dport=53 pattern: allow all`,
      // Inbound rules: 1 denies, 0 allows.
      `${stamp(1)} MX84 flows src=203.0.113.8 dst=192.0.2.1 protocol=udp sport=13943 dport=16329 pattern: 1 all`,
      `${stamp(2)} MX84 flows src=203.0.113.8 dst=192.0.2.1 protocol=tcp sport=13944 dport=443 pattern: 0 all`,
      // MX 18.101 and later name the rules that matched.
      `<134>1 ${stamp(3)} MX84 firewall src=10.0.0.7 dst=198.51.100.21 mac=00:18:0A:12:34:58 protocol=tcp sport=40010 dport=8443 pattern: deny all`,
      `<134>1 ${stamp(4)} MX84 vpn_firewall src=10.0.0.7 dst=10.20.0.5 protocol=tcp sport=40011 dport=445 pattern: deny all`,
      `<134>1 ${stamp(5)} MX84 cellular_firewall src=10.0.0.7 dst=198.51.100.22 protocol=icmp type=8 pattern: deny all`,
      // Firmware that writes the decision after the event's name.
      `<134>1 ${stamp(6)} MX84 flows deny src=10.0.0.7 dst=198.51.100.23 mac=00:18:0A:12:34:58 protocol=tcp sport=40012 dport=8080`,
    ]);
    const { connections, captures } = await loadCaptures([path]);
    expect(captures[0]?.format).toBe('meraki');
    expect(captures[0]?.skipped).toEqual({});
    expect(connections.map((c) => [Math.round((c.ts - T0) * 1000), c.proto, c.origH, c.origP, c.respH, c.respP, c.established])).toEqual([
      [123, 'udp', '10.0.0.7', 9562, '198.51.100.20', 53, true],
      [1123, 'udp', '203.0.113.8', 13943, '192.0.2.1', 16329, false],
      [2123, 'tcp', '203.0.113.8', 13944, '192.0.2.1', 443, true],
      [3123, 'tcp', '10.0.0.7', 40010, '198.51.100.21', 8443, false],
      [4123, 'tcp', '10.0.0.7', 40011, '10.20.0.5', 445, false],
      [5123, 'icmp', '10.0.0.7', 8, '198.51.100.22', 0, false],
      [6123, 'tcp', '10.0.0.7', 40012, '198.51.100.23', 8080, false],
    ]);
  });
});
