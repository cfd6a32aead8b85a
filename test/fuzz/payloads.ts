/**
 * Application payloads the decoders peek at, built with hostile text in them and with their
 * inner lengths optionally wrong: DNS messages (names with compression pointers, loops and
 * reserved label types), HTTP requests, TLS ClientHellos and QUIC long headers.
 */
import type { Rng } from './random.js';
import { concat } from './container.js';
import { latin1, text } from './layers.js';

/**
 * Text an attacker controls, meant to reach a terminal, a spreadsheet or a browser: ANSI escape
 * sequences (title, clear screen, colours, OSC 8 links), bidi overrides and isolates, formula
 * starts, HTML markup. Each carries the marker "fz" so leaks can be told from the report's own text.
 */
export const HOSTILE_STRINGS: readonly string[] = [
  'fz\x1b]0;owned\x07\x1b[2J\x1b[31mred',
  'fz\x1b[1;1H\x1b[Kgone\x1b]8;;http://x/\x1b\\link\x1b]8;;\x1b\\',
  'fz\u009b31mc1csi\u009d0;t\u009c',
  'fz-evil\u202egnp.exe',
  'fz\u2066iso\u2069\u2067rtl\u2068fsi\u2069',
  "=cmd|' /C calc'!A0fz",
  '+SUM(1+1)*cmd|fz',
  '-2+3+cmd|fz',
  '@SUM(1)fz',
  '\tfz=1',
  '<script>alert("fz")</script>',
  '"><img src=x onerror=alert(1)>fz',
  "'><svg onload=alert(1)>fz</svg>",
  'fz]]><!--<iframe src=javascript:alert(1)>',
  'fz|pipe|`tick`*star*_under_[link](http://x)',
  'fz\u0000nul\rcr\nnl\x7fdel',
];

/** Hostile text that survives as a DNS label (no dots; at most 63 bytes once encoded). */
export function hostileLabel(rng: Rng): string {
  return rng.pick(HOSTILE_STRINGS).replace(/\./g, '').slice(0, 40);
}

export function be16(n: number): Uint8Array {
  return Uint8Array.of((n >> 8) & 0xff, n & 0xff);
}

