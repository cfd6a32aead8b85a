/**
 * The decoded packet: one structure allocated per run and overwritten for every packet
 * (gopacket's DecodingLayer idea). Byte fields point into the capture buffer (the payload as
 * buffer + bounds, so decoding makes no view per packet), valid only while the packet is being
 * handled; a consumer copies what it keeps.
 */

import type { PacketReason } from './anomalies.js';
import type { TunnelFragments } from './fragments.js';
import type { TunnelKind } from './tunnel.js';

export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_ICMPV6 = 58;

/** What became of a packet. Every record ends in exactly one of these. */
export type PacketStatus = 'decoded' | 'skipped' | 'malformed';

/** The header an ICMP error quotes: enough to tie the error to the attempt it refused. */
export interface QuotedHeader {
  present: boolean;
  ipVersion: 0 | 4 | 6;
  src4: number;
  dst4: number;
  src6: Uint8Array;
  dst6: Uint8Array;
  proto: number;
  /** -1 when the quoted transport header is not there. */
  sport: number;
  dport: number;
  /** TCP sequence number of the quoted segment, -1 when absent. */
  seq: number;
}

/** Packet.logAction: no logger's word (a capture of the wire), the firewall let the packet through, it blocked it. */
export const LOG_NONE = -1;
export const LOG_PASS = 0;
export const LOG_BLOCK = 1;

/**
 * Packet.logger: the packet logger whose header gave `logAction` — pf's pflog interface, Linux
 * netfilter's NFLOG (an `nflog:N` capture, the action named by the rule's prefix) — or '' for a
 * capture of the wire. The name a firewall denial read from it is said with.
 */
export type PacketLogger = '' | 'pflog' | 'nflog';

export interface Packet {
  // -- from the record
  record: number;
  ts: number;
  /**
   * The record's time is one no capture can mean (time.ts `isCaptureTime`): the anomaly
   * `time.out_of_range`, carried beside `reason` because the layers below may name their own.
   */
  timeOutOfRange: boolean;
  caplen: number;
  origlen: number;
  linktype: number;

  status: PacketStatus;
  /**
   * For 'skipped' a reason code (e.g. 'link.unsupported', 'l3.not-ip', 'ipv4.later-fragment');
   * for 'malformed' an anomaly code; both from the catalogue in decode/anomalies.ts. Empty when
   * decoded cleanly.
   */
  reason: PacketReason;
  /** Set when the packet was cut by the snapshot length somewhere above L4 header. */
  truncated: boolean;

  // -- link
  vlanDepth: number;
  /** Outermost VLAN id, -1 when untagged. */
  vlan: number;
  /**
   * Where the sender's hardware address lies: `macBytes[srcMacAt, srcMacAt + 6)`, in the frame that
   * carried the IP packet described here (Ethernet's source, a Linux cooked header's address,
   * 802.11's source address); -1 when the link layer names none (raw IP, loopback, PPP, a packet
   * logger). Read with link.ts `senderMac`, valid while the record is.
   */
  srcMacAt: number;
  macBytes: Uint8Array;
  /**
   * What the firewall that logged the packet did with it, as its packet logger's header says (pf's
   * pflog, an NFLOG rule's prefix): LOG_PASS, LOG_BLOCK, or LOG_NONE for a capture of the wire and
   * a logger's record that names no decision.
   */
  logAction: number;
  /** The logger that said `logAction`; '' when it is LOG_NONE. */
  logger: PacketLogger;

  // -- tunnels (decode.ts, tunnel.ts): the fields below describe the innermost IP packet
  /** Encapsulations opened to reach the IP header described here; 0 for a packet not tunnelled. */
  tunnelDepth: number;
  /** The innermost encapsulation it came out of; '' when not tunnelled. */
  tunnel: TunnelKind | '';
  /**
   * The UDP datagrams that carried it (VXLAN, Geneve, GTP-U), outermost first:
   * `carriers[0, carrierCount)`, each a decoded UDP packet of its own. Zeek logs them as
   * connections too; the array is the decoder's and reused.
   */
  carriers: Packet[];
  carrierCount: number;
  /**
   * The tunnel a UDP datagram's payload holds (Zeek's service of the datagram): set on a carrier,
   * and on a datagram whose first fragment is held (fragments.ts); else ''.
   */
  carries: TunnelKind | '';
  /**
   * A carrier already counted with its first fragment (its datagram came in fragments): it only
   * names the tunnel connection, and is not counted again.
   */
  countedBefore: boolean;
  /** Tunnel datagrams held from their first fragment (fragments.ts): made for the first one, kept for the run. */
  reassembly: TunnelFragments | null;

