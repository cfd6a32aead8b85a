/**
 * Link layers: find where the IP header starts and which IP version it is.
 *
 * Ethernet with 802.1Q / 802.1ad / old QinQ tags at any depth, VN-Tag, MPLS label stacks and
 * PPPoE sessions; Linux cooked captures (SLL, SLL2); BSD null / loopback; raw IP; PPP (IP or
 * MPLS inside); Cisco HDLC (a router's serial link: address, control, an ethertype); and the
 * records of packet loggers, a header about the packet in front of it: pf's pflog (BSD firewalls),
 * Linux netfilter's NFLOG, Apple's PKTAP (macOS `tcpdump -i any`; older macOS wrote it as
 * DLT_USER2, 149, read so when the header is a PKTAP's); and Wi-Fi in monitor mode:
 * 802.11 frames, alone or after the capturing radio's header (radiotap, PPI, Prism, AVS).
 * Link type numbers are the LINKTYPE_* values of https://www.tcpdump.org/linktypes.html.
 */

import { prefixAction } from '../firewall-words.js';
import type { AnomalyCode, SkipReason } from './anomalies.js';
import { LOG_BLOCK, LOG_NONE, LOG_PASS, type Packet } from './packet.js';

export const LINKTYPE_NULL = 0;
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_PPP = 9;
export const LINKTYPE_RAW_DLT12 = 12;
export const LINKTYPE_RAW_DLT14 = 14;
export const LINKTYPE_PPP_HDLC = 50;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LOOP = 108;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_PFLOG = 117;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;
export const LINKTYPE_NFLOG = 239;
export const LINKTYPE_PKTAP = 258;
/** DLT_USER2, which older macOS wrote its PKTAP captures with. */
export const LINKTYPE_USER2 = 149;
export const LINKTYPE_C_HDLC = 104;
export const LINKTYPE_LINUX_SLL2 = 276;
export const LINKTYPE_IEEE802_11 = 105;
export const LINKTYPE_PRISM = 119;
export const LINKTYPE_IEEE802_11_RADIOTAP = 127;
export const LINKTYPE_AVS = 163;
export const LINKTYPE_PPI = 192;

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_IPV6 = 0x86dd;
export const ETHERTYPE_VLAN = 0x8100;
export const ETHERTYPE_QINQ = 0x88a8;
export const ETHERTYPE_QINQ_OLD = 0x9100;
export const ETHERTYPE_VNTAG = 0x8926;
export const ETHERTYPE_MPLS = 0x8847;
export const ETHERTYPE_MPLS_MULTICAST = 0x8848;
export const ETHERTYPE_PPPOE_SESSION = 0x8864;

const PPP_IPV4 = 0x0021;
const PPP_IPV6 = 0x0057;
const PPP_MPLS = 0x0281;
const PPP_MPLS_MULTICAST = 0x0283;
/** Cisco HDLC: address (0x0f unicast, 0x8f broadcast), control, then the protocol as an ethertype. */
const C_HDLC_HEADER = 4;

/** BSD address families as a null/loopback header carries them (IPv6 differs per OS). */
const AF_INET = 2;
const AF_INET6_BSD = 24;
const AF_INET6_FREEBSD = 28;
const AF_INET6_DARWIN = 30;

const ETHERNET_HEADER = 14;
const SLL_HEADER = 16;
const SLL2_HEADER = 20;
/** IEEE 802.3: a type/length field at or below 1500 is a length (LLC follows). */
const MAX_8023_LENGTH = 1500;

/**
 * pfloghdr (OpenBSD / FreeBSD net/if_pflog.h): length (the header's own, before padding), af,
 * action, reason, ifname[16], ruleset[16], rulenr, subrulenr, uid, pid, rule_uid, rule_pid, dir;
 * OpenBSD has added fields since. The packet starts at the length rounded up to 4 bytes
 * (BPF_WORDALIGN); tcpdump rejects a length below 45 (MIN_PFLOG_HDRLEN).
 */
const PFLOG_MIN_LENGTH = 45;
const PFLOG_AF = 1;
/** pf's action on the packet (PF_PASS 0, PF_DROP 1 — a `block` rule's —, the others translation and scrub rules'). */
const PFLOG_ACTION = 2;

/**
 * NFLOG (https://www.tcpdump.org/linktypes/LINKTYPE_NFLOG.html): family, version 0, resource id
 * (big-endian); then netlink TLVs whose length (including its 4-byte header) and type are in the
 * capturing host's byte order, each padded to 4 bytes. NFULA_PAYLOAD holds the packet from its
 * network header on; the family is Linux's (AF_INET 2, AF_INET6 10).
 */
