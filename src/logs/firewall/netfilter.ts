/**
 * netfilter / iptables `LOG` target lines, as the kernel writes them (net/netfilter/nf_log_syslog.c):
 * the rule's --log-prefix, then "IN=eth0 OUT=eth1 MAC=… SRC=192.168.0.13 DST=72.246.53.81 LEN=48
 * TOS=0x00 PREC=0x00 TTL=127 ID=1234 DF PROTO=TCP SPT=2499 DPT=80 WINDOW=64240 RES=0x00 SYN URGP=0";
 * IPv6 the same with TC=, HOPLIMIT=, FLOWLBL=. They reach files through syslog (/var/log/kern.log,
 * /var/log/messages), `journalctl -k` and `dmesg`. The prefix names the verdict where the rule's
 * author wrote one (DROP, REJECT, "[UFW BLOCK]", ACCEPT, EdgeOS's "[LAN_IN-10-A]"); a LOG rule
 * without one precedes a drop, and UFW's "[UFW AUDIT]" lines, logged before any decision, are
 * skipped.
 */
import { count } from '../../quantities.js';
import { prefixAction } from '../../firewall-words.js';
import { otherSyslogLine, parseSyslogHeader } from './syslog.js';
import { plausibleStamp } from './time.js';
import type { Transport } from '../../flows/connection.js';
import type { FirewallAction, FirewallEvent, FirewallFormatModule, LineParser, LogClockLike } from './types.js';
import { historyLetters, icmpPorts, isAddressText, transportOf, shareRead } from './types.js';

/** The kernel's TCP flag words, in the order it prints them. */
const TCP_FLAG_WORDS = new Set(['CWR', 'ECE', 'URG', 'ACK', 'PSH', 'RST', 'SYN', 'FIN']);

/** The value of " KEY=" in `text` (up to the next space), from `from` on; null when absent. */
function field(text: string, key: string, from = 0): string | null {
  const at = text.indexOf(key, from);
  if (at < 0) return null;
  const start = at + key.length;
  const end = text.indexOf(' ', start);
  return text.slice(start, end < 0 ? text.length : end);
}

/**
 * A line of `journalctl -o json` (or `-o json-seq` without its separator): the kernel's MESSAGE
 * with the journal's time (`__REALTIME_TIMESTAMP`, microseconds since the epoch) and host, as
 * the line `journalctl -o short-unix` writes for it; null for any other line, or an entry whose
 * message is no text (the journal writes bytes that are not UTF-8 as an array).
 */
export function journalLine(line: string): string | null {
  let entry: unknown;
  try {
    entry = JSON.parse(line);
  } catch {
    return null;
  }
  if (entry === null || typeof entry !== 'object') return null;
  const e = entry as Record<string, unknown>;
  const message = e.MESSAGE;
  const micros = e.__REALTIME_TIMESTAMP;
  if (typeof message !== 'string' || typeof micros !== 'string' || !/^\d{1,17}$/.test(micros)) return null;
  const stamp = `${micros.slice(0, -6) || '0'}.${micros.slice(-6).padStart(6, '0')}`;
  const host = typeof e._HOSTNAME === 'string' && /^[\w.-]+$/.test(e._HOSTNAME) ? e._HOSTNAME : 'localhost';
  return `${stamp} ${host} kernel: ${message.replace(/[\r\n]+/g, ' ')}`;
}

/** Whether a line carries a LOG target's packet description. */
function looksLikeLog(line: string): boolean {
  return line.includes('IN=') && line.includes(' SRC=') && line.includes(' DST=') && line.includes(' PROTO=');
}

/** The log prefix: what precedes "IN=" once the syslog tag ("kernel:") and the kernel's uptime are taken off. */
function prefixOf(message: string, inAt: number): string {
  let prefix = message.slice(0, inAt);
  const tag = prefix.indexOf('kernel:');
  if (tag >= 0) prefix = prefix.slice(tag + 7);
  return prefix.replace(/^\s*\[\s*\d+\.\d+\]\s*/, '').trim();
}

