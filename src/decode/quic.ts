/**
 * QUIC long-header packets (RFC 9000 §17.2, RFC 8999 §5.1), and the client's Initial packets
 * opened with the keys anyone can derive from their Destination Connection ID (RFC 9001 §5.2):
 * header protection removed (§5.4), the payload decrypted (§5.3), the CRYPTO frames put back in
 * order and the TLS ClientHello read from them (RFC 9001 §4). Layout read:
 *   0 flags: 0x80 header form (1 = long)  0x40 fixed bit  0x30 packet type
 *     0x0f type-specific (Initial, 0-RTT, Handshake: reserved bits and packet number length − 1,
 *     both under header protection)
 *   1 version (32 bits; 0 = Version Negotiation)
 *   5 DCID length (≤ 20)  DCID  SCID length (≤ 20)  SCID
 *   Initial: token length (varint)  token  length (varint)  packet number (1..4)  payload
 *   0-RTT, Handshake: length (varint)  packet number  payload
 *   Retry: retry token  integrity tag (16);  Version Negotiation: supported versions (32 bits each)
 * A datagram may carry several long-header packets back to back (RFC 9000 §12.2).
 */

import { createCipheriv, createDecipheriv, createHmac } from 'node:crypto';
import { parseClientHello } from './tls.js';

const FORM_LONG = 0x80;
const FIXED_BIT = 0x40;
const TYPE_SHIFT = 4;
const TYPE_MASK = 0x03;
/** Long header bits under header protection (RFC 9001 §5.4.1): reserved and packet number length. */
const PROTECTED_BITS = 0x0f;
const PN_LENGTH_MASK = 0x03;
const VERSION_OFFSET = 1;
const DCID_LENGTH_OFFSET = 5;
/** RFC 9000 §17.2: versions 1 and 2 (and the drafts) cap connection IDs at 20 bytes. */
const MAX_CID_LENGTH = 20;
/** RFC 8999 §5.1: a Version Negotiation packet may carry connection IDs of up to 255 bytes. */
const MAX_VN_CID_LENGTH = 255;
const VERSION_NEGOTIATION = 0;
/** RFC 9001 §5.4.2: the header-protection sample starts 4 bytes after the packet number's start. */
const SAMPLE_OFFSET = 4;
const SAMPLE_LENGTH = 16;
const TAG_LENGTH = 16;
const KEY_LENGTH = 16;
const IV_LENGTH = 12;
/** RFC 9000 §12.4 frame types allowed in Initial packets. */
const FRAME_PADDING = 0x00;
const FRAME_PING = 0x01;
const FRAME_ACK = 0x02;
const FRAME_ACK_ECN = 0x03;
const FRAME_CRYPTO = 0x06;
const FRAME_CONNECTION_CLOSE = 0x1c;
/** Long-header packets read from one datagram (real ones carry two or three). */
const MAX_COALESCED = 8;
/** CRYPTO bytes kept per connection: a ClientHello with post-quantum key shares is under 2 KB. */
const CRYPTO_CAP = 16_384;
/** Out-of-order CRYPTO ranges remembered while a gap is open. */
const MAX_PENDING_RANGES = 32;
/** HKDF-Expand-Label lengths of the initial secret (SHA-256), AES-128 key and hp key, and IV. */
const SECRET_LENGTH = 32;

export type QuicVersionName = 'v1' | 'v2' | 'draft-29';
export type QuicPacketType = 'initial' | '0-rtt' | 'handshake' | 'retry' | 'version-negotiation';

/** The versions whose Initial packets callhome opens: number, salt, HKDF labels, packet types. */
interface QuicVersionSpec {
  number: number;
  name: QuicVersionName;
  /** RFC 9001 §5.2 initial_salt (and its counterparts). */
  salt: Buffer;
  /** Prefix of the "key", "iv" and "hp" labels of HKDF-Expand-Label. */
  labelPrefix: string;
  /** Packet type by the two type bits of the first byte. */
  types: readonly QuicPacketType[];
}

const V1_TYPES: readonly QuicPacketType[] = ['initial', '0-rtt', 'handshake', 'retry'];

