/**
 * Cisco IOS access-list logging, as a router's syslog carries it: an ACL entry's denials are the
 * router's, timed by its own stamp; the counts it logs every five minutes of a flow already
 * logged are no new attempts; pings and IPv6 lists read alike, and so do the same entries as IOS
 * XE's forwarding plane, older IOS's IPv6 lists and IOS XR write them.
 */
import { describe, expect, it } from 'vitest';
import { logFiles } from './support.js';
import { analyze, loadCaptures } from '../../src/index.js';

const write = logFiles('callhome-ios-');
const pad = (n: number): string => String(n).padStart(2, '0');

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

  it("reads IOS XE's forwarding-plane lines, older IOS's IPv6 lines and IOS XR's as the classic ones", async () => {
    const path = write('platforms.log', [
      routed(0, '%FMANFP-6-IPACCESSLOGP: R0/0: fman_fp_image: list 110 denied tcp 10.0.0.7(51000) -> 198.51.100.20(8443), 1 packet'),
      routed(1, '%FMANFP-6-IPACCESSLOGDP:  F0: fman_fp_image:  list EDGE permitted icmp 10.0.0.7 -> 198.51.100.21 (8/0), 1 packet'),
      // The five-minute count of the flow above: no new attempt.
      routed(6, '%FMANFP-6-IPACCESSLOGP: R0/0: fman_fp_image: list 110 denied tcp 10.0.0.7(51000) -> 198.51.100.20(8443), 7 packets'),
      routed(
        7,
        '%FMANFP-6-IPV6ACCESSLOGP: R0/0: fman_fp_image: list V6-EDGE denied udp 2001:db8::7(51001) -> 2001:db8:2::53(53), 1 packet',
      ),
      // log-input: the MAC address before the source, the interface stuck to the arrow.
      routed(
        8,
        '%FMANFP-6-IPACCESSLOGP: F0/0: fman_fp_image: list EDGE-IN denied tcp 00-00-5E-00-53-01 203.0.113.30(40001) TenGigabitEthernet0/1/1-> 10.0.0.8(22), 1 packet',
      ),
      routed(9, '%IPV6-6-ACCESSLOGP: list V6-IN/10 permitted tcp 2001:DB8:3::5(40002) -> 2001:DB8::8(22), 1 packet'),
      '<190>Mar  5 09:10:02 xr-edge RP/0/RP0/CPU0:Mar  5 09:10:01.500 UTC: ipv4_acl_mgr[310]: %ACL-IPV4_ACL-6-IPACCESSLOGP : access-list TO-NET (10) deny tcp 10.0.0.9(40003) -> 198.51.100.22(443), 1 packet',
      '<190>Mar  5 09:11:02 xr-edge RP/0/RP0/CPU0:Mar  5 09:11:01.500 UTC: ipv6_acl_daemon[311]: %ACL-IPV6_ACL-6-ACCESSLOGP : access-list TO-NET-V6 (20) permit udp 2001:db8::9(40004) -> 2001:db8:2::53(53), 1 packet',
    ]);
    const { connections, captures } = await loadCaptures([path], { firewall: { year: 2026 } });
    expect(captures[0]).toMatchObject({ format: 'cisco-ios', skipped: { 'log.other_message': 1 } });
    expect(
      connections.map((c) => [
        new Date(c.ts * 1000).toISOString().slice(11, 23),
        c.proto,
        c.origH,
        c.origP,
        c.respH,
        c.respP,
        c.established,
      ]),
    ).toEqual([
      ['09:00:00.250', 'tcp', '10.0.0.7', 51000, '198.51.100.20', 8443, false],
      ['09:01:00.250', 'icmp', '10.0.0.7', 8, '198.51.100.21', 0, true],
      ['09:07:00.250', 'udp', '2001:db8::7', 51001, '2001:db8:2::53', 53, false],
      ['09:08:00.250', 'tcp', '203.0.113.30', 40001, '10.0.0.8', 22, false],
      ['09:09:00.250', 'tcp', '2001:db8:3::5', 40002, '2001:db8::8', 22, true],
      ['09:10:01.500', 'tcp', '10.0.0.9', 40003, '198.51.100.22', 443, false],
      ['09:11:01.500', 'udp', '2001:db8::9', 40004, '2001:db8:2::53', 53, true],
    ]);
  });

  it("a router's log with a few list entries among messages of no format is read, those counted as unmatched", async () => {
    // The platform's messages as IOS XE relays them, behind a header that is no syslog stamp.
    const zone = (i: number): string =>
      `<190>33524${i}: 33524${i}: Mar  5 2026 09:2${i}:00.100 UTC: %IOSXE-6-PLATFORM: R0/0: cpp_cp: QFP:0.0 Thread:001 %CPP_FM-3-CPP_FM_TCAM_WARNING: TCAM limit exceeded`;
    const path = write('router.log', [
      routed(0, '%SEC-6-IPACCESSLOGP: list OUTBOUND denied tcp 10.0.0.10(40010) -> 198.51.100.9(443), 1 packet'),
      ...[1, 2, 3, 4, 5].map(zone),
      routed(6, '%SEC-6-IPACCESSLOGP: list OUTBOUND denied tcp 10.0.0.10(40011) -> 198.51.100.9(443), 1 packet'),
      'Mar  5 09:07:01 rtr1 407: *Mar  5 09:07:00.250: %SYS-5-CONFIG_I: Configured from console by admin on vty0',
    ]);
    const { connections, captures, failures } = await loadCaptures([path], { firewall: { year: 2026 } });
    expect(failures).toEqual([]);
    expect(connections.map((c) => c.origP)).toEqual([40010, 40011]);
    expect(captures[0]!.skipped).toEqual({ 'log.unmatched': 5, 'log.other_message': 1 });
    expect(captures[0]!.warnings.join('\n')).toMatch(/5 lines match no firewall log format: line 2 .*%CPP_FM-3/);
  });

  it("reads the zone-based firewall's drops as denials, as IOS writes them and as IOS XE relays them", async () => {
    const path = write('zone.log', [
      ...[0, 1, 2].map(
        (i) =>
          `<190>33524${i}: 33524${i}: Mar  5 2026 09:2${i}:00.100 UTC: %IOSXE-6-PLATFORM: R0/0: cpp_cp: QFP:0.0 Thread:001 %FW-6-DROP_PKT: Dropping tcp pkt from GigabitEthernet1/0/2 10.0.0.11:5000${i} => 198.51.100.30:80(target:class)-(in-out:class-default) due to Policy drop:classify result with ip ident 0 tcp flag 0x2, seq 1, ack 0`,
      ),
      routed(
        30,
        '%FW-6-DROP_PKT: Dropping udp session 10.0.0.12:40000 198.51.100.31:53 on zone-pair in-out class class-default with ip ident 0',
      ),
    ]);
    const { connections: found, captures } = await loadCaptures([path], { firewall: { year: 2026 } });
    const connections = found.slice().sort((a, b) => a.ts - b.ts);
    expect(connections.map((c) => [c.proto, c.origH, c.origP, c.respH, c.respP, c.established])).toEqual([
      ['tcp', '10.0.0.11', 50000, '198.51.100.30', 80, false],
      ['tcp', '10.0.0.11', 50001, '198.51.100.30', 80, false],
      ['tcp', '10.0.0.11', 50002, '198.51.100.30', 80, false],
      ['udp', '10.0.0.12', 40000, '198.51.100.31', 53, false],
    ]);
    expect(new Date(connections[0]!.ts * 1000).toISOString()).toBe('2026-03-05T09:20:00.100Z');
    expect(captures[0]!.skipped).toEqual({});
  });

  it("a router's stamp in UTC is read as UTC whatever --tz says; a zone named by its abbreviation is read in --tz and said", async () => {
    const path = write('zones.log', [
      '<190>100: 100: Mar  5 2026 09:00:00.100 UTC: %SEC-6-IPACCESSLOGP: list OUT denied tcp 10.0.0.5(40000) -> 198.51.100.9(443), 1 packet',
      '<190>101: 101: Mar  5 2026 09:01:00.100 est: %SEC-6-IPACCESSLOGP: list OUT denied tcp 10.0.0.5(40001) -> 198.51.100.9(443), 1 packet',
    ]);
    const { connections, captures } = await loadCaptures([path], { firewall: { year: 2026, tz: 'America/New_York' } });
    expect(connections.map((c) => new Date(c.ts * 1000).toISOString())).toEqual(['2026-03-05T09:00:00.100Z', '2026-03-05T14:01:00.100Z']);
    expect(captures[0]!.warnings.join('\n')).toMatch(/1 line gives its time in EST/);
  });
});