/**
 * A line whose prefix names no decision (firewall-words.ts `prefixAction`) is a denial: a LOG rule
 * without one is most often the one before a drop rule.
 */
const UNNAMED_PREFIX: FirewallAction = 'deny';

function parser(clock: LogClockLike): LineParser {
  let sinceBoot = 0;
  /** Lines whose prefix names no decision, taken as denials (UNNAMED_PREFIX). */
  let unnamed = 0;
  /** Lines logged before any rule decided (UFW's AUDIT), passed over. */
  let undecided = 0;
  return {
    parse(text: string, lineNumber: number): FirewallEvent | 'skip' | 'bad' | null {
      let line = text;
      if (line.charCodeAt(0) === 0x7b /* { */) {
        // The journal exported as JSON: its other entries (any service's) carry no packet.
        const journal = journalLine(line);
        if (journal === null) return null;
        if (!looksLikeLog(journal)) return 'skip';
        line = journal;
      }
      // The kernel's other messages in the same file (kern.log, dmesg) carry no packet.
      if (!looksLikeLog(line)) return otherSyslogLine(line);
      const header = parseSyslogHeader(line, clock);
      if (header === null) return null;
      const message = header.message;
      const inAt = message.indexOf('IN=');
      if (inAt < 0) return 'bad';
      const src = field(message, ' SRC=', inAt);
      const dst = field(message, ' DST=', inAt);
      const protoAt = message.indexOf(' PROTO=', inAt);
      const protoWord = field(message, ' PROTO=', inAt);
      if (src === null || dst === null || protoWord === null) return 'bad';
      const proto = transportOf(protoWord);
      // Other protocols (GRE, ESP, IGMP …): no connection to make of them.
      if (proto === null) return 'skip';
      const prefix = prefixOf(message, inAt);
      let action = prefixAction(prefix, null);
      if (action === null) {
        // A prefix that names no decision (a denial), or a line logged before any (passed over).
        action = prefixAction(prefix, UNNAMED_PREFIX);
        if (action === null) {
          undecided++;
          return 'skip';
        }
        unnamed++;
      }
      if (header.sinceBoot) sinceBoot++;
      const event: FirewallEvent = {
        ts: header.ts,
        action,
        proto,
        src,
        sport: -1,
        dst,
        dport: -1,
        line: lineNumber,
      };
      if (header.host !== undefined) event.device = header.host;
      if (proto === 'icmp') {
        // "TYPE=8 CODE=0 ID=… SEQ=…": a ping's type and code, as Zeek gives them for ports.
        const type = field(message, ' TYPE=', protoAt);
        const code = field(message, ' CODE=', protoAt);
        if (type !== null && type !== '') {
          const ports = icmpPorts(Number(type), Number(code ?? '0'), dst.includes(':'));
          event.sport = ports.sport;
          event.dport = ports.dport;
        }
      } else {
        const sport = field(message, ' SPT=', protoAt);
        const dport = field(message, ' DPT=', protoAt);
        // A fragment after the first carries no ports: part of a datagram, no attempt of its own.
        if ((sport === null || dport === null) && / FRAG:\d/.test(message)) return 'skip';
        event.sport = sport === null || sport === '' ? -1 : Number(sport);
        event.dport = dport === null || dport === '' ? -1 : Number(dport);
      }
      if (proto === 'tcp') {
        const words: string[] = [];
        for (const word of message.slice(protoAt).split(' ')) if (TCP_FLAG_WORDS.has(word)) words.push(word);
        event.tcpFlags = historyLetters(words);
      }
      return event;
    },
    notes(): string[] {
      const notes: string[] = [];
      if (sinceBoot > 0)
        notes.push(
          `${sinceBoot === 1 ? 'a line is' : `${count(sinceBoot)} lines are`} time-stamped in seconds since the kernel booted (dmesg without -T): times are relative, not dates`,
        );
      if (unnamed > 0)
        notes.push(
          `${unnamed === 1 ? 'a line has' : `${count(unnamed)} lines have`} no prefix that names a decision (ACCEPT, DROP, REJECT…): ` +
            `taken as ${unnamed === 1 ? 'a denial' : 'denials'} (a LOG rule without one most often comes before a drop rule)`,
        );
      return notes;
    },
    sinceBoot: () => sinceBoot,
    passedOver(): string | null {
      return undecided === 0
        ? null
        : `${undecided === 1 ? 'its netfilter LOG line was' : `its ${count(undecided)} netfilter LOG lines were`} logged before any rule ` +
            "decided (UFW's [UFW AUDIT]): they hold no attempt";
    },
  };
}

