import { describe, expect, it } from 'vitest';
import { copyText, TEXT_SCRATCH_BYTES } from '../../src/decode/text.js';
import { Rng } from '../../src/synth/index.js';

const reference = new TextDecoder('utf-8', { fatal: false });

/** Byte strings rich in UTF-8's edge cases: lead bytes, continuations, overlongs, surrogates. */
function* byteStrings(count: number, maxLength: number): Generator<Uint8Array> {
  const rng = new Rng(0x1234567);
  const next = (): number => rng.u32();
  const edges = [
    0x00, 0x0a, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff,
  ];
  for (let i = 0; i < count; i++) {
    const b = new Uint8Array(1 + (next() % maxLength));
    for (let j = 0; j < b.length; j++) b[j] = next() % 3 === 0 ? next() & 0xff : edges[next() % edges.length]!;
    yield b;
  }
}

describe('copying payload text', () => {
  it('reads UTF-8 as the standard decoder does, invalid bytes as U+FFFD, at any offset', () => {
    for (const bytes of byteStrings(20000, 24)) {
      const framed = new Uint8Array(bytes.length + 7);
      framed.set(bytes, 3);
      expect(copyText(framed, 3, 3 + bytes.length, 1000)).toBe(reference.decode(bytes));
    }
  });

  it('keeps ASCII control characters and markup as they are', () => {
    const text = '<b>\x00\x07\x1b[31m"=cmd|\'';
    expect(copyText(Uint8Array.from(Buffer.from(text, 'latin1')), 0, text.length, 100)).toBe(text);
  });

  it('stops at the cap, and reads text longer than its scratch space too', () => {
    const long = Uint8Array.from(Buffer.from(`${'é'.repeat(TEXT_SCRATCH_BYTES)}tail`, 'utf8'));
    expect(copyText(long, 0, long.length, 6)).toBe('ééé');
    expect(copyText(long, 0, long.length, long.length)).toBe(`${'é'.repeat(TEXT_SCRATCH_BYTES)}tail`);
    expect(copyText(long, 5, 5, 10)).toBe('');
  });
});
