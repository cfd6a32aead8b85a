import { createCipheriv } from 'node:crypto';
import { V1_CLIENT_INITIAL_HEX, V2_CLIENT_INITIAL_HEX, hexBytes } from '../support/quic-vectors.js';
import { describe, expect, it } from 'vitest';
import { readCapture } from '../../src/capture/index.js';
import {
  decodePacket,
  initialKeys,
  newPacket,
  peekQuicInitial,
  peekQuicLongHeader,
  quicLongHeaderVersion,
  quicVersionName,
  QuicInitialReader,
} from '../../src/decode/index.js';
import { corpusPath } from '../support/corpus.js';

const V1 = 0x00000001;
const V2 = 0x6b3343cf;
const DRAFT29 = 0xff00001d;
/** RFC 9001 Appendix A, RFC 9369 Appendix A, draft-ietf-quic-tls-29 Appendix A: the client's DCID. */
const RFC_DCID = '8394c8f03e515708';

const bytes = hexBytes;

// -- Sample packets: RFC 9001 Appendix A.2–A.4 (version 1), RFC 9369 Appendix A.2–A.4
//    (version 2), draft-ietf-quic-tls-29 Appendix A.2–A.4.

const V1_CLIENT_INITIAL = V1_CLIENT_INITIAL_HEX;

const V1_SERVER_INITIAL = `
  cf000000010008f067a5502a4262b5004075c0d95a482cd0991cd25b0aac406a
  5816b6394100f37a1c69797554780bb38cc5a99f5ede4cf73c3ec2493a1839b3
  dbcba3f6ea46c5b7684df3548e7ddeb9c3bf9c73cc3f3bded74b562bfb19fb84
  022f8ef4cdd93795d77d06edbb7aaf2f58891850abbdca3d20398c276456cbc4
  2158407dd074ee
`;

const V1_RETRY = `
  ff000000010008f067a5502a4262b5746f6b656e04a265ba2eff4d829058fb3f
  0f2496ba
`;

const V2_CLIENT_INITIAL = V2_CLIENT_INITIAL_HEX;

const V2_SERVER_INITIAL = `
  dc6b3343cf0008f067a5502a4262b5004075d92faaf16f05d8a4398c47089698
  baeea26b91eb761d9b89237bbf87263017915358230035f7fd3945d88965cf17
  f9af6e16886c61bfc703106fbaf3cb4cfa52382dd16a393e42757507698075b2
  c984c707f0a0812d8cd5a6881eaf21ceda98f4bd23f6fe1a3e2c43edd9ce7ca8
  4bed8521e2e140
`;

const V2_RETRY = `
  cf6b3343cf0008f067a5502a4262b5746f6b656ec8646ce8bfe33952d9555436
  65dcc7b6
`;

