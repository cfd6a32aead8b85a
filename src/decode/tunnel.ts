/**
 * Tunnels: what an encapsulation layer hands on, which UDP ports carry one, and how deep callhome
 * opens them. Each encapsulation has a module of its own (gre.ts, erspan.ts, vxlan.ts, geneve.ts,
 * gtp.ts); IP in IP (IPv4 or IPv6 inside IPv4 or IPv6: IP protocols 4 and 41) has no header of
 * its own. decode.ts walks from one layer to the next.
 */

import type { AnomalyCode } from './anomalies.js';
import type { Packet } from './packet.js';

export const IPPROTO_IPIP = 4;
export const IPPROTO_IPV6_IN_IP = 41;
export const IPPROTO_GRE = 47;

export const UDP_PORT_VXLAN = 4789;
export const UDP_PORT_GENEVE = 6081;
export const UDP_PORT_GTPU = 2152;

/**
 * The encapsulations, by the names Zeek gives them (its conn.log `service` for the UDP ones,
 * its tunnel.log `tunnel_type` for the others).
 */
export type TunnelKind = 'ip-in-ip' | 'gre' | 'erspan' | 'vxlan' | 'geneve' | 'gtpv1';

/**
 * Most encapsulations opened around one packet, as Zeek's `Tunnel::max_depth` (4 by default):
 * a packet inside more is counted as `tunnel.too-deep`.
 */
export const MAX_TUNNEL_DEPTH = 4;

/** 1 at the UDP ports whose datagrams callhome opens as a tunnel (either port of a datagram). */
export const TUNNEL_UDP_PORTS: Uint8Array = (() => {
  const ports = new Uint8Array(65536);
  ports[UDP_PORT_VXLAN] = 1;
  ports[UDP_PORT_GENEVE] = 1;
  ports[UDP_PORT_GTPU] = 1;
  return ports;
})();

/** The ethertype of a complete Ethernet frame inside a tunnel (GRE's, Geneve's protocol type). */
export const ETHERTYPE_TRANSPARENT_ETHERNET = 0x6558;

/**
 * What an encapsulation layer carries: preallocated, overwritten per layer. `ethertype` says
 * what starts at `offset` (ETHERTYPE_TRANSPARENT_ETHERNET for a whole frame, 0x0800 / 0x86dd for
 * an IP header, any other ethertype for link.ts to walk), or is 0 when the layer set the packet's
 * status instead.
 */
export interface Carried {
  kind: TunnelKind;
  ethertype: number;
  offset: number;
  /** Just past the carried bytes as the headers say (the frame "on the wire" for the inner layers). */
  end: number;
  /** Just past the captured carried bytes (at most `end`). */
  capEnd: number;
}

export function newCarried(): Carried {
  return { kind: 'gre', ethertype: 0, offset: 0, end: 0, capEnd: 0 };
}

/**
 * A layer of `kind` begins: what it carries ends where the carrying payload does (`end`, captured
 * to `capEnd`), and nothing is carried until `carry` says what.
 */
export function enter(carried: Carried, kind: TunnelKind, end: number, capEnd: number): void {
  carried.kind = kind;
  carried.end = end;
  carried.capEnd = capEnd;
  carried.ethertype = 0;
}

/**
 * A header of `length` bytes at `p` does not fit: the carrying payload is too short (`tooShort`)
 * or the snapshot length cut it (`truncated`). Returns true when it does not fit, with the status set.
 */
export function headerCut(
  p: number,
  length: number,
  end: number,
  capEnd: number,
  tooShort: AnomalyCode,
  truncated: AnomalyCode,
  out: Packet,
  carried: Carried,
): boolean {
  if (p + length <= end && p + length <= capEnd) return false;
  malformed(out, p + length > end ? tooShort : truncated, carried);
  return true;
}

export function malformed(out: Packet, code: AnomalyCode, carried: Carried): void {
  out.status = 'malformed';
  out.reason = code;
  carried.ethertype = 0;
}

/** The carried bytes start at `offset` with `ethertype` and end where the carrying layer's do. */
export function carry(carried: Carried, ethertype: number, offset: number): void {
  carried.ethertype = ethertype;
  carried.offset = offset;
}

/** The ethertype of the IP header at `p` by its version nibble, 0 when it is neither 4 nor 6. */
export function ipEthertype(b: Uint8Array, p: number): number {
  const version = b[p]! >> 4;
  return version === 4 ? 0x0800 : version === 6 ? 0x86dd : 0;
}