function be24(n: number): Uint8Array {
  return Uint8Array.of((n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
}

function be32(n: number): Uint8Array {
  return Uint8Array.of((n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
}

/** A name as DNS labels (Latin-1 bytes, as a resolver sees them), ending in `end` (root or a pointer). */
function dnsName(labels: string[], end: Uint8Array = Uint8Array.of(0)): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const label of labels) {
    const bytes = latin1(label).slice(0, 63);
    parts.push(Uint8Array.of(bytes.length), bytes);
  }
  parts.push(end);
  return concat(parts);
}

function pointer(offset: number): Uint8Array {
  return Uint8Array.of(0xc0 | ((offset >> 8) & 0x3f), offset & 0xff);
}

/**
 * A DNS response whose question and answers carry hostile labels, answers naming the question
 * by compression pointer; sometimes a pointer loop, a forward or out-of-range pointer, a
 * reserved label type, or counts and rdlengths that lie.
 */
export function dnsResponse(rng: Rng): Uint8Array {
  const hostile = hostileLabel(rng);
  const qname = dnsName([hostile, 'fz', 'example', 'com']);
  const answers: Uint8Array[] = [];
  const n = rng.between(1, 4);
  let offset = 12 + qname.length + 4;
  for (let i = 0; i < n; i++) {
    const kind = rng.pick(['A', 'AAAA', 'CNAME'] as const);
    const rdata =
      kind === 'A'
        ? Uint8Array.of(198, 51, 100, rng.below(256))
        : kind === 'AAAA'
          ? concat([Uint8Array.of(0x20, 0x01, 0x0d, 0xb8), new Uint8Array(11), Uint8Array.of(rng.below(256))])
          : dnsName([hostileLabel(rng), 'cdn'], pointer(12));
    const type = kind === 'A' ? 1 : kind === 'AAAA' ? 28 : 5;
    const owner = i === 0 || rng.chance(0.5) ? pointer(12) : dnsName([hostileLabel(rng)], pointer(12));
    const rr = concat([owner, be16(type), be16(1), be32(rng.between(0, 86400)), be16(rdata.length), rdata]);
    answers.push(rr);
    offset += rr.length;
  }
  let message = concat([be16(rng.below(65536)), be16(0x8180), be16(1), be16(n), be16(0), be16(0), qname, be16(1), be16(1), ...answers]);
  const twist = rng.below(8);
  if (twist === 0) {
    // a pointer to itself: the first answer's owner points at its own offset
    const at = 12 + qname.length + 4;
    message[at] = 0xc0 | ((at >> 8) & 0x3f);
    message[at + 1] = at & 0xff;
  } else if (twist === 1) {
    // a pointer past the end of the message
    message[12 + qname.length + 4 + 1] = 0xff;
    message[12 + qname.length + 4] = 0xff;
  } else if (twist === 2) {
    // a reserved label type (0x40 / 0x80) in the question
    message[12] = rng.pick([0x40, 0x80, 0x7f, 0xbf]);
  } else if (twist === 3) {
    // answer count lies
    message.set(be16(rng.interesting16()), 6);
  } else if (twist === 4) {
    // an rdlength that runs past the end
    message = message.slice(0, message.length - rng.between(1, 6));
  } else if (twist === 5) {
    // a chain of pointers, each to the one before
    const chain: Uint8Array[] = [];
    for (let i = 0; i < 40; i++) chain.push(pointer(offset + i * 2 - 2));
    message = concat([message, ...chain]);
  }
  return message;
}

/** A DNS query for a hostile name (what a client sends; the query name is kept too). */
export function dnsQuery(rng: Rng): Uint8Array {
  return concat([
    be16(rng.below(65536)),
    be16(0x0100),
    be16(1),
    be16(0),
    be16(0),
    be16(0),
    dnsName([hostileLabel(rng), 'fz', 'test']),
    be16(1),
    be16(1),
  ]);
}

/** An HTTP request with hostile text in the URI, Host and User-Agent, in origin, absolute or CONNECT form. */
export function httpRequest(rng: Rng): Uint8Array {
  const h = (): string => rng.pick(HOSTILE_STRINGS);
  const host = h();
  const form = rng.below(4);
  const method = form === 3 ? 'CONNECT' : rng.pick(['GET', 'POST', 'HEAD', 'PUT']);
  // a request target has no spaces (the request line would not parse); everything else stays
  const t = (): string => h().replace(/[ \r\n]/g, '');
  const target = form === 0 ? `/${t()}` : form === 1 ? `http://${t()}/${t()}` : form === 2 ? `/?q=${t()}` : `${t()}:443`;
  let request = `${method} ${target} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: ${h()}\r\nAccept: */*\r\n`;
  if (rng.chance(0.3)) request += `X-Long: ${'A'.repeat(rng.between(100, 9000))}\r\n`;
  if (rng.chance(0.2)) request += `Host: ${h()}\r\n`;
  if (rng.chance(0.8)) request += '\r\n';
  if (rng.chance(0.15)) request = request.replace(/\r\n/g, rng.pick(['\n', '\r', '\r\r\n']));
  return text(request);
}

/**
 * A TLS ClientHello with a hostile server name; one of its six nested lengths may lie (record,
 * handshake, session ID, cipher suites, extensions, server-name list or name).
 */
export function tlsClientHello(rng: Rng): Uint8Array {
  const name = text(rng.pick(HOSTILE_STRINGS));
  const serverName = concat([Uint8Array.of(0), be16(name.length), name]);
  const sniList = concat([be16(serverName.length), serverName]);
  const sniExtension = concat([be16(0), be16(sniList.length), sniList]);
  const alpnBody = concat([Uint8Array.of(2), text('h2')]);
  const alpn = concat([be16(16), be16(alpnBody.length + 2), be16(alpnBody.length), alpnBody]);
  const extensions = rng.chance(0.5) ? concat([alpn, sniExtension]) : sniExtension;
  const sessionId = rng.bytes(rng.pick([0, 32]));
  const suites = concat([be16(0x1301), be16(0x1302), be16(0xc02f)]);
  const body = concat([
    be16(0x0303),
    rng.bytes(32),
    Uint8Array.of(sessionId.length),
    sessionId,
    be16(suites.length),
    suites,
    Uint8Array.of(1, 0),
    be16(extensions.length),
    extensions,
  ]);
  const handshake = concat([Uint8Array.of(1), be24(body.length), body]);
  const hello = concat([Uint8Array.of(0x16, 0x03, 0x01), be16(handshake.length), handshake]);
  if (rng.chance(0.5)) {
    // offsets of the length fields within `hello`
    const sidAt = 5 + 4 + 2 + 32;
    const suitesAt = sidAt + 1 + sessionId.length;
    const extAt = suitesAt + 2 + suites.length + 2;
    const fields: [number, number][] = [
      [3, 2],
      [6, 3],
      [sidAt, 1],
      [suitesAt, 2],
      [extAt, 2],
      [hello.length - name.length - 2, 2],
      [hello.length - serverName.length - 2, 2],
    ];
    const [at, width] = rng.pick(fields);
    const value = width === 1 ? rng.interesting8() : rng.interesting16();
    if (width === 1) hello[at] = value;
    else if (width === 2) hello.set(be16(value), at);
    else hello.set(be24(value * rng.between(1, 300)), at);
  }
  if (rng.chance(0.2)) return hello.slice(0, rng.between(5, hello.length));
  return hello;
}

/** RFC 9000 §16 variable-length integer. */
function varint(n: number): Uint8Array {
  if (n < 0x40) return Uint8Array.of(n);
  if (n < 0x4000) return be16(0x4000 | n);
  return be32((0x80000000 | n) >>> 0);
}

/**
 * A QUIC long-header packet (RFC 9000 §17.2): an Initial, Retry, Handshake or 0-RTT of a known or
 * unknown version, with connection-ID lengths, token length and packet length that may lie.
 */
export function quicLongHeader(rng: Rng): Uint8Array {
  const version = rng.pick([0x00000001, 0x6b3343cf, 0xff00001d, 0x00000000, 0x1a2a3a4a, 0xffffffff]);
  const type = rng.below(4);
  const dcid = rng.bytes(rng.pick([0, 8, 20, 21]));
  const scid = rng.bytes(rng.pick([0, 8, 20]));
  const dcidLength = rng.chance(0.2) ? rng.interesting8() : dcid.length;
  const scidLength = rng.chance(0.2) ? rng.interesting8() : scid.length;
  const payload = rng.bytes(rng.between(0, 1200));
  const token = type === 0 ? rng.bytes(rng.pick([0, 16])) : new Uint8Array(0);
  const tokenLength = rng.chance(0.2) ? rng.pick([0x3f, 0x3fff, 0x3fffffff]) : token.length;
  const length = rng.chance(0.2) ? rng.pick([0, 1, 0x3fff, 0x3fffffff]) : payload.length;
  const parts = [
    Uint8Array.of(0xc0 | (type << 4) | rng.below(4)),
    be32(version),
    Uint8Array.of(dcidLength),
    dcid,
    Uint8Array.of(scidLength),
    scid,
  ];
  if (type === 0) parts.push(varint(tokenLength), token);
  if (type !== 3) parts.push(varint(length));
  parts.push(payload);
  return concat(parts);
}
