/**
 * decodePacket: one capture record → the reused `Packet`. Link → IP → transport, each layer in
 * its own module, and through tunnels (tunnel.ts) to the innermost IP packet, which is the one
 * `Packet` describes; the UDP datagrams that carried it are kept beside it (`Packet.carriers`).
 * Every record ends 'decoded', 'skipped' (with a reason) or 'malformed' (with an anomaly code),
 * and nothing is thrown.
 */

import type { CaptureRecord } from '../capture/types.js';
import { pseudoSum4, pseudoSum6 } from './checksum.js';
import { decodeIcmp } from './icmp.js';
import { decodeIPv4 } from './ipv4.js';
import { decodeIPv6, newIpv6Chain } from './ipv6.js';
import { TunnelFragments } from './fragments.js';
import { decodeGeneve } from './geneve.js';
import { decodeGre, ETHERTYPE_PPP_IN_GRE } from './gre.js';
import { decodeGtp } from './gtp.js';
import { decodeEthernet, decodeEthertype, decodeLink, decodePpp, ETHERTYPE_IPV4, ETHERTYPE_IPV6, newLinkResult } from './link.js';
import { copyPacket, IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP, LOG_NONE, newPacket, type Packet } from './packet.js';
import { decodeTcp } from './tcp.js';
import {
  carry,
  enter,
  ETHERTYPE_TRANSPARENT_ETHERNET,
  IPPROTO_GRE,
  IPPROTO_IPIP,
  IPPROTO_IPV6_IN_IP,
  MAX_TUNNEL_DEPTH,
  newCarried,
  TUNNEL_UDP_PORTS,
  UDP_PORT_GENEVE,
  UDP_PORT_VXLAN,
  type TunnelKind,
} from './tunnel.js';
import { decodeUdp, UDP_HEADER } from './udp.js';
import { decodeVxlan } from './vxlan.js';
import { isCaptureTime } from '../time.js';

export interface DecodeOptions {
  /** Verify IPv4 header and TCP/UDP/ICMP checksums (results in ipChecksumOk / transportChecksumOk). */
  verifyChecksums?: boolean;
}

const EMPTY = new Uint8Array(0);
const link = newLinkResult();
const chain = newIpv6Chain();
const carried = newCarried();

function reset(out: Packet): void {
  out.status = 'decoded';
  out.reason = '';
  out.vlanDepth = 0;
  out.vlan = -1;
  out.srcMacAt = -1;
  out.logAction = LOG_NONE;
  out.logger = '';
  out.tunnelDepth = 0;
  out.tunnel = '';
  out.carries = '';
  out.countedBefore = false;
  out.carrierCount = 0;
  resetNetwork(out);
}

/**
 * The network and transport fields, before the first IP header and again before the IP header a
 * tunnel carries (status and reason stay: an outer layer's worked-around anomaly is kept).
 */
function resetNetwork(out: Packet): void {
  out.truncated = false;
  out.ipVersion = 0;
  out.src4 = 0;
  out.dst4 = 0;
  out.ttl = -1;
  out.ipId = -1;
  out.dontFragment = false;
  out.fragOffset = 0;
  out.moreFragments = false;
  out.ipLength = 0;
  out.ipHeaderLength = 0;
  out.proto = -1;
  out.sport = -1;
  out.dport = -1;
  out.seq = 0;
  out.ack = 0;
  out.tcpFlags = 0;
  out.window = 0;
  out.tcpHeaderLength = 0;
  out.mss = -1;
  out.windowScale = -1;
  out.sackPermitted = false;
  out.tsVal = -1;
  out.tsEcr = -1;
  out.payloadLength = 0;
  out.payloadBuffer = EMPTY;
  out.payloadStart = 0;
  out.payloadEnd = 0;
  out.ipChecksumOk = true;
  out.transportChecksumOk = true;
  out.icmpType = -1;
  out.icmpCode = -1;
  const q = out.quoted;
  q.present = false;
  q.ipVersion = 0;
  q.src4 = 0;
  q.dst4 = 0;
  q.proto = -1;
  q.sport = -1;
  q.dport = -1;
  q.seq = -1;
}

/**
 * Decode `record` into `out` (reset first), reading only `record.bytes[dataOffset, dataOffset +
 * caplen)`: the buffer holds other records around this one. Byte fields of `out` point into
 * that buffer and are valid while the record is; IPv6 addresses are copied into arrays owned
 * by `out`.
 */
