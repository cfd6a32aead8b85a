/**
 * The default answer to "is this address local?" when the caller gives none: the address
 * blocks Zeek treats as local out of the box (`Site::private_address_space`, which
 * `Site::private_address_space_is_local` makes local), so local_orig / local_resp read as in
 * Zeek's own logs.
 */

const V4_BLOCKS: ReadonlyArray<readonly [number, number]> = [
  [0x00000000, 8], // 0.0.0.0/8
  [0x0a000000, 8], // 10/8
  [0x64400000, 10], // 100.64/10
  [0x7f000000, 8], // 127/8
  [0xa9fe0000, 16], // 169.254/16
  [0xac100000, 12], // 172.16/12
  [0xc0000000, 24], // 192.0.0/24
  [0xc0000200, 24], // 192.0.2/24
  [0xc0a80000, 16], // 192.168/16
  [0xc6120000, 15], // 198.18/15
  [0xc6336400, 24], // 198.51.100/24
  [0xcb007100, 24], // 203.0.113/24
  [0xe0000000, 24], // 224.0.0/24 local network control block
  [0xef000000, 8], // 239/8 administratively scoped multicast
  [0xf0000000, 4], // 240/4
];

// Networks and masks as int32 pairs: asked twice per connection, so no iteration objects.
const V4_NETS = Int32Array.from(V4_BLOCKS, ([net]) => net | 0);
const V4_MASKS = Int32Array.from(V4_BLOCKS, ([, bits]) => (bits === 0 ? 0 : ~0 << (32 - bits)));

export function isLocalIPv4(a: number): boolean {
  for (let i = 0; i < V4_NETS.length; i++) if ((a & V4_MASKS[i]!) === V4_NETS[i]) return true;
  return a === 0xffffffff;
}

export function isLocalIPv6(b: Uint8Array): boolean {
  if (b.length < 16) return false;
  if ((b[0]! & 0xfe) === 0xfc) return true; // fc00::/7
  if (b[0] === 0xfe && (b[1]! & 0xc0) === 0x80) return true; // fe80::/10
  let zeroPrefix = true;
  for (let i = 0; i < 15; i++)
    if (b[i] !== 0) {
      zeroPrefix = false;
      break;
    }
  if (zeroPrefix && (b[15] === 0 || b[15] === 1)) return true; // :: and ::1
  if (b[0] === 0x20 && b[1] === 0x01 && b[2] === 0x0d && b[3] === 0xb8) return true; // 2001:db8::/32
  return false;
}