export const netfilter: FirewallFormatModule = {
  format: 'netfilter',
  description: 'netfilter LOG lines',
  sniff: (lines: readonly string[]): number => shareRead(parser, lines),
  parser,
};

// ---------------------------------------------------------------------------------------------
// The same lines read from their bytes: a long kern.log is read without a string per line, the
// header and the KEY=VALUE words scanned in place. Only the plain shape is read here (a BSD
// syslog header without year or fraction, IPv4 or IPv6 addresses, TCP/UDP/ICMP, numeric ports);
// anything else is left to `parser` above, which gives the same event for every line read here.

const SPACE = 0x20;
const MONTH_CODES = new Map<number, number>(
  ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'].map((m, i) => [
    (m.charCodeAt(0) << 16) | (m.charCodeAt(1) << 8) | m.charCodeAt(2),
    i + 1,
  ]),
);
const KERNEL_TAG = [0x6b, 0x65, 0x72, 0x6e, 0x65, 0x6c, 0x3a]; // "kernel:"

/**
 * Dotted quads by their value (IPv4 written the one plain way): a table open-addressed by the
 * value's 32 bits, which a line looks up twice — a Map keyed by a value past 2^31 hashed a heap
 * number made for each lookup, and took a quarter of a line's reading.
 */
class Ipv4Texts {
  private keys = new Int32Array(1024);
  private texts: (string | undefined)[] = new Array<string | undefined>(1024).fill(undefined);
  /** 32 − log2 of the slots: a value's slot is the top bits of its Fibonacci hash. */
  private shift = 22;
  private size = 0;

  /** The text of the dotted quad `b[from, to)` whose value is `value`, made once. */
  text(b: Buffer, from: number, to: number, value: number): string {
    const key = value | 0;
    const mask = this.keys.length - 1;
    for (let slot = Math.imul(key, 0x9e3779b1) >>> this.shift; ; slot = (slot + 1) & mask) {
      const known = this.texts[slot];
      if (known === undefined) break;
      if (this.keys[slot] === key) return known;
    }
    const text = b.toString('latin1', from, to);
    if (++this.size * 2 > this.keys.length) this.grow();
    this.put(key, text);
    return text;
  }

  private put(key: number, text: string): void {
    const mask = this.keys.length - 1;
    let slot = Math.imul(key, 0x9e3779b1) >>> this.shift;
    while (this.texts[slot] !== undefined) slot = (slot + 1) & mask;
    this.keys[slot] = key;
    this.texts[slot] = text;
  }

  private grow(): void {
    const keys = this.keys;
    const texts = this.texts;
    this.keys = new Int32Array(keys.length * 2);
    this.texts = new Array<string | undefined>(keys.length * 2).fill(undefined);
    this.shift--;
    for (let i = 0; i < keys.length; i++) {
      const text = texts[i];
      if (text !== undefined) this.put(keys[i]!, text);
    }
  }
}