const DRAFT29_CLIENT_INITIAL = `
  c5ff00001d088394c8f03e5157080000449e4a95245bfb66bc5f93032b7ddd89
  fe0ff15d9c4f7050fccdb71c1cd80512d4431643a53aafa1b0b518b44968b18b
  8d3e7a4d04c30b3ed9410325b2abb2dafb1c12f8b70479eb8df98abcaf95dd8f
  3d1c78660fbc719f88b23c8aef6771f3d50e10fdfb4c9d92386d44481b6c52d5
  9e5538d3d3942de9f13a7f8b702dc31724180da9df22714d01003fc5e3d165c9
  50e630b8540fbd81c9df0ee63f94997026c4f2e1887a2def79050ac2d86ba318
  e0b3adc4c5aa18bcf63c7cf8e85f569249813a2236a7e72269447cd1c755e451
  f5e77470eb3de64c8849d292820698029cfa18e5d66176fe6e5ba4ed18026f90
  900a5b4980e2f58e39151d5cd685b10929636d4f02e7fad2a5a458249f5c0298
  a6d53acbe41a7fc83fa7cc01973f7a74d1237a51974e097636b6203997f921d0
  7bc1940a6f2d0de9f5a11432946159ed6cc21df65c4ddd1115f86427259a196c
  7148b25b6478b0dc7766e1c4d1b1f5159f90eabc61636226244642ee148b464c
  9e619ee50a5e3ddc836227cad938987c4ea3c1fa7c75bbf88d89e9ada642b2b8
  8fe8107b7ea375b1b64889a4e9e5c38a1c896ce275a5658d250e2d76e1ed3a34
  ce7e3a3f383d0c996d0bed106c2899ca6fc263ef0455e74bb6ac1640ea7bfedc
  59f03fee0e1725ea150ff4d69a7660c5542119c71de270ae7c3ecfd1af2c4ce5
  51986949cc34a66b3e216bfe18b347e6c05fd050f85912db303a8f054ec23e38
  f44d1c725ab641ae929fecc8e3cefa5619df4231f5b4c009fa0c0bbc60bc75f7
  6d06ef154fc8577077d9d6a1d2bd9bf081dc783ece60111bea7da9e5a9748069
  d078b2bef48de04cabe3755b197d52b32046949ecaa310274b4aac0d008b1948
  c1082cdfe2083e386d4fd84c0ed0666d3ee26c4515c4fee73433ac703b690a9f
  7bf278a77486ace44c489a0c7ac8dfe4d1a58fb3a730b993ff0f0d61b4d89557
  831eb4c752ffd39c10f6b9f46d8db278da624fd800e4af85548a294c1518893a
  8778c4f6d6d73c93df200960104e062b388ea97dcf4016bced7f62b4f062cb6c
  04c20693d9a0e3b74ba8fe74cc01237884f40d765ae56a51688d985cf0ceaef4
  3045ed8c3f0c33bced08537f6882613acd3b08d665fce9dd8aa73171e2d3771a
  61dba2790e491d413d93d987e2745af29418e428be34941485c93447520ffe23
  1da2304d6a0fd5d07d0837220236966159bef3cf904d722324dd852513df39ae
  030d8173908da6364786d3c1bfcb19ea77a63b25f1e7fc661def480c5d00d444
  56269ebd84efd8e3a8b2c257eec76060682848cbf5194bc99e49ee75e4d0d254
  bad4bfd74970c30e44b65511d4ad0e6ec7398e08e01307eeeea14e46ccd87cf3
  6b285221254d8fc6a6765c524ded0085dca5bd688ddf722e2c0faf9d0fb2ce7a
  0c3f2cee19ca0ffba461ca8dc5d2c8178b0762cf67135558494d2a96f1a139f0
  edb42d2af89a9c9122b07acbc29e5e722df8615c343702491098478a389c9872
  a10b0c9875125e257c7bfdf27eef4060bd3d00f4c14fd3e3496c38d3c5d1a566
  8c39350effbc2d16ca17be4ce29f02ed969504dda2a8c6b9ff919e693ee79e09
  089316e7d1d89ec099db3b2b268725d888536a4b8bf9aee8fb43e82a4d919d48
  43b1ca70a2d8d3f725ead1391377dcc0
`;

const DRAFT29_SERVER_INITIAL = `
  caff00001d0008f067a5502a4262b5004074aaf2f007823a5d3a1207c86ee491
  32824f0465243d082d868b107a38092bc80528664cbf9456ebf27673fb5fa506
  1ab573c9f001b81da028a00d52ab00b15bebaa70640e106cf2acd043e9c6b441
  1c0a79637134d8993701fe779e58c2fe753d14b0564021565ea92e57bc6faf56
  dfc7a40870e6
`;

const DRAFT29_RETRY = `
  ffff00001d0008f067a5502a4262b5746f6b656ed16926d81f6f9ca2953a8aa4
  575e1e49
`;

// -- Packets made here: the protection of RFC 9001 §5.3–5.4, applied the way a client does.

const u16 = (n: number): number[] => [n >> 8, n & 0xff];
const u24 = (n: number): number[] => [n >> 16, (n >> 8) & 0xff, n & 0xff];