const QUIC_VERSIONS: readonly QuicVersionSpec[] = [
  // RFC 9000 §17.2, RFC 9001 §5.2
  {
    number: 0x00000001,
    name: 'v1',
    salt: Buffer.from('38762cf7f55934b34d179ae6a4c80cadccbb7f0a', 'hex'),
    labelPrefix: 'quic',
    types: V1_TYPES,
  },
  // RFC 9369 §3.2, §3.3.1, §3.3.2
  {
    number: 0x6b3343cf,
    name: 'v2',
    salt: Buffer.from('0dede3def700a6db819381be6e269dcbf9bd2ed9', 'hex'),
    labelPrefix: 'quicv2',
    types: ['retry', 'initial', '0-rtt', 'handshake'],
  },
  // draft-ietf-quic-tls-29 §5.2 (the draft deployed longest, before RFC 9000)
  {
    number: 0xff00001d,
    name: 'draft-29',
    salt: Buffer.from('afbfec289993d24c9e9786f19c6111e04390a899', 'hex'),
    labelPrefix: 'quic',
    types: V1_TYPES,
  },
];

function versionSpec(version: number): QuicVersionSpec | null {
  for (const spec of QUIC_VERSIONS) if (spec.number === version) return spec;
  return null;
}

/** 'v1', 'v2', 'draft-29', or the version number in hex (0x…) for another. */
export function quicVersionName(version: number): string {
  return versionSpec(version)?.name ?? `0x${(version >>> 0).toString(16).padStart(8, '0')}`;
}

function u32(b: Uint8Array, p: number): number {
  return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
}

/**
 * Cheap test of the first packet of a datagram: its version when it is a long-header packet of a
 * version callhome knows (fixed bit set), 0 for Version Negotiation, -1 otherwise.
 */
export function quicLongHeaderVersion(b: Uint8Array, start: number, end: number): number {
  if (end > b.length) end = b.length;
  if (end - start < DCID_LENGTH_OFFSET + 2 || (b[start]! & FORM_LONG) === 0) return -1;
  const version = u32(b, start + VERSION_OFFSET);
  if (version === VERSION_NEGOTIATION) return version;
  return (b[start]! & FIXED_BIT) !== 0 && versionSpec(version) !== null ? version : -1;
}

/** RFC 9000 §16 variable-length integers, read forward from `at`; -1 when one runs past `end`. */
class Cursor {
  constructor(
    readonly b: Uint8Array,
    public at: number,
    readonly end: number,
  ) {}

  varint(): number {
    if (this.at >= this.end) return -1;
    const first = this.b[this.at]!;
    const length = 1 << (first >> 6);
    if (this.at + length > this.end) return -1;
    // Values above 2^53 lose precision; every length and offset that large is rejected anyway.
    let value = first & 0x3f;
    for (let i = 1; i < length; i++) value = value * 256 + this.b[this.at + i]!;
    this.at += length;
    return value;
  }
}

/** One long-header packet: offsets into its datagram. Reused from packet to packet. */
class LongHeader {
  version = 0;
  spec: QuicVersionSpec | null = null;
  type: QuicPacketType = 'initial';
  start = 0;
  dcidStart = 0;
  dcidLength = 0;
  scidStart = 0;
  scidLength = 0;
  /** Initial, 0-RTT, Handshake: where the (protected) packet number starts. */
  pnOffset = 0;
  /** End of this packet (Retry, Version Negotiation: of the datagram). */
  packetEnd = 0;
  /** The Length field runs past the captured datagram. */
  cut = false;
}

/**
 * Read the long header at b[start, end) into `h`: false when there is none, its version is
 * unknown (bar Version Negotiation) or a field overruns the datagram before the packet number.
 */
function readLongHeader(b: Uint8Array, start: number, end: number, h: LongHeader): boolean {
  if (quicLongHeaderVersion(b, start, end) < 0) return false;
  const version = u32(b, start + VERSION_OFFSET);
  const negotiation = version === VERSION_NEGOTIATION;
  const maxCid = negotiation ? MAX_VN_CID_LENGTH : MAX_CID_LENGTH;
  let p = start + DCID_LENGTH_OFFSET;
  const dcidLength = b[p]!;
  if (dcidLength > maxCid || p + 1 + dcidLength + 1 > end) return false;
  h.dcidStart = p + 1;
  h.dcidLength = dcidLength;
  p += 1 + dcidLength;
  const scidLength = b[p]!;
  if (scidLength > maxCid || p + 1 + scidLength > end) return false;
  h.scidStart = p + 1;
  h.scidLength = scidLength;
  p += 1 + scidLength;
  h.version = version;
  h.start = start;
  h.cut = false;
  h.pnOffset = 0;
  h.packetEnd = end;
  if (negotiation) {
    h.spec = null;
    h.type = 'version-negotiation';
    return true;
  }
  const spec = versionSpec(version)!;
  h.spec = spec;
  h.type = spec.types[(b[start]! >> TYPE_SHIFT) & TYPE_MASK]!;
  if (h.type === 'retry') return true;
  const c = new Cursor(b, p, end);
  if (h.type === 'initial') {
    const tokenLength = c.varint();
    if (tokenLength < 0 || c.at + tokenLength > end) return false;
    c.at += tokenLength;
  }
  const length = c.varint();
  if (length < 0) return false;
  h.pnOffset = c.at;
  h.packetEnd = c.at + length;
  if (h.packetEnd > end) {
    h.packetEnd = end;
    h.cut = true;
  }
  return true;
}

