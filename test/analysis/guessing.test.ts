/**
 * Password guessing: a machine that logs in to one SSH or RDP server hundreds of times in
 * minutes, each session answered by the server and closed by it after the passwords it allows —
 * a brute-force tool run from a compromised host. The handshakes complete, so it is no flood of
 * failing attempts; it is a high rate of attempts at one target all the same (`flood`), and the
 * verdict says what it is. Beside it, what must not be taken for it: an administrator's own SSH
 * sessions and git fetches, and an application's many short connections to its database.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/index.js';
import { Rng, TcpSession, buildPcap, type TimedFrame } from '../../src/synth/index.js';
import { callhome } from '../cli/support.js';
import { logFiles, tsvLog } from '../logs/support.js';

const START = Date.UTC(2025, 4, 12, 9) / 1000;
/** Tries passwords at an SSH server on the Internet. */
const GUESSER = '10.1.0.21';
const SSH_TARGET = '203.0.113.10';
/** An administrator: one long SSH session, and git fetches over SSH now and then. */
const ADMIN = '10.1.0.22';
/** Tries passwords at a Windows server inside the network, over RDP. */
const JUMPER = '10.1.0.23';
const RDP_TARGET = '10.1.0.50';
/** A web application with no connection pool: a short session to its database for every request. */
const APP = '10.1.0.24';
const DATABASE = '10.1.0.60';

/** The network's SSH server, and a machine on the Internet guessing passwords at it. */
const SERVER = '10.1.0.5';
const ATTACKER = '198.51.100.66';

const bytes = (rng: Rng, n: number): Uint8Array => Uint8Array.from({ length: n }, () => rng.int(0, 255));

/**
 * One login session of a guessing tool: the server's banner, key exchange both ways, three
 * passwords refused, and the server closing the connection (`close` seconds after the SYN).
 */
function guess(rng: Rng, client: string, server: string, sport: number, dport: number, t: number, close: number): TimedFrame[] {
  const s = new TcpSession({ client, server, sport, dport, rng, clientTtl: 64, serverTtl: 50 });
  s.syn(t)
    .synAck(t + 0.03)
    .ack(t + 0.0301)
    .send(t + 0.06, 'server', dport === 22 ? 'SSH-2.0-OpenSSH_8.4p1 Debian-5\r\n' : bytes(rng, 19))
    .send(t + 0.061, 'client', dport === 22 ? 'SSH-2.0-libssh_0.9.5\r\n' : bytes(rng, 43))
    .send(t + 0.07, 'client', bytes(rng, 1024))
    .send(t + 0.1, 'server', bytes(rng, 1080))
    .send(t + 0.2, 'client', bytes(rng, 48))
    .send(t + 0.25, 'server', bytes(rng, 520));
  for (let k = 0; k < 3; k++) s.send(t + 0.4 + k * 0.6, 'client', bytes(rng, 96)).send(t + 0.45 + k * 0.6, 'server', bytes(rng, 64));
  s.fin(t + close, 'server')
    .fin(t + close + 0.001, 'client')
    .ack(t + close + 0.031, 'server');
  return s.frames();
}

/** A session that carries what it was opened for (`up`, `down` bytes) and is closed by the client. */
function session(
  rng: Rng,
  client: string,
  server: string,
  sport: number,
  dport: number,
  t: number,
  seconds: number,
  up: number,
  down: number,
): TimedFrame[] {
  const s = new TcpSession({ client, server, sport, dport, rng, clientTtl: 64, serverTtl: 52 });
  s.syn(t)
    .synAck(t + 0.02)
    .ack(t + 0.0201)
    .send(t + 0.03, 'client', bytes(rng, up))
    .send(t + seconds / 2, 'server', bytes(rng, down))
    .fin(t + seconds, 'client')
    .fin(t + seconds + 0.02, 'server')
    .ack(t + seconds + 0.0201);
  return s.frames();
}