/** A two-byte varint (RFC 9000 §16). */
const varint2 = (n: number): number[] => [0x40 | (n >> 8), n & 0xff];

/** A ClientHello handshake message (no record header) with server_name, ALPN and a key share of `keyShareBytes`. */
function clientHelloMessage(sni: string, alpn: string[], keyShareBytes: number): number[] {
  const name = Array.from(Buffer.from(sni, 'latin1'));
  const sniEntry = [0, ...u16(name.length), ...name];
  const protocols = alpn.flatMap((p) => [p.length, ...Buffer.from(p, 'latin1')]);
  const extensions = [
    ...u16(0x0033),
    ...u16(keyShareBytes),
    ...new Array<number>(keyShareBytes).fill(0x42),
    ...u16(0),
    ...u16(sniEntry.length + 2),
    ...u16(sniEntry.length),
    ...sniEntry,
    ...u16(16),
    ...u16(protocols.length + 2),
    ...u16(protocols.length),
    ...protocols,
  ];
  const body = [3, 3, ...new Array<number>(32).fill(7), 0, ...u16(2), 0x13, 0x01, 1, 0, ...u16(extensions.length), ...extensions];
  return [1, ...u24(body.length), ...body];
}

/** A CRYPTO frame of message[from, to). */
function cryptoFrame(message: number[], from: number, to: number): number[] {
  return [0x06, ...varint2(from), ...varint2(to - from), ...message.slice(from, to)];
}

interface InitialSpec {
  version?: number;
  dcid?: string;
  /** The DCID the keys come from, when not the packet's own. */
  keysFrom?: string;
  scid?: string;
  pn?: number;
  frames: number[];
  /** Bytes of PADDING after the frames. */
  padding?: number;
}

/** A protected client Initial packet. */
function protectInitial(o: InitialSpec): Uint8Array {
  const version = o.version ?? V1;
  const dcid = bytes(o.dcid ?? RFC_DCID);
  const scid = bytes(o.scid ?? '');
  const pn = o.pn ?? 0;
  const keys = initialKeys(version, bytes(o.keysFrom ?? o.dcid ?? RFC_DCID), 'client')!;
  const plaintext = Uint8Array.from([...o.frames, ...new Array<number>(o.padding ?? 0).fill(0)]);
  const pnLength = 2;
  const typeBits = version === V2 ? 1 : 0;
  const header = Uint8Array.from([
    0xc0 | (typeBits << 4) | (pnLength - 1),
    ...u16(version >>> 16),
    ...u16(version & 0xffff),
    dcid.length,
    ...dcid,
    scid.length,
    ...scid,
    0,
    ...varint2(pnLength + plaintext.length + 16),
    ...u16(pn),
  ]);
  const nonce = Buffer.from(keys.iv);
  nonce[10] = nonce[10]! ^ (pn >> 8);
  nonce[11] = nonce[11]! ^ (pn & 0xff);
  const gcm = createCipheriv('aes-128-gcm', keys.key, nonce);
  gcm.setAAD(header);
  const sealed = Buffer.concat([gcm.update(plaintext), gcm.final(), gcm.getAuthTag()]);
  const packet = Buffer.concat([header, sealed]);
  const pnOffset = header.length - pnLength;
  const ecb = createCipheriv('aes-128-ecb', keys.hp, null);
  const mask = ecb.update(packet.subarray(pnOffset + 4, pnOffset + 20));
  packet[0] = packet[0]! ^ (mask[0]! & 0x0f);
  for (let i = 0; i < pnLength; i++) packet[pnOffset + i] = packet[pnOffset + i]! ^ mask[1 + i]!;
  return Uint8Array.from(packet);
}