export function decodePacket(record: CaptureRecord, out: Packet, options?: DecodeOptions): void {
  reset(out);
  out.record = record.index;
  out.ts = record.ts;
  out.timeOutOfRange = !isCaptureTime(record.ts);
  out.caplen = record.caplen;
  out.origlen = record.origlen;
  out.linktype = record.linktype;
  out.vantage = record.interfaceId * 0x100000;
  const verify = options !== undefined && options.verifyChecksums === true;
  const b = record.bytes;
  const start = record.dataOffset;
  let end = start + record.caplen;
  if (end > b.length) end = b.length;
  const captured = end - start;
  // The frame as it was on the wire; a record claiming less than it holds is taken as captured.
  const wireEnd = start + (record.origlen > captured ? record.origlen : captured);

  decodeLink(b, start, end, record.linktype, out, link);
  if (link.network === 0) return;
  decodeNetwork(b, link.offset, link.network, end, link.wireEnd > wireEnd ? link.wireEnd : wireEnd, verify, out, 0);
}

/**
 * Decode the IP packet at `o` (version `network`) and its transport; the captured bytes end at
 * `end`, the frame as it was on the wire at `wireEnd`. `depth` counts the encapsulations opened
 * to reach it; a tunnel inside is opened in turn.
 */
function decodeNetwork(
  b: Uint8Array,
  o: number,
  network: 4 | 6,
  end: number,
  wireEnd: number,
  verify: boolean,
  out: Packet,
  depth: number,
): void {
  let pseudo = -1;
  if (network === 4) {
    if (!decodeIPv4(b, o, end, wireEnd, verify, out)) {
      if (out.fragOffset > 0 && out.reassembly !== null && out.reassembly.held > 0 && out.proto === IPPROTO_UDP && out.status === 'skipped')
        laterFragment(b, o, end, verify, out);
      return;
    }
    if (verify) pseudo = pseudoSum4(out.src4, out.dst4, out.proto);
  } else {
    if (!decodeIPv6(b, o, end, wireEnd, chain, out)) return;
    if (verify) pseudo = pseudoSum6(b, o + 8, out.proto);
  }

  // A first fragment holds part of the transport message: its checksum cannot be verified.
  if (out.moreFragments) pseudo = -1;
  const l4 = o + out.ipHeaderLength;
  const ipEnd = o + out.ipLength;
  const capEnd = ipEnd < end ? ipEnd : end;
  const l4Length = out.ipLength - out.ipHeaderLength;
  switch (out.proto) {
    case IPPROTO_TCP:
      decodeTcp(b, l4, l4Length, capEnd, pseudo, out);
      return;
    case IPPROTO_UDP:
      decodeUdp(b, l4, l4Length, capEnd, pseudo, network === 4, out);
      if (
        out.status === 'decoded' &&
        (TUNNEL_UDP_PORTS[out.dport] === 1 || TUNNEL_UDP_PORTS[out.sport] === 1) &&
        out.transportChecksumOk &&
        out.ipChecksumOk
      ) {
        if (out.moreFragments) holdFragment(b, l4, ipEnd, capEnd, out, depth);
        else openUdpTunnel(b, l4 + UDP_HEADER, capEnd, verify, out, depth);
      }
      return;
    case IPPROTO_ICMP:
      if (network === 4) {
        decodeIcmp(b, l4, l4Length, capEnd, 4, verify && !out.moreFragments ? 0 : -1, out);
        return;
      }
      break;
    case IPPROTO_ICMPV6:
      if (network === 6) {
        decodeIcmp(b, l4, l4Length, capEnd, 6, pseudo, out);
        return;
      }
      break;
    case IPPROTO_GRE:
    case IPPROTO_IPIP:
    case IPPROTO_IPV6_IN_IP:
      // A first fragment's inner packet goes on in fragments callhome does not reassemble.
      if (!out.moreFragments && out.ipChecksumOk) {
        openIpTunnel(b, l4, ipEnd, capEnd, verify, out, depth);
        return;
      }
      break;
    default:
      break;
  }
  // Another protocol (ESP, SCTP, …): the IP payload as it stands.
  out.payloadLength = l4Length;
  if (capEnd > l4) {
    out.payloadBuffer = b;
    out.payloadStart = l4;
    out.payloadEnd = capEnd;
  }
  if (capEnd - l4 < l4Length) out.truncated = true;
}

/**
 * The UDP datagram just decoded into `out` is on a tunnel's port; its payload starts at `p` and
 * its captured bytes end at `capEnd`. The datagram is kept as a carrier (a connection of its own,
 * as Zeek logs it), and what it carries is decoded into `out`.
 */
function openUdpTunnel(b: Uint8Array, p: number, capEnd: number, verify: boolean, out: Packet, depth: number): void {
  const end = p + out.payloadLength;
  const captured = capEnd < end ? capEnd : end;
  const carrier = keepCarrier(out, out);
  decapsulateUdp(b, p, end, captured, tunnelPort(out), verify, out, depth, carrier);
}

/** The tunnel port of a UDP datagram on one: the destination port first, as Zeek asks. */
function tunnelPort(p: Packet): number {
  return TUNNEL_UDP_PORTS[p.dport] === 1 ? p.dport : p.sport;
}

