/** Text ↔ bytes for the addresses the frame builder takes (IPv4, IPv6, Ethernet MAC). */

export function parseIPv4(s: string): Uint8Array {
  const parts = s.split('.');
  if (parts.length !== 4) throw new RangeError(`not an IPv4 address: ${s}`);
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const n = Number(parts[i]);
    if (!Number.isInteger(n) || n < 0 || n > 255) throw new RangeError(`not an IPv4 address: ${s}`);
    out[i] = n;
  }
  return out;
}

/** RFC 4291 §2.2 text forms, including '::' and a trailing dotted quad. */
export function parseIPv6(s: string): Uint8Array {
  const out = new Uint8Array(16);
  let text = s;
  let tail4: Uint8Array | null = null;
  const lastColon = text.lastIndexOf(':');
  if (text.indexOf('.', lastColon) > 0) {
    tail4 = parseIPv4(text.slice(lastColon + 1));
    text = text.slice(0, lastColon + 1) + '0:0';
  }
  const halves = text.split('::');
  if (halves.length > 2) throw new RangeError(`not an IPv6 address: ${s}`);
  const head = halves[0] ? halves[0].split(':') : [];
  const rest = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const fill = 8 - head.length - rest.length;
  if ((halves.length === 1 && fill !== 0) || fill < 0) throw new RangeError(`not an IPv6 address: ${s}`);
  const groups = [...head, ...new Array<string>(halves.length === 2 ? fill : 0).fill('0'), ...rest];
  for (let i = 0; i < 8; i++) {
    const g = groups[i]!;
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) throw new RangeError(`not an IPv6 address: ${s}`);
    const n = parseInt(g, 16);
    out[i * 2] = n >> 8;
    out[i * 2 + 1] = n & 0xff;
  }
  if (tail4) out.set(tail4, 12);
  return out;
}

export function isIPv6(s: string): boolean {
  return s.includes(':');
}

export function parseIP(s: string): Uint8Array {
  return isIPv6(s) ? parseIPv6(s) : parseIPv4(s);
}

export function parseMac(s: string): Uint8Array {
  const parts = s.split(/[:-]/);
  if (parts.length !== 6) throw new RangeError(`not a MAC address: ${s}`);
  const out = new Uint8Array(6);
  for (let i = 0; i < 6; i++) out[i] = parseInt(parts[i]!, 16);
  return out;
}

/**
 * A stable, locally administered MAC for an address (02:xx:…), so frames built without explicit
 * MACs still look like one station per address.
 */
export function macForIP(ip: string): string {
  const b = parseIP(ip);
  const t = b.subarray(b.length - 4);
  const hex = (n: number): string => n.toString(16).padStart(2, '0');
  return `02:00:${hex(t[0]!)}:${hex(t[1]!)}:${hex(t[2]!)}:${hex(t[3]!)}`;
}

export const BROADCAST_MAC = 'ff:ff:ff:ff:ff:ff';