describe('QUIC Initial keys (RFC 9001 §5.2)', () => {
  const dcid = bytes(RFC_DCID);
  const hexKeys = (version: number, side: 'client' | 'server') => {
    const k = initialKeys(version, dcid, side)!;
    return { key: k.key.toString('hex'), iv: k.iv.toString('hex'), hp: k.hp.toString('hex') };
  };

  it.each([
    ['v1, RFC 9001 A.1', 'client', V1, '1f369613dd76d5467730efcbe3b1a22d', 'fa044b2f42a3fd3b46fb255c', '9f50449e04a0e810283a1e9933adedd2'],
    ['v1, RFC 9001 A.1', 'server', V1, 'cf3a5331653c364c88f0f379b6067e37', '0ac1493ca1905853b0bba03e', 'c206b8d9b9f0f37644430b490eeaa314'],
    ['v2, RFC 9369 A.1', 'client', V2, '8b1a0bc121284290a29e0971b5cd045d', '91f73e2351d8fa91660e909f', '45b95e15235d6f45a6b19cbcb0294ba9'],
    ['v2, RFC 9369 A.1', 'server', V2, '82db637861d55e1d011f19ea71d5d2a7', 'dd13c276499c0249d3310652', 'edf6d05c83121201b436e16877593c3a'],
    ['draft-29 A.1', 'client', DRAFT29, '175257a31eb09dea9366d8bb79ad80ba', '6b26114b9cba2b63a9e8dd4f', '9ddd12c994c0698b89374a9c077a3077'],
    ['draft-29 A.1', 'server', DRAFT29, '149d0b1662ab871fbe63c49b5e655a5d', 'bab2b12a4c76016ace47856d', 'c0c499a65a60024a18a250974ea01dfa'],
  ] as const)('%s: the %s keys', (_name, side, version, key, iv, hp) => {
    expect(hexKeys(version, side)).toEqual({ key, iv, hp });
  });

  it('has no keys for a version it does not know', () => {
    expect(initialKeys(0xfaceb002, dcid, 'client')).toBeNull();
  });

  it('names the versions', () => {
    expect([V1, V2, DRAFT29, 0xfaceb002].map(quicVersionName)).toEqual(['v1', 'v2', 'draft-29', '0xfaceb002']);
  });
});

describe('QUIC client Initial: the sample packets of the RFCs', () => {
  it.each([
    ['v1, RFC 9001 A.2', V1_CLIENT_INITIAL, V1, 'example.com', ['alpn']],
    ['v2, RFC 9369 A.2', V2_CLIENT_INITIAL, V2, 'example.com', ['alpn']],
    ['draft-29 A.2', DRAFT29_CLIENT_INITIAL, DRAFT29, 'server', []],
  ] as const)('%s: the ClientHello comes out of the protected packet', (_name, packet, version, sni, alpn) => {
    expect(peekQuicInitial(bytes(packet))).toEqual({
      version,
      dcid: RFC_DCID,
      scid: '',
      decrypted: true,
      sni,
      alpn,
      helloComplete: true,
    });
  });

  it('reads the packet inside a larger buffer', () => {
    const packet = bytes(V1_CLIENT_INITIAL);
    const framed = new Uint8Array(packet.length + 60);
    framed.set(packet, 42);
    expect(peekQuicInitial(framed, 42, 42 + packet.length)?.sni).toBe('example.com');
  });

  it('leaves the packet as it was', () => {
    const packet = bytes(V2_CLIENT_INITIAL);
    const copy = Uint8Array.from(packet);
    peekQuicInitial(packet);
    expect(packet).toEqual(copy);
  });
});

