/**
 * Firewall lines as they arrive in system logs: after a kernel's boot messages, among a syslog
 * server's other daemons and devices, and with the prefixes gateways and UFW write.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AnalysisResult } from '../../src/analysis/types.js';
import { readFirewallLog, rotatedLogName } from '../../src/logs/firewall/index.js';
import { callhome } from '../cli/support.js';
import { projectRoot } from '../support/corpus.js';

const tmp = mkdtempSync(join(tmpdir(), 'callhome-system-logs-'));
const packet = (src: string, dst: string, port: number): string =>
  `IN=eth1 OUT=eth0 MAC=00:16:3e:11:22:33:00:16:3e:44:55:66:08:00 SRC=${src} DST=${dst} LEN=60 TOS=0x00 PREC=0x00 TTL=63 ID=5000 DF PROTO=TCP SPT=${port} DPT=443 WINDOW=64240 RES=0x00 SYN URGP=0`;
/** `hh:mm:ss` of 01:02:03 plus `seconds`. */
const clock = (seconds: number): string => new Date(Date.UTC(2026, 11, 5, 1, 2, 3) + seconds * 1000).toISOString().slice(11, 19);

async function analyse(path: string): Promise<AnalysisResult> {
  const run = await callhome(['analyze', '--format', 'json', '--year', '2026', path]);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as AnalysisResult;
}

