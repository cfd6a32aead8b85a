/**
 * Firewall logs in the words vendors and administrators write: a LOG prefix an administrator made
 * up, a console's export with a session's state beside its action and a service beside its port,
 * FortiGate's and PAN-OS's action words, an ASA's hit-count summaries, and a beacon seen on two
 * days of a log.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze, loadCaptures } from '../../src/index.js';
import type { HostFinding } from '../../src/analysis/types.js';

const tmp = mkdtempSync(join(tmpdir(), 'callhome-fwvendors-'));

function write(name: string, lines: string[]): string {
  const path = join(tmp, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

const attempts = (h: HostFinding | undefined): number => (h?.groups ?? []).reduce((n, g) => n + g.attempts, 0);
const denied = (h: HostFinding | undefined): number => (h?.groups ?? []).reduce((n, g) => n + g.resets.middlebox, 0);

/** `n` times, `every` seconds apart from 09:00 on 5 March 2026 (day `day` adds days), as "2026-03-05 09:00:00". */
function stamps(n: number, every: number, day = 0): string[] {
  return Array.from({ length: n }, (_, i) =>
    new Date(Date.UTC(2026, 2, 5 + day, 9, 0, 0) + i * every * 1000).toISOString().slice(0, 19).replace('T', ' '),
  );
}

/** A kern.log line of a SYN from 10.0.5.40 to 198.51.100.40:443 with the LOG prefix `prefix`. */
function kern(stamp: string, prefix: string, sport: number): string {
  const d = new Date(`${stamp}Z`);
  const month = d.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  const day = String(d.getUTCDate()).padStart(2, ' ');
  return (
    `${month} ${day} ${stamp.slice(11)} gw kernel: ${prefix} IN=eth1 OUT=eth0 SRC=10.0.5.40 DST=198.51.100.40 LEN=60 TOS=0x00 ` +
    `PREC=0x00 TTL=63 ID=1 DF PROTO=TCP SPT=${sport} DPT=443 WINDOW=64240 RES=0x00 SYN URGP=0`
  );
}