/** What a datagram on UDP port `port` carries (TUNNEL_UDP_PORTS). */
function tunnelOfPort(port: number): TunnelKind {
  return port === UDP_PORT_VXLAN ? 'vxlan' : port === UDP_PORT_GENEVE ? 'geneve' : 'gtpv1';
}

/** The tunnel header at `p` of a datagram to `port`, ending at `end`, captured to `captured`; then what it carries. */
function decapsulateUdp(
  b: Uint8Array,
  p: number,
  end: number,
  captured: number,
  port: number,
  verify: boolean,
  out: Packet,
  depth: number,
  carrier: Packet,
): void {
  if (depth >= MAX_TUNNEL_DEPTH) return tooDeep(out);
  if (port === UDP_PORT_VXLAN) decodeVxlan(b, p, end, captured, out, carried);
  else if (port === UDP_PORT_GENEVE) decodeGeneve(b, p, end, captured, out, carried);
  else decodeGtp(b, p, end, captured, out, carried);
  // Zeek names the datagram's service once its tunnel header parsed (even a GTP echo).
  if (out.status !== 'malformed') carrier.carries = carried.kind;
  if (carried.ethertype !== 0) openCarried(b, verify, out, depth + 1);
}

/**
 * The first IPv4 fragment of a tunnel's datagram, its IP payload `b[p, ipEnd)`: held until the
 * rest arrives (fragments.ts) when it was captured whole. It stays a packet of the UDP connection.
 */
function holdFragment(b: Uint8Array, p: number, ipEnd: number, capEnd: number, out: Packet, depth: number): void {
  if (out.ipVersion !== 4 || capEnd < ipEnd) return;
  (out.reassembly ??= new TunnelFragments()).hold(out, b, p, ipEnd, depth);
  out.carries = tunnelOfPort(tunnelPort(out));
}

/**
 * A later IPv4 fragment of a datagram whose first fragment is held: when it completes the
 * datagram, the packet is what the datagram carries, the first fragment its carrier.
 */
function laterFragment(b: Uint8Array, o: number, end: number, verify: boolean, out: Packet): void {
  const ipEnd = o + out.ipLength;
  if (ipEnd > end) return;
  const fragments = out.reassembly!;
  const slot = fragments.add(out, b, o + out.ipHeaderLength, ipEnd);
  if (slot < 0) return;
  fragments.release(slot);
  const datagram = fragments.buffer(slot);
  const held = fragments.length(slot);
  const udpLength = (datagram[4]! << 8) | datagram[5]!;
  if (udpLength < UDP_HEADER || udpLength > held) return;
  const first = fragments.first(slot);
  out.status = 'decoded';
  out.reason = '';
  const carrier = keepCarrier(first, out);
  carrier.countedBefore = true;
  decapsulateUdp(datagram, UDP_HEADER, udpLength, udpLength, tunnelPort(first), verify, out, fragments.depth(slot), carrier);
}

/** IP in IP or GRE at `p`, in an IP packet ending at `end` and captured to `capEnd`. */
function openIpTunnel(b: Uint8Array, p: number, end: number, capEnd: number, verify: boolean, out: Packet, depth: number): void {
  if (depth >= MAX_TUNNEL_DEPTH) return tooDeep(out);
  if (out.proto === IPPROTO_GRE) {
    decodeGre(b, p, end, capEnd, out, carried);
    if (carried.ethertype === 0) return;
  } else {
    enter(carried, 'ip-in-ip', end, capEnd);
    carry(carried, out.proto === IPPROTO_IPIP ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6, p);
  }
  openCarried(b, verify, out, depth + 1);
}

/** Decode what `carried` says a tunnel carries: an Ethernet frame, PPP, or an IP packet. */
function openCarried(b: Uint8Array, verify: boolean, out: Packet, depth: number): void {
  const { ethertype, offset, end, capEnd } = carried;
  out.tunnelDepth = depth;
  out.tunnel = carried.kind;
  // The frame outside was the tunnel's: the packet inside names its own sender only in a frame of its own.
  out.srcMacAt = -1;
  if (ethertype === ETHERTYPE_TRANSPARENT_ETHERNET) decodeEthernet(b, offset, capEnd, out, link);
  else if (ethertype === ETHERTYPE_PPP_IN_GRE) decodePpp(b, offset, capEnd, out, link);
  else decodeEthertype(b, ethertype, offset, capEnd, out, link);
  if (link.network === 0) return;
  resetNetwork(out);
  decodeNetwork(b, link.offset, link.network, capEnd, end, verify, out, depth);
}

function tooDeep(out: Packet): void {
  out.status = 'skipped';
  out.reason = 'tunnel.too-deep';
}

/** A copy of `datagram` in the next carrier slot of `out`. */
function keepCarrier(datagram: Packet, out: Packet): Packet {
  if (out.carriers.length === out.carrierCount) out.carriers.push(newPacket());
  const carrier = out.carriers[out.carrierCount++]!;
  copyPacket(datagram, carrier);
  return carrier;
}