describe('firewall lines in system logs', () => {
  it('reads a dmesg whose first 700 lines are the boot: the host retrying every 30 s', async () => {
    const boot = Array.from(
      { length: 700 },
      (_, i) => `[${(i / 100).toFixed(6).padStart(12)}] pci 0000:00:02.0: [1234:1111] type 00 class 0x030000`,
    );
    const blocks = Array.from(
      { length: 20 },
      (_, i) => `[${(240 + i * 30).toFixed(6).padStart(12)}] [UFW BLOCK] ${packet('192.168.10.23', '93.184.216.34', 44000 + i)}`,
    );
    const path = join(tmp, 'dmesg.txt');
    writeFileSync(path, [...boot, ...blocks, ''].join('\n'));
    const run = await callhome(['analyze', '--format', 'json', path]);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as AnalysisResult;
    const host = result.hosts.find((h) => h.address === '192.168.10.23')!;
    expect(host.labels).toEqual(expect.arrayContaining(['blocked', 'periodic']));
    expect(host.groups[0]!.schedule).toMatchObject({ periodic: true, periodSeconds: 30 });
  });

  it('says the times of a dmesg without -T as seconds since boot in every report and flows table, never as 1970 dates', async () => {
    const blocks = Array.from(
      { length: 20 },
      (_, i) => `[${(240 + i * 30).toFixed(6).padStart(12)}] [UFW BLOCK] ${packet('192.168.10.23', '93.184.216.34', 44000 + i)}`,
    );
    const path = join(tmp, 'dmesg-reports.txt');
    writeFileSync(path, [...blocks, ''].join('\n'));
    const text = await callhome(['analyze', '--no-color', path]);
    expect(text.stdout).toContain('seen 240 → 810 s after boot');
    const markdown = await callhome(['analyze', '--format', 'markdown', path]);
    expect(markdown.stdout).toMatch(/\| 240 s after boot \| 810 s after boot \|/);
    const html = join(tmp, 'dmesg-report.html');
    await callhome(['report', '-o', html, path]);
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('time since the kernel booted (hours:minutes)');
    expect(page).toContain('Times are seconds since the kernel booted.');
    const info = await callhome(['info', path]);
    expect(info.stdout).toMatch(/time +240 → 810 s after boot \(9 min 30 s\)/);
    // The flows table, written while the log is read, and held to be sorted by start
    const flows = await callhome(['flows', '--no-color', path]);
    const sorted = await callhome(['flows', '--no-color', '--sort', 'start', path]);
    for (const table of [flows.stdout, sorted.stdout]) {
      expect(table).toMatch(/^time \(s after boot\) +originator/);
      expect(table).toMatch(/^240\.000 +192\.168\.10\.23 +44000 /m);
      expect(table).toMatch(/^20 connections \(/m);
    }
    for (const out of [text.stdout, markdown.stdout, page, info.stdout, flows.stdout, sorted.stdout]) expect(out).not.toMatch(/1970/);
  });

  it("reads pfSense's filterlog among the other daemons a firewall sends to a syslog server", async () => {
    const lines: string[] = [];
    for (let i = 0; i < 20; i++) {
      const t = clock(i * 30);
      lines.push(
        `<30>Dec  5 ${t} pfSense unbound[1234]: [1234:0] info: 192.168.1.5 example.com. A IN`,
        `<30>Dec  5 ${t} pfSense dhcpd[5678]: DHCPREQUEST for 192.168.1.40 from aa:bb:cc:dd:ee:ff via igb1`,
        `<30>Dec  5 ${t} pfSense dhcpd[5678]: DHCPACK on 192.168.1.40 to aa:bb:cc:dd:ee:ff via igb1`,
        `<134>Dec  5 ${t} pfSense filterlog[41298]: 5,,,1000000103,igb1,match,block,in,4,0x0,,128,3150,0,DF,6,tcp,52,192.168.1.23,93.184.216.34,${50000 + i},443,0,S,3472193871,,64240,,mss;nop;wscale;nop;nop;sackOK`,
      );
    }
    const path = join(tmp, 'remote.log');
    writeFileSync(path, `${lines.join('\n')}\n`);
    const result = await analyse(path);
    expect(result.captures[0]).toMatchObject({ format: 'filterlog', warnings: [] });
    expect(result.hosts.find((h) => h.address === '192.168.1.23')!.labels).toEqual(expect.arrayContaining(['blocked', 'periodic']));
  });

  it("reads an ASA's denies among a router's messages; ESP and GRE denies are other messages, not unmatched", () => {
    const lines: string[] = [];
    for (let i = 0; i < 20; i++) {
      const t = clock(i * 30);
      lines.push(
        `Dec  5 ${t} 10.1.0.3 2000: Dec 05 ${t}.456: %LINEPROTO-5-UPDOWN: Line protocol on Interface GigabitEthernet0/0, changed state to up`,
        `Dec 05 2026 ${t} dept-asa : %ASA-4-106023: Deny protocol 50 src outside:198.51.100.7 dst inside:203.0.113.2 by access-group "outside_access_in" [0x0, 0x0]`,
        `Dec 05 2026 ${t} dept-asa : %ASA-4-106023: Deny tcp src inside:10.1.20.23/${50000 + i} dst outside:93.184.216.34/443 by access-group "inside_access_in" [0x8ed66b60, 0x0]`,
      );
    }
    const log = readFirewallLog('central.log', lines.join('\n'));
    expect(log.format).toBe('cisco-asa');
    expect(log.entries).toBe(20);
    expect(log.unmatched.count).toBe(0);
    expect(log.summary.skipped).toEqual({ 'log.other_message': 40 });
  });

  it("takes EdgeOS's action letter and passes over UFW's audit lines", () => {
    const lines: string[] = [];
    for (let i = 0; i < 20; i++) {
      const t = clock(i * 30);
      lines.push(
        `Dec  5 ${t} ubnt kernel: [LAN_IN-10-A]${packet('192.168.1.60', '151.101.1.60', 44000 + i)}`,
        `Dec  5 ${t} ubnt kernel: [WAN_LOCAL-default-D]${packet('198.51.100.9', '203.0.113.2', 45000 + i)}`,
        `Dec  5 ${t} gw kernel: [12345.678901] [UFW AUDIT] ${packet('192.168.1.61', '151.101.1.61', 46000 + i)}`,
        `Dec  5 ${t} gw kernel: [12345.678901] [UFW ALLOW] ${packet('192.168.1.61', '151.101.1.61', 46000 + i)}`,
      );
    }
    const log = readFirewallLog('gw.log', lines.join('\n'), { year: 2026 });
    expect(log.entries).toBe(60);
    expect(log.summary.skipped).toEqual({ 'log.other_message': 20 });
    const from = (address: string) => log.connections.filter((c) => c.origH === address);
    expect(from('192.168.1.60').every((c) => c.established)).toBe(true);
    expect(from('198.51.100.9').every((c) => !c.established)).toBe(true);
    expect(from('192.168.1.61')).toHaveLength(20);
    expect(from('192.168.1.61').every((c) => c.established)).toBe(true);
  });

  it('passes over a system log without a firewall line in a folder, and names it when given alone', async () => {
    const folder = join(tmp, 'folder');
    mkdirSync(folder);
    const auth = join(folder, 'auth.log');
    writeFileSync(
      auth,
      Array.from(
        { length: 50 },
        (_, i) => `Dec  5 ${clock(i)} gw sshd[812]: Accepted publickey for admin from 10.0.0.9 port ${40000 + i}`,
      ).join('\n'),
    );
    const capture = resolve(projectRoot, 'captures/department-host.pcap');
    const run = await callhome(['analyze', '--format', 'json', folder, capture]);
    expect(run.stderr).toMatch(/passed over 1 file .*auth\.log/);
    // The folder alone: nothing was read, and that is no result.
    const only = await callhome(['analyze', folder]);
    expect(only.code).toBe(1);
    expect(only.stderr).toMatch(
      /error: nothing to read: no file in the folders given is a capture or a log callhome reads \(.*auth\.log\)/,
    );
    const alone = await callhome(['analyze', auth]);
    expect(alone.code).toBe(1);
    expect(alone.stderr).toMatch(/auth\.log: not a capture or a firewall log: none of its 50 lines is an entry/);
  });

  it("takes a log's rotated files for one firewall: one source of resets, named by the log", async () => {
    // logrotate's kern.log.1 holds the hour before kern.log; a second gateway writes its own log.
    const dir = join(tmp, 'rotated');
    mkdirSync(dir, { recursive: true });
    const lines = (from: number, gateway: string, src: string): string =>
      Array.from(
        { length: 10 },
        (_, i) => `Dec  5 ${clock(from + i * 30)} ${gateway} kernel: [UFW BLOCK] ${packet(src, '93.184.216.34', 45000 + from + i)}`,
      ).join('\n') + '\n';
    writeFileSync(join(dir, 'kern.log.1'), lines(0, 'gw', '192.168.10.23'));
    writeFileSync(join(dir, 'kern.log'), lines(300, 'gw', '192.168.10.23'));
    writeFileSync(join(dir, 'branch.log'), lines(0, 'branch-gw', '192.168.20.5'));
    const result = await analyse(dir);
    expect(result.captures).toHaveLength(3);
    const logs = result.resetSources.filter((s) => s.kind === 'log');
    expect(logs.map((s) => [s.evidence, s.resets]).sort()).toEqual([
      [`denied by the firewall (its log: ${join(dir, 'branch.log')})`, 10],
      [`denied by the firewall (its log: ${join(dir, 'kern.log')})`, 20],
    ]);
    const host = result.hosts.find((h) => h.address === '192.168.10.23')!;
    expect(host.verdict).toContain(`every attempt denied by the firewall (its log: ${join(dir, 'kern.log')})`);
  });

  it('names a rotated file by the log it was, and no other file', () => {
    const names = [
      'kern.log.1',
      '/var/log/kern.log.2.gz',
      'messages-20261201',
      'syslog.7.gz',
      'logs/pfirewall.log.old',
      'fw.log',
      '10.0.0.1',
    ];
    expect(names.map(rotatedLogName)).toEqual([
      'kern.log',
      '/var/log/kern.log',
      'messages',
      'syslog',
      'logs/pfirewall.log',
      'fw.log',
      '10.0.0.1',
    ]);
  });
});
