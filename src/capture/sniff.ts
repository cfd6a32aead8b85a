/**
 * Recognising a capture by its magic number, and naming what a file is when it is not one —
 * never by file name.
 *
 * Magic numbers: libpcap (https://wiki.wireshark.org/Development/LibpcapFileFormat) a1b2c3d4
 * (µs), a1b23c4d (ns), a1b2cd34 (Kuznetzov's "modified" pcap), each in either byte order;
 * pcapng's Section Header Block type 0a0d0d0a (draft-ietf-opsawg-pcapng §4.1); gzip 1f 8b
 * (RFC 1952 §2.3.1).
 */

export type CaptureKind = { format: 'pcap'; littleEndian: boolean; nanosecond: boolean; modified: boolean } | { format: 'pcapng' } | null;

/** Bytes needed to tell a capture from anything else. */
export const MAGIC_BYTES = 4;
/** Bytes looked at to describe something that is not a capture. */
export const DESCRIBE_BYTES = 1024;

export const PCAPNG_SHB = 0x0a0d0d0a;

/** The capture format `head` starts with, or null. */
export function sniffCapture(head: Uint8Array): CaptureKind {
  if (head.length < MAGIC_BYTES) return null;
  const be = ((head[0]! << 24) | (head[1]! << 16) | (head[2]! << 8) | head[3]!) >>> 0;
  switch (be) {
    case 0xa1b2c3d4:
      return { format: 'pcap', littleEndian: false, nanosecond: false, modified: false };
    case 0xd4c3b2a1:
      return { format: 'pcap', littleEndian: true, nanosecond: false, modified: false };
    case 0xa1b23c4d:
      return { format: 'pcap', littleEndian: false, nanosecond: true, modified: false };
    case 0x4d3cb2a1:
      return { format: 'pcap', littleEndian: true, nanosecond: true, modified: false };
    case 0xa1b2cd34:
      return { format: 'pcap', littleEndian: false, nanosecond: false, modified: true };
    case 0x34cdb2a1:
      return { format: 'pcap', littleEndian: true, nanosecond: false, modified: true };
    case PCAPNG_SHB:
      return { format: 'pcapng' };
    default:
      return null;
  }
}

export function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

const MAGICS = [
  [0xa1, 0xb2, 0xc3, 0xd4],
  [0xd4, 0xc3, 0xb2, 0xa1],
  [0xa1, 0xb2, 0x3c, 0x4d],
  [0x4d, 0x3c, 0xb2, 0xa1],
  [0xa1, 0xb2, 0xcd, 0x34],
  [0x34, 0xcd, 0xb2, 0xa1],
  [0x0a, 0x0d, 0x0d, 0x0a],
];

function isCapturePrefix(head: Uint8Array): boolean {
  return MAGICS.some((m) => head.every((b, i) => m[i] === b));
}

function startsWith(head: Uint8Array, ...bytes: number[]): boolean {
  if (head.length < bytes.length) return false;
  for (let i = 0; i < bytes.length; i++) if (head[i] !== bytes[i]) return false;
  return true;
}

function ascii(head: Uint8Array, n: number): string {
  let s = '';
  for (let i = 0; i < Math.min(n, head.length); i++) s += String.fromCharCode(head[i]!);
  return s;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Valid UTF-8 (allowing a sequence cut at the end) that is nearly all printable. */
function looksLikeText(head: Uint8Array): boolean {
  let text: string | null = null;
  for (let cut = 0; cut < 4 && text === null; cut++) {
    try {
      text = strictUtf8.decode(head.subarray(0, head.length - cut));
    } catch {
      text = null;
    }
  }
  if (!text) return false;
  let printable = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (c === 9 || c === 10 || c === 13 || (c >= 0x20 && c !== 0x7f && (c < 0x80 || c >= 0xa0))) printable++;
  }
  return printable / text.length > 0.95;
}

/**
 * What a non-capture looks like, for the error line: 'an empty file', 'a text file',
 * 'an HTML page', 'a zip archive', 'a gzip file that does not hold a capture', …
 */
