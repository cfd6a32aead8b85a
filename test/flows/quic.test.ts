/**
 * QUIC connections in the tracker: the client's Initial packets read for the server name and
 * version, and service quic once a QUIC server answers — on corpus traces and on the sample
 * packets of RFC 9001 and RFC 9369 Appendix A sent over UDP.
 */

import { V1_CLIENT_INITIAL_HEX, hexBytes } from '../support/quic-vectors.js';
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
const V2_CLIENT_INITIAL = bytes(`
  d76b3343cf088394c8f03e5157080000449ea0c95e82ffe67b6abcdb4298b485
  dd04de806071bf03dceebfa162e75d6c96058bdbfb127cdfcbf903388e99ad04
  9f9a3dd4425ae4d0992cfff18ecf0fdb5a842d09747052f17ac2053d21f57c5d
  250f2c4f0e0202b70785b7946e992e58a59ac52dea6774d4f03b55545243cf1a
  12834e3f249a78d395e0d18f4d766004f1a2674802a747eaa901c3f10cda5500
  cb9122faa9f1df66c392079a1b40f0de1c6054196a11cbea40afb6ef5253cd68
  18f6625efce3b6def6ba7e4b37a40f7732e093daa7d52190935b8da58976ff33
  12ae50b187c1433c0f028edcc4c2838b6a9bfc226ca4b4530e7a4ccee1bfa2a3
  d396ae5a3fb512384b2fdd851f784a65e03f2c4fbe11a53c7777c023462239dd
  6f7521a3f6c7d5dd3ec9b3f233773d4b46d23cc375eb198c63301c21801f6520
  bcfb7966fc49b393f0061d974a2706df8c4a9449f11d7f3d2dcbb90c6b877045
  636e7c0c0fe4eb0f697545460c806910d2c355f1d253bc9d2452aaa549e27a1f
  ac7cf4ed77f322e8fa894b6a83810a34b361901751a6f5eb65a0326e07de7c12
  16ccce2d0193f958bb3850a833f7ae432b65bc5a53975c155aa4bcb4f7b2c4e5
  4df16efaf6ddea94e2c50b4cd1dfe06017e0e9d02900cffe1935e0491d77ffb4
  fdf85290fdd893d577b1131a610ef6a5c32b2ee0293617a37cbb08b847741c3b
  8017c25ca9052ca1079d8b78aebd47876d330a30f6a8c6d61dd1ab5589329de7
  14d19d61370f8149748c72f132f0fc99f34d766c6938597040d8f9e2bb522ff9
  9c63a344d6a2ae8aa8e51b7b90a4a806105fcbca31506c446151adfeceb51b91
  abfe43960977c87471cf9ad4074d30e10d6a7f03c63bd5d4317f68ff325ba3bd
  80bf4dc8b52a0ba031758022eb025cdd770b44d6d6cf0670f4e990b22347a7db
  848265e3e5eb72dfe8299ad7481a408322cac55786e52f633b2fb6b614eaed18
  d703dd84045a274ae8bfa73379661388d6991fe39b0d93debb41700b41f90a15
  c4d526250235ddcd6776fc77bc97e7a417ebcb31600d01e57f32162a8560cacc
  7e27a096d37a1a86952ec71bd89a3e9a30a2a26162984d7740f81193e8238e61
  f6b5b984d4d3dfa033c1bb7e4f0037febf406d91c0dccf32acf423cfa1e70710
  10d3f270121b493ce85054ef58bada42310138fe081adb04e2bd901f2f13458b
  3d6758158197107c14ebb193230cd1157380aa79cae1374a7c1e5bbcb80ee23e
  06ebfde206bfb0fcbc0edc4ebec309661bdd908d532eb0c6adc38b7ca7331dce
  8dfce39ab71e7c32d318d136b6100671a1ae6a6600e3899f31f0eed19e3417d1
  34b90c9058f8632c798d4490da4987307cba922d61c39805d072b589bd52fdf1
  e86215c2d54e6670e07383a27bbffb5addf47d66aa85a0c6f9f32e59d85a44dd
  5d3b22dc2be80919b490437ae4f36a0ae55edf1d0b5cb4e9a3ecabee93dfc6e3
  8d209d0fa6536d27a5d6fbb17641cde27525d61093f1b28072d111b2b4ae5f89
  d5974ee12e5cf7d5da4d6a31123041f33e61407e76cffcdcfd7e19ba58cf4b53
  6f4c4938ae79324dc402894b44faf8afbab35282ab659d13c93f70412e85cb19
  9a37ddec600545473cfb5a05e08d0b209973b2172b4d21fb69745a262ccde96b
  a18b2faa745b6fe189cf772a9f84cbfc
`);
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
