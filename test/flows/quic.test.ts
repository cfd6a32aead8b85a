/**
 * QUIC connections in the tracker: the client's Initial packets read for the server name and
 * version, and service quic once a QUIC server answers — on corpus traces and on the sample
 * packets of RFC 9001 and RFC 9369 Appendix A sent over UDP.
 */

import { V1_CLIENT_INITIAL_HEX, V2_CLIENT_INITIAL_HEX, hexBytes } from '../support/quic-vectors.js';
import { describe, expect, it } from 'vitest';
import type { Connection } from '../../src/flows/index.js';
import { udpFrame, type TimedFrame } from '../../src/synth/index.js';
import { corpusPath } from '../support/corpus.js';
import { trackFile, trackFrames } from './support.js';

const CLIENT = '10.1.1.20';
const SERVER = '203.0.113.80';
const T0 = 1_700_000_000;

const bytes = hexBytes;

/** RFC 9001 Appendix A.2: a version 1 client Initial for example.com, DCID 8394c8f03e515708, no SCID. */
const V1_CLIENT_INITIAL = bytes(V1_CLIENT_INITIAL_HEX);

/** RFC 9001 Appendix A.3: the server's Initial, to the client's empty SCID. */
const V1_SERVER_INITIAL = bytes(`
  cf000000010008f067a5502a4262b5004075c0d95a482cd0991cd25b0aac406a
  5816b6394100f37a1c69797554780bb38cc5a99f5ede4cf73c3ec2493a1839b3
  dbcba3f6ea46c5b7684df3548e7ddeb9c3bf9c73cc3f3bded74b562bfb19fb84
  022f8ef4cdd93795d77d06edbb7aaf2f58891850abbdca3d20398c276456cbc4
  2158407dd074ee
`);

/** RFC 9369 Appendix A.2 and A.4: the version 2 client Initial and a Retry. */
const V2_CLIENT_INITIAL = bytes(V2_CLIENT_INITIAL_HEX);
const V2_RETRY = bytes(`
  cf6b3343cf0008f067a5502a4262b5746f6b656ec8646ce8bfe33952d9555436
  65dcc7b6
`);

function datagram(ts: number, fromClient: boolean, payload: Uint8Array): TimedFrame {
  const frame = fromClient
    ? udpFrame({ src: CLIENT, dst: SERVER, sport: 51000, dport: 443, payload })
    : udpFrame({ src: SERVER, dst: CLIENT, sport: 443, dport: 51000, payload });
  return { ts, frame };
}

async function one(frames: TimedFrame[]): Promise<Connection> {
  const { connections } = await trackFrames(frames);
  expect(connections).toHaveLength(1);
  return connections[0]!;
}

describe('QUIC connections', () => {
  it('Merlin C2 over QUIC: service quic, version 1, ALPN h3, no server name (as tshark reads it)', async () => {
    const { connections } = await trackFile(corpusPath('beacon/zeek_merlinc2_quic.pcapng'));
    const c = connections.find((x) => x.proto === 'udp' && x.respP === 443)!;
    expect(c).toMatchObject({
      origH: '10.0.0.4',
      respH: '24.199.110.233',
      service: 'quic',
      sni: null,
      quic: { version: 'v1', alpn: ['h3'] },
    });
  });

  it('a handshake through a Retry: the server name of the first ClientHello', async () => {
    const { connections } = await trackFile(corpusPath('zeek/ppp__quic-interop-retry.pcap'));
    const c = connections.find((x) => x.proto === 'udp')!;
    expect(c).toMatchObject({ service: 'quic', sni: 'server4:443', quic: { version: 'v1', alpn: ['hq-interop'] } });
  });

  it('an answered client Initial (RFC 9001 A.2, A.3)', async () => {
    const c = await one([datagram(T0, true, V1_CLIENT_INITIAL), datagram(T0 + 0.03, false, V1_SERVER_INITIAL)]);
    expect(c).toMatchObject({ service: 'quic', sni: 'example.com', quic: { version: 'v1', alpn: ['alpn'] } });
  });

  it('a version 2 client Initial answered by a Retry (RFC 9369 A.2, A.4)', async () => {
    const c = await one([datagram(T0, true, V2_CLIENT_INITIAL), datagram(T0 + 0.03, false, V2_RETRY)]);
    expect(c).toMatchObject({ service: 'quic', sni: 'example.com', quic: { version: 'v2', alpn: ['alpn'] } });
  });

  it('an unanswered client Initial: the name and version, but no service', async () => {
    const c = await one([datagram(T0, true, V1_CLIENT_INITIAL), datagram(T0 + 1, true, V1_CLIENT_INITIAL)]);
    expect(c).toMatchObject({ service: null, sni: 'example.com', quic: { version: 'v1', alpn: ['alpn'] } });
  });

  it('an answer to another connection ID does not confirm QUIC', async () => {
    // A version 1 Retry to DCID aa, where the client's SCID is empty.
    const retry = bytes('f0 00000001 01 aa 04 11223344 746f6b656e 00112233445566778899aabbccddeeff');
    const toOther = await one([datagram(T0, true, V1_CLIENT_INITIAL), datagram(T0 + 0.03, false, retry)]);
    expect(toOther.service).toBeNull();
    retry[5] = 0; // DCID empty, the rest read as SCID length 0xaa: not a packet
    const garbled = await one([datagram(T0, true, V1_CLIENT_INITIAL), datagram(T0 + 0.03, false, retry)]);
    expect(garbled.service).toBeNull();
    const toClient = await one([
      datagram(T0, true, V1_CLIENT_INITIAL),
      datagram(T0 + 0.03, false, bytes('f0 00000001 00 04 11223344 746f6b656e 00112233445566778899aabbccddeeff')),
    ]);
    expect(toClient.service).toBe('quic');
  });

  it('an Initial that does not decrypt and is not answered is not QUIC', async () => {
    const bad = Uint8Array.from(V1_CLIENT_INITIAL);
    bad[bad.length - 1] = bad[bad.length - 1]! ^ 1;
    const c = await one([datagram(T0, true, bad)]);
    expect(c).toMatchObject({ service: null, sni: null, quic: null });
  });

  it('a flow that did not open with a long-header packet is not looked at again', async () => {
    const c = await one([
      datagram(T0, true, bytes('4000bff4655e5cd55c41f69080575d7999c25a5bfb')),
      datagram(T0 + 0.1, true, V1_CLIENT_INITIAL),
    ]);
    expect(c).toMatchObject({ service: null, sni: null, quic: null });
  });
});