export function describeNonCapture(head: Uint8Array): string {
  if (head.length === 0) return 'an empty file';
  if (head.length < MAGIC_BYTES && isCapturePrefix(head))
    return `a capture cut short: only ${head.length} byte${head.length === 1 ? '' : 's'}`;
  if (isGzip(head)) return 'a gzip file that does not hold a capture';
  if (startsWith(head, 0x50, 0x4b, 0x03, 0x04) || startsWith(head, 0x50, 0x4b, 0x05, 0x06)) return 'a zip archive';
  if (startsWith(head, 0x42, 0x5a, 0x68)) return 'a bzip2 file (decompress it first)';
  if (startsWith(head, 0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00)) return 'an xz file (decompress it first)';
  if (startsWith(head, 0x28, 0xb5, 0x2f, 0xfd)) return 'a zstd file (decompress it first)';
  if (startsWith(head, 0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c)) return 'a 7z archive';
  if (startsWith(head, 0x25, 0x50, 0x44, 0x46)) return 'a PDF document';
  if (startsWith(head, 0x7f, 0x45, 0x4c, 0x46)) return 'an executable (ELF)';
  if (startsWith(head, 0x4d, 0x5a)) return 'a Windows executable';
  if (ascii(head, 8) === 'snoop\0\0\0') return 'a snoop capture (not supported: convert it to pcap with editcap)';
  if (ascii(head, 4) === 'GMBU') return 'a Microsoft Network Monitor capture (not supported: convert it to pcap with editcap)';
  if (ascii(head, 4) === 'XCP\0') return 'a NetXRay/Sniffer capture (not supported: convert it to pcap with editcap)';
  if (looksLikeText(head)) {
    let text = '';
    for (let i = 0; i < Math.min(head.length, 512); i++) text += String.fromCharCode(head[i]!);
    const start = text
      .replace(/^\uFEFF|^\xEF\xBB\xBF/, '')
      .trimStart()
      .toLowerCase();
    if (start.startsWith('<!doctype html') || start.startsWith('<html') || /<(head|body|title)[\s>]/.test(start)) return 'an HTML page';
    // A syslog line opens with its priority, "<13>": text, whatever else it holds.
    if (/^<\d{1,3}>/.test(start)) return 'a text file';
    if (start.startsWith('<?xml') || start.startsWith('<')) return 'an XML file';
    // Zeek writes a JSON log one object a line; `jq .` and exports spread an object over lines.
    if (/^(?:\[\s*)?\{\s*\n/.test(start))
      return `a JSON file of objects spread over several lines (Zeek JSON logs are read one object a line: \`jq -c ${start.startsWith('[') ? "'.[]'" : '.'}\` rewrites them so)`;
    if (start.startsWith('{') || start.startsWith('[')) return 'a JSON file';
    if (headerlessZeekRows(text)) {
      return "Zeek log rows without Zeek's header (callhome reads a Zeek log by its #fields line: keep it, as `zeek-cut -c` does)";
    }
    return 'a text file';
  }
  const first = Array.from(head.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return `an unrecognised binary file (it starts with ${first})`;
}

/**
 * Whether `text` opens with rows as Zeek writes them, tab-separated, without the header that
 * names their fields (what `zeek-cut` prints without -c): each of its first lines (at least two)
 * starts with a time in seconds to the microsecond and holds an IP address among six or more fields.
 */
function headerlessZeekRows(text: string): boolean {
  const lines = text.split('\n').slice(0, -1).slice(0, 5);
  return (
    lines.length >= 2 &&
    lines.every((line) => {
      const fields = line.replace(/\r$/, '').split('\t');
      return (
        fields.length >= 6 &&
        /^\d{1,10}\.\d{6}$/.test(fields[0]!) &&
        fields.some((f) => /^(?:\d{1,3}\.){3}\d{1,3}$|^[0-9a-f:]*:[0-9a-f:]*:[0-9a-f.]*$/i.test(f))
      );
    })
  );
}
