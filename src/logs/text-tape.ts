/**
 * Texts kept in the order given, to be read back in that order: in memory up to a few megabytes,
 * then in a temporary file, so that what a reader must keep of every row until its input ends — a
 * stream's conn.log uids, wanted only if side logs follow it in the stream — costs disk, not
 * memory, however many rows there are (16 of the 43 bytes a row of a day's conn.log piped in
 * took).
 *
 * The file is removed as soon as it is made (it lives while it is open, and leaves nothing behind
 * if the process is killed); where no file can be made or written, the texts stay in memory.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmdirSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Bytes gathered before they are kept as one block (in memory or written to the file). */
const BLOCK_BYTES = 1 << 20;

/** Texts up to this long are copied a character at a time (the encoder's call costs more than they). */
const SHORT_TEXT = 32;

/** Bytes of blocks kept in memory before they go to a file. */
export const TAPE_MEMORY_BYTES = 16 << 20;

export class TextTape {
  private block = Buffer.allocUnsafe(BLOCK_BYTES);
  private at = 0;
  /** Blocks kept in memory: before any went to the file, or after writing to it failed. */
  private held: Buffer[] = [];
  private heldBytes = 0;
  private fd: number | null = null;
  /** Bytes written to the file: blocks, each after its length in four bytes. */
  private written = 0;
  /** No file could be made or written: every block stays in memory. */
  private inMemoryOnly = false;
  /** The file's name and folder, where the system keeps no open file removed: removed once it is closed. */
  private named: { path: string; dir: string } | null = null;
  private count = 0;

  /** `memoryBytes`: blocks kept in memory before they go to a file (TAPE_MEMORY_BYTES). */
  constructor(private readonly memoryBytes = TAPE_MEMORY_BYTES) {}

  /** Texts added so far. */
  get length(): number {
    return this.count;
  }

  add(text: string): void {
    this.count++;
    // A UTF-16 unit is at most three bytes of UTF-8; the text's length in bytes goes before it.
    const most = 4 + 3 * text.length;
    if (this.at + most > this.block.length) {
      this.keep();
      if (most > this.block.length) this.block = Buffer.allocUnsafe(most);
    }
    const block = this.block;
    const from = this.at + 4;
    let end = from;
    // A uid is a few ASCII letters and digits: copied a character at a time, not through the
    // encoder; a longer text (a log's line) through it.
    if (text.length > SHORT_TEXT) end = from + block.write(text, from, 'utf8');
    else
      for (let j = 0; j < text.length; j++) {
        const code = text.charCodeAt(j);
        if (code >= 0x80) {
          end = from + block.write(text, from, 'utf8');
          break;
        }
        block[end++] = code;
      }
    block.writeUInt32LE(end - from, this.at);
    this.at = end;
  }

  /** The texts in the order added (as often as asked, until `release`). */
  *texts(): Generator<string> {
    this.keep();
    const { fd, written } = this;
    if (fd !== null) {
      const length = Buffer.allocUnsafe(4);
      for (let position = 0; position < written;) {
        readFully(fd, length, position);
        const block = Buffer.allocUnsafe(length.readUInt32LE(0));
        readFully(fd, block, position + 4);
        position += 4 + block.length;
        yield* textsOf(block);
      }
    }
    // (Blocks are kept in memory before there is a file, or once writing to it failed: after those it holds.)
    for (const block of this.held) yield* textsOf(block);
  }

  /** Lets go of every text (the file closed). */
  release(): void {
    if (this.fd !== null) this.close(this.fd);
    this.fd = null;
    this.held = [];
    this.heldBytes = 0;
    this.at = 0;
    this.count = 0;
  }

  /** The block gathered so far kept (in memory, or written to the file), and a new one begun. */
  private keep(): void {
    if (this.at === 0) return;
    const block = this.block.subarray(0, this.at);
    this.block = Buffer.allocUnsafe(BLOCK_BYTES);
    this.at = 0;
    if (this.fd === null) {
      this.held.push(block);
      this.heldBytes += block.length;
      if (this.heldBytes > this.memoryBytes && !this.inMemoryOnly) this.spill();
      return;
    }
    if (!this.write(block)) this.held.push(block);
  }

  /** The blocks held so far written to a new file, which holds the later ones too. */
  private spill(): void {
    let dir: string | null = null;
    try {
      dir = mkdtempSync(join(tmpdir(), 'callhome-'));
      const path = join(dir, 'tape');
      this.fd = openSync(path, 'w+', 0o600);
      // Open, it lives on with no name (on systems that keep an open file removed).
      if (!remove(path, dir)) {
        // (A system that does not: the file is removed when closed, or as the process ends.)
        const named = { path, dir };
        this.named = named;
        process.once('exit', () => remove(named.path, named.dir));
      }
    } catch {
      if (dir !== null) remove(join(dir, 'tape'), dir);
      this.inMemoryOnly = true;
      return;
    }
    const held = this.held;
    this.held = [];
    this.heldBytes = 0;
    for (let i = 0; i < held.length; i++) {
      if (this.write(held[i]!)) continue;
      // The disk full: what is not written stays in memory, in order.
      this.held = held.slice(i);
      for (const block of this.held) this.heldBytes += block.length;
      return;
    }
  }

  /** `block` after its length appended to the file; false, nothing more written, once a write fails. */
  private write(block: Buffer): boolean {
    if (this.inMemoryOnly || this.fd === null) return false;
    const length = Buffer.allocUnsafe(4);
    length.writeUInt32LE(block.length, 0);
    try {
      writeFully(this.fd, length, this.written);
      writeFully(this.fd, block, this.written + 4);
    } catch {
      // Blocks before it are read back from the file; this one and those after from memory.
      this.inMemoryOnly = true;
      return false;
    }
    this.written += 4 + block.length;
    return true;
  }

  private close(fd: number): void {
    closeSync(fd);
    if (this.named !== null) remove(this.named.path, this.named.dir);
    this.named = null;
  }
}

/** The file and its folder removed; false where the system would not (yet). */
function remove(path: string, dir: string): boolean {
  try {
    unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return false;
  }
  try {
    rmdirSync(dir);
    return true;
  } catch {
    return false;
  }
}

function* textsOf(block: Buffer): Generator<string> {
  for (let at = 0; at < block.length;) {
    const bytes = block.readUInt32LE(at);
    yield block.toString('utf8', at + 4, at + 4 + bytes);
    at += 4 + bytes;
  }
}

function writeFully(fd: number, bytes: Buffer, position: number): void {
  for (let done = 0; done < bytes.length;) done += writeSync(fd, bytes, done, bytes.length - done, position + done);
}

function readFully(fd: number, bytes: Buffer, position: number): void {
  for (let done = 0; done < bytes.length;) {
    const got = readSync(fd, bytes, done, bytes.length - done, position + done);
    if (got === 0) throw new Error('a temporary file ended before what was written to it');
    done += got;
  }
}