function hex(b: Uint8Array, start: number, length: number): string {
  return Buffer.from(b.buffer, b.byteOffset + start, length).toString('hex');
}

/** What a long-header packet says in the clear. */
export interface QuicLongHeader {
  version: number;
  type: QuicPacketType;
  /** Connection IDs in hex ('' when empty). */
  dcid: string;
  scid: string;
}

/** The first long-header packet of a datagram (any side), or null. */
export function peekQuicLongHeader(b: Uint8Array, start = 0, end = b.length): QuicLongHeader | null {
  const h = new LongHeader();
  if (!readLongHeader(b, start, Math.min(end, b.length), h)) return null;
  return { version: h.version, type: h.type, dcid: hex(b, h.dcidStart, h.dcidLength), scid: hex(b, h.scidStart, h.scidLength) };
}

// -- Initial packet protection (RFC 9001 §5)

export interface InitialKeys {
  key: Buffer;
  iv: Buffer;
  hp: Buffer;
}

/** RFC 8446 §7.1 HKDF-Expand-Label with an empty context, over SHA-256. */
function expandLabel(secret: Buffer, label: string, length: number): Buffer {
  const full = `tls13 ${label}`;
  const info = Buffer.alloc(2 + 1 + full.length + 1 + 1);
  info.writeUInt16BE(length, 0);
  info[2] = full.length;
  info.write(full, 3, 'latin1');
  // context: zero length (info[3 + full.length] is already 0)
  const out = Buffer.alloc(length);
  let previous = Buffer.alloc(0);
  for (let filled = 0, block = 1; filled < length; block++) {
    info[info.length - 1] = block;
    previous = createHmac('sha256', secret).update(previous).update(info).digest();
    filled += previous.copy(out, filled);
  }
  return out;
}

/**
 * The Initial keys of `side` for a connection whose client chose Destination Connection ID
 * `dcid` (RFC 9001 §5.2; RFC 9369 §3.3 for version 2); null for a version callhome does not know.
 */
export function initialKeys(version: number, dcid: Uint8Array, side: 'client' | 'server'): InitialKeys | null {
  const spec = versionSpec(version);
  if (spec === null) return null;
  const initialSecret = createHmac('sha256', spec.salt).update(dcid).digest(); // HKDF-Extract
  const secret = expandLabel(initialSecret, side === 'client' ? 'client in' : 'server in', SECRET_LENGTH);
  return {
    key: expandLabel(secret, `${spec.labelPrefix} key`, KEY_LENGTH),
    iv: expandLabel(secret, `${spec.labelPrefix} iv`, IV_LENGTH),
    hp: expandLabel(secret, `${spec.labelPrefix} hp`, KEY_LENGTH),
  };
}

/** RFC 9000 §A.3: the full packet number from its `bits`-bit truncation and the largest seen. */
function fullPacketNumber(largest: number, truncated: number, bits: number): number {
  const expected = largest + 1;
  const window = 2 ** bits;
  const half = window / 2;
  const candidate = expected - (expected % window) + truncated;
  if (candidate <= expected - half && candidate < 2 ** 62 - window) return candidate + window;
  if (candidate > expected + half && candidate >= window) return candidate - window;
  return candidate;
}

/**
 * The plaintext payload of the Initial packet `h` under `keys`, with its packet number; null
 * when the packet is too short or the AEAD tag does not verify. `b` is not modified.
 */
