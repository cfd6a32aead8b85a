/**
 * UDP conversations: a connection per endpoint pair until idle (datagram.ts), its originator
 * guessed from the ports when a server's side speaks first, and each datagram's payload peeked
 * (DNS, QUIC) and the originator's bursts timed (request times).
 */

import type { Packet } from '../decode/packet.js';
import { acceptDatagram, countDatagram, ongoingDatagram } from './datagram.js';
import { HIST_DATA_PKT, KIND_UDP, scaledHistory, type Flow } from './flow.js';
import { notePayload, noteUdpBurst } from './peeks.js';
import { heldKey } from './resets.js';
import type { ConnectionTable, Match } from './table.js';

/** Track UDP datagram `p`; `serverPorts` marks the ports a server likely listens on. */
export function trackUdp(table: ConnectionTable, match: Match, p: Packet, serverPorts: Uint8Array): Flow {
  let flow = ongoingDatagram(table, match, p, KIND_UDP, p.sport, p.dport);
  let fromOrig = match.fromOrig;
  let opened = false;
  if (flow === null) {
    flow = table.create(p, KIND_UDP, p.sport, p.dport, false);
    fromOrig = true;
    opened = true;
    const broadcast = p.ipVersion === 4 && p.dst4 === 0xffffffff;
    if (serverPorts[p.sport] === 1 && serverPorts[p.dport] !== 1 && !broadcast) {
      flow.flip();
      fromOrig = false;
    }
  }
  const e = countDatagram(flow, p, fromOrig);
  if (!p.transportChecksumOk) {
    scaledHistory(flow, 'C', fromOrig, e, 'checksum');
    return flow;
  }
  flow.checkHistory(HIST_DATA_PKT, 'D', fromOrig);
  if (fromOrig) noteUdpBurst(flow, p.ts, flow.orig.lastTs);
  acceptDatagram(flow, e, p, fromOrig, p.payloadLength > 0 ? p.payloadLength : 0);
  notePayload(flow, p, fromOrig);
  if (opened && fromOrig) {
    table.noteOpened(flow);
    // An ICMP refusal of this datagram seen ahead of it.
    if (table.heldRefusals.any)
      table.heldRefusals.claim(flow, heldKey(false, p.ipVersion, p.src4, p.src6, p.sport, p.dst4, p.dst6, p.dport), p, false);
  }
  return flow;
}