describe('QUIC long headers of either side', () => {
  it.each([
    ['v1 server Initial, RFC 9001 A.3', V1_SERVER_INITIAL, V1, 'initial'],
    ['v2 server Initial, RFC 9369 A.3', V2_SERVER_INITIAL, V2, 'initial'],
    ['draft-29 server Initial', DRAFT29_SERVER_INITIAL, DRAFT29, 'initial'],
    ['v1 Retry, RFC 9001 A.4', V1_RETRY, V1, 'retry'],
    ['v2 Retry, RFC 9369 A.4', V2_RETRY, V2, 'retry'],
    ['draft-29 Retry', DRAFT29_RETRY, DRAFT29, 'retry'],
  ] as const)('%s', (_name, packet, version, type) => {
    const b = bytes(packet);
    expect(peekQuicLongHeader(b)).toEqual({ version, type, dcid: '', scid: 'f067a5502a4262b5' });
    expect(quicLongHeaderVersion(b, 0, b.length)).toBe(version);
  });

  it('tells the version 2 packet types by their own bits (RFC 9369 §3.2)', () => {
    // 0xd0 | type << 4: in version 1 type 1 is 0-RTT, in version 2 it is Initial; 3 is Retry in v1, Handshake in v2.
    const packet = (first: number, version: number) =>
      Uint8Array.from([first, ...u16(version >>> 16), ...u16(version & 0xffff), 0, 0, 0x41, 0x00, ...new Array<number>(300).fill(0)]);
    expect(peekQuicLongHeader(packet(0xd0, V1))?.type).toBe('0-rtt');
    expect(peekQuicLongHeader(packet(0xd0, V2))?.type).toBe('initial');
    expect(peekQuicLongHeader(packet(0xe0, V1))?.type).toBe('handshake');
    expect(peekQuicLongHeader(packet(0xe0, V2))?.type).toBe('0-rtt');
    expect(peekQuicLongHeader(packet(0xf0, V2))?.type).toBe('handshake');
  });

  it('reads a Version Negotiation packet (RFC 9000 §17.2.1)', () => {
    const vn = bytes('80 00000000 04 1b3ff910 08 8394c8f03e515708 00000001 6b3343cf');
    expect(peekQuicLongHeader(vn)).toEqual({ version: 0, type: 'version-negotiation', dcid: '1b3ff910', scid: RFC_DCID });
    expect(quicLongHeaderVersion(vn, 0, vn.length)).toBe(0);
    expect(peekQuicInitial(vn)).toBeNull();
  });

  it('is null for short headers, unknown versions, and what is not QUIC', () => {
    const initial = bytes(V1_CLIENT_INITIAL);
    const unknown = Uint8Array.from(initial);
    unknown[4] = 0x02;
    const noFixedBit = Uint8Array.from(initial);
    noFixedBit[0] = 0x80;
    for (const b of [
      unknown,
      noFixedBit,
      bytes('4000bff4 655e5cd55c41f69080575d7999c25a5bfb'),
      bytes('1603010200010001fc0303'),
      new Uint8Array(0),
    ]) {
      expect(peekQuicLongHeader(b)).toBeNull();
      expect(peekQuicInitial(b)).toBeNull();
      expect(quicLongHeaderVersion(b, 0, b.length)).toBe(-1);
    }
  });
});

