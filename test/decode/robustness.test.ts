import { describe, expect, it } from 'vitest';
import {
  DecodeStats,
  decodePacket,
  newPacket,
  parseDns,
  peekHttpRequest,
  peekHttpResponse,
  peekTlsClientHello,
  guessService,
  payloadView,
} from '../../src/decode/index.js';
import { embeddedRecord, expectCatalogued, hex, meaningful, record } from './support.js';

// Good frames of every layer (see the per-layer tests for their sources), mutated at random.
const SEEDS: [number, string][] = [
  [
    1,
    '00137fbe8cff00247ee01db508004500003cced540004006991a8d8edc76d0509876be090050579e296100000000a00216d0373b0000020405b40402080a001be7b40000000001030307',
  ],
  [
    1,
    '00137fbe8cff00247ee01db508004500003800000000fe01c00dcb007101c0a8000d030dae7900000000450000340abc40007f06b20bc0a8000d48f6355109c3005011223344',
  ],
  [
    1,
    '00137fbe8cff00247ee01db586dd6000000000443aff20010db800000000000000000000000120010db800000000000000000000001301013cc000000000600000000014064020010db800000000000000000000001320010db8ffff00000000000000000080c35001bbdeadbeef000000005002fffff1340000',
  ],
  [
    1,
    '00137fbe8cff00247ee01db586dd600000000040004020010db800000000000000000000000a20010db800000000000000000000000b3c000104000000002c0001040000000011000001cafebabe14e900350028a9f21234414141414141414141414141414141414141414141414141414141414141',
  ],
  [
    1,
    'ffffffffffff00c0e4012ced8100000d8100000a08004500002e479600004011749eac133325ac13333fbac0bac0001ab9da810b00120120ffff00ff10080a1b591a1b59',
  ],
  [1, '003096e6fc3900309605283888470001ddff45c0002c00000000ff06a4e70a0102010a2200012af9001798320ffb0000000060021020a240000002040218'],
  [
    1,
    'cc050e880000ca010e880006886411000011004e00576e00000000240001fe80000000000000c8010efffe880008ff0200000000000000000000000000163a000502000001008f009a770000000104000000ff020000000000000000000000000002',
  ],
  [
    113,
    '00040001000634e6d7121eb1000008004500003c9cc440004006247ccb8fa82fb9124caad7531a0b435b2faf00000000a002721079aa0000020405b40402080a0033b36b0000000001030307',
  ],
  [
    276,
    '86dd0000000000010304000600000000000000006005c2e400403a40fe800000000000008c3606fffe44acaffe800000000000008c3606fffe44acaf8000a8d700090001f8bdf96200000000ab59010000000000101112131415161718191a1b1c1d1e1f',
  ],
  [
    0,
    '1e0000006000d08d002c06400000000000000000000000000000000100000000000000000000000000000001cd2a00504ec852bd00000000b002ffff0034000002043fc4010303050101080a49b886850000000004020000',
  ],
];

/** xorshift32, seeded, so that a failure names a reproducible case. */
function generator(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state >>> 0;
  };
}

describe('random damage', () => {
  it('never throws and always ends with a catalogued status, over 20,000 mutated frames', () => {
    const next = generator(0xc0ffee);
    const p = newPacket();
    const inBuffer = newPacket();
    const stats = new DecodeStats();
    for (let i = 0; i < 20_000; i++) {
      const [linktype, seedHex] = SEEDS[i % SEEDS.length]!;
      const frame = hex(seedHex);
      const flips = 1 + (next() % 4);
      for (let f = 0; f < flips; f++) frame[next() % frame.length] = next() & 0xff;
      const cut = frame.subarray(0, next() % (frame.length + 1));
      const origlen = next() % 3 === 0 ? cut.length : frame.length;
      expect(() => decodePacket(record(cut, linktype, origlen, i + 1), p, { verifyChecksums: true }), `case ${i}`).not.toThrow();
      expectCatalogued(p);
      stats.add(p);
      // The same damaged frame among other bytes, the rest of the uncut frame after it: the same packet.
      decodePacket(embeddedRecord(cut, linktype, origlen, frame.subarray(cut.length), i + 1), inBuffer, { verifyChecksums: true });
      expect(JSON.stringify(meaningful(inBuffer)), `case ${i} in a larger buffer`).toBe(JSON.stringify(meaningful(p)));
      // The application peeks read hostile payloads too.
      peekHttpRequest(payloadView(p));
      peekHttpResponse(payloadView(p));
      peekTlsClientHello(payloadView(p));
      parseDns(payloadView(p));
      parseDns(payloadView(p), true);
      guessService(payloadView(p), true);
    }
    expect(stats.records).toBe(20_000);
    expect(stats.statusCounts.decoded + stats.statusCounts.skipped + stats.statusCounts.malformed).toBe(20_000);
    expect(stats.statusCounts.malformed).toBeGreaterThan(0);
    expect(stats.statusCounts.decoded).toBeGreaterThan(0);
  });

  it('the application peeks survive random bytes', () => {
    const next = generator(42);
    for (let i = 0; i < 20_000; i++) {
      const bytes = new Uint8Array(next() % 300);
      for (let j = 0; j < bytes.length; j++) bytes[j] = next() & 0xff;
      // Give the parsers a plausible start now and then so they go deeper.
      if (i % 4 === 0 && bytes.length > 6) bytes.set([22, 3, 1, bytes[3]!, bytes[4]!, 1]);
      if (i % 4 === 1 && bytes.length > 12) bytes.set([0, 1, 0x81, 0x80, 0, 1, 0, 4]);
      expect(() => {
        peekTlsClientHello(bytes);
        parseDns(bytes);
        parseDns(bytes, true);
        peekHttpRequest(bytes);
        peekHttpResponse(bytes);
        guessService(bytes, i % 2 === 0);
      }).not.toThrow();
    }
  });
});
