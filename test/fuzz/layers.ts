/**
 * Just enough dissection of a frame for the mutator to find its fields: where the link header
 * ends and its EtherType sits, the IP header (v4 or v6 with extension headers), the TCP or UDP
 * header, and the payload. Independent of src/decode on purpose: a fuzzer that shared the
 * decoder's idea of a packet would share its blind spots.
 */

export interface Layers {
  /** Offset of the 16-bit EtherType that names the network layer (-1 when the link has none). */
  etherTypeAt: number;
  /** Where an 802.1Q tag may be inserted (right before etherTypeAt), -1 when not Ethernet. */
  vlanInsertAt: number;
  /** Offset of the IP header, -1 when none was found. */
  ip: number;
  ipVersion: 4 | 6 | 0;
  /** IPv6: offset of the last next-header byte of the chain (the fixed header's or an extension's). */
  nextHeaderAt: number;
  /** Offset of the transport header and its protocol number. */
  transport: number;
  protocol: number;
  payload: number;
}

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const VLAN_TAGS = new Set([0x8100, 0x88a8, 0x9100]);
const IPV6_EXTENSIONS = new Set([0, 43, 44, 60, 51, 135]);

export function dissect(frame: Uint8Array, linktype: number): Layers {
  const out: Layers = {
    etherTypeAt: -1,
    vlanInsertAt: -1,
    ip: -1,
    ipVersion: 0,
    nextHeaderAt: -1,
    transport: -1,
    protocol: -1,
    payload: -1,
  };
  const be16 = (at: number): number => (at + 2 <= frame.length ? (frame[at]! << 8) | frame[at + 1]! : -1);
  let l3: number;
  switch (linktype) {
    case 1: {
      let at = 12;
      out.vlanInsertAt = 12;
      while (VLAN_TAGS.has(be16(at))) at += 4;
      out.etherTypeAt = at;
      let type = be16(at);
      l3 = at + 2;
      if (type === 0x8864 && frame.length >= l3 + 8) {
        type = be16(l3 + 6) === 0x0021 ? ETHERTYPE_IPV4 : be16(l3 + 6) === 0x0057 ? ETHERTYPE_IPV6 : -1;
        l3 += 8;
      }
      if (type !== ETHERTYPE_IPV4 && type !== ETHERTYPE_IPV6) l3 = -1;
      break;
    }
    case 113:
      out.etherTypeAt = 14;
      l3 = 16;
      break;
    case 276:
      out.etherTypeAt = 0;
      l3 = 20;
      break;
    case 0:
    case 108:
      l3 = 4;
      break;
    case 12:
    case 14:
    case 101:
    case 228:
    case 229:
      l3 = 0;
      break;
    default:
      return out;
  }
  if (l3 < 0 || l3 >= frame.length) return out;
  const version = frame[l3]! >> 4;
  if (version === 4 && frame.length >= l3 + 20) {
    out.ip = l3;
    out.ipVersion = 4;
    const ihl = (frame[l3]! & 0x0f) * 4;
    out.protocol = frame[l3 + 9]!;
    if (ihl >= 20 && l3 + ihl <= frame.length) out.transport = l3 + ihl;
  } else if (version === 6 && frame.length >= l3 + 40) {
    out.ip = l3;
    out.ipVersion = 6;
    let nextAt = l3 + 6;
    let at = l3 + 40;
    let next = frame[nextAt]!;
    for (let hops = 0; IPV6_EXTENSIONS.has(next) && at + 8 <= frame.length && hops < 8; hops++) {
      const length = next === 44 ? 8 : next === 51 ? (frame[at + 1]! + 2) * 4 : (frame[at + 1]! + 1) * 8;
      nextAt = at;
      next = frame[at]!;
      at += length;
    }
    out.nextHeaderAt = nextAt;
    out.protocol = next;
    if (at <= frame.length) out.transport = at;
  } else {
    return out;
  }
  if (out.transport < 0) return out;
  if (out.protocol === 6 && out.transport + 20 <= frame.length) {
    const offset = (frame[out.transport + 12]! >> 4) * 4;
    if (offset >= 20 && out.transport + offset <= frame.length) out.payload = out.transport + offset;
  } else if (out.protocol === 17 && out.transport + 8 <= frame.length) {
    out.payload = out.transport + 8;
  }
  return out;
}

/** Rewrites the length fields of the IP (and UDP) headers after the frame changed length by `delta` at or after `at`. */
export function fixLengths(frame: Uint8Array, layers: Layers, delta: number): void {
  const add16 = (at: number): void => {
    if (at + 2 > frame.length) return;
    const v = (((frame[at]! << 8) | frame[at + 1]!) + delta) & 0xffff;
    frame[at] = v >> 8;
    frame[at + 1] = v & 0xff;
  };
  if (layers.ipVersion === 4) add16(layers.ip + 2);
  else if (layers.ipVersion === 6) add16(layers.ip + 4);
  if (layers.protocol === 17 && layers.transport >= 0) add16(layers.transport + 4);
}

export function splice(frame: Uint8Array, atIn: number, remove: number, insert: Uint8Array): Uint8Array {
  const at = Math.min(atIn, frame.length);
  const out = new Uint8Array(frame.length - remove + insert.length);
  out.set(frame.subarray(0, at));
  out.set(insert, at);
  out.set(frame.subarray(at + remove), at + insert.length);
  return out;
}

const encoder = new TextEncoder();

export function text(s: string): Uint8Array {
  return encoder.encode(s);
}

/** Latin-1 bytes of a string (DNS labels carry bytes, not UTF-8). */
export function latin1(s: string): Uint8Array {
  return Uint8Array.from([...s].map((c) => c.charCodeAt(0) & 0xff));
}