const NFLOG_HEADER = 4;
const NFLOG_TLV_HEADER = 4;
const NFULA_PAYLOAD = 9;
/** The rule's --nflog-prefix, NUL-terminated (the kernel keeps at most 127 bytes of it, NF_LOG_PREFIXLEN). */
const NFULA_PREFIX = 10;
const NF_LOG_PREFIXLEN = 128;
/** Distinct prefixes remembered with their decision: a firewall's rules log with a handful. */
const PREFIXES_KEPT = 16;
/** Netlink attribute flags (NLA_F_NESTED, NLA_F_NET_BYTEORDER) share the type field. */
const NLA_TYPE_MASK = 0x3fff;
const LINUX_AF_INET = 2;
const LINUX_AF_INET6 = 10;
const IPV6_FIXED_HEADER = 40;

/**
 * pktap_header (Apple's net/pktap.h, as tcpdump's print-pktap.c reads it), little-endian: its own
 * length, the record type (1: a packet follows), the DLT of the frame after the header, interface
 * name[24], flags, protocol family, link header and trailer lengths, pid, command name[20],
 * service class, interface type and unit, effective pid and command name[20]: 108 bytes. The
 * frame starts at the header's own length, so a longer header of a later macOS is skipped whole.
 */
const PKTAP_HEADER = 108;
const PKT_REC_PACKET = 1;

/**
 * IEEE 802.11 (802.11-2020 §9.2.4): frame control (protocol version, type and subtype; then the
 * flags byte), duration, addresses 1–3, sequence control (fragment number in its low 4 bits),
 * then address 4 when the frame goes from one distribution system to another (ToDS and FromDS),
 * QoS Control in a QoS data frame, and HT Control when such a frame has its Order bit. A data
 * frame's packet follows in an LLC/SNAP header (RFC 1042: AA AA 03, an OUI, the ethertype).
 */
const WLAN_HEADER = 24;
const WLAN_TYPE_DATA = 2;
const WLAN_TO_DS = 0x01;
const WLAN_FROM_DS = 0x02;
const WLAN_MORE_FRAGMENTS = 0x04;
const WLAN_RETRY = 0x08;
const WLAN_PROTECTED = 0x40;
const WLAN_ORDER = 0x80;
/** A data frame's subtype bits: QoS (QoS Control follows the addresses), no data (Null, QoS Null, CF-Ack/Poll alone). */
const WLAN_QOS = 0x8;
const WLAN_NO_DATA = 0x4;
/** QoS Control's first byte: an A-MSDU of several packets follows. */
const WLAN_A_MSDU = 0x80;
const LLC_SNAP = 8;
/** Transmitters whose last sequence number is kept to tell an 802.11 retry of a frame already read: emptied when it fills. */
const WLAN_TRANSMITTERS_KEPT = 4096;
/**
 * Radiotap (radiotap.org): version, pad, its length and presence words (little-endian; bit 31 of
 * each: another follows); then the fields present, each aligned to its size — TSFT (8 bytes),
 * Flags (1 byte: the frame ends in its FCS; the FCS was bad), … The 802.11 frame starts at its length.
 */
const RADIOTAP_HEADER = 8;
const RADIOTAP_TSFT = 0x1;
const RADIOTAP_FLAGS = 0x2;
const RADIOTAP_EXT = 0x80000000;
const RADIO_FCS = 0x10;
const RADIO_BAD_FCS = 0x40;
const FCS = 4;
/**
 * PPI (Per-Packet Information, CACE): version, flags, its length and the DLT of the frame after it
 * (little-endian), then fields as type, length, data; the 802.11-Common field's flags (at its 8th
 * byte) say whether the frame ends in its FCS (bit 0) and whether that was bad (bit 2).
 */
const PPI_HEADER = 8;
const PPI_FIELD_HEADER = 4;
const PPI_80211_COMMON = 2;
const PPI_COMMON_FLAGS = 8;
const PPI_FCS = 0x1;
const PPI_BAD_FCS = 0x4;
/** Prism (linux-wlan-ng): message code, then the header's length, 144 bytes. */
const PRISM_HEADER = 144;
/** AVS (wlan-ng): a magic number (0x80211001, 0x80211002: versions 1 and 2), then the header's length, big-endian. */
const AVS_MAGIC = 0x8021100;
const AVS_MIN_HEADER = 8;

