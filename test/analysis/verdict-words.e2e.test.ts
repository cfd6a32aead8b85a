/**
 * The words of verdicts and of the summary as a reader checks them against the packets: the
 * story of software turned away in the path only where the path turned it away, counts that
 * count what their noun says, the summary's line of a periodic host made of what recurs, and "on
 * a schedule" only of a schedule.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/index.js';
import { buildPcap, Rng, type TimedFrame } from '../../src/synth/capture.js';
import { TcpSession } from '../../src/synth/session.js';
import { tlsClientHello } from '../../src/synth/tls.js';
import { dnsQueryPayload, icmpFrame, quoteOf, tcpFrame, udpFrame } from '../../src/synth/frame.js';
import { hostActivity, outcomeWords } from '../../src/report/words.js';
import { analyzeRenderers } from '../../src/report/index.js';
import { timelineChart } from '../../src/report/charts.js';

const tmp = mkdtempSync(join(tmpdir(), 'callhome-verdict-words-'));
const T0 = Date.UTC(2024, 4, 6, 9) / 1000;
const CHROME = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';

function pcap(name: string, frames: TimedFrame[]): string {
  const path = join(tmp, name);
  writeFileSync(path, buildPcap(frames.sort((a, b) => a.ts - b.ts)));
  return path;
}

/** One HTTP exchange on a connection of its own, closed with FINs from both sides. */
function exchange(
  client: string,
  server: string,
  sport: number,
  t: number,
  o: { host?: string; ua?: string; serverTtl?: number; answer?: number } = {},
): TcpSession {
  const s = new TcpSession({ client, server, sport, dport: 80, serverTtl: o.serverTtl ?? 52 });
  const request = `GET /item${sport} HTTP/1.1\r\nHost: ${o.host ?? server}\r\nUser-Agent: ${o.ua ?? 'Updater/2.1'}\r\n\r\n`;
  s.syn(t)
    .synAck(t + 0.03)
    .ack(t + 0.031)
    .send(t + 0.032, 'client', request)
    .send(t + 0.07, 'server', `HTTP/1.1 200 OK\r\nContent-Length: ${o.answer ?? 800}\r\n\r\n${'x'.repeat(o.answer ?? 800)}`)
    .fin(t + 0.071, 'server')
    .fin(t + 0.072, 'client')
    .ack(t + 0.1, 'server');
  return s;
}

/** Gaps between a user's page loads, in seconds: nothing regular. */
const GAPS = [13, 170, 41, 95, 260, 8, 122, 57, 300, 30, 4, 211, 66, 150, 19, 88, 240, 35, 9, 181];

/** Ordinary browsing of `n` servers (up to 20), irregularly. */
function browsing(client: string, n: number, firstPort: number, ua?: string): TimedFrame[] {
  const frames: TimedFrame[] = [];
  let t = T0;
  for (let i = 0; i < n; i++) {
    t += GAPS[i]!;
    frames.push(...exchange(client, `198.51.100.${10 + i}`, firstPort + i, t, { ua }).frames());
  }
  return frames;
}

