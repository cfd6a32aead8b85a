/**
 * MikroTik RouterOS firewall logs as a syslog server stores them: the rule's log prefix names the
 * decision, the first address pair is the packet as the inside host sent it (behind the router's
 * NAT), and every line reads into the same attempts, labels and verdicts as any other log.
 */
import { describe, expect, it } from 'vitest';
import { logFiles } from './support.js';
import { analyze, loadCaptures } from '../../src/index.js';

const write = logFiles('callhome-mikrotik-');

const clock = (seconds: number): string => new Date(Date.UTC(2026, 2, 5, 9, 0, 0) + seconds * 1000).toISOString().slice(11, 19);

/** A forward-chain line of RouterOS 7 with the rule's log prefix `prefix` ('' for none). */
function forward(seconds: number, prefix: string, packet: string): string {
  return (
    `Mar  5 ${clock(seconds)} 192.168.88.1 firewall,info ${prefix}${prefix === '' ? '' : ' '}forward: in:bridge out:ether1, ` +
    `connection-state:new src-mac 64:d1:54:aa:bb:cc, ${packet}, len 60`
  );
}

describe('MikroTik RouterOS firewall log', () => {
  it('a drop rule’s lines every minute behind the NAT: the inside host is blocked on a schedule', async () => {
    const lines = Array.from({ length: 30 }, (_, i) =>
      forward(
        i * 60,
        'DROP-OUT',
        `proto TCP (SYN), 192.168.88.10:${52000 + i}->198.51.100.9:443, NAT (192.168.88.10:${52000 + i}->203.0.113.2:${52000 + i})->198.51.100.9:443`,
      ),
    );
    const { result, loaded } = await analyze([write('blocked.log', lines)], { firewall: { year: 2026 } });
    expect(loaded.captures[0]?.format).toBe('mikrotik');
    const host = result.hosts.find((h) => h.address === '192.168.88.10');
    expect(host?.labels).toEqual(expect.arrayContaining(['blocked', 'periodic']));
    expect(host?.groups[0]).toMatchObject({ attempts: 30, ports: [443], resets: { middlebox: 30, endpoint: 0, unknown: 0 } });
    expect(host?.groups[0]?.schedule.periodSeconds).toBe(60);
    // The router's outside address is no host of the network's.
    expect(result.hosts.find((h) => h.address === '203.0.113.2')).toBeUndefined();
  });

  it('reads accepted and unprefixed lines, UDP, a ping and IPv6 in brackets, each as what it is', async () => {
    const path = write('mixed.log', [
      forward(0, 'accept', 'proto TCP (SYN), 192.168.88.11:40001->198.51.100.20:443'),
      forward(1, '', 'proto UDP, 192.168.88.11:5353->198.51.100.21:443'),
      forward(2, 'ACCEPT', 'proto ICMP (type 8, code 0), 192.168.88.11->198.51.100.22'),
      `Mar  5 ${clock(3)} firewall,info drop forward: in:bridge out:ether1, src-mac 64:d1:54:aa:bb:cc, proto TCP (SYN), [2001:db8::10]:52342->[2001:db8:1::9]:443, len 80`,
      `Mar  5 ${clock(4)} 192.168.88.1 system,info,account user admin logged in from 192.168.88.5 via winbox`,
    ]);
    const { connections, captures } = await loadCaptures([path], { firewall: { year: 2026 } });
    expect(connections.map((c) => [c.proto, c.origH, c.origP, c.respH, c.respP, c.established, c.resets.length > 0])).toEqual([
      ['tcp', '192.168.88.11', 40001, '198.51.100.20', 443, true, false],
      ['udp', '192.168.88.11', 5353, '198.51.100.21', 443, false, true],
      ['icmp', '192.168.88.11', 8, '198.51.100.22', 0, true, false],
      ['tcp', '2001:db8::10', 52342, '2001:db8:1::9', 443, false, true],
    ]);
    // The unprefixed line is said to be taken as a denial.
    expect(captures[0]?.warnings.join(' ')).toMatch(/no log prefix that names a decision/);
  });

  it('a hostile line of 200,000 characters among its lines is named, not read, and the others are read', async () => {
    const hostile = `Mar  5 ${clock(3)} 192.168.88.1 firewall,info ${'a'.repeat(200_000)} in: proto x`;
    const lines = [0, 1, 2].map((i) => forward(i * 60, 'DROP', `proto TCP (SYN), 192.168.88.10:${52000 + i}->198.51.100.9:443`));
    const { connections, captures } = await loadCaptures([write('hostile.log', [...lines, hostile])], { firewall: { year: 2026 } });
    expect(connections).toHaveLength(3);
    expect(captures[0]?.warnings.join(' ')).toMatch(
      /1 line is longer than any firewall log writes \(over 65,536 characters\), not read: line 4 /,
    );
  });

  it('a file of no such line still gets the one-line error, MikroTik named among the formats', async () => {
    const lines = Array.from({ length: 50 }, (_, i) => `Mar  5 ${clock(i)} 192.168.88.1 system,info,account user admin logged in via ssh`);
    const { failures } = await loadCaptures([write('none.log', lines)]);
    expect(failures[0]?.message).toMatch(/none of its 50 lines is an entry of .*MikroTik RouterOS/);
  });
});