/** What reading one file's lines from bytes keeps: the texts every line repeats, made once. */
export class NetfilterBytes {
  readonly ipv4 = new Ipv4Texts();
  /** Other addresses by their text. */
  readonly other = new Map<string, string>();
  /** The log prefixes seen (the first few) and their decisions. */
  readonly prefixes: Buffer[] = [];
  readonly actions: FirewallAction[] = [];
  host = '';
  hostBytes: Buffer = Buffer.alloc(0);
  /** Where a line read on the reading thread is scanned to. */
  readonly scan = new Int32Array(SCAN_SLOTS);
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/** Whether `known` holds the bytes `b[from, to)` (a short word: compared here, not by a call into the runtime). */
function sameBytes(known: Uint8Array, b: Uint8Array, from: number, to: number): boolean {
  if (known.length !== to - from) return false;
  for (let i = 0; i < known.length; i++) if (known[i] !== b[from + i]) return false;
  return true;
}

/** Whether `b[at…]` starts with the ASCII word `word` (upper case letters and '='). */
function startsWith(b: Uint8Array, at: number, to: number, word: string): boolean {
  if (at + word.length > to) return false;
  for (let i = 0; i < word.length; i++) if (b[at + i] !== word.charCodeAt(i)) return false;
  return true;
}

/** The value of a dotted quad written without leading zeros, else -1. */
function ipv4Value(b: Uint8Array, from: number, to: number): number {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = from; i < to; i++) {
    const c = b[i]!;
    if (c === 0x2e) {
      if (digits === 0 || dots === 3) return -1;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else if (isDigit(c)) {
      if (digits > 0 && octet === 0) return -1;
      octet = octet * 10 + (c - 0x30);
      if (++digits > 3 || octet > 255) return -1;
    } else {
      return -1;
    }
  }
  if (digits === 0 || dots !== 3) return -1;
  return value * 256 + octet;
}

/** The address text of `b[from, to)` whose IPv4 value is `v4` (-1: none), one string for each; null when it cannot be an address (the text parser then names the line). */
function address(b: Buffer, from: number, to: number, v4: number, cache: NetfilterBytes): string | null {
  if (v4 >= 0) return cache.ipv4.text(b, from, to, v4);
  const text = b.toString('latin1', from, to);
  let kept = cache.other.get(text);
  if (kept === undefined) {
    if (!isAddressText(text)) return null;
    kept = text;
    if (cache.other.size < 100_000) cache.other.set(text, text);
  }
  return kept;
}

/**
 * A scanned line's slots (scanNetfilterLine): its time stamp's fields packed in one, where its
 * device, prefix and addresses lie, its addresses' IPv4 values, its ports, and its transport,
 * which addresses are IPv4 and its TCP flag words (S_BITS).
 */
const S_STAMP = 0;
const S_HOST = 1;
const S_HOST_END = 2;
const S_PREFIX = 3;
const S_IN = 4;
const S_SRC = 5;
const S_SRC_END = 6;
const S_DST = 7;
const S_DST_END = 8;
const S_SRC_V4 = 9;
const S_DST_V4 = 10;
const S_PORTS = 11;
const S_BITS = 12;
export const SCAN_SLOTS = 13;
/** The flag words a line's TCP flags are written with, by their code in S_BITS. */
const FLAG_LETTERS = ['', 'S', 'P', 'A', 'F', 'R'];
/** Flag words a line scanned here may have (a line of more is read as text). */
const MOST_FLAGS = 7;

/** A port as Number() reads the digits the kernel writes; -2 when the text is anything else. */
function portValue(b: Uint8Array, from: number, to: number): number {
  if (to <= from || to - from > 15) return -2;
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = b[i]!;
    if (!isDigit(c)) return -2;
    n = n * 10 + (c - 0x30);
  }
  return n;
}

/**
 * Where the fields of a netfilter LOG line given as ASCII bytes `b[from, to)` (no line end) lie,
 * written to `out[at, at + SCAN_SLOTS)`: the first of the two steps of reading it from its bytes,
 * which needs nothing but the bytes (a worker thread takes it for a large log: netfilter-worker.ts).
 * False when the line is not of the plain shape read here (the text parser then reads it); with
 * `netfilterEventOfScan` after it, the event is exactly the one `parser(clock).parse` reads of
 * the line's text.
 */