describe('words that name a decision', () => {
  it('a LOG prefix with "pass" inside a word (PROXY-BYPASS) names no decision: its lines are denials, and the log says so', async () => {
    const path = write(
      'bypass.log',
      stamps(12, 300).map((s, i) => kern(s, 'PROXY-BYPASS:', 50000 + i)),
    );
    const { result, loaded } = await analyze([path], { firewall: { year: 2026 } });
    const host = result.hosts.find((h) => h.address === '10.0.5.40');
    expect(denied(host)).toBe(12);
    expect(host?.labels).toContain('blocked');
    expect(loaded.captures[0]!.warnings.join(' ')).toMatch(/no prefix that names a decision/);
  });

  it('"PASS" and "PASSED" as words of their own still name traffic let through', async () => {
    const path = write(
      'pass.log',
      stamps(4, 300).map((s, i) => kern(s, i % 2 === 0 ? 'FW-PASS:' : 'PASSED ', 50000 + i)),
    );
    const { result } = await analyze([path], { firewall: { year: 2026 } });
    expect(denied(result.hosts.find((h) => h.address === '10.0.5.40'))).toBe(0);
  });

  it("a log of UFW's [UFW AUDIT] lines alone: one error that says they were logged before any rule decided", async () => {
    const path = write(
      'audit.log',
      stamps(30, 60).map((s, i) => kern(s, '[UFW AUDIT]', 50000 + i)),
    );
    const { failures } = await loadCaptures([path], { firewall: { year: 2026 } });
    expect(failures[0]?.message).toMatch(
      /none of its 30 lines is an entry .*; its 30 netfilter LOG lines were logged before any rule decided \(UFW's \[UFW AUDIT\]\): they hold no attempt$/,
    );
  });

  it('FortiGate: a session’s "start" line is traffic it let through, folded with its "close" into one attempt', async () => {
    const lines = ['date,time,srcip,srcport,dstip,dstport,proto,action,service'];
    stamps(12, 300).forEach((s, i) => {
      const [date, time] = s.split(' ');
      lines.push(`${date},${time},10.50.0.5,${50000 + i},198.51.100.95,443,6,start,HTTPS`);
      lines.push(`${date},${time!.slice(0, 6)}02,10.50.0.5,${50000 + i},198.51.100.95,443,6,close,HTTPS`);
    });
    const { result, loaded } = await analyze([write('fortigate.csv', lines)]);
    const host = result.hosts.find((h) => h.address === '10.50.0.5');
    expect(attempts(host)).toBe(12);
    expect(denied(host)).toBe(0);
    expect(host?.labels).toContain('periodic');
    expect(loaded.captures[0]!.warnings.join(' ')).not.toMatch(/names no decision/);
  });

  it('PAN-OS: reset-client, reset-server and reset-both turn the connection away, with no warning', async () => {
    const lines = ['Receive Time,Source address,Destination address,Source Port,Destination Port,IP Protocol,Action'];
    const words = ['reset-both', 'reset-client', 'reset-server'];
    stamps(9, 300).forEach((s, i) => lines.push(`${s.replace(/-/g, '/')},10.20.0.5,198.51.100.50,${50000 + i},443,tcp,${words[i % 3]}`));
    const { result, loaded } = await analyze([write('panos.csv', lines)]);
    expect(denied(result.hosts.find((h) => h.address === '10.20.0.5'))).toBe(9);
    expect(loaded.captures[0]!.warnings.join(' ')).not.toMatch(/names no decision/);
  });
});

describe('a console’s export with more columns than it needs', () => {
  it('"Action" is read, not a "Status" column to its left that holds the session’s state', async () => {
    const lines = ['Date,Time,Source IP,Source Port,Destination IP,Destination Port,Protocol,Status,Action'];
    stamps(12, 300).forEach((s, i) =>
      lines.push(`${s.replace(' ', ',')},10.40.0.8,${50000 + i},198.51.100.82,443,TCP,Established,Allowed`),
    );
    const { result, loaded } = await analyze([write('status.csv', lines)]);
    const host = result.hosts.find((h) => h.address === '10.40.0.8');
    expect(attempts(host)).toBe(12);
    expect(denied(host)).toBe(0);
    expect(loaded.captures[0]!.warnings.join(' ')).not.toMatch(/Established/);
  });

  it('"Destination Port" is read, not a "Service" column to its left of names such as HTTPS', async () => {
    const lines = ['Time,Source,Destination,Service,Destination Port,Source Port,Action'];
    stamps(12, 300).forEach((s, i) => lines.push(`${s},10.40.0.7,198.51.100.81,HTTPS,8443,${50000 + i},deny`));
    const { result } = await analyze([write('service.csv', lines)]);
    const host = result.hosts.find((h) => h.address === '10.40.0.7');
    expect(attempts(host)).toBe(12);
    expect(host?.groups[0]?.ports).toEqual([8443]);
  });

  it('a "Service" column alone gives the port its name or its "TCP/443" stands for', async () => {
    const lines = ['Time,Source,Destination,Service,Source Port,Action'];
    const services = ['https', 'HTTPS (TCP/443)', 'tcp/443', '443/tcp'];
    stamps(8, 300).forEach((s, i) => lines.push(`${s},10.40.0.9,198.51.100.83,${services[i % 4]},${50000 + i},deny`));
    const { result } = await analyze([write('service-only.csv', lines)]);
    const host = result.hosts.find((h) => h.address === '10.40.0.9');
    expect(attempts(host)).toBe(8);
    expect(host?.groups[0]?.ports).toEqual([443]);
  });
});

describe('Cisco ASA access-list hit counts', () => {
  it('an interval line counts hits of a flow already logged by its first hit, and est-allowed no new attempt', async () => {
    const asa = (s: string, verb: string, sport: number, hits: string): string => {
      const d = new Date(`${s}Z`);
      return (
        `Mar 05 2026 ${s.slice(11)} fw-edge01 : %ASA-4-106100: access-list inside_access_in ${verb} tcp ` +
        `inside/10.1.1.50(${sport}) -> outside/203.0.113.10(443) hit-cnt ${hits} [0x51013c8e, 0x0]`.replace(
          'Mar 05',
          `Mar 0${d.getUTCDate()}`,
        )
      );
    };
    const lines: string[] = [];
    stamps(12, 300).forEach((s, i) => {
      lines.push(asa(s, 'denied', 50000 + i, '1 (first hit)'));
      lines.push(asa(s, 'denied', 50000 + i - 1, '3 (300-second interval)'));
      lines.push(asa(s, 'est-allowed', 40000, '1 (first hit)'));
    });
    const { result } = await analyze([write('asa-hitcnt.log', lines)]);
    const host = result.hosts.find((h) => h.address === '10.1.1.50');
    expect(attempts(host)).toBe(12);
    const schedule = host?.groups[0]?.schedule;
    expect(schedule?.periodSeconds).toBe(300);
    expect(schedule?.sequentialPorts).toBe(true);
  });
});

describe('Cisco ASA decisions beyond the access groups', () => {
  /** A line of the ASA fw-edge01 `second` seconds after 09:00 on 5 March 2026. */
  const asa = (second: number, message: string): string => `Mar 05 2026 09:00:${String(second).padStart(2, '0')} fw-edge01 : ${message}`;

  it('reads the Botnet Traffic Filter, DNS guard, identity access lists and ICMP connections with their decisions', async () => {
    const lines = [
      asa(
        1,
        '%ASA-4-338008: Dynamic Filter dropped blacklisted TCP traffic from inside:10.0.0.5/51000 (203.0.113.2/51000) to outside:198.51.100.66/80 (198.51.100.66/80), destination 198.51.100.66 resolved from dynamic list: bad.example.com, threat-level: very-high, category: Malware',
      ),
      asa(
        2,
        '%ASA-4-338002: Dynamic Filter monitored blacklisted TCP traffic from inside:10.0.0.5/51001 (203.0.113.2/51001) to outside:198.51.100.67/443 (198.51.100.67/443), destination 198.51.100.67 resolved from dynamic list: bad.example.net, threat-level: high, category: Malware',
      ),
      asa(
        3,
        '%ASA-4-338002: Dynamic Filter permitted black listed TCP traffic from inside:10.0.0.5/51002 (203.0.113.2/51002) to outside:198.51.100.68/80 (198.51.100.68/80), destination 198.51.100.68 resolved from dynamic list: bad.example.org',
      ),
      asa(
        4,
        '%ASA-4-338204: Dynamic Filter dropped greylisted UDP traffic from inside:10.0.0.5/51003 (203.0.113.2/51003) to outside:198.51.100.69/53 (198.51.100.69/53), destination 198.51.100.69 resolved from dynamic list: grey.example.com, threat-level: moderate, category: Adware',
      ),
      asa(5, '%ASA-2-106007: Deny inbound UDP from 198.51.100.70/51004 to 10.0.0.53/53 due to DNS Query'),
      asa(
        6,
        "%ASA-6-106102: access-list inside_in permitted tcp for user 'LOCAL\\jdoe' inside/10.0.0.7(51005) -> outside/198.51.100.71(443) hit-cnt 1 first hit [0x3c8b88c1, 0x0]",
      ),
      asa(
        7,
        "%ASA-4-106103: access-list inside_in denied tcp for user 'LOCAL\\jdoe' inside/10.0.0.7(51006) -> outside/198.51.100.72(22) hit-cnt 1 first hit [0x3c8b88c1, 0x0]",
      ),
      // Hits of the flow above since its first: no new attempt.
      asa(
        8,
        "%ASA-4-106103: access-list inside_in denied tcp for user 'LOCAL\\jdoe' inside/10.0.0.7(51006) -> outside/198.51.100.72(22) hit-cnt 4 300-second interval [0x3c8b88c1, 0x0]",
      ),
      asa(9, '%ASA-6-302020: Built outbound ICMP connection for faddr 198.51.100.73/0 gaddr 203.0.113.2/7 laddr 10.0.0.8/7 type 8 code 0'),
      asa(11, '%ASA-6-302021: Teardown ICMP connection for faddr 198.51.100.73/0 gaddr 203.0.113.2/7 laddr 10.0.0.8/7 type 8 code 0'),
      asa(12, '%ASA-6-302020: Built inbound ICMP connection for faddr 198.51.100.74/3 gaddr 203.0.113.9/3 laddr 10.0.0.9/3'),
    ];
    const { connections, captures } = await loadCaptures([write('asa-more.log', lines)]);
    expect(connections.map((c) => [c.proto, c.origH, c.origP, c.respH, c.respP, c.established, c.resets.length > 0])).toEqual([
      ['tcp', '10.0.0.5', 51000, '198.51.100.66', 80, false, true],
      ['tcp', '10.0.0.5', 51001, '198.51.100.67', 443, true, false],
      ['tcp', '10.0.0.5', 51002, '198.51.100.68', 80, true, false],
      ['udp', '10.0.0.5', 51003, '198.51.100.69', 53, false, true],
      ['udp', '198.51.100.70', 51004, '10.0.0.53', 53, false, true],
      ['tcp', '10.0.0.7', 51005, '198.51.100.71', 443, true, false],
      ['tcp', '10.0.0.7', 51006, '198.51.100.72', 22, false, true],
      ['icmp', '10.0.0.8', 8, '198.51.100.73', 0, true, false],
      ['icmp', '198.51.100.74', 0, '10.0.0.9', 0, true, false],
    ]);
    // The hit count and the ICMP teardown: other messages of the device, nothing unmatched.
    expect(captures[0]!.skipped).toEqual({ 'log.other_message': 2 });
  });
});

describe('Cisco ASA lines without a time stamp of their own', () => {
  const deny = (sport: number): string =>
    `%ASA-4-106023: Deny tcp src inside:10.0.0.20/${sport} dst outside:198.51.100.80/443 by access-group "inside_in" [0x0, 0x0]`;

  it('a log of them alone is refused in one line that says they carry no time', async () => {
    const lines = [
      deny(52000),
      '%ASA-6-305011: Built dynamic TCP translation from inside:10.0.0.20/52001 to outside:203.0.113.2/52001',
      deny(52001),
    ];
    const { failures } = await loadCaptures([write('asa-untimed.log', lines)], { firewall: { year: 2026 } });
    expect(failures[0]?.message).toMatch(
      /asa-untimed\.log carries no time stamps: 2 lines of Cisco ASA \/ FTD syslog that name a connection \(line 1\) have no time of their own nor a syslog server's/,
    );
  });

  it("a syslog server's header gives each its time; a line without one among them is named, not read", async () => {
    const lines = [
      `Mar  5 09:00:01 10.0.0.1 ${deny(52010)}`,
      `<164>Mar  5 09:00:31 10.0.0.1 ${deny(52011)}`,
      deny(52012),
      `Mar  5 09:01:01 10.0.0.1 ${deny(52013)}`,
    ];
    const { connections, captures } = await loadCaptures([write('asa-relayed.log', lines)], { firewall: { year: 2026 } });
    expect(connections.map((c) => [c.origP, new Date(c.ts * 1000).toISOString()])).toEqual([
      [52010, '2026-03-05T09:00:01.000Z'],
      [52011, '2026-03-05T09:00:31.000Z'],
      [52013, '2026-03-05T09:01:01.000Z'],
    ]);
    expect(captures[0]!.skipped).toEqual({ 'log.untimed': 1 });
    expect(captures[0]!.warnings.join('\n')).toMatch(
      /1 line carries no time stamp, neither its own nor a syslog server's, and is not read as attempts: line 3 /,
    );
  });
});

describe('a beacon on more than one day of a log', () => {
  it('one attempt every 5 min during an hour on each of two days is still every 5 min', async () => {
    const lines = [...stamps(12, 300, 0), ...stamps(12, 300, 1)].map((s, i) => kern(s, 'DROP-OUT:', 50000 + i));
    const { result } = await analyze([write('two-days.log', lines)], { firewall: { year: 2026 } });
    const host = result.hosts.find((h) => h.address === '10.0.5.40');
    expect(host?.labels).toContain('periodic');
    expect(host?.groups[0]?.schedule.periodSeconds).toBe(300);
  });

  it('on each of five days it is every 5 min in spells that repeat every day, not bursts of 12 a day', async () => {
    const days = [0, 1, 2, 3, 4].flatMap((d) => stamps(12, 300, d));
    const lines = days.map((s, i) => kern(s, 'DROP-OUT:', 50000 + i));
    const { result } = await analyze([write('five-days.log', lines)], { firewall: { year: 2026 } });
    const host = result.hosts.find((h) => h.address === '10.0.5.40');
    const schedule = host?.groups[0]?.schedule;
    expect(schedule?.periodSeconds).toBe(300);
    expect(schedule?.burstSize).toBe(1);
    expect(schedule?.cycleSeconds).toBe(86_400);
    expect(host?.verdict).toMatch(/one attempt every 5 min.*in spells that repeat every 1 d/);
    expect(host?.verdict).not.toMatch(/bursts of 12/);
  });
});

describe('a gzip firewall log cut short', () => {
  it('is analysed up to its last whole line, and the damage is said with its offset and line', async () => {
    const lines = stamps(400, 30).map((s, i) => kern(s, 'DROP-OUT:', 40000 + i));
    const gz = gzipSync(`${lines.join('\n')}\n`);
    const path = join(tmp, 'cut.log.gz');
    writeFileSync(path, gz.subarray(0, gz.length >> 1));
    const { loaded } = await analyze([path], { firewall: { year: 2026 } });
    const log = loaded.captures[0]!;
    expect(log.packets).toBeGreaterThan(0);
    expect(log.packets).toBeLessThan(400);
    expect(log.damage?.offset).toBeGreaterThan(0);
    expect(log.damage?.record).toBe(log.packets + 1);
    expect(log.damage!.message).toMatch(/cut\.log\.gz: the gzip data ends early after \d+ bytes \(line \d+\)/);
  });
});

describe('Cisco FTD connection events', () => {
  /** A 430002 (begin) or 430003 (end) event of a connection whose first packet was `minute` minutes after 09:00, logged a second later. */
  const ftd = (id: string, minute: number, action: string, sport: number, extra = ''): string =>
    `Mar  5 09:${String(minute).padStart(2, '0')}:01 ftd1 : %FTD-1-${id}: EventPriority: Low, DeviceUUID: 1d2d8cea-0000-0000-0000-000000000000, ` +
    `InstanceID: 1, FirstPacketSecond: 2026-03-05T09:${String(minute).padStart(2, '0')}:00Z, ConnectionID: ${sport}, AccessControlRuleAction: ${action}, ` +
    `SrcIP: 10.0.5.40, DstIP: 198.51.100.40, SrcPort: ${sport}, DstPort: 443, Protocol: tcp, IngressInterface: inside, EgressInterface: outside, ` +
    `ACPolicy: Default, AccessControlRuleName: Web${extra}`;

  it('a Block rule’s events every minute: blocked on a schedule, timed by the first packet, not the log line', async () => {
    const lines = Array.from({ length: 12 }, (_, i) => ftd('430002', i * 5, 'Block', 50000 + i));
    const { result, loaded } = await analyze([write('ftd.log', lines)], { firewall: { year: 2026 } });
    expect(loaded.captures[0]?.start).toBe('2026-03-05T09:00:00.000Z');
    const host = result.hosts.find((h) => h.address === '10.0.5.40');
    expect(denied(host)).toBe(12);
    expect(host?.groups[0]?.schedule.periodSeconds).toBe(300);
  });

  it('an allowed connection’s begin and end events are one attempt that passed', async () => {
    const lines = [
      ftd('430002', 0, 'Allow', 51000),
      ftd('430003', 0, 'Allow', 51000, ', ConnectionDuration: 600').replace('09:00:01', '09:10:01'),
    ];
    const { connections } = await loadCaptures([write('ftd-allow.log', lines)], { firewall: { year: 2026 } });
    expect(connections.map((c) => [c.origP, c.established, c.resets.length])).toEqual([[51000, true, 0]]);
  });

  /** An event as versions without FirstPacketSecond write it, logged at `stamp` ("09:00:01"): no connection number, ICMP in words. */
  const older = (id: string, stamp: string, action: string, ends: string, proto: string): string =>
    `2026-03-05T${stamp}Z ftd1 %FTD-1-${id}: AccessControlRuleAction: ${action}, SrcIP: 10.0.5.41, DstIP: 198.51.100.41, ${ends}, ` +
    `Protocol: ${proto}, IngressInterface: inside, EgressInterface: outside, ACPolicy: Default, AccessControlRuleName: Rule-1` +
    (id === '430003' ? ', ConnectionDuration: 0, InitiatorPackets: 1, ResponderPackets: 1' : ', InitiatorPackets: 1, ResponderPackets: 0');

  it('without FirstPacketSecond, a begin and its end minutes later are one attempt, matched by their connection', async () => {
    const ping = 'ICMPType: Echo Request, ICMPCode: No Code';
    const lines = [
      older('430002', '09:00:01', 'Allow', ping, 'icmp'),
      older('430002', '09:00:05', 'Allow', 'SrcPort: 52000, DstPort: 443', 'tcp'),
      older('430003', '09:02:03', 'Allow', ping, 'icmp'),
      // Another connection's end, its begin not logged: an attempt of its own.
      older('430003', '09:03:00', 'Allow', 'SrcPort: 52001, DstPort: 443', 'tcp'),
      older('430003', '09:05:05', 'Allow', 'SrcPort: 52000, DstPort: 443', 'tcp'),
      // The same ping again later: its begin is a new attempt.
      older('430002', '09:10:01', 'Allow', ping, 'icmp'),
    ];
    const { connections, captures } = await loadCaptures([write('ftd-older.log', lines)]);
    expect(connections.map((c) => [new Date(c.ts * 1000).toISOString().slice(11, 19), c.proto, c.origP, c.respP, c.origPkts])).toEqual([
      ['09:00:01', 'icmp', 8, 0, 1],
      ['09:00:05', 'tcp', 52000, 443, 1],
      ['09:03:00', 'tcp', 52001, 443, 1],
      ['09:10:01', 'icmp', 8, 0, 1],
    ]);
    expect(captures[0]!.skipped).toEqual({ 'log.other_message': 2 });
  });

  it('an ICMP type and code written in words are read as their numbers', async () => {
    const lines = [
      older('430002', '09:00:01', 'Block', 'ICMPType: Echo Request, ICMPCode: No Code', 'icmp'),
      older('430002', '09:00:02', 'Allow', 'ICMPType: Destination Unreachable, ICMPCode: Port Unreachable', 'icmp'),
      older('430002', '09:00:03', 'Allow', 'ICMPType: Time Exceeded, ICMPCode: No Code', 'icmp'),
      older('430002', '09:00:04', 'Allow', 'ICMPType: 13, ICMPCode: 0', 'icmp'),
    ];
    const { connections } = await loadCaptures([write('ftd-icmp.log', lines)]);
    expect(connections.map((c) => [c.origP, c.respP, c.established])).toEqual([
      [8, 0, false],
      [3, 3, true],
      [11, 0, true],
      [13, 14, true],
    ]);
  });
});