/** Where the link layer put the network layer. Preallocated; overwritten per packet. */
export interface LinkResult {
  /** Offset of the IP header in the buffer the frame lies in. */
  offset: number;
  /** 4 or 6 when an IP header follows; 0 when the packet was skipped or is malformed (status set). */
  network: 0 | 4 | 6;
  /**
   * Where the IP packet ended when the link layer logged only its start (an NFLOG rule's
   * --nflog-size), as its IP header says; 0 otherwise (the frame's own length holds).
   */
  wireEnd: number;
  /**
   * NFLOG prefixes met and the LOG_* each names, so that a prefix is read once, not per packet;
   * emptied when it fills.
   */
  prefixes: Uint8Array[];
  prefixActions: number[];
  /** Each 802.11 transmitter's (its address as a number) last sequence control read. */
  wlanSequences: Map<number, number>;
}

export function newLinkResult(): LinkResult {
  return { offset: 0, network: 0, wireEnd: 0, prefixes: [], prefixActions: [], wlanSequences: new Map() };
}

function skip(out: Packet, reason: SkipReason, link: LinkResult): void {
  out.status = 'skipped';
  out.reason = reason;
  link.network = 0;
}

function malformed(out: Packet, code: AnomalyCode, link: LinkResult): void {
  out.status = 'malformed';
  out.reason = code;
  link.network = 0;
}

/**
 * Version nibble of the byte at `offset` as the network layer (raw IP, MPLS payload guess); after
 * an MPLS label stack anything else is a skipped payload, on a raw-IP link an anomaly.
 */
function byVersionNibble(b: Uint8Array, offset: number, end: number, out: Packet, link: LinkResult, afterMpls: boolean): void {
  if (offset >= end) {
    malformed(out, afterMpls ? 'truncated.mpls' : 'truncated.link', link);
    return;
  }
  const version = b[offset]! >> 4;
  link.offset = offset;
  if (version === 4) link.network = 4;
  else if (version === 6) link.network = 6;
  else if (afterMpls) skip(out, 'mpls.not-ip', link);
  else malformed(out, 'ip.unknown_version', link);
}

/**
 * Walk from an ethertype `type` whose payload starts at `p`: VLAN tags, VN-Tag, MPLS and PPPoE
 * until IPv4 / IPv6 or something else; the frame's captured bytes end at `len`.
 */
export function decodeEthertype(b: Uint8Array, type: number, p: number, len: number, out: Packet, link: LinkResult): void {
  for (;;) {
    if (type === ETHERTYPE_IPV4) {
      link.offset = p;
      link.network = 4;
      return;
    }
    if (type === ETHERTYPE_IPV6) {
      link.offset = p;
      link.network = 6;
      return;
    }
    if (type === ETHERTYPE_VLAN || type === ETHERTYPE_QINQ || type === ETHERTYPE_QINQ_OLD) {
      // 802.1Q tag: TCI (PCP, DEI, 12-bit VID), then the next type.
      if (p + 4 > len) return malformed(out, 'truncated.vlan', link);
      if (out.vlanDepth === 0) out.vlan = ((b[p]! << 8) | b[p + 1]!) & 0x0fff;
      out.vlanDepth++;
      type = (b[p + 2]! << 8) | b[p + 3]!;
      p += 4;
      continue;
    }
    if (type === ETHERTYPE_VNTAG) {
      // Cisco VN-Tag: 4 bytes of tag, then the next type.
      if (p + 6 > len) return malformed(out, 'truncated.vlan', link);
      type = (b[p + 4]! << 8) | b[p + 5]!;
      p += 6;
      continue;
    }
    if (type === ETHERTYPE_MPLS || type === ETHERTYPE_MPLS_MULTICAST) {
      // RFC 3032 label stack entries; the S bit marks the bottom. No payload type is given:
      // guess by the IP version nibble, as Zeek and tcpdump do.
      for (;;) {
        if (p + 4 > len) return malformed(out, 'truncated.mpls', link);
        const bottom = b[p + 2]! & 0x01;
        p += 4;
        if (bottom) break;
      }
      return byVersionNibble(b, p, len, out, link, true);
    }
    if (type === ETHERTYPE_PPPOE_SESSION) {
      // RFC 2516 §4: ver/type, code, session id, length; then the PPP protocol field.
      if (p + 8 > len) return malformed(out, 'truncated.pppoe', link);
      const protocol = (b[p + 6]! << 8) | b[p + 7]!;
      p += 8;
      link.offset = p;
      if (protocol === PPP_IPV4) link.network = 4;
      else if (protocol === PPP_IPV6) link.network = 6;
      else skip(out, 'ppp.not-ip', link);
      return;
    }
    if (type <= MAX_8023_LENGTH) {
      // 802.3 length + LLC; IP over LLC/SNAP (AA AA 03, OUI 0) is rare enough to look at.
      if (p + 8 <= len && b[p] === 0xaa && b[p + 1] === 0xaa && b[p + 2] === 0x03 && b[p + 3] === 0 && b[p + 4] === 0 && b[p + 5] === 0) {
        type = (b[p + 6]! << 8) | b[p + 7]!;
        p += 8;
        continue;
      }
    }
    return skip(out, 'l3.not-ip', link);
  }
}

