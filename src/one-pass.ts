/**
 * Inputs that can be read only once: standard input (`zcat conn.log.gz | callhome analyze -`),
 * a pipe or FIFO (`callhome analyze <(zcat …)`), a stream handed to the library. What such an
 * input holds is told from its first bytes like a file's, but those bytes cannot be read again:
 * they are read once into `head`, and `stream` hands them on again before the rest, so the
 * reader that claims the input parses every byte exactly once.
 */
import { createReadStream, openSync, statSync } from 'node:fs';
import { STDIN_NAME } from './capture/index.js';
import { sniffCapture } from './capture/sniff.js';
import { HEAD_BYTES, inflatedHead, resumed } from './logs/lines.js';

/** Bytes to be read once, in order. */
export interface StreamInput {
  name: string;
  stream: AsyncIterable<Uint8Array>;
}

/** A stream whose first bytes were read to tell what it holds; `stream` yields them again first. */
export interface PeekedStream extends StreamInput {
  /** The bytes read so far, as they came (gzip still compressed). */
  head: Uint8Array;
}

export const isStreamInput = (input: unknown): input is StreamInput =>
  typeof input === 'object' && input !== null && 'stream' in input && 'name' in input;

export const isPeeked = (input: unknown): input is PeekedStream => isStreamInput(input) && 'head' in input;

/** A path that names a pipe, FIFO, socket or device rather than a regular file or a folder. */
function isOnePassPath(path: string): boolean {
  try {
    const stat = statSync(path);
    return !stat.isFile() && !stat.isDirectory();
  } catch {
    return false; // not there or not readable: the capture reader words the error
  }
}

/**
 * Lines a log's first bytes need to tell what it is: Zeek's TSV header is eight lines (`#path`
 * is the fifth), a JSON log's first row one, firewall formats are judged on a few lines.
 */
const LINES_TO_TELL = 10;

/** Whether these first bytes are enough to tell what the input is, without waiting for more. */
function enoughToTell(raw: Uint8Array): boolean {
  if (raw.length >= HEAD_BYTES || sniffCapture(raw) !== null) return true;
  const text = inflatedHead(raw);
  let lines = 0;
  for (let i = text.indexOf(10); i >= 0; i = text.indexOf(10, i + 1)) if (++lines >= LINES_TO_TELL) return true;
  return false;
}

/**
 * Reads the first bytes of a stream — as few as tell what it holds, so a live capture on
 * standard input is not held back — without losing them.
 */
export async function peek(input: StreamInput): Promise<PeekedStream> {
  const iterator = input.stream[Symbol.asyncIterator]();
  const held: Uint8Array[] = [];
  let size = 0;
  let ended = false;
  while (!ended) {
    const next = await iterator.next();
    if (next.done === true) {
      ended = true;
      break;
    }
    held.push(next.value);
    size += next.value.length;
    if (enoughToTell(held.length === 1 ? held[0]! : Buffer.concat(held, size))) break;
  }
  const head = held.length === 1 ? held[0]! : Buffer.concat(held, size);
  return { name: input.name, head, stream: resumed(head.length > 0 ? [head] : [], iterator, ended) };
}

/**
 * The inputs with those that can be read only once — `-` (standard input), a pipe, a FIFO, a
 * stream — peeked, so that they are told apart by content like files; the others as they are.
 * `stdin` is what `-` reads.
 */
export async function peekOnePass<C>(inputs: readonly C[], stdin: () => AsyncIterable<Uint8Array>): Promise<(C | PeekedStream)[]> {
  const out: (C | PeekedStream)[] = [];
  for (const input of inputs) {
    if (input === '-') out.push(await peek({ name: STDIN_NAME, stream: stdin() }));
    else if (typeof input === 'string' && isOnePassPath(input)) {
      let fd: number;
      try {
        fd = openSync(input, 'r');
      } catch {
        out.push(input); // the capture reader words the open error
        continue;
      }
      out.push(await peek({ name: input, stream: createReadStream(input, { fd, highWaterMark: HEAD_BYTES }) }));
    } else if (isStreamInput(input) && !isPeeked(input)) out.push(await peek(input));
    else out.push(input);
  }
  return out;
}
