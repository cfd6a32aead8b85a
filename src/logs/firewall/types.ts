/**
 * Firewall log records: what every format's line parser yields — one logged packet or
 * connection, with the firewall's decision — and the shape every format module shares.
 */
import { ipv4ToNumber, ipv6ToBytes } from '../../decode/address.js';
import type { FirewallAction } from '../../firewall-words.js';
import type { Transport } from '../../flows/connection.js';
import { icmp4Counterpart, icmp6Counterpart } from '../../flows/ports.js';

/** The formats callhome reads firewall logs in, by the name `CaptureSummary.format` gives them. */
export type FirewallFormat =
  | 'netfilter'
  | 'cisco-asa'
  | 'filterlog'
  | 'pfirewall'
  | 'mikrotik'
  | 'meraki'
  | 'key-value'
  | 'pan-os'
  | 'cisco-ios'
  | 'pflog'
  | 'vpc-flow'
  | 'table';

/** What the firewall did with the packet or connection (declared with the words that name it). */
export type { FirewallAction };

/** One line of a firewall log: one packet (or connection) and the firewall's decision on it. */
export interface FirewallEvent {
  /** Seconds since the epoch (whole seconds where the log says no more). */
  ts: number;
  action: FirewallAction;
  proto: Transport;
  /** The packet's sender and receiver: for a first packet, the originator and the responder. */
  src: string;
  /** -1 where the protocol has no ports (ICMP) or the log does not say. */
  sport: number;
  dst: string;
  dport: number;
  /** TCP flags as Zeek history letters would see them: 'S' SYN, 'A' ACK, 'F' FIN, 'R' RST, 'P' PSH; absent when not logged. */
  tcpFlags?: string;
  /** The device that wrote the line (a syslog host name), when the line says. */
  device?: string;
  /** The device's number for the connection (an ASA's "Built … connection N"), for its teardown to find it. */
  connection?: number;
  /**
   * A session the device let through and saw end without a packet back (PAN-OS's end of a TCP
   * session that received nothing, aged out): an attempt nobody answered, as an ASA's SYN Timeout.
   */
  unanswered?: boolean;
  /**
   * A connection built: whether it was opened from the inside (the interface of higher security
   * level) to the outside, so that its teardown's "TCP Reset-O" is a reset from its responder.
   */
  outbound?: boolean;
  /**
   * Set on a connection's teardown, which is no attempt: what the device saw of the connection it
   * had let through, told to the attempt of the same device and `connection` number.
   */
  teardown?: Teardown;
  /** 1-based line number in the file. */
  line: number;
}

/** A connection's end as the device logged it. */
export interface Teardown {
  /** "SYN Timeout", "TCP FINs", "TCP Reset-O", … ('' when the line gives none). */
  reason: string;
  seconds: number;
  bytes: number;
}

/** A parser for one file's lines; header-based formats keep the header they have read. */
export interface LineParser {
  /**
   * An event; 'skip' for lines that carry none by design (headers, comments, other messages of
   * the device); 'bad' for a line of this format that does not read (cut short, a field
   * missing); null when the line is not this format's.
   */
  parse(line: string, lineNumber: number): FirewallEvent | 'skip' | 'bad' | null;
  /** Lines of this format passed over as carrying no attempt by design, in words, or null: why a file of them has no entry. */
  passedOver?(): string | null;
  /**
   * The file's first lines, before any is parsed: what a format settles once for the file from
   * them rather than line by line (a table's date order).
   */
  prime?(lines: readonly string[]): void;
  /** What the reader should say about the file once it is read (times since boot, a missing column). */
  notes(): string[];
  /** Entries time-stamped in seconds since the kernel booted (dmesg without -T), not a date. */
  sinceBoot?(): number;
}

/** Everything a format module offers: how sure it is that it wrote some lines, and a parser. */
export interface FirewallFormatModule {
  format: FirewallFormat;
  /** Words for the summary: "netfilter LOG lines", "Windows Firewall pfirewall.log". */
  description: string;
  /** 0–1: the share of the (non-blank) first lines this format reads. */
  sniff(lines: readonly string[]): number;
  parser(clock: LogClockLike): LineParser;
}

/** The clock a parser turns a log's wall-clock times with (see time.ts). */
export interface LogClockLike {
  /** A wall-clock time in the log's time zone, seconds since the epoch. */
  local(year: number, month: number, day: number, hour: number, minute: number, second: number): number;
  /** A syslog time stamp without a year: the year from the options or the file's date; in UTC when `utc` (the line says so). */
  withoutYear(month: number, day: number, hour: number, minute: number, second: number, utc?: boolean): number;
  /** A line named its time zone by an abbreviation (EDT, CET) that is not read: its time is read in the log's zone. */
  unreadZone?(name: string): void;
}