function openInitial(b: Uint8Array, h: LongHeader, keys: InitialKeys, largestPn: number): { payload: Buffer; pn: number } | null {
  const sampleStart = h.pnOffset + SAMPLE_OFFSET;
  if (sampleStart + SAMPLE_LENGTH > h.packetEnd) return null;
  const ecb = createCipheriv('aes-128-ecb', keys.hp, null);
  ecb.setAutoPadding(false);
  const mask = ecb.update(b.subarray(sampleStart, sampleStart + SAMPLE_LENGTH));
  const first = b[h.start]! ^ (mask[0]! & PROTECTED_BITS);
  const pnLength = (first & PN_LENGTH_MASK) + 1;
  const payloadStart = h.pnOffset + pnLength;
  if (payloadStart + TAG_LENGTH > h.packetEnd) return null;
  const header = Buffer.from(b.subarray(h.start, payloadStart)); // a copy: the AAD, unprotected
  header[0] = first;
  let truncated = 0;
  for (let i = 0; i < pnLength; i++) {
    const at = h.pnOffset - h.start + i;
    header[at] = header[at]! ^ mask[1 + i]!;
    truncated = truncated * 256 + header[at];
  }
  const pn = fullPacketNumber(largestPn, truncated, pnLength * 8);
  const nonce = Buffer.from(keys.iv);
  for (let i = 0, n = pn; i < 8 && n > 0; i++, n = Math.floor(n / 256)) nonce[IV_LENGTH - 1 - i] = nonce[IV_LENGTH - 1 - i]! ^ (n % 256);
  const tagStart = h.packetEnd - TAG_LENGTH;
  try {
    const gcm = createDecipheriv('aes-128-gcm', keys.key, nonce, { authTagLength: TAG_LENGTH });
    gcm.setAAD(header);
    gcm.setAuthTag(b.subarray(tagStart, h.packetEnd));
    const body = gcm.update(b.subarray(payloadStart, tagStart));
    const rest = gcm.final(); // throws when the tag does not verify
    return { payload: rest.length === 0 ? body : Buffer.concat([body, rest]), pn };
  } catch {
    return null;
  }
}

/** The CRYPTO stream of the Initial packets, put back in order by offset (RFC 9000 §19.6). */
class CryptoStream {
  bytes = new Uint8Array(0);
  /** Bytes [0, contiguous) have all arrived. */
  contiguous = 0;
  /** Ranges received beyond a gap, as start, end pairs. */
  pending: number[] = [];

  add(src: Uint8Array, start: number, length: number, offset: number): void {
    if (offset >= CRYPTO_CAP || length === 0) return;
    const end = Math.min(offset + length, CRYPTO_CAP);
    if (end > this.bytes.length) {
      const grown = new Uint8Array(Math.min(CRYPTO_CAP, Math.max(end, this.bytes.length * 2, 2048)));
      grown.set(this.bytes.subarray(0, this.bytes.length));
      this.bytes = grown;
    }
    this.bytes.set(src.subarray(start, start + (end - offset)), offset);
    if (offset > this.contiguous) {
      if (this.pending.length < 2 * MAX_PENDING_RANGES) this.pending.push(offset, end);
      return;
    }
    if (end <= this.contiguous) return;
    this.contiguous = end;
    for (let grew = true; grew;) {
      grew = false;
      for (let i = 0; i < this.pending.length; i += 2) {
        if (this.pending[i]! > this.contiguous) continue;
        if (this.pending[i + 1]! > this.contiguous) this.contiguous = this.pending[i + 1]!;
        this.pending.splice(i, 2);
        grew = true;
        break;
      }
    }
  }

  clear(): void {
    this.contiguous = 0;
    this.pending.length = 0;
  }
}

/**
 * The frames of a decrypted Initial payload: CRYPTO data into `stream`. Stops at the first frame
 * that does not belong in an Initial packet or runs past the payload.
 */
function readFrames(payload: Uint8Array, stream: CryptoStream): void {
  const c = new Cursor(payload, 0, payload.length);
  while (c.at < c.end) {
    const type = c.varint();
    switch (type) {
      case FRAME_PADDING:
        while (c.at < c.end && payload[c.at] === FRAME_PADDING) c.at++;
        break;
      case FRAME_PING:
        break;
      case FRAME_ACK:
      case FRAME_ACK_ECN: {
        // largest acknowledged, ack delay, range count, first range; then gap and length per range
        if (c.varint() < 0 || c.varint() < 0) return;
        const ranges = c.varint();
        if (ranges < 0 || c.varint() < 0) return;
        for (let i = 0; i < ranges; i++) if (c.varint() < 0 || c.varint() < 0) return;
        if (type === FRAME_ACK_ECN && (c.varint() < 0 || c.varint() < 0 || c.varint() < 0)) return;
        break;
      }
      case FRAME_CRYPTO: {
        const offset = c.varint();
        const length = c.varint();
        if (offset < 0 || length < 0 || c.at + length > c.end) return;
        stream.add(payload, c.at, length, offset);
        c.at += length;
        break;
      }
      case FRAME_CONNECTION_CLOSE: {
        // error code, frame type, reason phrase
        if (c.varint() < 0 || c.varint() < 0) return;
        const reason = c.varint();
        if (reason < 0 || c.at + reason > c.end) return;
        c.at += reason;
        break;
      }
      default:
        return;
    }
  }
}

