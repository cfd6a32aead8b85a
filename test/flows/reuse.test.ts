/**
 * The tracker recycles the state of emitted connections: a connection's record must not depend
 * on the connections that came before it on other ports.
 */

import { describe, expect, it } from 'vitest';
import type { Connection } from '../../src/flows/index.js';
import { TcpSession, type TimedFrame } from '../../src/synth/index.js';
import { trackFrames } from './support.js';

const T0 = 1_700_000_000;
const REQUEST = 'GET /update HTTP/1.1\r\nHost: updates.example\r\nUser-Agent: agent/1.0\r\nVia: 1.1 proxy\r\n\r\n';

/** One of four kinds of conversation, `i` seconds-apart slots of 20 s so each ends before the next. */
function conversation(i: number): TcpSession {
  const t = T0 + i * 20;
  const s = new TcpSession({
    client: '10.1.1.20',
    server: '203.0.113.80',
    sport: 40000 + i,
    dport: i % 4 === 3 ? 443 : 80,
    clientIsn: 1000 + i,
    serverIsn: 90000 + i,
    clientTtl: 64,
    serverTtl: 50 + (i % 4),
  });
  switch (i % 4) {
    case 0: // request answered, closed by both FINs
      return s
        .syn(t)
        .synAck(t + 0.05)
        .ack(t + 0.1)
        .send(t + 0.1, 'client', REQUEST)
        .send(t + 0.2, 'server', 'HTTP/1.1 200 OK\r\n\r\n')
        .fin(t + 0.3, 'client')
        .fin(t + 0.35, 'server')
        .ack(t + 0.4);
    case 1: // request reset by the responder
      return s
        .syn(t)
        .synAck(t + 0.05)
        .ack(t + 0.1)
        .send(t + 0.1, 'client', REQUEST)
        .rst(t + 0.2, 'server');
    case 2: // unanswered, retransmitted SYN
      return s
        .syn(t)
        .syn(t + 1)
        .syn(t + 3);
    default: // refused
      return s.syn(t).rst(t + 0.01, 'server');
  }
}

function withoutUid(c: Connection): Omit<Connection, 'uid'> {
  const { uid: _uid, ...rest } = c;
  return rest;
}

describe('recycled connection state', () => {
  it('gives every connection of a long capture the record it gets when tracked alone', async () => {
    const count = 24;
    const frames: TimedFrame[] = [];
    for (let i = 0; i < count; i++) frames.push(...conversation(i).frames());
    const together = (await trackFrames(frames)).connections;
    expect(together).toHaveLength(count);
    for (let i = 0; i < count; i++) {
      const alone = (await trackFrames(conversation(i).frames())).connections;
      expect(alone).toHaveLength(1);
      expect(withoutUid(together[i]!)).toEqual(withoutUid(alone[0]!));
    }
    // The scenarios differ where a leftover would show.
    expect(together.map((c) => c.connState).slice(0, 4)).toEqual(['SF', 'RSTR', 'S0', 'REJ']);
    expect(together[0]!.http?.host).toBe('updates.example');
    expect(together[2]!.http).toBeNull();
    expect(together[2]!.synCount).toBe(3);
    expect(together[4]!.synCount).toBe(1);
  });
});