describe('QUIC client Initial: hostile input', () => {
  const packet = bytes(V1_CLIENT_INITIAL);

  it('keeps version and connection IDs but no name when the tag does not verify', () => {
    const bad = Uint8Array.from(packet);
    bad[bad.length - 1] = bad[bad.length - 1]! ^ 1;
    expect(peekQuicInitial(bad)).toEqual({
      version: V1,
      dcid: RFC_DCID,
      scid: '',
      decrypted: false,
      sni: null,
      alpn: [],
      helloComplete: false,
    });
    const flipped = Uint8Array.from(packet);
    flipped[300] = flipped[300]! ^ 0x80;
    expect(peekQuicInitial(flipped)?.decrypted).toBe(false);
  });

  it('handles every truncation: the header once the IDs are in, the name only when the packet is whole', () => {
    for (let n = 0; n <= packet.length; n++) {
      const peek = peekQuicInitial(packet.subarray(0, n));
      if (n < 18)
        expect(peek).toBeNull(); // DCID 6–13, SCID length 14, token length 15, Length 16–17
      else if (n < packet.length) expect(peek).toMatchObject({ version: V1, dcid: RFC_DCID, decrypted: false, sni: null });
      else expect(peek?.sni).toBe('example.com');
    }
  });

  it('rejects connection IDs over 20 bytes and lengths that overrun the datagram', () => {
    const longDcid = Uint8Array.from(packet);
    longDcid[5] = 21;
    expect(peekQuicInitial(longDcid)).toBeNull();
    const token = Uint8Array.from(packet);
    token[15] = 0x7f; // token length 0x3fxx: past the end
    token[16] = 0xff;
    expect(peekQuicInitial(token)).toBeNull();
    const longer = Uint8Array.from(packet);
    longer[16] = 0x7f; // Length 0x3f9e: past the end, the packet is cut
    expect(peekQuicInitial(longer)).toMatchObject({ decrypted: false, sni: null });
    const shorter = Uint8Array.from(packet);
    shorter[17] = 0x10; // Length shorter than the packet: the tag is read from the wrong place
    expect(peekQuicInitial(shorter)).toMatchObject({ decrypted: false, sni: null });
  });

  it('never throws on mutated packets', () => {
    let seed = 13;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    for (let i = 0; i < 3000; i++) {
      const b = Uint8Array.from(packet.subarray(0, rnd(2) === 0 ? packet.length : rnd(packet.length)));
      for (let j = rnd(6); j >= 0; j--) if (b.length > 0) b[rnd(Math.min(b.length, 64))] = rnd(256);
      expect(() => peekQuicInitial(b)).not.toThrow();
    }
  });

  it('stops at a frame that has no place in an Initial, keeping what came before', () => {
    const message = clientHelloMessage('before.example', ['h3'], 10);
    const stream = protectInitial({ frames: [...cryptoFrame(message, 0, message.length), 0x08, 0x00, 0x05, 0x68], padding: 900 });
    expect(peekQuicInitial(stream)).toMatchObject({ decrypted: true, sni: 'before.example', helloComplete: true });
    const first = protectInitial({ frames: [0x08, ...cryptoFrame(message, 0, message.length)], padding: 900 });
    expect(peekQuicInitial(first)).toMatchObject({ decrypted: true, sni: null, helloComplete: false });
  });

  it('skips ACK, PING and CONNECTION_CLOSE frames, and stops at a CRYPTO frame that overruns the payload', () => {
    const message = clientHelloMessage('ack.example', [], 10);
    const ack = [0x02, 0x05, 0x00, 0x01, 0x00, 0x01, 0x01];
    const ackEcn = [0x03, 0x05, 0x00, 0x00, 0x00, 0x01, 0x02, 0x03];
    const close = [0x1c, 0x00, 0x00, 0x03, 0x61, 0x62, 0x63];
    const skipped = protectInitial({
      frames: [0x01, ...ack, ...ackEcn, ...close, ...cryptoFrame(message, 0, message.length)],
      padding: 900,
    });
    expect(peekQuicInitial(skipped)).toMatchObject({ sni: 'ack.example', helloComplete: true });
    const overrun = protectInitial({ frames: [0x06, 0x00, ...varint2(2000), ...message] });
    expect(peekQuicInitial(overrun)).toMatchObject({ decrypted: true, sni: null });
  });
});