/** The capture: 400 guesses over SSH from four of the tool's tasks at once, 150 over RDP one a second, and the others' traffic. */
function capture(): string {
  const rng = new Rng(4242);
  const frames: TimedFrame[] = [];
  let port = 40000;
  // Four tasks, each opening its next session as soon as the last is closed.
  for (let task = 0; task < 4; task++) {
    let t = START + 5 + task * 0.3;
    for (let k = 0; k < 100; k++) {
      const close = rng.uniform(2, 2.6);
      frames.push(...guess(rng, GUESSER, SSH_TARGET, port++, 22, t, close));
      t += close + rng.uniform(0.05, 0.2);
    }
  }
  for (let k = 0; k < 150; k++)
    frames.push(...guess(rng, JUMPER, RDP_TARGET, 50000 + k, 3389, START + 20 + k * rng.uniform(0.9, 1.1), 0.8));
  // The administrator's working session for ten minutes, and a git fetch every so often.
  frames.push(...session(rng, ADMIN, '203.0.113.11', 51000, 22, START + 1, 600, 60_000, 900_000));
  for (let k = 0; k < 20; k++)
    frames.push(...session(rng, ADMIN, '198.51.100.30', 51100 + k, 22, START + 10 + k * rng.uniform(20, 60), 1.5, 3_000, 40_000));
  // The Internet at the network's own SSH server: one client guessing, 200 sessions (and sixty
  // more below, the background of bots that try twice each and move on).
  for (let k = 0; k < 200; k++) frames.push(...guess(rng, ATTACKER, SERVER, 30000 + k, 22, START + 40 + k * rng.uniform(0.5, 0.8), 1.8));
  // …and then a password worked: ten minutes of typing and output.
  const shell = new TcpSession({ client: ATTACKER, server: SERVER, sport: 30500, dport: 22, rng, clientTtl: 64, serverTtl: 50 });
  shell
    .syn(START + 200)
    .synAck(START + 200.03)
    .ack(START + 200.0301);
  for (let k = 0; k < 40; k++)
    shell.send(START + 201 + k * 15, 'client', bytes(rng, 1000)).send(START + 201.2 + k * 15, 'server', bytes(rng, 7000));
  frames.push(
    ...shell
      .fin(START + 800, 'client')
      .fin(START + 800.03, 'server')
      .ack(START + 800.0301)
      .frames(),
  );
  for (let k = 0; k < 120; k++) frames.push(...guess(rng, `192.0.2.${(k >> 1) + 10}`, SERVER, 33000 + k, 22, START + 60 + k * 5, 0.4));
  // The application's database: 600 short sessions, five a second.
  for (let k = 0; k < 600; k++) frames.push(...session(rng, APP, DATABASE, 52000 + k, 3306, START + 30 + k * 0.2, 0.05, 300, 1_200));
  const dir = mkdtempSync(join(tmpdir(), 'callhome-guessing-'));
  const file = join(dir, 'guessing.pcap');
  writeFileSync(file, buildPcap(frames));
  return file;
}