  // -- network
  ipVersion: 0 | 4 | 6;
  /** IPv4 addresses as unsigned 32-bit numbers (valid when ipVersion === 4). */
  src4: number;
  dst4: number;
  /** IPv6 addresses (16-byte views, valid when ipVersion === 6). */
  src6: Uint8Array;
  dst6: Uint8Array;
  /** TTL (IPv4) or hop limit (IPv6). */
  ttl: number;
  /** IPv4 identification; for IPv6 the fragment header's identification, else -1. */
  ipId: number;
  /** IPv4 DF bit. */
  dontFragment: boolean;
  /** Fragment offset in bytes; > 0 for a later fragment. */
  fragOffset: number;
  moreFragments: boolean;
  /** IP total length as the header claims (IPv4 total length; IPv6 40 + payload length). */
  ipLength: number;
  /** IP header length including IPv4 options / IPv6 extension headers. */
  ipHeaderLength: number;
  /** Transport protocol number (after IPv6 extension headers). */
  proto: number;

  // -- transport (TCP / UDP); ports are -1 when not present
  sport: number;
  dport: number;
  // TCP
  seq: number;
  ack: number;
  /** TCP flag bits (TCP_* constants of decode/tcp.ts), 0 for non-TCP. */
  tcpFlags: number;
  /**
   * Where the packet was seen, as far as the capture tells: its pcapng interface (times 0x100000),
   * plus a Linux cooked header's interface index (SLL2) or packet type (SLL: to us, outgoing, …).
   * Packets of one vantage share the number; `tcpdump -i any` on a router sees a forwarded packet
   * at two (forwarded.ts).
   */
  vantage: number;
  window: number;
  tcpHeaderLength: number;
  /** TCP options; -1 / false when absent. */
  mss: number;
  windowScale: number;
  sackPermitted: boolean;
  tsVal: number;
  tsEcr: number;
  /**
   * Transport payload length as the IP header says (without link-layer padding); for TCP
   * ip length - ip header - tcp header, for UDP udp length - 8.
   */
  payloadLength: number;
  /**
   * The captured part of the payload is `payloadBuffer[payloadStart, payloadEnd)` (it may be
   * shorter than payloadLength). The buffer is the capture's, with other bytes around the
   * payload; it is the empty array when nothing of the payload was captured. `payloadView`
   * makes a view on request.
   */
  payloadBuffer: Uint8Array;
  payloadStart: number;
  payloadEnd: number;

  /** Checksums, computed only when the decoder is asked to verify them; true otherwise. */
  ipChecksumOk: boolean;
  transportChecksumOk: boolean;

  // -- ICMP / ICMPv6
  icmpType: number;
  icmpCode: number;
  /** The IP + transport header quoted by an ICMP error. */
  quoted: QuotedHeader;
}

const EMPTY = new Uint8Array(0);

/** The captured payload as a view (the shared empty array when there is none); valid while the record is. */
export function payloadView(p: Packet): Uint8Array {
  return p.payloadEnd > p.payloadStart ? p.payloadBuffer.subarray(p.payloadStart, p.payloadEnd) : EMPTY;
}

export function newQuotedHeader(): QuotedHeader {
  return { present: false, ipVersion: 0, src4: 0, dst4: 0, src6: EMPTY, dst6: EMPTY, proto: -1, sport: -1, dport: -1, seq: -1 };
}

