/**
 * decodePacket: one capture record → the reused `Packet`. Link → IP → transport, each layer in
 * its own module; every record ends 'decoded', 'skipped' (with a reason) or 'malformed' (with
 * an anomaly code), and nothing is thrown.
 */

import type { CaptureRecord } from '../capture/types.js';
import { pseudoSum4, pseudoSum6 } from './checksum.js';
import { decodeIcmp } from './icmp.js';
import { decodeIPv4 } from './ipv4.js';
import { decodeIPv6, newIpv6Chain } from './ipv6.js';
import { decodeLink, newLinkResult } from './link.js';
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP, type Packet } from './packet.js';
import { decodeTcp } from './tcp.js';
import { decodeUdp } from './udp.js';
import { isCaptureTime } from '../time.js';

export interface DecodeOptions {
  /** Verify IPv4 header and TCP/UDP/ICMP checksums (results in ipChecksumOk / transportChecksumOk). */
  verifyChecksums?: boolean;
}

const EMPTY = new Uint8Array(0);
const link = newLinkResult();
const chain = newIpv6Chain();

function reset(out: Packet): void {
  out.status = 'decoded';
  out.reason = '';
  out.truncated = false;
  out.vlanDepth = 0;
  out.vlan = -1;
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
  const o = link.offset;

  let pseudo = -1;
  if (link.network === 4) {
    if (!decodeIPv4(b, o, end, wireEnd, verify, out)) return;
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
      decodeUdp(b, l4, l4Length, capEnd, pseudo, link.network === 4, out);
      return;
    case IPPROTO_ICMP:
      if (link.network === 4) {
        decodeIcmp(b, l4, l4Length, capEnd, 4, verify && !out.moreFragments ? 0 : -1, out);
        return;
      }
      break;
    case IPPROTO_ICMPV6:
      if (link.network === 6) {
        decodeIcmp(b, l4, l4Length, capEnd, 6, pseudo, out);
        return;
      }
      break;
    default:
      break;
  }
  // Another protocol (GRE, ESP, SCTP, …): the IP payload as it stands.
  out.payloadLength = l4Length;
  if (capEnd > l4) {
    out.payloadBuffer = b;
    out.payloadStart = l4;
    out.payloadEnd = capEnd;
  }
  if (capEnd - l4 < l4Length) out.truncated = true;
}
