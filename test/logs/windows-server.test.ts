/**
 * A Windows server's own firewall log (pfirewall.log), as admins hand them over: a monitoring
 * system inside the network checks the server every five minutes (ping, SNMP and two TCP ports),
 * the server's mail goes straight to other domains' mail servers and the firewall drops it, and
 * an agent on it calls a server on the Internet every minute. What calls outside leads; the
 * monitoring is named for what it is; the mail turned away is said.
 */
import { describe, expect, it } from 'vitest';
import { analyze, compare } from '../../src/index.js';
import { logFiles } from './support.js';

const SERVER = '192.168.6.81';
const MONITOR = '192.168.6.100';
const AGENT_SERVER = '64.39.104.113';
const MX = ['74.125.28.26', '74.125.28.27', '74.125.137.26', '209.85.147.26'];
const write = logFiles('callhome-windows-server-');

const HEADER = [
  '#Version: 1.5',
  '#Software: Microsoft Windows Firewall',
  '#Time Format: Local',
  '#Fields: date time action protocol src-ip dst-ip src-port dst-port size tcpflags tcpsyn tcpack tcpwin icmptype icmpcode info path',
  '',
];

/** "2020-10-14 06:19:17" at `s` seconds past 06:00. */
function stamp(s: number): string {
  const t = new Date(Date.UTC(2020, 9, 14, 6, 0, 0) + Math.round(s) * 1000).toISOString();
  return `${t.slice(0, 10)} ${t.slice(11, 19)}`;
}

function tcp(
  s: number,
  action: 'ALLOW' | 'DROP',
  src: string,
  dst: string,
  sport: number,
  dport: number,
  path: 'SEND' | 'RECEIVE',
): string {
  return `${stamp(s)} ${action} TCP ${src} ${dst} ${sport} ${dport} 0 - 0 0 0 - - - ${path}`;
}

/** Four hours of the server's log; `mailRelay`: its mail goes to the network's mail server instead, and is let through. */
function serverLog(options: { mailRelay?: boolean; mailAttempts?: number; monitorOnly?: boolean } = {}): string[] {
  const lines: [number, string][] = [];
  let port = 50000;
  for (let k = 0; k < 48; k++) {
    const t = 60 + k * 300;
    lines.push([t, `${stamp(t)} ALLOW ICMP ${MONITOR} ${SERVER} - - 0 - - - - 8 0 - RECEIVE`]);
    lines.push([t, `${stamp(t)} ALLOW UDP ${MONITOR} ${SERVER} ${44000 + k} 161 0 - - - - - - - RECEIVE`]);
    lines.push([t + 14, tcp(t + 14, 'ALLOW', MONITOR, SERVER, 55000 + 2 * k, 2020, 'RECEIVE')]);
    lines.push([t + 35, tcp(t + 35, 'ALLOW', MONITOR, SERVER, 55001 + 2 * k, 2022, 'RECEIVE')]);
  }
  if (options.monitorOnly === true) {
    // And the server's own few connections out (the network reaches outside).
    for (const t of [500, 4100, 9300]) lines.push([t, tcp(t, 'ALLOW', SERVER, '93.184.216.34', port++, 443, 'SEND')]);
    return [...HEADER, ...lines.sort((a, b) => a[0] - b[0]).map(([, l]) => l)];
  }
  for (let k = 0; k < 240; k++) {
    const t = 30 + k * 61;
    lines.push([t, tcp(t, 'ALLOW', SERVER, AGENT_SERVER, port++, 443, 'SEND')]);
  }
  const mails = options.mailAttempts ?? 300;
  for (let k = 0; k < mails; k++) {
    const t = 100 + k * (14_000 / mails) + (k % 3);
    const to = options.mailRelay === true ? '192.168.6.25' : MX[k % MX.length]!;
    lines.push([t, tcp(t, options.mailRelay === true ? 'ALLOW' : 'DROP', SERVER, to, port++, 25, 'SEND')]);
  }
  lines.sort((a, b) => a[0] - b[0]);
  return [...HEADER, ...lines.map(([, l]) => l)];
}

describe("a Windows server's own firewall log", () => {
  it('leads with the agent calling the Internet; the monitoring system polling it is periodic, inside the network', async () => {
    const { result } = await analyze([write('pfirewall.log', serverLog())]);
    expect(result.hosts.map((h) => h.address)).toEqual([SERVER, MONITOR]);
    const server = result.hosts[0]!;
    expect(server.verdict).toMatch(
      /^A periodic beacon that gets through — worth investigating: one connection every 1 min 1 s to 64\.39\.104\.113;/,
    );
    const monitor = result.hosts[1]!;
    expect(monitor.labels).toEqual(['periodic']);
    expect(monitor.score).toBeLessThan(100);
    expect(monitor.verdict).toMatch(
      /^Periodic connections inside the network: bursts of 3 connections \(one connection every 1\d s\) every 5 min to 192\.168\.6\.81 \(an internal address\): how monitoring, backup and management systems poll/,
    );
    expect(result.summary).toContain(`${MONITOR}: Periodic connections inside the network (${SERVER}).`);
  });

  it('says the mail it sends straight out and the firewall drops, in the summary and in its verdict', async () => {
    const { result } = await analyze([write('pfirewall-mail.log', serverLog())]);
    expect(result.summary).toContain(
      `Mail sent straight out, and turned away: ${SERVER} (300 SMTP connections on port 25 to 4 servers outside the network; 300 denied by the firewall) — ` +
        "an application that mails past the network's mail server, or a spam bot (the network's own mail server would not be turned away).",
    );
    expect(result.hosts[0]!.verdict).toContain(
      'Sends mail straight out and is turned away: 300 SMTP connections on port 25 to 4 servers outside the network;',
    );
  });

  it('names neither mail handed to the network’s own mail server nor a message or two retried', async () => {
    for (const options of [{ mailRelay: true }, { mailAttempts: 12 }]) {
      const { result } = await analyze([write('pfirewall-relay.log', serverLog(options))]);
      expect(result.summary.join('\n')).not.toMatch(/Mail sent straight out/);
      expect(result.hosts[0]!.verdict).not.toMatch(/mail/);
    }
  });

  it('compare says two days of the monitoring alone are periodic connections inside the network, not a beacon', async () => {
    const day = write('monday.log', serverLog({ monitorOnly: true }));
    const next = write('tuesday.log', serverLog({ monitorOnly: true }));
    const { result } = await compare([day, next]);
    expect(result.conclusion).toMatch(/show periodic connections inside the network/);
    expect(result.conclusion).not.toMatch(/beacon/);
  });
});
