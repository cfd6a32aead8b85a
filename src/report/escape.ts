/**
 * Escaping for every place capture-derived text ends up. DNS names, Host headers, user
 * agents and SNI come from whoever sent the packets: they are hostile text.
 */

/**
 * ANSI/ECMA-48 escape sequences: CSI (ESC [ … final byte), OSC/DCS/PM/APC/SOS strings (ended
 * by BEL or ST), and two-byte ESC sequences. The 8-bit C1 forms (0x9B CSI, 0x9D OSC, …) too.
 */
const ESCAPE_SEQUENCE =
  /\x1b\[[0-?]*[ -/]*[@-~]|\x9b[0-?]*[ -/]*[@-~]|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?|\x1b[ -/]*[0-~]?/g;
/** C0 controls, DEL and C1 controls. */
const CONTROL = /[\x00-\x1f\x7f-\x9f]/g;
/** Bidirectional overrides and isolates: they reorder what the reader sees (CVE-2021-42574). */
const BIDI = /[\u202a-\u202e\u2066-\u2069]/g;

/**
 * JSON text with the characters JSON.stringify leaves raw but a terminal or an editor acts on —
 * C1 controls (U+0080–U+009F, the 8-bit CSI among them) and bidi controls — written as \u
 * escapes: the same string to a JSON parser, inert to a reader's eyes.
 */
export function inertJson(json: string): string {
  // Mostly there is none: looking is cheaper than writing the text again, and text of ASCII
  // alone (each character one UTF-8 byte) but DEL is told apart faster than the pattern looks.
  if (Buffer.byteLength(json, 'utf8') === json.length ? json.indexOf('\x7f') < 0 : !ACTIVE_IN_JSON.test(json)) return json;
  return json.replace(ACTIVE_IN_JSON_ALL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const ACTIVE_IN_JSON = /[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const ACTIVE_IN_JSON_ALL = new RegExp(ACTIVE_IN_JSON.source, 'g');

/**
 * Text safe to write to a terminal: escape sequences and C0/C1 controls removed (tab and
 * newline become a space so words stay apart), bidi overrides removed, printable Unicode kept.
 */
export function sanitizeTerminal(s: string): string {
  return s
    .replace(ESCAPE_SEQUENCE, '')
    .replace(/[\t\n\v\f]/g, ' ')
    .replace(CONTROL, '')
    .replace(BIDI, '');
}

const HTML_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Text safe inside HTML and SVG element content and quoted attribute values. Control
 * characters (not allowed in XML, invisible in HTML) become U+FFFD so their presence shows.
 */
export function escapeHtml(s: string): string {
  return s
    .replace(/[&<>"']/g, (c) => HTML_ENTITIES[c]!)
    .replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]/g, '\ufffd')
    .replace(BIDI, '\ufffd');
}

/**
 * One CSV cell (RFC 4180) whose text cannot become a spreadsheet formula: a cell starting
 * with `=`, `+`, `-`, `@`, tab or CR gets a leading apostrophe (OWASP "CSV injection"), and a
 * cell holding a comma, quote or line break is quoted with quotes doubled.
 */
export function csvCell(s: string): string {
  let cell = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  if (/[",\r\n]/.test(cell) || /^\s|\s$/.test(cell)) cell = `"${cell.replace(/"/g, '""')}"`;
  return cell;
}

/**
 * Inline Markdown text that renders literally on GitHub/GitLab: the punctuation that starts
 * markup (emphasis, code, links, HTML, tables, mentions, issue references, math) is
 * backslash-escaped (CommonMark §2.4), line breaks become spaces.
 */
export function escapeMarkdown(s: string): string {
  return sanitizeTerminal(s).replace(/[\\`*_{}[\]<>|~&@#!$]/g, (c) => `\\${c}`);
}

/**
 * A string field of a Zeek ASCII log: non-printable bytes and the separators are written as
 * `\xNN` (Zeek's ASCII formatter, `get_escaped_string`); a value that reads as the unset or
 * empty marker is escaped whole so it cannot be mistaken for one.
 */
export function zeekString(s: string, setSeparator = false): string {
  if (s === '') return '(empty)';
  if (s === '-' || s === '(empty)') return [...s].map(hexEscape).join('');
  // Most fields (addresses, uids, histories, names) have nothing to escape.
  if (!ZEEK_ESCAPED.test(s) && !(setSeparator && s.includes(','))) return s;
  let out = s.replace(/[\x00-\x20\x7f-\x9f\\]/g, (c) => (c === ' ' ? c : hexEscape(c)));
  // Bidi controls are printable to Zeek but reorder what a reader of the log sees: written as
  // the \xNN escapes of their UTF-8 bytes, which Zeek-log readers (and ours) decode back.
  out = out.replace(BIDI, (c) => [...utf8Encoder.encode(c)].map((b) => `\\x${b.toString(16)}`).join(''));
  if (setSeparator) out = out.replace(/,/g, '\\x2c');
  return out;
}

/** A character zeekString writes as an escape: a control, a backslash, a bidi control (not a space). */
const ZEEK_ESCAPED = /[\x00-\x1f\x7f-\x9f\\\u202a-\u202e\u2066-\u2069]/;

const utf8Encoder = new TextEncoder();

function hexEscape(c: string): string {
  return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
}