/** A fresh packet structure; decoders reset and refill it for every record. */
export function newPacket(): Packet {
  return {
    record: 0,
    ts: 0,
    timeOutOfRange: false,
    caplen: 0,
    origlen: 0,
    linktype: 0,
    status: 'decoded',
    reason: '',
    truncated: false,
    vlanDepth: 0,
    vlan: -1,
    srcMacAt: -1,
    macBytes: EMPTY,
    logAction: LOG_NONE,
    logger: '',
    tunnelDepth: 0,
    tunnel: '',
    carriers: [],
    carrierCount: 0,
    carries: '',
    countedBefore: false,
    reassembly: null,
    ipVersion: 0,
    src4: 0,
    dst4: 0,
    src6: EMPTY,
    dst6: EMPTY,
    ttl: -1,
    ipId: -1,
    dontFragment: false,
    fragOffset: 0,
    moreFragments: false,
    ipLength: 0,
    ipHeaderLength: 0,
    proto: -1,
    sport: -1,
    dport: -1,
    seq: 0,
    ack: 0,
    tcpFlags: 0,
    vantage: 0,
    window: 0,
    tcpHeaderLength: 0,
    mss: -1,
    windowScale: -1,
    sackPermitted: false,
    tsVal: -1,
    tsEcr: -1,
    payloadLength: 0,
    payloadBuffer: EMPTY,
    payloadStart: 0,
    payloadEnd: 0,
    ipChecksumOk: true,
    transportChecksumOk: true,
    icmpType: -1,
    icmpCode: -1,
    quoted: newQuotedHeader(),
  };
}

/**
 * Copy every field of `from` into `to` (a carrier keeps the outer datagram while the decoder goes
 * on into what it carries): IPv6 addresses into `to`'s own arrays, the quoted header by value;
 * `to`'s own carriers are left alone.
 */
export function copyPacket(from: Packet, to: Packet): void {
  to.record = from.record;
  to.ts = from.ts;
  to.timeOutOfRange = from.timeOutOfRange;
  to.caplen = from.caplen;
  to.origlen = from.origlen;
  to.linktype = from.linktype;
  to.status = from.status;
  to.reason = from.reason;
  to.truncated = from.truncated;
  to.vlanDepth = from.vlanDepth;
  to.vlan = from.vlan;
  to.logAction = from.logAction;
  to.logger = from.logger;
  to.tunnelDepth = from.tunnelDepth;
  to.tunnel = from.tunnel;
  to.carrierCount = 0;
  to.carries = '';
  to.countedBefore = false;
  to.ipVersion = from.ipVersion;
  to.src4 = from.src4;
  to.dst4 = from.dst4;
  if (from.ipVersion === 6) {
    to.src6 = copyOf6(from.src6, to.src6);
    to.dst6 = copyOf6(from.dst6, to.dst6);
  }
  to.ttl = from.ttl;
  to.ipId = from.ipId;
  to.dontFragment = from.dontFragment;
  to.fragOffset = from.fragOffset;
  to.moreFragments = from.moreFragments;
  to.ipLength = from.ipLength;
  to.ipHeaderLength = from.ipHeaderLength;
  to.proto = from.proto;
  to.sport = from.sport;
  to.dport = from.dport;
  to.seq = from.seq;
  to.ack = from.ack;
  to.tcpFlags = from.tcpFlags;
  to.vantage = from.vantage;
  to.srcMacAt = from.srcMacAt;
  to.macBytes = from.macBytes;
  to.window = from.window;
  to.tcpHeaderLength = from.tcpHeaderLength;
  to.mss = from.mss;
  to.windowScale = from.windowScale;
  to.sackPermitted = from.sackPermitted;
  to.tsVal = from.tsVal;
  to.tsEcr = from.tsEcr;
  to.payloadLength = from.payloadLength;
  to.payloadBuffer = from.payloadBuffer;
  to.payloadStart = from.payloadStart;
  to.payloadEnd = from.payloadEnd;
  to.ipChecksumOk = from.ipChecksumOk;
  to.transportChecksumOk = from.transportChecksumOk;
  to.icmpType = from.icmpType;
  to.icmpCode = from.icmpCode;
  to.quoted.present = false;
}

/** `from`'s 16 bytes in `to` when `to` is an array of its own, else in a new one. */
function copyOf6(from: Uint8Array, to: Uint8Array): Uint8Array {
  const own = to.byteLength === 16 && to.buffer.byteLength === 16 ? to : new Uint8Array(16);
  own.set(from);
  return own;
}