/** What the client's Initial packets of one connection said. */
export interface QuicClientInitial {
  version: number;
  /** The Destination Connection ID the Initial keys came from (the client's choice), hex. */
  dcid: string;
  /** The client's Source Connection ID, hex. */
  scid: string;
  /** Whether an Initial's protection came off (its AEAD tag verified). */
  decrypted: boolean;
  /** From the ClientHello in the CRYPTO frames. */
  sni: string | null;
  alpn: string[];
  /** The whole ClientHello was read. */
  helloComplete: boolean;
}

/**
 * Reads the Initial packets a client sends on one connection: keeps the keys, the CRYPTO stream
 * and the largest packet number from datagram to datagram, so that a ClientHello spread over
 * several Initials (post-quantum key shares) is read whole.
 */
export class QuicInitialReader {
  /** Filled by `read`; the reader's own object, updated in place. */
  readonly initial: QuicClientInitial = { version: 0, dcid: '', scid: '', decrypted: false, sni: null, alpn: [], helloComplete: false };
  private readonly header = new LongHeader();
  private readonly stream = new CryptoStream();
  private keys: InitialKeys | null = null;
  private keysVersion = -1;
  private keysDcid = '';
  private largestPn = -1;

  /**
   * Read one datagram the client sent: false when it starts with no long-header packet of a
   * known version (nothing is changed then). Never throws.
   */
  read(b: Uint8Array, start = 0, end = b.length): boolean {
    if (end > b.length) end = b.length;
    const h = this.header;
    const initial = this.initial;
    let seen = false;
    let opened = false;
    for (let at = start, n = 0; at < end && n < MAX_COALESCED; n++) {
      if (!readLongHeader(b, at, end, h) || h.type === 'version-negotiation') break;
      if (!seen && initial.version === 0) {
        initial.version = h.version;
        initial.dcid = hex(b, h.dcidStart, h.dcidLength);
        initial.scid = hex(b, h.scidStart, h.scidLength);
      }
      seen = true;
      if (h.type === 'retry') break;
      if (h.type === 'initial' && !h.cut && this.openAndRead(b, h)) opened = true;
      at = h.packetEnd;
    }
    if (opened) this.readHello();
    return seen;
  }

  /** Decrypt Initial `h` with the keys of the connection, or of its own DCID (after a Retry). */
  private openAndRead(b: Uint8Array, h: LongHeader): boolean {
    let opened = this.keys !== null && this.keysVersion === h.version ? openInitial(b, h, this.keys, this.largestPn) : null;
    if (opened === null) {
      const dcid = hex(b, h.dcidStart, h.dcidLength);
      if (this.keys !== null && this.keysVersion === h.version && this.keysDcid === dcid) return false;
      const keys = initialKeys(h.version, b.subarray(h.dcidStart, h.dcidStart + h.dcidLength), 'client');
      if (keys === null) return false;
      opened = openInitial(b, h, keys, -1);
      if (opened === null) return false;
      if (this.keys !== null) {
        // New keys mid-connection: a Retry or Version Negotiation restarted the handshake.
        this.stream.clear();
        this.initial.helloComplete = false;
      }
      this.keys = keys;
      this.keysVersion = h.version;
      this.keysDcid = dcid;
      this.largestPn = -1;
      this.initial.version = h.version;
      this.initial.dcid = dcid;
      this.initial.scid = hex(b, h.scidStart, h.scidLength);
    }
    if (opened.pn > this.largestPn) this.largestPn = opened.pn;
    this.initial.decrypted = true;
    readFrames(opened.payload, this.stream);
    return true;
  }

  private readHello(): void {
    const s = this.stream;
    const hello = parseClientHello(s.bytes, 0, s.contiguous);
    if (hello === null) return;
    this.initial.sni = hello.sni;
    this.initial.alpn = hello.alpn;
    const b = s.bytes;
    this.initial.helloComplete = s.contiguous >= 4 && s.contiguous >= 4 + ((b[1]! << 16) | (b[2]! << 8) | b[3]!);
  }
}

/** The client Initial(s) of one datagram, read on their own; null when it holds none. */
export function peekQuicInitial(b: Uint8Array, start = 0, end = b.length): QuicClientInitial | null {
  const reader = new QuicInitialReader();
  if (!reader.read(b, start, end)) return null;
  return { ...reader.initial, alpn: [...reader.initial.alpn] };
}
