/**
 * A UDP client the firewall denies again and again on one socket — a VPN client, an agent, QUIC
 * before its fallback: the log's lines of one 5-tuple fold into one flow, as a capture's datagrams
 * do, and the flow's bursts of lines tell its schedule.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/index.js';
import { callhome } from '../cli/support.js';

const tmp = mkdtempSync(join(tmpdir(), 'callhome-fwudp-'));

/** A kern.log of `n` denied datagrams from 10.0.5.41:51820 to 198.51.100.9:`dport`, `every` s apart from 10:00 on 1 March. */
function deniedDatagrams(name: string, n: number, every: number, dport: number): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const t = new Date(Date.UTC(2026, 2, 1, 10, 0, 0) + i * every * 1000).toISOString();
    lines.push(
      `Mar  1 ${t.slice(11, 19)} gw kernel: [${(86_400 + i * every).toFixed(6)}] DROP-OUT: IN=eth1 OUT=eth0 SRC=10.0.5.41 ` +
        `DST=198.51.100.9 LEN=176 TOS=0x00 PREC=0x00 TTL=63 ID=0 PROTO=UDP SPT=51820 DPT=${dport} LEN=156`,
    );
  }
  const path = join(tmp, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

describe('DNS denied on its way out, the clock kept from outside', () => {
  it('counts every denied query, the first too, and the one NTP exchange once', async () => {
    const lines = ['10:00:00', '10:00:30', '10:01:00'].map(
      (t, i) =>
        `Mar  1 ${t} gw kernel: [${86_400 + i * 30}.000000] DROP-OUT: IN=eth1 OUT=eth0 SRC=10.0.5.41 DST=198.51.100.53 ` +
        `LEN=60 TOS=0x00 PREC=0x00 TTL=63 ID=0 PROTO=UDP SPT=${53_000 + i} DPT=53 LEN=40`,
    );
    // The log's last line: the exchange with the time server, let through.
    lines.push(
      'Mar  1 10:05:00 gw kernel: [86700.000000] ACCEPT-OUT: IN=eth1 OUT=eth0 SRC=10.0.5.41 DST=192.0.2.123 ' +
        'LEN=76 TOS=0x00 PREC=0x00 TTL=63 ID=0 PROTO=UDP SPT=123 DPT=123 LEN=56',
    );
    const path = join(tmp, 'dns-then-ntp.log');
    writeFileSync(path, `${lines.join('\n')}\n`);
    const { result } = await analyze([path], { firewall: { year: 2026 } });
    expect(result.summary).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/DNS to resolvers outside the network \(198\.51\.100\.53\) goes unanswered: 10\.0\.5\.41 \(3 queries\)/),
        expect.stringMatching(/Clocks kept by NTP from 192\.0\.2\.123, .*: 1 flow from 1 host/),
      ]),
    );
    expect(result.quietHosts.attempts).toBe(3);
  });
});

describe('a UDP flow the firewall denies every 20 s', () => {
  it('is a beacon turned away in the path, one burst every 20 s, not one attempt and no finding', async () => {
    const { result } = await analyze([deniedDatagrams('wireguard.log', 180, 20, 51820)], { firewall: { year: 2026 } });
    const host = result.hosts.find((h) => h.address === '10.0.5.41');
    expect(host?.labels).toContain('periodic');
    const group = host?.groups[0];
    expect(group?.schedule.periodic).toBe(true);
    expect(group?.schedule.periodSeconds).toBeCloseTo(20, 0);
    expect(group?.requestTimes?.length ?? 0).toBeGreaterThan(1);
    expect(host?.verdict).toMatch(/turned away in the path/);
    expect(host?.verdict).toMatch(/denied by the firewall/);
    // A log counts no bytes: none are said.
    expect(host?.verdict).not.toMatch(/0 B out/);
  });

  it('to UDP 443 (QUIC): blocked, at one attempt every 20 s, not one a second', async () => {
    const { result } = await analyze([deniedDatagrams('quic.log', 180, 20, 443)], { firewall: { year: 2026 } });
    const host = result.hosts.find((h) => h.address === '10.0.5.41');
    expect(host?.labels).toEqual(expect.arrayContaining(['blocked', 'periodic']));
    expect(host?.evidence.join(' ')).toMatch(/180 bursts/);
    expect(host?.verdict).toMatch(/one attempt every 20 s/);
    expect(host?.verdict).not.toMatch(/1 attempt\/s/);
  });

  it('lines a second apart are one burst: a client that sends three datagrams each time, every 20 s', async () => {
    const path = join(tmp, 'triples.log');
    const lines: string[] = [];
    for (let i = 0; i < 60; i++) {
      for (let k = 0; k < 3; k++) {
        const t = new Date(Date.UTC(2026, 2, 1, 10, 0, 0) + i * 20_000 + k * 200).toISOString();
        lines.push(
          `Mar  1 ${t.slice(11, 19)} gw kernel: DROP-OUT: IN=eth1 OUT=eth0 SRC=10.0.5.41 DST=198.51.100.9 LEN=176 TOS=0x00 ` +
            'PREC=0x00 TTL=63 ID=0 PROTO=UDP SPT=51820 DPT=51820 LEN=156',
        );
      }
    }
    writeFileSync(path, `${lines.join('\n')}\n`);
    const { result } = await analyze([path], { firewall: { year: 2026 } });
    const group = result.hosts.find((h) => h.address === '10.0.5.41')?.groups[0];
    expect(group?.schedule.periodSeconds).toBeCloseTo(20, 0);
    expect(group?.schedule.evidence).toMatch(/60 bursts/);
  });
});

describe('a firewall log written out as a conn.log', () => {
  it("opens with the log's first line's time, not 1970", async () => {
    const run = await callhome(['flows', '--year', '2026', '--format', 'zeek', deniedDatagrams('open.log', 3, 20, 51820)]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^#open\t2026-03-01-10-00-00$/m);
  });
});