/** Zeek history letters for TCP flag names as the logs write them (netfilter SYN, ASA SYN/ACK, filterlog S/A). */
export function historyLetters(flags: Iterable<string>): string {
  let s = '';
  for (const f of flags) {
    switch (f.toUpperCase()) {
      case 'SYN':
      case 'S':
        s += 'S';
        break;
      case 'ACK':
      case 'A':
      case '.':
        s += 'A';
        break;
      case 'FIN':
      case 'F':
        s += 'F';
        break;
      case 'RST':
      case 'R':
        s += 'R';
        break;
      case 'PSH':
      case 'P':
        s += 'P';
        break;
      default:
        break;
    }
  }
  return s;
}

/**
 * An ICMP message's "ports" as Zeek (and callhome's tracker) give them: its type as the source
 * port, the counterpart type (echo → echo reply) or else its code as the destination port. -1
 * each when the log gives no type.
 */
export function icmpPorts(type: number, code: number, v6: boolean): { sport: number; dport: number } {
  if (!Number.isInteger(type) || type < 0 || type > 255) return { sport: -1, dport: -1 };
  const counterpart = v6 ? icmp6Counterpart(type) : icmp4Counterpart(type);
  return { sport: type, dport: counterpart >= 0 ? counterpart : Number.isInteger(code) && code >= 0 && code <= 255 ? code : 0 };
}

/** Transport from a protocol name or number as logs write it; null for others (GRE, ESP, …). */
export function transportOf(word: string): Transport | null {
  switch (word.toLowerCase()) {
    case 'tcp':
    case '6':
      return 'tcp';
    case 'udp':
    case '17':
      return 'udp';
    case 'icmp':
    case '1':
    case 'icmpv6':
    case 'ipv6-icmp':
    case 'icmp6':
    case '58':
      return 'icmp';
    default:
      return null;
  }
}

/** A port number 0–65535 from the start of a text ("80", "80 (HTTP)"), else -1. */
export function portOf(text: string): number {
  let n = 0;
  let digits = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) break;
    n = n * 10 + (c - 48);
    digits++;
  }
  return digits > 0 && digits <= 5 && n <= 65535 ? n : -1;
}

/** A clock for sniffing: wall-clock times read as UTC, year-less ones in 2000 (only whether lines read matters). */
export const SNIFF_CLOCK: LogClockLike = {
  local: (y, mo, d, h, mi, s) => Date.UTC(y, mo - 1, d, h, mi, 0) / 1000 + s,
  withoutYear: (mo, d, h, mi, s) => Date.UTC(2000, mo - 1, d, h, mi, 0) / 1000 + s,
};

/** The share of a file's first lines a format must read to claim the file. */
export const MIN_CONFIDENCE = 0.5;

/**
 * How sure a format is that it wrote `lines`: the share of non-blank lines its parser reads
 * (entries, and lines it skips by design such as headers or the device's other messages), and 0
 * when not one line is an entry.
 */
export function shareRead(makeParser: (clock: LogClockLike) => LineParser, lines: readonly string[]): number {
  const parser = makeParser(SNIFF_CLOCK);
  let seen = 0;
  let read = 0;
  let entries = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    seen++;
    const result = parser.parse(line, i + 1);
    if (result === null || result === 'bad') continue;
    read++;
    if (result !== 'skip') entries++;
  }
  return entries === 0 ? 0 : read / seen;
}

/**
 * Whether a log's address cell can be an address: IPv4, IPv6 (a zone index after `%` allowed),
 * or a name a device writes for one (an ASA's `names`). A number past 255, a group that is no hex,
 * a cell cut short, a port stuck to it (`203.0.113.9(80)`): no address.
 */
export function isAddressText(text: string): boolean {
  if (text.includes(':')) {
    const zone = text.indexOf('%');
    return ipv6ToBytes(zone < 0 ? text : text.slice(0, zone)) !== null;
  }
  const first = text.charCodeAt(0);
  if (first >= 48 && first <= 57) return ipv4ToNumber(text) >= 0;
  return /^[A-Za-z][A-Za-z0-9._-]*$/.test(text);
}

const isPort = (n: number): boolean => Number.isInteger(n) && n >= 0 && n <= 65535;

/**
 * What makes an event read from a line impossible, or null: a time that is no time, an address
 * that cannot be one, a TCP or UDP port missing or past 65535. Such a line is counted with the
 * lines that match no format and named with them, never taken as an attempt.
 */
export function eventFault(e: FirewallEvent): string | null {
  if (!Number.isFinite(e.ts)) return 'no time';
  if (!isAddressText(e.src) || !isAddressText(e.dst)) return 'no address';
  if (e.proto !== 'icmp' && !(isPort(e.sport) && isPort(e.dport))) return 'no port';
  return null;
}

/**
 * Characters a line may have and be read: no firewall writes longer (syslog's own limit is 8 KB,
 * journald's 48 KB). A longer line (a file of one line, a blob pasted into a log) is counted apart
 * (`log.overlong`) and named by its beginning, never read: reading tens of megabytes as a table's
 * header took minutes and gigabytes.
 */
export const LONGEST_LINE = 64 << 10;

/**
 * Bytes of a line kept while its end is looked for: enough for more than LONGEST_LINE characters
 * of any UTF-8, so that a longer line is still one the reader names and does not read.
 */
export const KEPT_BYTES = 4 * (LONGEST_LINE + 1);