export function scanNetfilterLine(b: Buffer, from: number, to: number, out: Int32Array, at: number): boolean {
  // "Mar  5 09:00:00 " — BSD syslog without a year or a fraction of a second.
  let p = from;
  if (p + 15 > to) return false;
  const month = MONTH_CODES.get((b[p]! << 16) | (b[p + 1]! << 8) | b[p + 2]!);
  if (month === undefined) return false;
  p += 3;
  if (b[p] !== SPACE) return false;
  while (b[p] === SPACE) p++;
  let day = 0;
  const dayAt = p;
  while (p < to && isDigit(b[p]!) && p - dayAt < 2) day = day * 10 + (b[p++]! - 0x30);
  if (p === dayAt || b[p] !== SPACE) return false;
  while (b[p] === SPACE) p++;
  // A year ("Nov 17 2006 13:12:50") is left to the text parser.
  if (p + 4 < to && isDigit(b[p]!) && isDigit(b[p + 1]!) && isDigit(b[p + 2]!) && isDigit(b[p + 3]!) && b[p + 4] === SPACE) return false;
  let hour = 0;
  const hourAt = p;
  while (p < to && isDigit(b[p]!) && p - hourAt < 2) hour = hour * 10 + (b[p++]! - 0x30);
  if (p === hourAt || p + 6 > to || b[p] !== 0x3a) return false;
  const m1 = b[p + 1]!;
  const m2 = b[p + 2]!;
  const s1 = b[p + 4]!;
  const s2 = b[p + 5]!;
  if (!isDigit(m1) || !isDigit(m2) || b[p + 3] !== 0x3a || !isDigit(s1) || !isDigit(s2)) return false;
  const minute = (m1 - 0x30) * 10 + (m2 - 0x30);
  const second = (s1 - 0x30) * 10 + (s2 - 0x30);
  if (!plausibleStamp(month, day, hour, minute, second)) return false;
  p += 6;
  if (b[p] === 0x3a) p++;
  if (b[p] !== SPACE) return false;
  while (p < to && b[p] === SPACE) p++;

  // The host, unless the next word already starts the message (a tag, a bracket, KEY=VALUE).
  let wordEnd = p;
  let hasEquals = false;
  while (wordEnd < to && b[wordEnd] !== SPACE) {
    if (b[wordEnd] === 0x3d) hasEquals = true;
    wordEnd++;
  }
  if (wordEnd >= to || wordEnd === p) return false;
  let message = p;
  let hostFrom = -1;
  const firstByte = b[p]!;
  if (!(b[wordEnd - 1] === 0x3a || firstByte === 0x25 || firstByte === 0x5b || hasEquals)) {
    hostFrom = p;
    message = wordEnd + 1;
    if (b[message] === 0x3a && b[message + 1] === SPACE) message += 2;
    // No host: a rule's prefix that names its decision, then the packet (as splitHost reads it).
    if (startsWith(b, message, to, 'IN=') && prefixAction(b.toString('latin1', p, wordEnd), null) !== null) {
      hostFrom = -1;
      message = p;
    }
  }

  // "IN=": the prefix before it, the packet's words after.
  let inAt = -1;
  for (let i = message; i + 2 < to; i++) {
    if (b[i] === 0x49 && b[i + 1] === 0x4e && b[i + 2] === 0x3d) {
      inAt = i;
      break;
    }
  }
  if (inAt < 0) return false;

  let srcFrom = -1;
  let srcTo = -1;
  let dstFrom = -1;
  let dstTo = -1;
  let protoFrom = -1;
  let protoTo = -1;
  let sptFrom = -1;
  let sptTo = -1;
  let dptFrom = -1;
  let dptTo = -1;
  // The flag words in the order they came, three bits each (FLAG_LETTERS).
  let flags = 0;
  let flagCount = 0;
  let i = inAt;
  while (i < to) {
    // The next word after a space.
    while (i < to && b[i] !== SPACE) i++;
    const w = i + 1;
    if (w >= to) break;
    let end = w;
    while (end < to && b[end] !== SPACE) end++;
    const c = b[w]!;
    if (c === 0x53 /* S */) {
      if (srcFrom < 0 && startsWith(b, w, end, 'SRC=')) {
        srcFrom = w + 4;
        srcTo = end;
      } else if (protoFrom >= 0) {
        if (sptFrom < 0 && startsWith(b, w, end, 'SPT=')) {
          sptFrom = w + 4;
          sptTo = end;
        } else if (end - w === 3 && b[w + 1] === 0x59 && b[w + 2] === 0x4e) {
          if (flagCount === MOST_FLAGS) return false;
          flags |= 1 << (3 * flagCount++);
        }
      }
    } else if (c === 0x44 /* D */) {
      if (dstFrom < 0 && startsWith(b, w, end, 'DST=')) {
        dstFrom = w + 4;
        dstTo = end;
      } else if (protoFrom >= 0 && dptFrom < 0 && startsWith(b, w, end, 'DPT=')) {
        dptFrom = w + 4;
        dptTo = end;
      }
    } else if (c === 0x50 /* P */) {
      if (protoFrom < 0) {
        if (startsWith(b, w, end, 'PROTO=')) {
          protoFrom = w + 6;
          protoTo = end;
        }
      } else if (end - w === 3 && b[w + 1] === 0x53 && b[w + 2] === 0x48) {
        if (flagCount === MOST_FLAGS) return false;
        flags |= 2 << (3 * flagCount++);
      }
    } else if (protoFrom >= 0 && end - w === 3) {
      const c1 = b[w + 1]!;
      const c2 = b[w + 2]!;
      if (c === 0x41 && c1 === 0x43 && c2 === 0x4b) {
        if (flagCount === MOST_FLAGS) return false;
        flags |= 3 << (3 * flagCount++);
      } else if (c === 0x46 && c1 === 0x49 && c2 === 0x4e) {
        if (flagCount === MOST_FLAGS) return false;
        flags |= 4 << (3 * flagCount++);
      } else if (c === 0x52 && c1 === 0x53 && c2 === 0x54) {
        if (flagCount === MOST_FLAGS) return false;
        flags |= 5 << (3 * flagCount++);
      }
    }
    i = end;
  }
  if (srcFrom < 0 || dstFrom < 0 || protoFrom < 0) return false;
  let proto: Transport;
  if (startsWith(b, protoFrom, protoTo, 'TCP') && protoTo - protoFrom === 3) proto = 'tcp';
  else if (startsWith(b, protoFrom, protoTo, 'UDP') && protoTo - protoFrom === 3) proto = 'udp';
  // ICMP (its type and code) is left to the text parser: a log's pings are few.
  else return false;
  // No ports (a fragment after the first), or no port: the text parser reads the line.
  if (sptFrom < 0 || dptFrom < 0) return false;
  const sport = portValue(b, sptFrom, sptTo);
  if (sport === -2 || sport > 65535) return false;
  const dport = portValue(b, dptFrom, dptTo);
  if (dport === -2 || dport > 65535) return false;

  // The decision, from the prefix after "kernel:" (what precedes its first letter holds none).
  let prefixFrom = message;
  for (let k = message; k + KERNEL_TAG.length <= inAt; k++) {
    let found = true;
    for (let j = 0; j < KERNEL_TAG.length; j++) {
      if (b[k + j] !== KERNEL_TAG[j]) {
        found = false;
        break;
      }
    }
    if (found) {
      prefixFrom = k + KERNEL_TAG.length;
      break;
    }
  }
  while (prefixFrom < inAt && !isLetter(b[prefixFrom]!)) prefixFrom++;
  const srcV4 = ipv4Value(b, srcFrom, srcTo);
  const dstV4 = ipv4Value(b, dstFrom, dstTo);
  out[at + S_STAMP] = month | (day << 4) | (hour << 9) | (minute << 14) | (second << 20);
  out[at + S_HOST] = hostFrom;
  out[at + S_HOST_END] = wordEnd;
  out[at + S_PREFIX] = prefixFrom;
  out[at + S_IN] = inAt;
  out[at + S_SRC] = srcFrom;
  out[at + S_SRC_END] = srcTo;
  out[at + S_DST] = dstFrom;
  out[at + S_DST_END] = dstTo;
  out[at + S_SRC_V4] = srcV4 | 0;
  out[at + S_DST_V4] = dstV4 | 0;
  out[at + S_PORTS] = (sport << 16) | dport;
  out[at + S_BITS] = (proto === 'tcp' ? 1 : 2) | (srcV4 >= 0 ? 4 : 0) | (dstV4 >= 0 ? 8 : 0) | (flagCount << 4) | (flags << 8);
  return true;
}