/**
 * An Ethernet frame `b[start, end)` carried in a tunnel (VXLAN, Geneve, GRE transparent Ethernet
 * bridging, ERSPAN): its header, then the ethertype walk.
 */
/** Where the sender's hardware address lies: read only when asked (`senderMac`), for a connection's first packet. */
function setSender(out: Packet, b: Uint8Array, at: number): void {
  out.macBytes = b;
  out.srcMacAt = at;
}

/** The hardware address the packet was sent from (48 bits as a number; `formatMac`), -1 when its link layer names none. */
export function senderMac(p: Packet): number {
  const b = p.macBytes;
  const at = p.srcMacAt;
  if (at < 0) return -1;
  return ((b[at]! << 8) | b[at + 1]!) * 0x100000000 + (((b[at + 2]! << 24) | (b[at + 3]! << 16) | (b[at + 4]! << 8) | b[at + 5]!) >>> 0);
}

/** A hardware address as `senderMac` gives it, written as Zeek writes one (`52:54:00:12:34:56`). */
export function formatMac(mac: number): string {
  let text = '';
  for (let shift = 40; shift >= 0; shift -= 8) {
    const byte = Math.floor(mac / 2 ** shift) % 256;
    text += (shift === 40 ? '' : ':') + byte.toString(16).padStart(2, '0');
  }
  return text;
}

export function decodeEthernet(b: Uint8Array, start: number, end: number, out: Packet, link: LinkResult): void {
  link.offset = start;
  link.network = 0;
  if (end - start < ETHERNET_HEADER) return malformed(out, 'truncated.ethernet', link);
  setSender(out, b, start + 6);
  decodeEthertype(b, (b[start + 12]! << 8) | b[start + 13]!, start + ETHERNET_HEADER, end, out, link);
}

/** PPP protocol field after an optional HDLC address/control (FF 03); RFC 1661 §2, RFC 1662 §3.1. */
export function decodePpp(b: Uint8Array, start: number, len: number, out: Packet, link: LinkResult): void {
  let p = start;
  if (len - p >= 2 && b[p] === 0xff && b[p + 1] === 0x03) p += 2;
  if (p >= len) return malformed(out, 'truncated.link', link);
  let protocol: number;
  if (b[p]! & 0x01) {
    // Protocol-field compression: a single odd byte.
    protocol = b[p]!;
    p += 1;
  } else {
    if (p + 2 > len) return malformed(out, 'truncated.link', link);
    protocol = (b[p]! << 8) | b[p + 1]!;
    p += 2;
  }
  link.offset = p;
  if (protocol === PPP_IPV4) link.network = 4;
  else if (protocol === PPP_IPV6) link.network = 6;
  else if (protocol === PPP_MPLS || protocol === PPP_MPLS_MULTICAST)
    decodeEthertype(b, protocol === PPP_MPLS ? ETHERTYPE_MPLS : ETHERTYPE_MPLS_MULTICAST, p, len, out, link);
  else skip(out, 'ppp.not-ip', link);
}

function byAddressFamily(family: number, offset: number, out: Packet, link: LinkResult): void {
  link.offset = offset;
  if (family === AF_INET) link.network = 4;
  else if (family === AF_INET6_BSD || family === AF_INET6_FREEBSD || family === AF_INET6_DARWIN) link.network = 6;
  else skip(out, 'l3.not-ip', link);
}

/** pf's log header, then the packet by its address family. */
function decodePflog(b: Uint8Array, start: number, end: number, out: Packet, link: LinkResult): void {
  if (end - start < 2) return malformed(out, 'truncated.pflog', link);
  const length = b[start]!;
  if (length < PFLOG_MIN_LENGTH) return malformed(out, 'pflog.bad_header_length', link);
  const header = (length + 3) & ~3;
  if (end - start < header) return malformed(out, 'truncated.pflog', link);
  const action = b[start + PFLOG_ACTION]!;
  out.logAction = action === 0 ? LOG_PASS : action === 1 ? LOG_BLOCK : LOG_NONE;
  if (out.logAction !== LOG_NONE) out.logger = 'pflog';
  byAddressFamily(b[start + PFLOG_AF]!, start + header, out, link);
}

