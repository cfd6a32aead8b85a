/**
 * What each request on a keep-alive connection asked for, as the schedule of its requests reads
 * it: an HTTP request's method and path (its query left out) the same from the packets as from
 * http.log, an encrypted request's size counted once however often its segments were sent, and
 * both kept when callhome's own flows are written out and read back.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCaptures } from '../../src/index.js';
import { httpRequestKey, loggedRequestKey, repeatedRequests } from '../../src/flows/request-keys.js';
import { flowsRenderers } from '../../src/report/index.js';
import { TcpSession } from '../../src/synth/session.js';
import { buildPcap, type TimedFrame } from '../../src/synth/capture.js';
import { trackFrames } from './support.js';

const T0 = Date.UTC(2024, 4, 6, 9) / 1000;
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const keyOf = (text: string): number | null => httpRequestKey(bytes(text), 0, text.length);

/** A keep-alive connection: `requests` from the client, one every 10 s, each answered. */
function keepAlive(requests: readonly string[], dport = 80): TimedFrame[] {
  const s = new TcpSession({ client: '10.0.0.5', server: '203.0.113.9', sport: 50000, dport });
  s.syn(T0)
    .synAck(T0 + 0.01)
    .ack(T0 + 0.011);
  requests.forEach((r, i) => s.send(T0 + 1 + i * 10, 'client', r).send(T0 + 1.02 + i * 10, 'server', 'HTTP/1.1 204 No Content\r\n\r\n'));
  return s.frames();
}

describe('request keys', () => {
  it('an HTTP request is keyed by its method and path, from the packets as from http.log', () => {
    const get = (target: string) => `GET ${target} HTTP/1.1\r\nHost: example.net\r\n\r\n`;
    expect(keyOf(get('/admin/get.php'))).toBe(loggedRequestKey('GET', '/admin/get.php'));
    // The query and fragment are left out: an agent varies them.
    expect(keyOf(get('/admin/get.php?id=1'))).toBe(keyOf(get('/admin/get.php?id=2#x')));
    expect(keyOf(get('/admin/get.php'))).not.toBe(keyOf(get('/news.php')));
    expect(keyOf(`POST /admin/get.php HTTP/1.1\r\n\r\n`)).not.toBe(keyOf(get('/admin/get.php')));
    expect(keyOf(get('/a'))).toBeLessThan(0);
    expect(keyOf('\x16\x03\x01\x02\x00')).toBeNull();
    expect(keyOf('get /lower HTTP/1.1\r\n')).toBeNull();
  });

  it('requests repeat when they ask for the same path or are near-identical in size', () => {
    const a = loggedRequestKey('GET', '/a');
    const b = loggedRequestKey('GET', '/b');
    expect(repeatedRequests([a, b, a, b, loggedRequestKey('GET', '/c')])).toBe(4);
    expect(repeatedRequests([310, 311, 1400, 5200, 309])).toBe(3);
    expect(repeatedRequests([a, b, loggedRequestKey('GET', '/c')])).toBe(0);
  });

  it('a connection keeps its requests’ keys: HTTP paths, else sizes, a segment sent again counted once', async () => {
    const http = keepAlive(['/x', '/y?1', '/y?2'].map((t) => `GET ${t} HTTP/1.1\r\nHost: example.net\r\n\r\n`));
    const { connections: plain } = await trackFrames(http);
    expect(plain[0]!.requestKeys).toEqual([loggedRequestKey('GET', '/x'), loggedRequestKey('GET', '/y'), loggedRequestKey('GET', '/y')]);

    // Encrypted: 300 bytes, then 4,000 in three segments (the second sent again before the answer), then 300.
    const tls = keepAlive(['\x17'.repeat(300), '\x17'.repeat(4000), '\x17'.repeat(300)], 443);
    const resent = tls.filter((f) => f.frame.length > 1500)[1]!;
    const { connections } = await trackFrames([...tls, { ts: resent.ts + 0.01, frame: resent.frame }].sort((x, y) => x.ts - y.ts));
    expect(connections[0]!.requestKeys).toEqual([300, 4000, 300]);

    // One request repeats nothing: none kept.
    const { connections: one } = await trackFrames(keepAlive(['GET / HTTP/1.1\r\n\r\n']));
    expect(one[0]!.requestKeys).toBeUndefined();
  });

  it('callhome’s own flows written out and read back keep them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'callhome-request-keys-'));
    const capture = join(dir, 'keepalive.pcap');
    writeFileSync(capture, buildPcap(keepAlive(['GET /a HTTP/1.1\r\n\r\n', 'GET /b HTTP/1.1\r\n\r\n'])));
    const { connections } = await loadCaptures([capture]);
    const keys = connections[0]!.requestKeys;
    expect(keys).toHaveLength(2);
    for (const [name, render] of [
      ['flows.json', flowsRenderers.json],
      ['conn.log', flowsRenderers.zeek],
    ] as const) {
      const path = join(dir, name);
      writeFileSync(path, render(connections, { color: false }));
      const { connections: back } = await loadCaptures([path]);
      expect(back[0]!.requestKeys, name).toEqual(keys);
    }
  });
});