/**
 * The event of a line `scanNetfilterLine` wrote to `scan[at…]` (from the same bytes `b`): the
 * second step, which keeps what the file's lines repeat (the prefixes' decisions, the address
 * texts, the device) and asks the clock; null when the line is left to the text parser after all.
 */
export function netfilterEventOfScan(
  b: Buffer,
  scan: Int32Array,
  at: number,
  clock: LogClockLike,
  lineNumber: number,
  cache: NetfilterBytes,
): FirewallEvent | null {
  const prefixFrom = scan[at + S_PREFIX]!;
  const inAt = scan[at + S_IN]!;
  let action: FirewallAction | undefined;
  const length = inAt - prefixFrom;
  for (let k = 0; k < cache.prefixes.length && action === undefined; k++) {
    const known = cache.prefixes[k]!;
    if (known.length !== length) continue;
    let j = 0;
    while (j < length && known[j] === b[prefixFrom + j]) j++;
    if (j === length) action = cache.actions[k];
  }
  if (action === undefined) {
    const named = prefixAction(b.toString('latin1', prefixFrom, inAt), null);
    // A line logged before any decision (the text reader skips it), or whose prefix names none
    // (the text reader takes it as a denial and counts it for its note).
    if (named === null) return null;
    action = named;
    if (cache.prefixes.length < 16) {
      cache.prefixes.push(Buffer.from(b.subarray(prefixFrom, inAt)));
      cache.actions.push(action);
    }
  }

  let device: string | undefined;
  const hostFrom = scan[at + S_HOST]!;
  if (hostFrom >= 0) {
    const wordEnd = scan[at + S_HOST_END]!;
    if (!sameBytes(cache.hostBytes, b, hostFrom, wordEnd)) {
      cache.hostBytes = Buffer.from(b.subarray(hostFrom, wordEnd));
      cache.host = b.toString('latin1', hostFrom, wordEnd);
    }
    device = cache.host;
  }
  const bits = scan[at + S_BITS]!;
  const src = address(b, scan[at + S_SRC]!, scan[at + S_SRC_END]!, (bits & 4) !== 0 ? scan[at + S_SRC_V4]! >>> 0 : -1, cache);
  const dst = address(b, scan[at + S_DST]!, scan[at + S_DST_END]!, (bits & 8) !== 0 ? scan[at + S_DST_V4]! >>> 0 : -1, cache);
  if (src === null || dst === null) return null;
  const proto: Transport = (bits & 3) === 1 ? 'tcp' : 'udp';
  let tcpFlags: string | undefined;
  if (proto === 'tcp') {
    tcpFlags = '';
    for (let k = 0, codes = bits >>> 8; k < ((bits >>> 4) & 15); k++, codes >>>= 3) tcpFlags += FLAG_LETTERS[codes & 7];
  }
  const stamp = scan[at + S_STAMP]!;
  const ports = scan[at + S_PORTS]!;
  // Every field in one literal: an event of one shape, with no properties added to it later.
  return {
    ts: clock.withoutYear(stamp & 15, (stamp >>> 4) & 31, (stamp >>> 9) & 31, (stamp >>> 14) & 63, (stamp >>> 20) & 63),
    action,
    proto,
    src,
    sport: ports >>> 16,
    dst,
    dport: ports & 0xffff,
    tcpFlags,
    device,
    line: lineNumber,
  };
}
