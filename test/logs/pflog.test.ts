/**
 * pf's log as `tcpdump -n -e -ttt -r /var/log/pflog` prints it: OpenBSD's month-and-day stamps
 * and `rule N/(match)` header, tcpdump.org's (FreeBSD's) `rule N/0(match):` with its `-tttt`
 * dates and `Flags [S]`, epoch stamps (`-tt`); pass and block, in and out, TCP, UDP, ICMP and
 * IPv6. Lines whose stamp gives no day (tcpdump's default time of day) carry no time to place
 * an attempt at, and are said so.
 */
import { describe, expect, it } from 'vitest';
import { logFiles } from './support.js';
import { analyze, loadCaptures } from '../../src/index.js';

const write = logFiles('callhome-pflog-');
const T0 = Date.UTC(2026, 2, 5, 9, 0, 0) / 1000;

const pad = (n: number): string => String(n).padStart(2, '0');
/** OpenBSD's -ttt stamp `seconds` after 09:00 on 5 March: "Mar 05 09:mm:ss.123456". */
const openbsd = (seconds: number): string => `Mar 05 09:${pad(Math.floor(seconds / 60))}:${pad(seconds % 60)}.123456`;

describe('pf logs as tcpdump prints them', () => {
  it("a block rule's SYNs every minute: the host is blocked on a schedule; tcpdump's own line and a line of no format counted apart", async () => {
    const lines = ['reading from file /var/log/pflog, link-type PFLOG (OpenBSD pflog file)'];
    for (let i = 0; i < 30; i++)
      lines.push(
        `${openbsd(60 * i)} rule 3/(match) block out on em0: 10.0.0.5.${40000 + i} > 198.51.100.9.443: S ${1000 + i}:${1000 + i}(0) win 64240 <mss 1460,nop,nop,sackOK> (DF)`,
      );
    lines.splice(4, 0, 'not a line of pf');
    const { result, loaded } = await analyze([write('pflog.txt', lines)], { firewall: { year: 2026 } });
    expect(loaded.captures[0]).toMatchObject({ format: 'pflog', packets: 30 });
    expect(loaded.captures[0]?.start).toBe('2026-03-05T09:00:00.123Z');
    expect(loaded.captures[0]?.skipped).toMatchObject({ 'log.unmatched': 1, 'log.other_message': 1 });
    const host = result.hosts.find((h) => h.address === '10.0.0.5');
    expect(host?.labels).toEqual(expect.arrayContaining(['blocked', 'periodic']));
    expect(host?.groups[0]).toMatchObject({ attempts: 30, ports: [443], resets: { middlebox: 30, endpoint: 0, unknown: 0 } });
    expect(host?.groups[0]?.schedule.periodSeconds).toBe(60);
  });

  it('reads pass and block, in and out, UDP, ICMP and IPv6, in OpenBSD’s and tcpdump.org’s words and stamps', async () => {
    const path = write('pflog-mixed.txt', [
      `${openbsd(0)} rule 5/(match) pass out on em0: 10.0.0.6.5353 > 198.51.100.53.53: 4660+ A? example.com. (29)`,
      `${openbsd(1)} rule 2/(match) block in on em0: 203.0.113.7.51000 > 192.0.2.1.22: S 777:777(0) win 1024`,
      `${openbsd(2)} rule def/(match) block out on em0: 10.0.0.6 > 198.51.100.54: icmp: echo request`,
      `${openbsd(3)} rule 4.anchor.1/(match) block out on em0: 2001:db8::6.40000 > 2001:db8:ffff::9.443: S 1:1(0) win 65535`,
      `${openbsd(4)} rule 6/(match) block in on em0: 2001:db8:ffff::9 > 2001:db8::6: icmp6: echo request`,
      // tcpdump.org (FreeBSD): -tttt dates, the reason's number, Flags [S].
      '2026-03-05 09:00:05.000000 rule 7/0(match): block out on vtnet0: 10.0.0.6.40001 > 198.51.100.55.8443: Flags [S], seq 1, win 64240, length 0',
      '2026-03-05 09:00:06.000000 rule 8/0(match): pass out on vtnet0: 10.0.0.6.40002 > 198.51.100.56.123: NTPv4, Client, length 48',
      // -tt: epoch seconds.
      `${T0 + 7}.000000 rule 9/(match) block out on em0: 10.0.0.6.40003 > 198.51.100.57.25: S 1:1(0) win 512`,
      // A match rule logs without deciding; ESP has no ports callhome follows.
      `${openbsd(8)} rule 10/(match) match out on em0: 10.0.0.6.40004 > 198.51.100.58.443: S 1:1(0) win 512`,
      `${openbsd(9)} rule 11/(match) pass out on em0: 10.0.0.6 > 198.51.100.59: ESP(spi=0x00001234,seq=0x1)`,
    ]);
    const { connections, captures } = await loadCaptures([path], { firewall: { year: 2026 } });
    expect(captures[0]?.format).toBe('pflog');
    expect(captures[0]?.skipped).toEqual({ 'log.other_message': 2 });
    expect(connections.map((c) => [Math.round(c.ts - T0), c.proto, c.origH, c.origP, c.respH, c.respP, c.established])).toEqual([
      [0, 'udp', '10.0.0.6', 5353, '198.51.100.53', 53, true],
      [1, 'tcp', '203.0.113.7', 51000, '192.0.2.1', 22, false],
      [2, 'icmp', '10.0.0.6', 8, '198.51.100.54', 0, false],
      [3, 'tcp', '2001:db8::6', 40000, '2001:db8:ffff::9', 443, false],
      [4, 'icmp', '2001:db8:ffff::9', 128, '2001:db8::6', 129, false],
      [5, 'tcp', '10.0.0.6', 40001, '198.51.100.55', 8443, false],
      [6, 'udp', '10.0.0.6', 40002, '198.51.100.56', 123, true],
      [7, 'tcp', '10.0.0.6', 40003, '198.51.100.57', 25, false],
    ]);
  });

  it('a SYN-ACK pf blocked is no SYN of the host that sent it; lines with no day are said to carry no time', async () => {
    const path = write('pflog-flags.txt', [
      `${openbsd(0)} rule 3/(match) block in on em0: 198.51.100.9.443 > 10.0.0.5.40000: S 5:5(0) ack 1001 win 65160`,
      '2026-03-05 09:00:01.000000 rule 3/0(match): block in on em0: 198.51.100.9.443 > 10.0.0.5.40001: Flags [S.], seq 5, ack 1001, win 65160, length 0',
      '09:00:02.000000 rule 3/0(match): block out on em0: 10.0.0.5.40002 > 198.51.100.9.443: Flags [S], seq 1, win 64240, length 0',
    ]);
    const { connections, captures } = await loadCaptures([path], { firewall: { year: 2026 } });
    expect(connections.map((c) => [c.origH, c.history])).toEqual([
      ['198.51.100.9', 'SA'],
      ['198.51.100.9', 'SA'],
    ]);
    expect(captures[0]?.skipped).toEqual({ 'log.untimed': 1 });
  });
});