/** NFLOG's header and TLVs up to NFULA_PAYLOAD (the rule's prefix on the way), then the packet by the header's family. */
function decodeNflog(b: Uint8Array, start: number, end: number, out: Packet, link: LinkResult): void {
  if (end - start < NFLOG_HEADER) return malformed(out, 'truncated.nflog', link);
  const family = b[start]!;
  if (family !== LINUX_AF_INET && family !== LINUX_AF_INET6) return skip(out, 'l3.not-ip', link);
  if (b[start + 1] !== 0) return malformed(out, 'nflog.bad_version', link);
  let p = start + NFLOG_HEADER;
  // The TLV types are small numbers: a little-endian type has its low byte first, as Wireshark guesses.
  const little = p + NFLOG_TLV_HEADER > end || b[p + 2] !== 0 || b[p + 3] === 0;
  for (;;) {
    // TLVs that end with the frame: no packet was logged, unless the snapshot length cut it off.
    if (p === end) return out.origlen > out.caplen ? malformed(out, 'truncated.nflog', link) : skip(out, 'nflog.no-payload', link);
    if (p + NFLOG_TLV_HEADER > end) return malformed(out, 'truncated.nflog', link);
    const length = little ? b[p]! | (b[p + 1]! << 8) : (b[p]! << 8) | b[p + 1]!;
    const type = (little ? b[p + 2]! | (b[p + 3]! << 8) : (b[p + 2]! << 8) | b[p + 3]!) & NLA_TYPE_MASK;
    if (length < NFLOG_TLV_HEADER) return malformed(out, 'nflog.bad_tlv_length', link);
    if (type === NFULA_PREFIX) nflogPrefix(b, p + NFLOG_TLV_HEADER, Math.min(p + length, end), out, link);
    if (type === NFULA_PAYLOAD) {
      const o = p + NFLOG_TLV_HEADER;
      link.offset = o;
      link.network = family === LINUX_AF_INET ? 4 : 6;
      // A copy range shorter than the packet: the IP header's length says how long it was.
      if (o + 6 <= end) {
        const ipLength = family === LINUX_AF_INET ? (b[o + 2]! << 8) | b[o + 3]! : IPV6_FIXED_HEADER + ((b[o + 4]! << 8) | b[o + 5]!);
        if (ipLength > length - NFLOG_TLV_HEADER) link.wireEnd = o + ipLength;
      }
      return;
    }
    p += (length + 3) & ~3;
    if (p > end) return malformed(out, 'truncated.nflog', link);
  }
}

/**
 * The decision an NFLOG rule's prefix names, by the words a LOG line's prefix is read with
 * (firewall-words.ts): "[UFW BLOCK] ", "DROP", "[WAN_IN-20-R]" blocked; "[UFW ALLOW] ", "ACCEPT"
 * passed. A prefix that names neither — none, "[UFW AUDIT] ", "IN-eth0 " — leaves the packet
 * without a decision, where a LOG line without one is read as a denial: a LOG rule is a
 * firewall's way to log what it drops, but an NFLOG group is also how traffic is mirrored to a
 * capture (`-j NFLOG` on every packet, for tcpdump, ulogd or Suricata), and reading such a mirror
 * as all blocked would call every connection in it denied.
 */
function nflogPrefix(b: Uint8Array, from: number, to: number, out: Packet, link: LinkResult): void {
  let end = from;
  const last = Math.min(to, from + NF_LOG_PREFIXLEN);
  while (end < last && b[end] !== 0) end++;
  const length = end - from;
  const kept = link.prefixes;
  let action: number | undefined;
  for (let k = 0; k < kept.length && action === undefined; k++) {
    const known = kept[k]!;
    if (known.length !== length) continue;
    let j = 0;
    while (j < length && known[j] === b[from + j]) j++;
    if (j === length) action = link.prefixActions[k];
  }
  if (action === undefined) {
    let text = '';
    for (let j = from; j < end; j++) text += String.fromCharCode(b[j]!);
    const named = prefixAction(text, null);
    action = named === 'deny' ? LOG_BLOCK : named === 'allow' ? LOG_PASS : LOG_NONE;
    if (kept.length === PREFIXES_KEPT) {
      kept.length = 0;
      link.prefixActions.length = 0;
    }
    kept.push(b.slice(from, end));
    link.prefixActions.push(action);
  }
  if (action === LOG_NONE) return;
  out.logAction = action;
  out.logger = 'nflog';
}