describe('QUIC client Initial: the ClientHello put back together', () => {
  const message = clientHelloMessage('pq.example.org', ['h3', 'h3-29'], 1400); // post-quantum sized
  const scid = 'c0ffee00';

  it('orders CRYPTO frames by offset within a packet', () => {
    const small = clientHelloMessage('chaos.example', ['h3'], 100);
    const frames = [...cryptoFrame(small, 90, small.length), 0x00, 0x00, 0x01, ...cryptoFrame(small, 40, 90), ...cryptoFrame(small, 0, 40)];
    expect(peekQuicInitial(protectInitial({ frames, padding: 800 }))).toMatchObject({
      sni: 'chaos.example',
      alpn: ['h3'],
      helloComplete: true,
    });
  });

  it('reads a ClientHello that spans two Initial packets', () => {
    const first = protectInitial({ scid, pn: 0, frames: [...cryptoFrame(message, 600, 1100), ...cryptoFrame(message, 0, 600)] });
    const second = protectInitial({ scid, pn: 1, frames: cryptoFrame(message, 1100, message.length), padding: 900 });
    expect(peekQuicInitial(first)).toMatchObject({ decrypted: true, helloComplete: false });
    const reader = new QuicInitialReader();
    expect(reader.read(first)).toBe(true);
    expect(reader.initial.helloComplete).toBe(false);
    expect(reader.read(second)).toBe(true);
    expect(reader.initial).toEqual({
      version: V1,
      dcid: RFC_DCID,
      scid,
      decrypted: true,
      sni: 'pq.example.org',
      alpn: ['h3', 'h3-29'],
      helloComplete: true,
    });
  });

  it("keeps the first keys when the client moves to the server's connection ID", () => {
    const first = protectInitial({ version: V2, scid, pn: 0, frames: cryptoFrame(message, 0, 1100) });
    // After the server's Initial the client sends to the server's SCID, under the same Initial keys (RFC 9001 §5.2).
    const second = protectInitial({
      version: V2,
      dcid: '0badf00d',
      keysFrom: RFC_DCID,
      scid,
      pn: 1,
      frames: cryptoFrame(message, 1100, message.length),
      padding: 900,
    });
    expect(peekQuicInitial(second)?.decrypted).toBe(false);
    const reader = new QuicInitialReader();
    reader.read(first);
    reader.read(second);
    expect(reader.initial).toEqual({
      version: V2,
      dcid: RFC_DCID,
      scid,
      decrypted: true,
      sni: 'pq.example.org',
      alpn: ['h3', 'h3-29'],
      helloComplete: true,
    });
  });

  it('reads packets coalesced in one datagram', () => {
    const a = protectInitial({ scid, pn: 0, frames: cryptoFrame(message, 0, 700) });
    const b = protectInitial({ scid, pn: 1, frames: cryptoFrame(message, 700, message.length) });
    const datagram = new Uint8Array(a.length + b.length + 20); // and trailing zeros, as some clients pad
    datagram.set(a, 0);
    datagram.set(b, a.length);
    expect(peekQuicInitial(datagram)).toMatchObject({ sni: 'pq.example.org', helloComplete: true });
  });

  it('starts over with the keys of a new DCID after a Retry', () => {
    const before = protectInitial({ scid, pn: 0, frames: cryptoFrame(message, 0, 700) });
    const after = protectInitial({ dcid: '5ca1ab1e5ca1ab1e', scid, pn: 1, frames: cryptoFrame(message, 0, message.length) });
    const reader = new QuicInitialReader();
    reader.read(before);
    reader.read(after);
    expect(reader.initial).toMatchObject({ dcid: '5ca1ab1e5ca1ab1e', sni: 'pq.example.org', helloComplete: true });
  });
});

describe('QUIC in the corpus: Merlin C2 over QUIC', () => {
  it('reads what tshark reads from the client Initial: version 1, ALPN h3, no server name', async () => {
    const reader = new QuicInitialReader();
    const p = newPacket();
    let clientDatagrams = 0;
    await readCapture(corpusPath('beacon/zeek_merlinc2_quic.pcapng'), (record) => {
      decodePacket(record, p, { verifyChecksums: false });
      if (p.status !== 'decoded' || p.proto !== 17 || p.dport !== 443 || clientDatagrams >= 4) return;
      clientDatagrams++;
      reader.read(p.payloadBuffer, p.payloadStart, p.payloadEnd);
    });
    // tshark -Y quic -V: frame 1, Initial, DCID f21fdf87f736f235846c7f460ca017, SCID 1b3ff910,
    // CRYPTO offset 0 length 245, ClientHello with ALPN h3 and no server_name.
    expect(reader.initial).toEqual({
      version: V1,
      dcid: 'f21fdf87f736f235846c7f460ca017',
      scid: '1b3ff910',
      decrypted: true,
      sni: null,
      alpn: ['h3'],
      helloComplete: true,
    });
  });
});
