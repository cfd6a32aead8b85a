/**
 * Connection-tracker rules on small captures built with the project's packet builder and
 * writer, then read and decoded like any capture: one scenario each.
 */

import { describe, expect, it } from 'vitest';
import type { Connection } from '../../src/flows/index.js';
import {
  dnsQueryPayload,
  dnsResponsePayload,
  icmpFrame,
  IpIdCounter,
  quoteOf,
  TcpSession,
  udpFrame,
  type TimedFrame,
} from '../../src/synth/index.js';
import { trackFrames } from './support.js';

const CLIENT = '10.1.1.20';
const SERVER = '203.0.113.80';
const T0 = 1_700_000_000;

function session(o: Partial<ConstructorParameters<typeof TcpSession>[0]> = {}): TcpSession {
  return new TcpSession({
    client: CLIENT,
    server: SERVER,
    sport: 49152,
    dport: 443,
    clientIsn: 1000,
    serverIsn: 5000,
    clientTtl: 64,
    serverTtl: 52,
    ...o,
  });
}

function only(list: Connection[]): Connection {
  expect(list).toHaveLength(1);
  return list[0]!;
}

describe('TCP conn_state and history (Zeek rules)', () => {
  it.each<[string, (s: TcpSession) => void, string, string]>([
    [
      'a full exchange closed by both FINs',
      (s) =>
        s
          .syn(T0)
          .synAck(T0 + 0.05)
          .ack(T0 + 0.1)
          .send(T0 + 0.1, 'client', 'hello')
          .send(T0 + 0.2, 'server', 'world')
          .fin(T0 + 0.3, 'client')
          .fin(T0 + 0.35, 'server')
          .ack(T0 + 0.4),
      'SF',
      'ShADdFf',
    ],
    ['an unanswered SYN', (s) => s.syn(T0), 'S0', 'S'],
    ['a SYN refused with RST', (s) => s.syn(T0).rst(T0 + 0.01, 'server'), 'REJ', 'Sr'],
    [
      'a handshake and nothing else',
      (s) =>
        s
          .syn(T0)
          .synAck(T0 + 0.05)
          .ack(T0 + 0.1),
      'S1',
      'ShA',
    ],
    ['the originator aborting a SYN', (s) => s.syn(T0).rst(T0 + 0.01, 'client', { ack: false }), 'RSTOS0', 'SR'],
    [
      'the responder resetting an established connection',
      (s) =>
        s
          .syn(T0)
          .synAck(T0 + 0.05)
          .ack(T0 + 0.1)
          .send(T0 + 0.1, 'client', 'x')
          .rst(T0 + 0.2, 'server'),
      'RSTR',
      'ShADr',
    ],
    [
      'the originator resetting an established connection',
      (s) =>
        s
          .syn(T0)
          .synAck(T0 + 0.05)
          .ack(T0 + 0.1)
          .send(T0 + 0.1, 'client', 'x')
          .rst(T0 + 0.2, 'client'),
      'RSTO',
      'ShADR',
    ],
    [
      "a FIN answered by the responder's RST",
      (s) =>
        s
          .syn(T0)
          .synAck(T0 + 0.05)
          .ack(T0 + 0.1)
          .fin(T0 + 0.2, 'client')
          .rst(T0 + 0.25, 'server'),
      'RSTR',
      'ShAFr',
    ],
    [
      'a FIN exchange then a RST (normal close)',
      (s) =>
        s
          .syn(T0)
          .synAck(T0 + 0.05)
          .ack(T0 + 0.1)
          .fin(T0 + 0.2, 'client')
          .fin(T0 + 0.25, 'server')
          .rst(T0 + 0.3, 'client'),
      'SF',
      'ShAFfR',
    ],
    [
      'only the originator closing',
      (s) =>
        s
          .syn(T0)
          .synAck(T0 + 0.05)
          .ack(T0 + 0.1)
          .fin(T0 + 0.2, 'client'),
      'S2',
      'ShAF',
    ],
    [
      'only the responder closing',
      (s) =>
        s
          .syn(T0)
          .synAck(T0 + 0.05)
          .ack(T0 + 0.1)
          .fin(T0 + 0.2, 'server'),
      'S3',
      'ShAf',
    ],
  ])('%s', async (_name, script, state, history) => {
    const s = session();
    script(s);
    const c = only((await trackFrames(s.frames())).connections);
    expect(c.connState).toBe(state);
    expect(c.history).toBe(history);
    expect(c.origH).toBe(CLIENT);
    expect(c.respP).toBe(443);
  });

  it('keeps SYN retransmissions with the same ISN in one connection (S0, synCount 3)', async () => {
    const s = session()
      .syn(T0)
      .syn(T0 + 1)
      .syn(T0 + 3);
    const c = only((await trackFrames(s.frames())).connections);
    expect(c.connState).toBe('S0');
    expect(c.history).toBe('S');
    expect(c.synCount).toBe(3);
    expect(c.origPkts).toBe(3);
    expect(c.established).toBe(false);
  });

  it('ends an unanswered attempt after tcp_attempt_delay: a later SYN is a new connection', async () => {
    const s = session()
      .syn(T0)
      .syn(T0 + 7);
    const list = (await trackFrames(s.frames())).connections;
    expect(list.map((c) => [c.connState, c.synCount])).toEqual([
      ['S0', 1],
      ['S0', 1],
    ]);
  });

  it('logs one connection per refused attempt when the source port is reused', async () => {
    const frames: TimedFrame[] = [];
    for (let i = 0; i < 3; i++)
      frames.push(
        ...session({ clientIsn: 1000 + i * 7919 })
          .syn(T0 + i)
          .rst(T0 + i + 0.02, 'server')
          .frames(),
      );
    const list = (await trackFrames(frames)).connections;
    expect(list).toHaveLength(3);
    for (const c of list) {
      expect(c.connState).toBe('REJ');
      expect(c.history).toBe('Sr');
      expect(c.origP).toBe(49152);
    }
    expect(new Set(list.map((c) => c.uid)).size).toBe(3);
  });

  it('starts a new connection for a SYN with a different ISN on an open 4-tuple', async () => {
    const frames = [
      ...session().syn(T0).frames(),
      ...session({ clientIsn: 99999 })
        .syn(T0 + 1)
        .frames(),
    ];
    expect((await trackFrames(frames)).connections).toHaveLength(2);
  });

  it('flips a connection first seen at its SYN-ACK once an ACK follows (^ in the history)', async () => {
    const s = session({ dport: 8445 })
      .synAck(T0)
      .ack(T0 + 0.01)
      .send(T0 + 0.02, 'client', 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const c = only((await trackFrames(s.frames())).connections);
    expect(c.origH).toBe(CLIENT);
    expect(c.respH).toBe(SERVER);
    expect(c.history.startsWith('^h')).toBe(true);
    expect(c.origPkts).toBe(2);
    expect(c.respPkts).toBe(1);
  });

  it('flips a mid-stream connection whose first packet comes from a likely server port', async () => {
    const s = session({ dport: 80 })
      .send(T0, 'server', 'HTTP/1.1 200 OK\r\n\r\n')
      .send(T0 + 0.01, 'client', 'GET / HTTP/1.1\r\n\r\n');
    const c = only((await trackFrames(s.frames())).connections);
    expect(c.origH).toBe(CLIENT);
    expect(c.respP).toBe(80);
    expect(c.history).toBe('^dD');
  });

  it('counts bytes from sequence numbers, and letters retransmissions', async () => {
    const frames = session()
      .syn(T0)
      .synAck(T0 + 0.05)
      .ack(T0 + 0.1)
      .send(T0 + 0.1, 'client', 'abcdefghij')
      .frames();
    // The same segment again.
    frames.push({ ts: T0 + 0.5, frame: frames[frames.length - 1]!.frame });
    const c = only((await trackFrames(frames)).connections);
    expect(c.origBytes).toBe(10);
    expect(c.history).toBe('ShADT');
  });

  it('letters retransmissions again at the 10th and the 100th, not in between', async () => {
    const frames = session()
      .syn(T0)
      .synAck(T0 + 0.05)
      .ack(T0 + 0.1)
      .send(T0 + 0.1, 'client', 'abcdefghij')
      .frames();
    const segment = frames[frames.length - 1]!.frame;
    const history = async (copies: number): Promise<string> => {
      const all = [...frames];
      for (let k = 1; k <= copies; k++) all.push({ ts: T0 + 0.1 + k * 0.01, frame: segment });
      return only((await trackFrames(all)).connections).history;
    };
    expect(await history(9)).toBe('ShADT');
    expect(await history(10)).toBe('ShADTT');
    expect(await history(99)).toBe('ShADTT');
    expect(await history(100)).toBe('ShADTTT');
  });

  it('records a bad checksum as C and ignores the packet when checksums are verified', async () => {
    const s = session({ clientChecksum: true }).syn(T0);
    const verified = only((await trackFrames(s.frames(), { verifyChecksums: true })).connections);
    expect([verified.connState, verified.history, verified.origPkts]).toEqual(['OTH', 'C', 0]);
    const ignored = only((await trackFrames(s.frames())).connections);
    expect([ignored.connState, ignored.history, ignored.origPkts]).toEqual(['S0', 'S', 1]);
  });
});

describe('who sent the reset', () => {
  it('describes a SYN refused by the server itself', async () => {
    const s = session()
      .syn(T0)
      .rst(T0 + 0.04, 'server');
    const c = only((await trackFrames(s.frames())).connections);
    expect(c.resets).toHaveLength(1);
    const r = c.resets[0]!;
    expect(r).toMatchObject({
      kind: 'rst',
      fromOriginator: false,
      ttl: 52,
      sender: SERVER,
      stage: 'syn',
      ackZero: false,
      senderKeptSending: false,
    });
    expect(r.delay).toBeCloseTo(0.04, 5);
  });

  it('spots an injected reset: odd TTL mid-connection while the server keeps talking', async () => {
    const s = session()
      .syn(T0)
      .synAck(T0 + 0.05)
      .ack(T0 + 0.1)
      .send(T0 + 0.1, 'client', 'GET / HTTP/1.1\r\nHost: example.com\r\n\r\n')
      .rst(T0 + 0.101, 'server', { ttl: 63, ipId: 0 })
      .send(T0 + 0.15, 'server', 'HTTP/1.1 200 OK\r\n\r\n');
    const c = only((await trackFrames(s.frames())).connections);
    expect(c.resets).toHaveLength(1);
    const r = c.resets[0]!;
    expect(r.ttl).toBe(63);
    expect(r.ipId).toBe(0);
    expect(r.stage).toBe('data');
    expect(r.senderKeptSending).toBe(true);
    expect(r.peerTtls.length).toBeGreaterThan(0);
    expect(new Set(r.peerTtls)).toEqual(new Set([52]));
    expect(r.delay).toBeCloseTo(0.001, 5);
    expect(c.origTtl).toBe(64);
    expect(c.respTtl).toBe(52);
    expect(c.handshakeRtt).toBeCloseTo(0.05, 5);
    expect(c.established).toBe(true);
  });

  it("keeps the first eight IP IDs of the claimed sender, across the counter's wrap", async () => {
    const s = session({ serverIpId: new IpIdCounter(0xfff9) })
      .syn(T0)
      .synAck(T0 + 0.05)
      .ack(T0 + 0.1);
    for (let k = 0; k < 10; k++) s.send(T0 + 0.2 + k * 0.01, 'server', `chunk ${k}`);
    s.rst(T0 + 0.5, 'server', { ttl: 63, ipId: 7 });
    const r = only((await trackFrames(s.frames())).connections).resets[0]!;
    expect(r.peerIpIds).toEqual([0xfff9, 0xfffa, 0xfffb, 0xfffc, 0xfffd, 0xfffe, 0xffff, 0]);
    expect(r.peerTtls).toEqual([52]);
  });

  it('ties an ICMP administratively-prohibited to the TCP SYN it quotes', async () => {
    const s = session().syn(T0);
    const syn = s.frames()[0]!.frame;
    const icmp = icmpFrame({ src: '10.1.1.1', dst: CLIENT, ttl: 255, type: 3, code: 13, quoted: quoteOf(syn) });
    const list = (await trackFrames([...s.frames(), { ts: T0 + 0.002, frame: icmp }])).connections;
    const tcp = list.find((c) => c.proto === 'tcp')!;
    expect(tcp.connState).toBe('S0');
    expect(tcp.resets).toHaveLength(1);
    expect(tcp.resets[0]).toMatchObject({
      kind: 'icmp',
      icmpType: 3,
      icmpCode: 13,
      sender: '10.1.1.1',
      ttl: 255,
      stage: 'syn',
      fromOriginator: false,
    });
    const icmpRow = list.find((c) => c.proto === 'icmp')!;
    expect([icmpRow.origH, icmpRow.origP, icmpRow.respH, icmpRow.respP, icmpRow.connState]).toEqual(['10.1.1.1', 3, CLIENT, 13, 'OTH']);
  });
});

describe('UDP and ICMP', () => {
  it('pairs a DNS request and response (SF, Dd) and keeps the query and answers', async () => {
    const q = udpFrame({
      src: CLIENT,
      dst: '10.1.1.53',
      sport: 53000,
      dport: 53,
      payload: dnsQueryPayload({ id: 7, name: 'updates.example.com' }),
    });
    const a = udpFrame({
      src: '10.1.1.53',
      dst: CLIENT,
      sport: 53,
      dport: 53000,
      payload: dnsResponsePayload({ id: 7, name: 'updates.example.com', addresses: ['198.51.100.7'] }),
    });
    const c = only(
      (
        await trackFrames([
          { ts: T0, frame: q },
          { ts: T0 + 0.003, frame: a },
        ])
      ).connections,
    );
    expect([c.proto, c.connState, c.history, c.service]).toEqual(['udp', 'SF', 'Dd', 'dns']);
    expect(c.dnsQuery).toBe('updates.example.com');
    expect(c.dnsAnswers.map((x) => x.value)).toContain('198.51.100.7');
    expect(c.duration).toBeCloseTo(0.003, 5);
  });

  it('ties an ICMP port unreachable to the UDP flow it refused', async () => {
    const u = udpFrame({ src: CLIENT, dst: SERVER, sport: 40000, dport: 9999, payload: 'ping' });
    const icmp = icmpFrame({ src: SERVER, dst: CLIENT, ttl: 52, type: 3, code: 3, quoted: quoteOf(u) });
    const list = (
      await trackFrames([
        { ts: T0, frame: u },
        { ts: T0 + 0.02, frame: icmp },
      ])
    ).connections;
    const udp = list.find((c) => c.proto === 'udp')!;
    expect([udp.connState, udp.history]).toEqual(['S0', 'D']);
    expect(udp.resets).toHaveLength(1);
    expect(udp.resets[0]).toMatchObject({ kind: 'icmp', icmpType: 3, icmpCode: 3, sender: SERVER, ttl: 52 });
    expect(udp.resets[0]!.delay).toBeCloseTo(0.02, 5);
  });

  it('joins an echo reply to its request (ports: type and counterpart)', async () => {
    const req = icmpFrame({ src: CLIENT, dst: SERVER, type: 8, code: 0, id: 1, sequence: 1 });
    const rep = icmpFrame({ src: SERVER, dst: CLIENT, type: 0, code: 0, id: 1, sequence: 1 });
    const c = only(
      (
        await trackFrames([
          { ts: T0, frame: req },
          { ts: T0 + 0.01, frame: rep },
        ])
      ).connections,
    );
    expect([c.origP, c.respP, c.origPkts, c.respPkts, c.connState]).toEqual([8, 0, 1, 1, 'OTH']);
  });

  it('splits a UDP flow idle longer than udp_inactivity_timeout', async () => {
    const u1 = udpFrame({ src: CLIENT, dst: SERVER, sport: 40000, dport: 9999, payload: 'a' });
    const list = (
      await trackFrames([
        { ts: T0, frame: u1 },
        { ts: T0 + 70, frame: u1 },
      ])
    ).connections;
    expect(list).toHaveLength(2);
  });
});

describe('bounded memory and order', () => {
  it('evicts the longest-idle connections at maxConnections and loses none', async () => {
    const frames: TimedFrame[] = [];
    for (let i = 0; i < 500; i++)
      frames.push(
        ...session({ sport: 20000 + i })
          .syn(T0 + i * 0.001)
          .frames(),
      );
    const { connections, tracker } = await trackFrames(frames, { maxConnections: 10 });
    expect(connections).toHaveLength(500);
    expect(tracker.stats.evicted).toBe(490);
    expect(tracker.stats.peakActive).toBe(10);
    expect(tracker.stats.active).toBe(0);
    expect(new Set(connections.map((c) => c.origP)).size).toBe(500);
  });

  it('emits finished connections while reading, not only at the end', async () => {
    const frames: TimedFrame[] = [];
    for (let i = 0; i < 50; i++)
      frames.push(
        ...session({ sport: 30000 + i })
          .syn(T0 + i * 10)
          .rst(T0 + i * 10 + 0.01, 'server')
          .frames(),
      );
    const { tracker } = await trackFrames(frames);
    expect(tracker.stats.peakActive).toBeLessThanOrEqual(2);
    expect(tracker.stats.connections).toBe(50);
  });

  it('tolerates packets slightly out of time order', async () => {
    const s = session()
      .syn(T0)
      .synAck(T0 + 0.05)
      .ack(T0 + 0.1)
      .fin(T0 + 0.2, 'client')
      .fin(T0 + 0.25, 'server');
    const frames = s.frames();
    // Swap the SYN-ACK's time before the SYN (merged interfaces), keep file order.
    const swapped = frames.map((f, i) => (i === 1 ? { ts: T0 - 0.001, frame: f.frame } : f));
    const c = only((await trackFrames(swapped)).connections);
    expect(c.connState).toBe('SF');
  });

  it('stamps the capture index and asks the caller which addresses are local', async () => {
    const s = session().syn(T0);
    const { connections } = await trackFrames(s.frames(), { isLocal: (a) => a === SERVER });
    expect([connections[0]!.localOrig, connections[0]!.localResp, connections[0]!.capture]).toEqual([false, true, 0]);
    const defaults = (await trackFrames(s.frames())).connections[0]!;
    expect([defaults.localOrig, defaults.localResp]).toEqual([true, true]);
  });

  it('peeks the HTTP request and times each request on a keep-alive connection', async () => {
    const s = session({ dport: 80 })
      .syn(T0)
      .synAck(T0 + 0.05)
      .ack(T0 + 0.1)
      .send(T0 + 0.1, 'client', 'GET /beacon HTTP/1.1\r\nHost: c2.example\r\nUser-Agent: agent/1.0\r\n\r\n')
      .send(T0 + 0.2, 'server', 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n')
      .send(T0 + 8.1, 'client', 'GET /beacon HTTP/1.1\r\nHost: c2.example\r\n\r\n')
      .send(T0 + 8.2, 'server', 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
    const c = only((await trackFrames(s.frames())).connections);
    expect(c.service).toBe('http');
    expect(c.http?.host).toBe('c2.example');
    expect(c.requestTimes.map((t) => Math.round((t - T0) * 10) / 10)).toEqual([0.1, 8.1]);
  });
});
