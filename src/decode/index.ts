/** The decode stage: capture records → packets, plus application peeks. */

export * from './packet.js';
export * from './anomalies.js';
export { decodePacket, type DecodeOptions } from './decode.js';
export { DecodeStats } from './stats.js';
export { formatIPv4, formatIPv6, packetSource, packetDestination } from './address.js';
export { TCP_FIN, TCP_SYN, TCP_RST, TCP_PSH, TCP_ACK, TCP_URG, TCP_ECE, TCP_CWR, TCP_NS, tcpFlagsToString } from './tcp.js';
export { isIcmpError } from './icmp.js';
export { peekHttpRequest, peekHttpResponse, looksLikeHttpRequest, looksLikeHttpResponse, type HttpRequestPeek } from './http.js';
export { peekTlsClientHello, parseClientHello, looksLikeTlsHandshake, type ClientHello } from './tls.js';
export { parseDns, looksLikeDns, type DnsAnswer, type DnsPeek } from './dns.js';
export { guessService, looksLikeSsh, type ServiceGuess } from './service.js';
export * from './link.js';
export {
  MAX_TUNNEL_DEPTH,
  TUNNEL_UDP_PORTS,
  UDP_PORT_GENEVE,
  UDP_PORT_GTPU,
  UDP_PORT_VXLAN,
  IPPROTO_GRE,
  IPPROTO_IPIP,
  IPPROTO_IPV6_IN_IP,
  type TunnelKind,
} from './tunnel.js';
export { greFlagsToString } from './gre.js';
export {
  peekQuicInitial,
  peekQuicLongHeader,
  quicLongHeaderVersion,
  quicVersionName,
  initialKeys,
  QuicInitialReader,
  type QuicClientInitial,
  type QuicLongHeader,
  type QuicPacketType,
  type QuicVersionName,
  type InitialKeys,
} from './quic.js';