/** Four bytes at `p` as an unsigned number, little- or big-endian. */
const u32le = (b: Uint8Array, p: number): number => (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
const u32be = (b: Uint8Array, p: number): number => ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;

/** Apple's PKTAP header, then the frame after it by the link type the header names. */
function decodePktap(b: Uint8Array, start: number, end: number, out: Packet, link: LinkResult): void {
  if (end - start < 4) return malformed(out, 'truncated.pktap', link);
  const header = u32le(b, start);
  if (header < PKTAP_HEADER) return malformed(out, 'pktap.bad_header_length', link);
  if (end - start < header) return malformed(out, 'truncated.pktap', link);
  if (b[start + 4] !== PKT_REC_PACKET || b[start + 5] !== 0 || b[start + 6] !== 0 || b[start + 7] !== 0)
    return skip(out, 'pktap.no-packet', link);
  const dlt = u32le(b, start + 8);
  // One PKTAP header a frame; a nested one would only make a loop.
  if (dlt === LINKTYPE_PKTAP) return skip(out, 'link.unsupported', link);
  decodeLink(b, start + header, end, dlt, out, link);
}

/**
 * An 802.11 frame (a Wi-Fi capture in monitor mode): a data frame's packet by its LLC/SNAP
 * ethertype; management and control frames, frames that carry nothing, frames encrypted on the
 * air, fragments and aggregates are skipped with their reason, and a frame its transmitter sent
 * again (the Retry bit on the sequence number of its frame before) is read once.
 */
function decodeWlan(b: Uint8Array, start: number, end: number, out: Packet, link: LinkResult): void {
  if (end - start < 2) return malformed(out, 'truncated.wlan', link);
  const fc0 = b[start]!;
  const flags = b[start + 1]!;
  if ((fc0 & 3) !== 0 || ((fc0 >> 2) & 3) !== WLAN_TYPE_DATA) return skip(out, 'wlan.not-data', link);
  const subtype = fc0 >> 4;
  if (subtype & WLAN_NO_DATA) return skip(out, 'wlan.no-payload', link);
  const qos = (subtype & WLAN_QOS) !== 0;
  const qosAt = (flags & (WLAN_TO_DS | WLAN_FROM_DS)) === (WLAN_TO_DS | WLAN_FROM_DS) ? WLAN_HEADER + 6 : WLAN_HEADER;
  const header = qosAt + (qos ? 2 + (flags & WLAN_ORDER ? 4 : 0) : 0);
  if (end - start < header) return malformed(out, 'truncated.wlan', link);
  if (flags & WLAN_PROTECTED) return skip(out, 'wlan.protected', link);
  const sequence = b[start + 22]! | (b[start + 23]! << 8);
  if (flags & WLAN_MORE_FRAGMENTS || (sequence & 0xf) !== 0) return skip(out, 'wlan.fragment', link);
  // The transmitter: address 2.
  let transmitter = 0;
  for (let k = 10; k < 16; k++) transmitter = transmitter * 256 + b[start + k]!;
  const sequences = link.wlanSequences;
  if (flags & WLAN_RETRY && sequences.get(transmitter) === sequence) return skip(out, 'wlan.retransmission', link);
  if (sequences.size >= WLAN_TRANSMITTERS_KEPT && !sequences.has(transmitter)) sequences.clear();
  sequences.set(transmitter, sequence);
  if (qos && b[start + qosAt]! & WLAN_A_MSDU) return skip(out, 'wlan.a-msdu', link);
  // The source: address 2 from a station, 3 from the distribution system, 4 between two.
  const ds = flags & (WLAN_TO_DS | WLAN_FROM_DS);
  setSender(out, b, start + (ds === WLAN_FROM_DS ? 16 : ds === (WLAN_TO_DS | WLAN_FROM_DS) ? 24 : 10));
  const llc = start + header;
  if (end - llc < 3) return malformed(out, 'truncated.wlan', link);
  if (b[llc] !== 0xaa || b[llc + 1] !== 0xaa || b[llc + 2] !== 0x03) return skip(out, 'l3.not-ip', link);
  if (end - llc < LLC_SNAP) return malformed(out, 'truncated.wlan', link);
  return decodeEthertype(b, (b[llc + 6]! << 8) | b[llc + 7]!, llc + LLC_SNAP, end, out, link);
}

/**
 * The end of a frame whose radio header says it ends in its FCS: four bytes before the record's,
 * unless the snapshot length cut the frame (then its FCS was not captured).
 */
function withoutFcs(end: number, out: Packet): number {
  return out.origlen > out.caplen ? end : end - FCS;
}

/** A radiotap header, then the 802.11 frame; a frame the radio received with a bad FCS is skipped. */
function decodeRadiotap(b: Uint8Array, start: number, end: number, out: Packet, link: LinkResult): void {
  if (end - start < RADIOTAP_HEADER) return malformed(out, 'truncated.radio', link);
  const length = b[start + 2]! | (b[start + 3]! << 8);
  if (length < RADIOTAP_HEADER) return malformed(out, 'radio.bad_header_length', link);
  if (length > end - start) return malformed(out, 'truncated.radio', link);
  const present = u32le(b, start + 4);
  let fields = 8;
  for (let word = present; word & RADIOTAP_EXT; fields += 4) {
    if (fields + 4 > length) return malformed(out, 'radio.bad_header_length', link);
    word = u32le(b, start + fields);
  }
  let radioFlags = 0;
  if (present & RADIOTAP_FLAGS) {
    const at = present & RADIOTAP_TSFT ? ((fields + 7) & ~7) + 8 : fields;
    if (at >= length) return malformed(out, 'radio.bad_header_length', link);
    radioFlags = b[start + at]!;
  }
  if (radioFlags & RADIO_BAD_FCS) return skip(out, 'wlan.bad-fcs', link);
  return decodeWlan(b, start + length, radioFlags & RADIO_FCS ? withoutFcs(end, out) : end, out, link);
}

/** A PPI header, then the frame of the link type it names (802.11 in practice). */
function decodePpi(b: Uint8Array, start: number, end: number, out: Packet, link: LinkResult): void {
  if (end - start < PPI_HEADER) return malformed(out, 'truncated.radio', link);
  const length = b[start + 2]! | (b[start + 3]! << 8);
  if (length < PPI_HEADER) return malformed(out, 'radio.bad_header_length', link);
  if (length > end - start) return malformed(out, 'truncated.radio', link);
  const dlt = u32le(b, start + 4);
  let frameEnd = end;
  for (let p = start + PPI_HEADER; p + PPI_FIELD_HEADER <= start + length;) {
    const type = b[p]! | (b[p + 1]! << 8);
    const size = b[p + 2]! | (b[p + 3]! << 8);
    if (p + PPI_FIELD_HEADER + size > start + length) return malformed(out, 'radio.bad_header_length', link);
    if (type === PPI_80211_COMMON && size >= PPI_COMMON_FLAGS + 2) {
      const radioFlags = b[p + PPI_FIELD_HEADER + PPI_COMMON_FLAGS]! | (b[p + PPI_FIELD_HEADER + PPI_COMMON_FLAGS + 1]! << 8);
      if (radioFlags & PPI_BAD_FCS) return skip(out, 'wlan.bad-fcs', link);
      if (radioFlags & PPI_FCS) frameEnd = withoutFcs(end, out);
    }
    p += PPI_FIELD_HEADER + size;
  }
  // One radio header a frame; a nested one would only make a loop.
  if (dlt === LINKTYPE_PPI) return skip(out, 'link.unsupported', link);
  decodeLink(b, start + length, frameEnd, dlt, out, link);
}

/** A Prism or AVS header (linux-wlan-ng's monitor modes), then the 802.11 frame. */
function decodeWlanNg(b: Uint8Array, start: number, end: number, linktype: number, out: Packet, link: LinkResult): void {
  let length: number;
  if (linktype === LINKTYPE_PRISM) {
    if (end - start < 8) return malformed(out, 'truncated.radio', link);
    // Written in the capturing host's byte order: the length is 144 either way round.
    length = u32le(b, start + 4) === PRISM_HEADER || u32be(b, start + 4) === PRISM_HEADER ? PRISM_HEADER : u32le(b, start + 4);
  } else {
    if (end - start < AVS_MIN_HEADER) return malformed(out, 'truncated.radio', link);
    if (u32be(b, start) >>> 4 !== AVS_MAGIC) return malformed(out, 'radio.bad_header_length', link);
    length = u32be(b, start + 4);
  }
  if (length < AVS_MIN_HEADER) return malformed(out, 'radio.bad_header_length', link);
  if (length > end - start) return malformed(out, 'truncated.radio', link);
  return decodeWlan(b, start + length, end, out, link);
}

/**
 * Decode the link layer of the frame `b[start, end)` (its captured bytes; the buffer may hold
 * other bytes around it) for `linktype`. Sets `out.vlan*`, and on a skip or a malformed header
 * also `out.status` / `out.reason`. `link.offset` is an offset in `b`.
 */
export function decodeLink(b: Uint8Array, start: number, end: number, linktype: number, out: Packet, link: LinkResult): void {
  const len = end - start;
  link.offset = start;
  link.network = 0;
  link.wireEnd = 0;
  if (len <= 0) return malformed(out, 'link.empty', link);
  switch (linktype) {
    case LINKTYPE_ETHERNET:
      if (len < ETHERNET_HEADER) return malformed(out, 'truncated.ethernet', link);
      setSender(out, b, start + 6);
      return decodeEthertype(b, (b[start + 12]! << 8) | b[start + 13]!, start + ETHERNET_HEADER, end, out, link);
    case LINKTYPE_LINUX_SLL:
      // packet type, ARPHRD type, address length, 8 bytes of address, protocol.
      if (len < SLL_HEADER) return malformed(out, 'truncated.link', link);
      // Where it was seen: the packet type (0 to us, 3 another host's, 4 sent by us, …).
      out.vantage += 1 + (b[start + 1]! & 0xff);
      // The sender's address, when it is an Ethernet one (ARPHRD_ETHER, 6 bytes).
      if (b[start + 2] === 0 && b[start + 3] === 1 && b[start + 5] === 6) setSender(out, b, start + 6);
      return decodeEthertype(b, (b[start + 14]! << 8) | b[start + 15]!, start + SLL_HEADER, end, out, link);
    case LINKTYPE_LINUX_SLL2:
      // protocol, reserved, interface index, ARPHRD type, packet type, address length, address.
      if (len < SLL2_HEADER) return malformed(out, 'truncated.link', link);
      // Where it was seen: the interface index (its low 15 bits) and packet type.
      out.vantage += 1 + ((((b[start + 6]! << 8) | b[start + 7]!) & 0x7fff) << 3) + (b[start + 10]! & 7);
      if (b[start + 8] === 0 && b[start + 9] === 1 && b[start + 11] === 6) setSender(out, b, start + 12);
      return decodeEthertype(b, (b[start]! << 8) | b[start + 1]!, start + SLL2_HEADER, end, out, link);
    case LINKTYPE_NULL: {
      // The family is a 32-bit value in the *capturing* host's byte order: small values tell.
      if (len < 4) return malformed(out, 'truncated.link', link);
      const family = b[start] === 0 && b[start + 1] === 0 ? (b[start + 2]! << 8) | b[start + 3]! : b[start]! | (b[start + 1]! << 8);
      return byAddressFamily(family, start + 4, out, link);
    }
    case LINKTYPE_LOOP:
      if (len < 4) return malformed(out, 'truncated.link', link);
      return byAddressFamily(
        ((b[start]! << 24) | (b[start + 1]! << 16) | (b[start + 2]! << 8) | b[start + 3]!) >>> 0,
        start + 4,
        out,
        link,
      );
    case LINKTYPE_RAW:
    case LINKTYPE_RAW_DLT12:
    case LINKTYPE_RAW_DLT14:
      return byVersionNibble(b, start, end, out, link, false);
    case LINKTYPE_IPV4:
      link.network = 4;
      return;
    case LINKTYPE_IPV6:
      link.network = 6;
      return;
    case LINKTYPE_PPP:
    case LINKTYPE_PPP_HDLC:
      return decodePpp(b, start, end, out, link);
    case LINKTYPE_PFLOG:
      return decodePflog(b, start, end, out, link);
    case LINKTYPE_NFLOG:
      return decodeNflog(b, start, end, out, link);
    case LINKTYPE_PKTAP:
      return decodePktap(b, start, end, out, link);
    case LINKTYPE_USER2:
      // A user's link type: a PKTAP record only when it starts as one.
      if (len >= PKTAP_HEADER && u32le(b, start) >= PKTAP_HEADER && u32le(b, start) <= len && u32le(b, start + 4) === PKT_REC_PACKET)
        return decodePktap(b, start, end, out, link);
      return skip(out, 'link.unsupported', link);
    case LINKTYPE_C_HDLC:
      if (len < C_HDLC_HEADER) return malformed(out, 'truncated.link', link);
      return decodeEthertype(b, (b[start + 2]! << 8) | b[start + 3]!, start + C_HDLC_HEADER, end, out, link);
    case LINKTYPE_IEEE802_11:
      return decodeWlan(b, start, end, out, link);
    case LINKTYPE_IEEE802_11_RADIOTAP:
      return decodeRadiotap(b, start, end, out, link);
    case LINKTYPE_PPI:
      return decodePpi(b, start, end, out, link);
    case LINKTYPE_PRISM:
    case LINKTYPE_AVS:
      return decodeWlanNg(b, start, end, linktype, out, link);
    default:
      return skip(out, 'link.unsupported', link);
  }
}