describe('software turned away in the path', () => {
  it('a reset 5 s after a session closed with FINs, among 20 answered attempts, turns nothing away', async () => {
    const host = '192.168.1.46';
    const frames = browsing(host, 20, 49200);
    // The answer came and both sides closed; a load balancer's reset follows 5 s later, with
    // another TTL than the server's own packets.
    const late = exchange(host, '203.0.113.239', 49300, T0 + 600, { serverTtl: 55 });
    late.rst(T0 + 604.9, 'server', { ttl: 118, ack: false });
    frames.push(...late.frames());
    const { result } = await analyze([pcap('late-reset.pcap', frames)]);
    const finding = result.hosts.find((h) => h.address === host);
    expect(finding?.labels ?? []).not.toContain('blocked');
    // A reset, and no attempt it refused: the session had been taken.
    expect(result.resetSources.map((r) => [r.attribution, r.senders, r.resets, r.attempts])).toEqual([
      ['middlebox', ['203.0.113.239'], 1, 0],
    ]);
    expect(finding?.verdict ?? '').not.toMatch(/turned away in the path/);
    // Nor is it one of the host's attempts "refused" in its evidence.
    expect((finding?.evidence ?? []).join('\n')).not.toMatch(/^resets: .* refused/m);
  });

  it('servers resetting sessions they had taken refuse no attempt: the summary says none was refused', async () => {
    const host = '192.168.1.47';
    const frames = browsing(host, 20, 49400);
    // Three servers answer, send their data and end with a reset of their own (their own TTL).
    for (let k = 0; k < 3; k++) {
      const s = exchange(host, `198.51.100.${60 + k}`, 49500 + k, T0 + 700 + 40 * k, { serverTtl: 52 });
      s.rst(T0 + 700 + 40 * k + 12, 'server', { ttl: 52 });
      frames.push(...s.frames());
    }
    const { result } = await analyze([pcap('server-resets.pcap', frames)]);
    expect(result.resetSources.map((r) => [r.attribution, r.resets, r.attempts])).toEqual([['endpoint', 3, 0]]);
    expect(result.summary[0]).toBe('Nothing calls home on a schedule, and no attempt is refused or left unanswered.');
  });

  it('a periodic host whose verdict leads with refusals in the path: the summary names what recurs, not "Also"', async () => {
    const host = '10.0.0.7';
    const frames: TimedFrame[] = [];
    // A check-in every minute that gets through.
    for (let i = 0; i < 12; i++) frames.push(...exchange(host, '198.51.100.20', 50000 + i, T0 + i * 60).frames());
    // Four attempts at another server, now and then, refused by a router in the path (ICMP 3/13).
    for (const [i, at] of [100, 131, 402, 415].entries()) {
      const t = T0 + at;
      const syn = tcpFrame({ src: host, dst: '203.0.113.30', sport: 51000 + i, dport: 80, seq: 1000 + i, flags: 'S', ttl: 128 });
      frames.push({ ts: t, frame: syn });
      frames.push({ ts: t + 0.002, frame: icmpFrame({ src: '10.0.0.1', dst: host, type: 3, code: 13, quoted: quoteOf(syn), ttl: 255 }) });
    }
    const { result } = await analyze([pcap('also.pcap', frames)]);
    const finding = result.hosts.find((h) => h.address === host)!;
    expect(finding.labels).toContain('periodic');
    expect(finding.verdict).toMatch(/^Software that keeps trying to reach the web directly and is turned away in the path/);
    expect(finding.verdict).toContain('Also: 198.51.100.20 every 1 min (gets through).');
    expect(result.summary).toContain('10.0.0.7: On a schedule: 198.51.100.20 every 1 min (gets through).');
    expect(result.summary.join(' ')).not.toMatch(/Also \(/);
  });
});

describe('a beacon on one keep-alive connection', () => {
  it('its bytes per request are its own connection’s, and the host line counts its requests', async () => {
    const host = '172.16.0.114';
    const server = '172.16.0.111';
    const s = new TcpSession({ client: host, server, sport: 1040, dport: 4433, serverTtl: 128 });
    s.syn(T0)
      .synAck(T0 + 0.001)
      .ack(T0 + 0.002);
    // A 48-byte check-in every 10 s, answered with 8 bytes.
    for (let i = 0; i < 12; i++) s.send(T0 + 1 + i * 10, 'client', 'c'.repeat(48)).send(T0 + 1.01 + i * 10, 'server', 'ok......');
    const frames = s.frames();
    // Uploads of 250 kB each on connections of their own, to the same server.
    for (let i = 0; i < 2; i++) {
      const up = new TcpSession({ client: host, server, sport: 1100 + i, dport: 4433, serverTtl: 128 });
      const t = T0 + 33 + i * 41;
      up.syn(t)
        .synAck(t + 0.001)
        .ack(t + 0.002)
        .send(t + 0.003, 'client', 'u'.repeat(250_000))
        .fin(t + 2, 'client')
        .fin(t + 2.001, 'server')
        .ack(t + 2.002);
      frames.push(...up.frames());
    }
    const { result } = await analyze([pcap('keepalive.pcap', frames)]);
    const finding = result.hosts.find((h) => h.address === host)!;
    expect(finding.verdict).toMatch(/^A periodic beacon that gets through — worth investigating: one request every 10 s/);
    expect(finding.verdict).toContain(
      'on one long-lived connection to 172.16.0.111 (TCP 4433, an internal address), ~48 B out per request;',
    );
    expect(hostActivity(finding)).toEqual(['3 attempts', '12 requests on 1 long-lived connection', '1 destination group']);
  });

  // Requests of an interactive session at random (a busy LAN's): the starts of the bursts they
  // fall into came 7.09, 7.04, 7.11 and 7.57 s apart, and this read "one request every 7.1 s
  // (jitter ±4%) over 5 bursts — a periodic beacon that gets through".
  it('an interactive session whose bursts of requests line up by chance five times is no beacon', async () => {
    const host = '10.16.54.77';
    const s = new TcpSession({ client: host, server: '198.18.0.21', sport: 51_000, dport: 443, serverTtl: 60 });
    s.syn(T0)
      .synAck(T0 + 0.001)
      .ack(T0 + 0.002);
    for (const t of [0, 1.236, 2.268, 7.095, 14.132, 21.245, 22.593, 22.94, 28.815]) {
      s.send(T0 + 0.01 + t, 'client', 'q'.repeat(200)).send(T0 + 0.03 + t, 'server', 'a'.repeat(900));
    }
    s.fin(T0 + 30, 'client')
      .fin(T0 + 30.001, 'server')
      .ack(T0 + 30.002);
    const { result } = await analyze([pcap('interactive.pcap', s.frames())], { allHosts: true });
    const finding = result.hosts.find((h) => h.address === host)!;
    expect(finding.labels).not.toContain('periodic');
    expect(finding.groups[0]!.schedule.evidence).toContain('too few inside one connection to tell a schedule from chance');
  });
});

/**
 * One keep-alive connection whose client sends `requests` (each started at T0 + 1 + i * `every`),
 * each answered with a few hundred bytes.
 */
function keepAlive(client: string, server: string, dport: number, requests: readonly string[], every: number): TimedFrame[] {
  const s = new TcpSession({ client, server, sport: 49160, dport, serverTtl: 57 });
  s.syn(T0)
    .synAck(T0 + 0.02)
    .ack(T0 + 0.021);
  requests.forEach((request, i) => {
    const t = T0 + 1 + i * every;
    s.send(t, 'client', request).send(t + 0.03, 'server', `HTTP/1.1 200 OK\r\nContent-Length: 600\r\n\r\n${'r'.repeat(600)}`);
  });
  return s.frames();
}

const cryptoApiGet = (path: string): string =>
  `GET ${path} HTTP/1.1\r\nCache-Control: max-age = 900\r\nUser-Agent: Microsoft-CryptoAPI/6.1\r\nHost: crl.example.net\r\n\r\n`;

describe('requests on one keep-alive connection that ask for something new each time', () => {
  it('distinct files fetched back to back, one every 4.6 s, are no beacon; a check-in that asks again is', async () => {
    // A certificate checker fetching eight revocation lists, one after another: as regular as a timer.
    const lists = ['RootCA2011', 'TimeStampPCA2010', 'RootCert', 'CodeSignPCA2010', 'RootCA2010', 'TimeStampPCA', 'WinPCA', 'UpdatePCA'];
    const fetches = keepAlive(
      '192.168.1.46',
      '203.0.113.80',
      80,
      lists.map((name) => cryptoApiGet(`/pki/crl/products/${name}.crl`)),
      4.6,
    );
    // An agent on another host asking for its tasks every 4.6 s, its query varied each time.
    const agent = keepAlive(
      '192.168.1.47',
      '203.0.113.81',
      80,
      lists.map((_, i) => cryptoApiGet(`/api/tasks?n=${1000 + i * 37}`)),
      4.6,
    );
    const { result } = await analyze([pcap('downloads.pcap', [...fetches, ...agent])]);

    const fetcher = result.hosts.find((h) => h.address === '192.168.1.46');
    expect(fetcher?.labels ?? []).not.toContain('periodic');
    expect(result.summary.join('\n')).not.toContain('192.168.1.46');
    const all = await analyze([pcap('downloads-all.pcap', [...fetches])], { allHosts: true });
    const group = all.result.hosts.find((h) => h.address === '192.168.1.46')!.groups[0]!;
    expect(group.schedule.periodic).toBe(false);
    expect(group.schedule.evidence).toBe(
      'single requests every 4.6 s (jitter ±0%) over 8 bursts, but no request repeats another: one download after another, not a check-in that asks again',
    );

    const beacon = result.hosts.find((h) => h.address === '192.168.1.47')!;
    expect(beacon.labels).toContain('periodic');
    expect(beacon.verdict).toMatch(/^A periodic beacon that gets through — worth investigating: one request every 4\.6 s/);
  });

  it('over TLS, requests of near-identical size are a beacon; requests of many sizes are not', async () => {
    // Encrypted: what was asked shows only as each request's size.
    const sized = (sizes: readonly number[]): string[] => sizes.map((n) => `\x17\x03\x03${'e'.repeat(n - 3)}`);
    const beacon = keepAlive('192.168.1.47', '203.0.113.81', 443, sized([310, 311, 310, 311, 310, 311, 310, 311]), 30);
    const uploads = keepAlive('192.168.1.48', '203.0.113.82', 443, sized([310, 1400, 5200, 760, 2900, 90, 12000, 4100]), 30);
    const { result } = await analyze([pcap('tls-sizes.pcap', [...beacon, ...uploads])]);
    expect(result.hosts.find((h) => h.address === '192.168.1.47')?.labels).toContain('periodic');
    expect(result.hosts.find((h) => h.address === '192.168.1.48')?.labels ?? []).not.toContain('periodic');
  });
});

describe('the summary of a blocked browser', () => {
  it('parallel connections to a dead server, retried with back-off, are no schedule and no update agent', async () => {
    const host = '172.16.16.154';
    const frames: TimedFrame[] = [];
    // The page and its resources load from servers that answer.
    for (let i = 0; i < 5; i++) {
      frames.push(
        ...exchange(host, `198.51.100.${40 + i}`, 52000 + i, T0 + 0.1 + i * 0.05, { host: `www${i}.example.com`, ua: CHROME }).frames(),
      );
    }
    // Six connections at once to a server that never answers, each SYN sent again 1, 2, 4, 8, 16
    // and 32 s later; three more at the page's reload 75 s later.
    for (const [start, n, port] of [
      [0.43, 6, 52100],
      [75.9, 3, 52200],
    ] as const) {
      for (let k = 0; k < n; k++) {
        let t = T0 + start + k * 0.0005;
        for (const wait of [0, 1, 2, 4, 8, 16, 32]) {
          t += wait;
          frames.push({
            ts: t,
            frame: tcpFrame({ src: host, dst: '203.0.113.94', sport: port + k, dport: 80, seq: 7000 + port + k, flags: 'S', ttl: 64 }),
          });
        }
      }
    }
    const { result } = await analyze([pcap('browser.pcap', frames)]);
    const finding = result.hosts.find((h) => h.address === host)!;
    expect(finding.labels).toContain('blocked');
    const summary = result.summary.find((s) => s.startsWith('Not a DDoS'))!;
    expect(summary).toContain('to one address;');
    expect(summary).not.toContain('on a schedule');
    expect(summary).not.toContain('This is how an update agent calls home');
    expect(summary).toContain(
      'Its direct web requests come from a browser (Chrome): more likely a page loading from a server the network turns away',
    );
    // Connections opened together are no rate of thousands a second, and silence is no refusal.
    expect(summary).not.toMatch(/attempts\/s/);
    expect(finding.verdict).not.toMatch(/attempts\/s|turned away in the path|silently dropped/);
    // The host's own verdict says what its requests name, as the summary does.
    expect(finding.verdict).toMatch(
      /^A browser \(Chrome\) going to the web directly, unanswered \(dropped in the path, or its server is down\) — more likely a page loading than an update agent calling home/,
    );
    // One address is said as itself.
    expect(finding.verdict).toContain('one address (203.0.113.94)');
    expect(finding.verdict).not.toContain('in one /24');
    expect(finding.verdict).toContain('(in bursts of up to 6 at once)');
  });

  it('says bursts of differing sizes and the spells they came in, not the median burst and pause alone', async () => {
    const host = '10.200.1.16';
    const frames: TimedFrame[] = [];
    for (let i = 0; i < 5; i++) {
      frames.push(
        ...exchange(host, `198.51.100.${40 + i}`, 52000 + i, T0 + 0.1 + i * 0.05, { host: `www${i}.example.com`, ua: CHROME }).frames(),
      );
    }
    // A page load's connections to a server that never answers: 3 at once, 2 70 ms later, 1 53 ms
    // after those; then the page reloaded 75 s later, 3 more within 20 ms. Each SYN is sent again
    // 1, 2, 4, 8 and 16 s later.
    const firsts = [0.43, 0.4305, 0.431, 0.5007, 0.5009, 0.554, 75.889, 75.903, 75.908];
    for (const [k, start] of firsts.entries()) {
      let t = T0 + start;
      for (const wait of [0, 1, 2, 4, 8, 16]) {
        t += wait;
        frames.push({
          ts: t,
          frame: tcpFrame({ src: host, dst: '203.0.113.94', sport: 52100 + k, dport: 80, seq: 9000 + k, flags: 'S', ttl: 64 }),
        });
      }
    }
    const { result } = await analyze([pcap('reload.pcap', frames)]);
    const finding = result.hosts.find((h) => h.address === host)!;
    expect(finding.labels).toContain('blocked');
    expect(finding.verdict).toMatch(/bursts of 1 to 3 attempts at once with a pause of \d+ ms between them, in 2 spells 1 min 15 s apart/);
    // An average over the whole capture is no bound on the attempts a burst sends together.
    const summary = result.summary.find((s) => s.startsWith('Not a DDoS'))!;
    expect(summary).toMatch(/on average \(in bursts of up to 3 at once\), to one address;/);
    expect(finding.verdict).toMatch(/this host averages .* \(in bursts of up to 3 at once\) spread over/);
  });

  it("an attempt its client reset itself at the capture's end is one it abandoned, not one the end cut off", async () => {
    const host = '10.200.1.17';
    // Another host browses before it: the capture is no short one.
    const frames: TimedFrame[] = [...exchange('10.200.1.99', '198.51.100.60', 51000, T0, { host: 'www.example.com', ua: CHROME }).frames()];
    // Its SYN, then its own reset 0.3 ms later (Zeek: RSTOS0, history "SR"), as the capture ends.
    const t = T0 + 20;
    frames.push({ ts: t, frame: tcpFrame({ src: host, dst: '203.0.113.50', sport: 51100, dport: 8443, seq: 500, flags: 'S', ttl: 64 }) });
    frames.push({
      ts: t + 0.0003,
      frame: tcpFrame({ src: host, dst: '203.0.113.50', sport: 51100, dport: 8443, seq: 501, flags: 'R', ttl: 64 }),
    });
    const { result } = await analyze([pcap('abandoned.pcap', frames)], { allHosts: true });
    const finding = result.hosts.find((h) => h.address === host)!;
    expect(finding.cutOff).toBeUndefined();
    expect(finding.evidence.join(' ')).not.toMatch(/cut off/);
    expect(result.summary.join(' ')).not.toMatch(/left unjudged/);
    expect(finding.verdict).toMatch(
      /^Connection attempt the client abandoned itself: its one attempt reset by the client before any answer came/,
    );
  });
  it('attempts their client abandoned are said as such, apart from those never answered, wherever they are counted', async () => {
    const browser = '10.200.1.19';
    const giver = '10.200.1.20';
    // One host browses, and once gave up on a connection to a server that does not answer …
    const frames: TimedFrame[] = browsing(browser, 6, 52000, CHROME);
    /** A SYN, and — when `reset` — the client's own reset 0.3 ms later (Zeek: RSTOS0, history "SR"). */
    const syn = (src: string, dst: string, sport: number, t: number, reset: boolean): void => {
      frames.push({ ts: t, frame: tcpFrame({ src, dst, sport, dport: 8443, seq: 500, flags: 'S', ttl: 64 }) });
      if (reset) frames.push({ ts: t + 0.0003, frame: tcpFrame({ src, dst, sport, dport: 8443, seq: 501, flags: 'R', ttl: 64 }) });
    };
    syn(browser, '192.0.2.51', 52100, T0 + 40, true);
    syn(browser, '192.0.2.51', 52101, T0 + 95, true);
    syn(browser, '203.0.113.52', 52102, T0 + 150, false);
    // … another tried three times and gave up each time, and once was never answered.
    for (let i = 0; i < 3; i++) syn(giver, '203.0.113.53', 53000 + i, T0 + 60 + 70 * i, true);
    syn(giver, '203.0.113.54', 53010, T0 + 300, false);
    const { result } = await analyze([pcap('abandoned-apart.pcap', frames)], { allHosts: true });
    const summary = result.summary.join(' ');
    expect(summary).toMatch(/; 2 attempts never answered and 5 attempts abandoned by the client, scattered rather than repeated/);
    const browsed = result.hosts.find((h) => h.address === browser)!;
    expect(browsed.verdict).toMatch(/nothing regular; 3 of 9 attempts failed \(1 never answered, 2 abandoned by the client\), scattered\./);
    const abandonedAt = browsed.groups.find((g) => g.destination === '192.0.2.51')!;
    expect(outcomeWords(abandonedAt)).toBe('2 attempts: 0 established, 2 abandoned by the client');
    expect([abandonedAt.unanswered, abandonedAt.abandonedByClient, abandonedAt.failed]).toEqual([0, 2, 2]);
    const gaveUp = result.hosts.find((h) => h.address === giver)!;
    expect(gaveUp.verdict).toMatch(
      /^Connection attempts the client abandoned itself: 3 of 4 attempts reset by the client before any answer came — it gave up on them; nothing in the capture turned them away\. 1 more never answered\./,
    );
    // The table of hosts without findings counts them among the failed, and says so under it.
    expect(result.quietHosts.byActivity.find((r) => r.activity === 'direct')).toMatchObject({ failed: 7, abandonedByClient: 5 });
    const text = analyzeRenderers.text(result, { color: false, allHosts: true });
    expect(text).toMatch(/2 hosts without findings; of their failed attempts, 5 abandoned by the client\./);
    // Each attempt listed says the same, and so do the charts' colours and legend.
    const outcomes = gaveUp.attempts.map((a) => a.outcome);
    expect(outcomes).toEqual(['abandoned', 'abandoned', 'abandoned', 'unanswered']);
    const chart = timelineChart(gaveUp.attempts, 'giver', giver);
    expect(chart).toContain('>abandoned by the client</text>');
    expect(chart).toContain('>unanswered</text>');
  });
});

describe('the software a blocked host runs', () => {
  it('is the web server the path refused, not a resolver its DNS flow asks on a schedule', async () => {
    const host = '10.200.1.18';
    const frames: TimedFrame[] = [];
    // A stub asking a resolver outside every 20 s from one socket, never answered …
    for (let i = 0; i < 30; i++) {
      const payload = dnsQueryPayload({ id: i + 1, name: 'www.example.org' });
      frames.push({ ts: T0 + i * 20, frame: udpFrame({ src: host, dst: '8.8.8.8', sport: 40000, dport: 53, payload }) });
    }
    // … and five tries at a CDN's addresses, at no regular times, each reset by the firewall.
    [100, 130, 300, 310, 500].forEach((at, i) => {
      const server = `72.246.53.${10 + i}`;
      const sport = 49000 + i;
      frames.push(
        { ts: T0 + at, frame: tcpFrame({ src: host, dst: server, sport, dport: 80, seq: 1000 * i, flags: 'S', ttl: 128 }) },
        {
          ts: T0 + at + 0.00035,
          frame: tcpFrame({ src: server, dst: host, sport: 80, dport: sport, seq: 0, ack: 1000 * i + 1, flags: 'RA', ttl: 255 }),
        },
      );
    });
    // A session elsewhere, 30 ms away: the round trip to the Internet.
    for (let i = 0; i < 3; i++) frames.push(...exchange(host, '93.184.216.34', 48000 + i, T0 + 50 + i * 150).frames());
    const { result } = await analyze([pcap('resolver-and-cdn.pcap', frames)]);
    const finding = result.hosts.find((h) => h.address === host)!;
    expect(finding.labels).toContain('blocked');
    expect(finding.verdict).toMatch(
      /^Software that keeps trying to reach the web directly and is turned away in the path, not a DDoS participant: [^.]*72\.246\.53\.0\/24/,
    );
    expect(finding.verdict).not.toMatch(/one request every 20 s, 1 address in one \/24 \(8\.8\.8\.8\)/);
  });
});

describe('a firewall that resets connections by the name they ask for', () => {
  /** 30 tries of `client` every 60 s: the handshake with the server (TTL 52) completes, the client names the site, and then the reset. */
  function named(client: string, by: 'sni' | 'http', reset: { ttl: number; after: number }, sport: number): TimedFrame[] {
    const frames: TimedFrame[] = [];
    const rng = new Rng(7);
    for (let i = 0; i < 30; i++) {
      const t = T0 + i * 60;
      const s = new TcpSession({ client, server: '93.184.216.40', sport: sport + i, dport: by === 'sni' ? 443 : 80, serverTtl: 52 });
      const hello =
        by === 'sni'
          ? tlsClientHello(rng, 'telemetry.blocked.example')
          : 'GET /v1/ping HTTP/1.1\r\nHost: telemetry.blocked.example\r\n\r\n';
      s.syn(t)
        .synAck(t + 0.04)
        .ack(t + 0.0401)
        .send(t + 0.041, 'client', hello)
        .rst(t + 0.041 + reset.after, 'server', { ttl: reset.ttl, ipId: 0 });
      frames.push(...s.frames());
    }
    return frames;
  }

  it.each([
    ['sni', 'TLS ClientHello', 'SNI'],
    ['http', 'HTTP request', 'URL'],
  ] as const)('after the %s: says the handshake had completed and the device reset it on the name', async (by, what, filter) => {
    const host = '10.200.3.31';
    const { result } = await analyze([pcap(`named-${by}.pcap`, named(host, by, { ttl: 255, after: 0.0002 }, 50000))]);
    const h = result.hosts.find((x) => x.address === host)!;
    expect(h.labels).toEqual(expect.arrayContaining(['blocked', 'periodic']));
    expect(h.verdict).toContain(
      `every attempt reset by a device with no router in between (TTL 255, 0.2 ms, most likely the firewall) as soon as its ${what} named the site (${filter} filtering)`,
    );
    expect(h.evidence.find((e) => e.startsWith('resets:'))).toMatch(
      new RegExp(
        `, each right after the client's ${what} named telemetry\\.blocked\\.example: the handshake with the server had completed, and the reset came on the name asked for \\(${filter} filtering\\)$`,
      ),
    );
    // The summary's line about the device says it too.
    expect(result.summary).toContainEqual(
      expect.stringContaining(
        `came from a device in the path with no router in between (most likely the firewall) as soon as the client's ${what} named the site (${filter} filtering), not from the servers:`,
      ),
    );
  });

  it('a beacon of the same host that gets through, to another name on the same address, is its own destination and in the summary', async () => {
    const host = '10.200.3.33';
    const frames = named(host, 'sni', { ttl: 255, after: 0.0002 }, 52000);
    const rng = new Rng(7);
    for (let i = 0; i < 20; i++) {
      const t = T0 + 20 + i * 90;
      const s = new TcpSession({ client: host, server: '93.184.216.40', sport: 53000 + i, dport: 443, serverTtl: 52 });
      s.syn(t)
        .synAck(t + 0.04)
        .ack(t + 0.0401)
        .send(t + 0.041, 'client', tlsClientHello(rng, 'cdn.allowed.example'))
        .send(t + 0.081, 'server', 'x'.repeat(900))
        .fin(t + 0.5, 'client')
        .fin(t + 0.54, 'server')
        .ack(t + 0.5401, 'client');
      frames.push(...s.frames());
    }
    const { result } = await analyze([pcap('named-and-through.pcap', frames)]);
    const h = result.hosts.find((x) => x.address === host)!;
    expect(h.groups.map((g) => [g.destination, g.schedule.periodSeconds])).toEqual(
      expect.arrayContaining([
        ['telemetry.blocked.example', 60],
        ['cdn.allowed.example', 90],
      ]),
    );
    expect(result.summary).toContain(
      `${host}: turned away in the path, and besides on a schedule that gets through: cdn.allowed.example every 1 min 30 s — worth investigating.`,
    );
  });

  it('a server resetting after the ClientHello itself (its own TTL, a round trip later) is not said to filter', async () => {
    const host = '10.200.3.32';
    const { result } = await analyze([pcap('server-reset.pcap', named(host, 'sni', { ttl: 52, after: 0.04 }, 51000))]);
    const h = result.hosts.find((x) => x.address === host);
    const words = [...(h?.evidence ?? []), h?.verdict ?? '', ...result.summary].join('\n');
    expect(words).not.toMatch(/filtering|named the site/);
  });
});