describe('password guessing', () => {
  const file = capture();

  it('labels a host that logs in to one SSH server hundreds of times a flood, and says it guesses passwords', async () => {
    const { result } = await analyze([file]);
    const host = result.hosts.find((h) => h.address === GUESSER)!;
    expect(host.labels).toEqual(['flood']);
    expect(host.verdict).toMatch(
      /^Guesses passwords — a brute-force login at SSH, not a DDoS: 400 SSH connections at 203\.0\.113\.10:22 in \d+ min \d+ s \(1\.\d SSH connections\/s\), 400 of 400 answered, each over within 30 s \(median 2\.\d s, [\d.]+ KiB sent\);/,
    );
    expect(host.verdict).toContain('The server is outside the network: this host is attacking others');
    expect(host.evidence).toContainEqual(expect.stringMatching(/^flood: 400 SSH connections at 203\.0\.113\.10:22 .*: password guessing$/));
    expect(result.summary).toContainEqual(
      expect.stringMatching(/^Password guessing: 10\.1\.0\.21 at 203\.0\.113\.10:22 \(SSH, 400 connections in /),
    );
  });

  it('tells a guessing of a server inside the network from one outside it', async () => {
    const { result } = await analyze([file]);
    const host = result.hosts.find((h) => h.address === JUMPER)!;
    expect(host.labels).toEqual(['flood']);
    expect(host.verdict).toMatch(/^Guesses passwords — a brute-force login at RDP, not a DDoS: 150 RDP connections at 10\.1\.0\.50:3389 /);
    expect(host.verdict).toContain('The server is inside the network: an intruder moving from machine to machine');
    // Both named in the summary's one line, the most sessions first.
    expect(result.summary.find((s) => s.startsWith('Password guessing:'))).toMatch(
      /10\.1\.0\.21 at .*, 10\.1\.0\.23 at 10\.1\.0\.50:3389 \(RDP, 150 connections/,
    );
  });

  it('does not take an administrator’s sessions or an application’s database connections for guessing', async () => {
    const { result } = await analyze([file]);
    for (const address of [ADMIN, APP]) {
      const host = result.hosts.find((h) => h.address === address);
      expect(host?.labels ?? []).not.toContain('flood');
    }
    expect(result.summary.join(' ')).not.toMatch(/10\.1\.0\.2[24]/);
  });

  it('names a machine on the Internet guessing passwords at the network’s server, not the bots that try twice and move on', async () => {
    const { result } = await analyze([file]);
    const line = result.summary.find((s) => s.startsWith('Password guessing from outside the network:'));
    expect(line).toMatch(
      /^Password guessing from outside the network: 198\.51\.100\.66 at 10\.1\.0\.5:22 \(SSH, 201 connections in 2 min \d+ s; then a session of 10 min with 39 KiB sent, at 2025-05-12 09:03:20Z — a password that worked, most likely\) — a machine on the Internet logging in again and again to the network's server, not a DDoS:/,
    );
    expect(line).not.toContain('192.0.2.');
    // The server answered; it is no host with findings for that.
    expect(result.hosts.find((h) => h.address === SERVER)).toBeUndefined();
    // The hosts of the network that guess are said in a line of their own.
    expect(result.summary.find((s) => s.startsWith('Password guessing:'))).not.toContain(ATTACKER);
  });

  it('finds the same guessing in the conn.log callhome writes of the capture, and compare says what it is', async () => {
    const zeek = await callhome(['flows', '--format', 'zeek', file]);
    expect(zeek.code).toBe(0);
    const log = join(mkdtempSync(join(tmpdir(), 'callhome-guessing-log-')), 'conn.log');
    writeFileSync(log, zeek.stdout);
    const { result } = await analyze([log]);
    expect(result.hosts.find((h) => h.address === GUESSER)?.verdict).toMatch(
      /^Guesses passwords — a brute-force login at SSH, not a DDoS: 400 SSH connections /,
    );
    const compared = await callhome(['compare', file, log]);
    expect(compared.code).toBe(0);
    expect(compared.stdout).toMatch(/10\.1\.0\.21: password\s+guessing at one login service/);
  });

  it('finds a Hydra run of ten seconds in a Zeek conn.log that began while it ran', async () => {
    // Zeek's rows of such a run: sessions whose SYN came before the sniffer started (history
    // "^dFfA", Zeek's flip, no handshake), sessions the server reset once over its limit of
    // unauthenticated connections ("ShAdfDr", RSTR), and the rest, the key exchange done ("ShAdDaCG").
    const rows: string[][] = [];
    const t0 = Date.UTC(2025, 6, 28, 7, 58, 35) / 1000;
    const row = (k: number, rest: readonly string[]): string[] => [
      (t0 + k * 0.16).toFixed(6),
      `Ch${k}`,
      '192.168.64.6',
      String(55200 + k),
      '192.168.64.28',
      '22',
      'tcp',
      '-',
      ...rest,
    ];
    for (let k = 0; k < 60; k++) {
      if (k < 12) rows.push(row(k, ['0.030000', '0', '52', 'SF', 'T', 'T', '0', '^dFfA', '2', '80', '2', '132']));
      else if (k % 4 === 0) rows.push(row(k, ['0.052000', '24', '22', 'RSTR', 'T', 'T', '0', 'ShAdfDr', '4', '196', '4', '194']));
      else rows.push(row(k, ['0.480000', '1848', '1794', 'S1', 'T', 'T', '1688', 'ShAdDaCG', '9', '532', '8', '2126']));
    }
    const log = logFiles('callhome-guessing-hydra-')('conn.log', [tsvLog('conn', rows)]);
    const { result } = await analyze([log]);
    const host = result.hosts.find((h) => h.address === '192.168.64.6')!;
    expect(host.labels).toEqual(['flood']);
    expect(host.verdict).toMatch(
      /^Guesses passwords — a brute-force login at SSH, not a DDoS: 60 SSH connections at 192\.168\.64\.28:22 in 9\.4 s \(6\.4 SSH connections\/s\), 60 of 60 answered, each over within 30 s \(median 480 ms, 1\.8 KiB sent\);/,
    );
    expect(host.verdict).toContain('The server is inside the network');
  });

  it('leaves fewer sessions, sessions minutes apart, mail checks and a poller’s rounds alone', async () => {
    const t0 = Date.UTC(2025, 6, 28, 8) / 1000;
    const session = (t: number, k: number, to: string, port = 22): string[] => [
      t.toFixed(6),
      `Cs${to}${k}`,
      '10.2.0.7',
      String(40000 + k),
      to,
      String(port),
      'tcp',
      'ssh',
      '2.100000',
      '1848',
      '1846',
      'SF',
      'T',
      'F',
      '0',
      'ShAdDaFf',
      '11',
      '2400',
      '10',
      '2300',
    ];
    const rows: string[][] = [];
    // 30 sessions in 15 s at one server; 300 a minute apart (a monitoring check) at another;
    // a NAT gateway's phones checking their mail at one provider, one short IMAP session every 2 s.
    for (let k = 0; k < 30; k++) rows.push(session(t0 + k * 0.5, k, '203.0.113.20'));
    for (let k = 0; k < 300; k++) rows.push(session(t0 + 60 + k * 60, 100 + k, '203.0.113.21'));
    for (let k = 0; k < 600; k++) rows.push(session(t0 + 30 + k * 2, 1000 + k, '203.0.113.22', 993));
    // A CI server asking a Git host about each of its 50 repositories every minute, for an hour:
    // 3,000 short SSH sessions, rounds of 25 s and pauses of 35 s.
    for (let round = 0; round < 60; round++)
      for (let r = 0; r < 50; r++) rows.push(session(t0 + 20 + round * 60 + r * 0.5, 2000 + round * 50 + r, '140.82.112.3'));
    rows.sort((a, b) => Number(a[0]) - Number(b[0]));
    const log = logFiles('callhome-guessing-few-')('conn.log', [tsvLog('conn', rows)]);
    const { result } = await analyze([log]);
    const host = result.hosts.find((h) => h.address === '10.2.0.7');
    expect(host?.labels ?? []).not.toContain('flood');
    expect(result.summary.join(' ')).not.toContain('Password guessing');
  });

  it('says a guessing from outside is one where a server’s log holds nothing but the Internet’s connections', async () => {
    // A honeypot's or an exposed server's conn.log: no internal machine opens anything, so the
    // Internet's clients are analysed as the hosts.
    const t0 = Date.UTC(2025, 7, 3, 2) / 1000;
    const rows: string[][] = [];
    for (let k = 0; k < 150; k++) {
      const ts = (t0 + k * 1.2).toFixed(6);
      rows.push(
        [ts, `Cin${k}`, '198.51.100.66', String(41000 + k), '10.3.0.5', '22', 'tcp', 'ssh', '1.900000', '1500', '2100'].concat([
          'SF',
          'F',
          'T',
          '0',
          'ShAdDafF',
          '12',
          '2100',
          '10',
          '2600',
        ]),
      );
    }
    const log = logFiles('callhome-guessing-server-')('conn.log', [tsvLog('conn', rows)]);
    const { result } = await analyze([log]);
    const host = result.hosts.find((h) => h.address === '198.51.100.66')!;
    expect(host.labels).toContain('flood');
    expect(host.verdict).toContain('From outside the network at a server inside it: someone on the Internet trying to log in');
    expect(host.verdict).not.toContain('intruder moving from machine to machine');
    expect(result.summary[0]).toMatch(
      /^Password guessing from outside the network: 198\.51\.100\.66 at 10\.3\.0\.5:22 \(SSH, 150 connections in 2 min 59 s\)/,
    );
    expect(result.summary.join(' ')).not.toContain('from this network');
  });

  it('says a guessing the server began to turn away (fail2ban) is a guessing, not a SYN flood', async () => {
    // 120 sessions answered at three a second, then the server drops every SYN: twenty a second, unanswered.
    const t0 = Date.UTC(2025, 8, 9, 14) / 1000;
    const rows: string[][] = [];
    const rest = (answered: boolean): string[] =>
      answered
        ? ['ssh', '0.300000', '1600', '1900', 'SF', 'T', 'F', '0', 'ShAdDaFf', '10', '2100', '9', '2400']
        : ['-', '3.000000', '0', '0', 'S0', 'T', 'F', '0', 'S', '3', '180', '0', '0'];
    for (let k = 0; k < 120; k++)
      rows.push([(t0 + k / 3).toFixed(6), `Ca${k}`, '10.4.0.9', String(42000 + k), '203.0.113.44', '22', 'tcp', ...rest(true)]);
    for (let k = 0; k < 600; k++)
      rows.push([(t0 + 40 + k / 20).toFixed(6), `Cd${k}`, '10.4.0.9', String(43000 + k), '203.0.113.44', '22', 'tcp', ...rest(false)]);
    const log = logFiles('callhome-guessing-banned-')('conn.log', [tsvLog('conn', rows)]);
    const { result } = await analyze([log]);
    const host = result.hosts.find((h) => h.address === '10.4.0.9')!;
    expect(host.labels).toContain('flood');
    expect(host.verdict).toMatch(
      /^Guesses passwords — a brute-force login at SSH, not a DDoS: 120 SSH connections at 203\.0\.113\.44:22 in 40 s \(3 SSH connections\/s\), 120 of 720 answered,/,
    );
    expect(host.verdict).not.toContain('what a DDoS participant would do');
  });
});

describe('a scan that logs in to what it finds', () => {
  /** A worm at Telnet: SYNs at random addresses, most never answered; at each server that answers, five logins. */
  function wormCapture(): string {
    const rng = new Rng(77);
    const frames: TimedFrame[] = [];
    let port = 20000;
    let t = START;
    for (let k = 0; k < 600; k++) {
      t += rng.uniform(0.1, 0.3);
      const server = `${rng.int(1, 223)}.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`;
      if (k % 15 !== 0) {
        frames.push(...new TcpSession({ client: WORM, server, sport: port++, dport: 23, rng }).syn(t).frames());
        continue;
      }
      for (let j = 0; j < 5; j++) frames.push(...guess(rng, WORM, server, port++, 23, t + j * 2.5, 2));
    }
    // A scanner's connect scan with version detection: three bare connections at each open port, nothing sent.
    for (let k = 0; k < 300; k++) {
      const server = `198.18.${k >> 4}.${(k % 16) + 1}`;
      const at = START + 2 + k * 0.5;
      if (k % 10 !== 0) {
        frames.push(...new TcpSession({ client: NMAP, server, sport: 50000 + k, dport: 22, rng }).syn(at).frames());
        continue;
      }
      for (let j = 0; j < 3; j++) {
        const s = new TcpSession({ client: NMAP, server, sport: 51000 + k * 3 + j, dport: 22, rng });
        frames.push(
          ...s
            .syn(at + j)
            .synAck(at + j + 0.01)
            .ack(at + j + 0.0101)
            .rst(at + j + 0.02, 'client')
            .frames(),
        );
      }
    }
    const file = join(mkdtempSync(join(tmpdir(), 'callhome-guessing-worm-')), 'worm.pcap');
    writeFileSync(file, buildPcap(frames));
    return file;
  }
  const WORM = '10.6.0.31';
  const NMAP = '10.6.0.32';
  const file = wormCapture();

  it('says the scanner logs in again and again to the servers that answer — a worm spreading by passwords', async () => {
    const { result } = await analyze([file]);
    const worm = result.hosts.find((h) => h.address === WORM)!;
    expect(worm.labels).toContain('scanner');
    expect(worm.verdict).toMatch(
      /^A scan: 600 addresses on port 23 .* It logs in again and again to 40 of the servers that answered on port 23 \(Telnet\): 200 short sessions, 5 on average — password guessing at every server it finds, how a worm spreads/,
    );
    expect(worm.evidence).toContainEqual(
      expect.stringMatching(/^scanner: logged in again and again to 40 of the servers .*: password guessing$/),
    );
    // Five logins a few seconds apart at one server are no beacon.
    expect(worm.score).toBeLessThan(300);
    expect(result.summary.join(' ')).toMatch(
      /10\.6\.0\.31(, 10\.6\.0\.32)?: scanning \(600 addresses on port 23 .*\), and logged in again and again to 40 of the servers/,
    );
  });

  it('does not take a connect scan’s bare connections for logins', async () => {
    const { result } = await analyze([file]);
    const nmap = result.hosts.find((h) => h.address === NMAP)!;
    expect(nmap.labels).toContain('scanner');
    expect(nmap.verdict).not.toContain('logs in');
    expect(nmap.evidence.join(' ')).not.toContain('password guessing');
  });
});
