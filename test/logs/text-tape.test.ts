/**
 * What a reader keeps of every row until its input ends — a stream's conn.log uids, wanted only if
 * side logs follow in the stream — kept in order in memory, then in a temporary file that no one
 * sees and nothing leaves behind.
 */
import { existsSync, mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TextTape } from '../../src/logs/text-tape.js';

const uidOf = (i: number): string => `C${(i * 2_654_435_761).toString(36)}${i.toString(36)}`;

const savedTmp = process.env.TMPDIR;
const made: string[] = [];
/** A folder of its own for temporary files (os.tmpdir() reads TMPDIR as it is asked). */
function ownTmp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'callhome-tape-test-'));
  made.push(dir);
  process.env.TMPDIR = dir;
  return dir;
}

/** Where this process's open files are (Linux's /proc), null where it cannot be told. */
function openFiles(): string[] | null {
  if (!existsSync('/proc/self/fd')) return null;
  return readdirSync('/proc/self/fd').map((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      return '';
    }
  });
}

afterEach(() => {
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('a tape of texts', () => {
  it('gives back every text in the order added, as often as asked, from memory', () => {
    const tape = new TextTape();
    const texts = [
      '',
      'CHhAvVGS1DHFjwGM9',
      'F0200000000Z',
      'Cé\u202eunusual',
      '\u{1F600}',
      'x'.repeat(70_000),
      ...Array.from({ length: 5_000 }, (_, i) => uidOf(i)),
    ];
    for (const t of texts) tape.add(t);
    expect(tape.length).toBe(texts.length);
    expect([...tape.texts()]).toEqual(texts);
    expect([...tape.texts()]).toEqual(texts);
    tape.release();
    expect([...tape.texts()]).toEqual([]);
  });

  it('past its memory, keeps them in a file that has no name while it is open, and leaves nothing behind', () => {
    const dir = ownTmp();
    // 2 MB in memory: a million uids, about 24 MB, mostly go to the file.
    const tape = new TextTape(2 << 20);
    const n = 1_000_000;
    for (let i = 0; i < n; i++) tape.add(i === 700_001 ? 'a uid of another shape — ü' : uidOf(i));
    // The file is made, and removed at once: the folder is empty while the tape reads from it.
    expect(readdirSync(dir)).toEqual([]);
    const unnamed = (files: string[] | null) => files?.filter((f) => f.startsWith(dir) && f.endsWith('(deleted)')).length;
    expect(unnamed(openFiles())).toBe(openFiles() === null ? undefined : 1);
    let i = 0;
    let wrong = 0;
    for (const t of tape.texts()) {
      if (t !== (i === 700_001 ? 'a uid of another shape — ü' : uidOf(i))) wrong++;
      i++;
    }
    expect([i, wrong]).toEqual([n, 0]);
    // Read again, and the first texts, stopping early.
    let k = 0;
    for (const t of tape.texts()) {
      expect(t).toBe(uidOf(k));
      if (++k === 3) break;
    }
    expect([...tape.texts()].length).toBe(n);
    tape.release();
    expect(readdirSync(dir)).toEqual([]);
    expect(unnamed(openFiles())).toBe(openFiles() === null ? undefined : 0);
  });

  it('where no temporary file can be made, keeps every text in memory', () => {
    const dir = ownTmp();
    process.env.TMPDIR = join(dir, 'not', 'there');
    const tape = new TextTape(1 << 20);
    const texts = Array.from({ length: 200_000 }, (_, i) => uidOf(i));
    for (const t of texts) tape.add(t);
    expect([...tape.texts()]).toEqual(texts);
    tape.release();
  });
});
