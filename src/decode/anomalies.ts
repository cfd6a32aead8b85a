/**
 * The one catalogue of what the decoder says about a packet it did not decode cleanly.
 *
 * - A *skip reason* (`Packet.status === 'skipped'`): a well-formed packet callhome does not look
 *   into (ARP, a later IP fragment, a link type it does not read).
 * - An *anomaly* (`Packet.status === 'malformed'`): a header that is cut short or contradicts
 *   itself; the layers decoded before it stay filled in `Packet`.
 * - A *non-fatal anomaly*: a packet still `'decoded'` whose `reason` names something odd that
 *   the decoder worked around (a bad TCP option length, a UDP length that overruns the IP packet).
 *
 * Names follow Suricata's decode-events.h and Zeek's weird names in spirit: `<layer>.<what>`,
 * and `truncated.<layer>` when the snapshot length cut a header.
 *
 * Unsupported link types all share one reason, `link.unsupported`; `DecodeStats` counts them per
 * link type in `unsupportedLinktypes` so that the reason set stays closed.
 */

export const SKIP_REASONS = {
  'link.unsupported': 'the capture link type is not one callhome decodes (counted per link type)',
  'l3.not-ip': 'the link layer carries something other than IPv4/IPv6 (ARP, LLDP, STP, IPX, …)',
  'mpls.not-ip': 'the MPLS label stack ends on a payload that is neither IPv4 nor IPv6 (e.g. a pseudowire)',
  'ppp.not-ip': 'a PPP / PPPoE frame carrying a control protocol (LCP, IPCP, PAP, …) rather than IP',
  'ipv4.later-fragment': 'an IPv4 fragment with a non-zero offset: only first fragments carry the transport header',
  'ipv6.later-fragment': 'an IPv6 fragment with a non-zero offset: only first fragments carry the transport header',
  'nflog.no-payload': 'an NFLOG record without the packet (NFULA_PAYLOAD): the rule logged none of its bytes (--nflog-size 0)',
  'pktap.no-packet': 'a PKTAP record that says no packet follows its header',
  'wlan.not-data': 'an 802.11 management or control frame (beacon, probe, association, ACK, RTS/CTS, …): no packet inside',
  'wlan.no-payload': 'an 802.11 data frame that carries nothing (Null or QoS Null: power saving, keep-alive)',
  'wlan.protected':
    "an 802.11 frame encrypted on the air (WEP, WPA, WPA2, WPA3): its packet is not readable without the network's key — decrypt the capture first (airdecap-ng)",
  'wlan.retransmission': 'an 802.11 frame its transmitter sent again (Retry bit, the sequence number of its last): tracked once',
  'wlan.fragment': 'a fragment of an 802.11 frame split on the air: not reassembled',
  'wlan.a-msdu': 'an 802.11 aggregate (A-MSDU) of several packets in one frame: not opened',
  'wlan.bad-fcs': 'an 802.11 frame the capturing radio received with a bad checksum (its radiotap flags say so): damaged on the air',
  'tunnel.too-deep':
    "a packet inside more encapsulations than callhome opens (4, as Zeek's Tunnel::max_depth): counted, its innermost conversation not tracked",
  'tunnel.not-ip':
    'a tunnel that carries something other than IP or Ethernet here: a GTP-U signalling message (echo, error indication), a GRE keepalive or PPP control, another payload type',
  'gre.unsupported': 'a GRE header of a version other than 0 and 1, or with RFC 1701 source routing: not opened',
  'dup.forwarded-copy':
    'a packet a router forwarded, seen a second time on its way out or in (tcpdump -i any on a router, a pcapng of its interfaces): tracked once, as the inside saw it',
  'dup.seen-in-earlier-capture':
    'a copy of a packet an earlier input already had (the same file twice, overlapping rotated files, two sniffers on one link): tracked once',
  'dup.repeated-in-capture':
    'a copy of a packet the same capture already had, earlier in the file (captures appended one after another with cat or mergecap -a: the same one twice, rotated files that overlap): tracked once',
} as const;

export type SkipReason = keyof typeof SKIP_REASONS;

export const ANOMALIES = {
  // -- cut by the snapshot length inside a header (status 'malformed')
  'truncated.link': 'the frame ends inside its link-layer header (null/loopback, SLL, PPP, …)',
  'truncated.ethernet': 'the frame ends inside its Ethernet header',
  'truncated.vlan': 'the frame ends inside an 802.1Q/802.1ad tag or VN-Tag',
  'truncated.mpls': 'the frame ends inside the MPLS label stack',
  'truncated.pppoe': 'the frame ends inside the PPPoE / PPP header',
  'truncated.pflog': "the frame ends inside pf's log header (pflog)",
  'truncated.nflog': "the frame ends inside the NFLOG header or one of its TLVs before the packet's",
  'truncated.pktap': 'the frame ends inside the PKTAP header',
  'truncated.radio': "the frame ends inside the capturing radio's header (radiotap, PPI, Prism, AVS)",
  'truncated.wlan': 'the frame ends inside its 802.11 header or the LLC/SNAP header after it',
  'truncated.ipv4': 'the frame ends inside the IPv4 header (options included)',
  'truncated.ipv4_ah': 'the frame ends inside an IPv4 Authentication Header (IPsec AH)',
  'truncated.ipv6': 'the frame ends inside the fixed IPv6 header',
  'truncated.ipv6_ext': 'the frame ends inside an IPv6 extension header',
  'truncated.tcp': 'the frame ends inside the fixed 20 bytes of the TCP header',
  'truncated.udp': 'the frame ends inside the UDP header',
  'truncated.icmp': 'the frame ends inside the 8-byte ICMP / ICMPv6 header',
  'truncated.gre': 'the frame ends inside the GRE header (its checksum, key and sequence fields included)',
  'truncated.erspan': 'the frame ends inside the ERSPAN type II / III header',
  'truncated.vxlan': 'the frame ends inside the 8-byte VXLAN header',
  'truncated.geneve': 'the frame ends inside the Geneve header (its options included)',
  'truncated.gtp': 'the frame ends inside the GTPv1-U header (its optional fields and extension headers included)',

  // -- headers that contradict themselves (status 'malformed')
  'link.empty': 'a record with no captured bytes',
  'pflog.bad_header_length': "a pflog header whose length byte is below 45, shorter than any pf's header",
  'nflog.bad_version': 'an NFLOG header of a version other than 0',
  'nflog.bad_tlv_length': 'an NFLOG TLV whose length is below its own 4-byte header',
  'pktap.bad_header_length': 'a PKTAP header whose length is below the 108 bytes of its fields',
  'radio.bad_header_length': 'a radio header (radiotap, PPI, Prism, AVS) whose length is shorter than its own fields',
  'ipv4.packet_too_short': 'the whole frame on the wire ends before a 20-byte IPv4 header (not a snapshot cut)',
  'ipv4.bad_version': 'an IPv4 ethertype / family whose header does not say version 4',
  'ipv4.bad_header_length': 'IPv4 IHL below 5 (a header shorter than 20 bytes)',
  'ipv4.total_length_too_small': 'IPv4 total length smaller than the header length',
  'ipv4.total_length_exceeds': 'IPv4 total length larger than the frame on the wire',
  'ipv4.ah_exceeds': 'an IPv4 Authentication Header (IPsec AH) runs past the end of the IPv4 packet',
  'ipv6.packet_too_short': 'the whole frame on the wire ends before the 40-byte IPv6 header (not a snapshot cut)',
  'ipv6.bad_version': 'an IPv6 ethertype / family whose header does not say version 6',
  'ipv6.payload_length_exceeds': 'IPv6 payload length larger than the frame on the wire',
  'ipv6.ext_header_exceeds': 'an IPv6 extension header runs past the end of the IPv6 payload',
  'ipv6.too_many_ext_headers': 'more IPv6 extension headers than any real packet carries (loop guard)',
  'ip.unknown_version': 'a raw-IP frame whose version nibble is neither 4 nor 6',
  'tcp.bad_data_offset': 'TCP data offset below 5, or a header longer than the IP payload',
  'tcp.header_exceeds_ip': 'the IP payload is shorter than a 20-byte TCP header',
  'udp.bad_length': 'UDP length field below 8',
  'udp.header_exceeds_ip': 'the IP payload is shorter than an 8-byte UDP header',
  'icmp.header_exceeds_ip': 'the IP payload is shorter than an 8-byte ICMP / ICMPv6 header',
  'gre.header_exceeds_ip': 'the IP payload is shorter than the GRE header its flags announce',
  'erspan.header_exceeds_gre': 'the GRE payload is shorter than the ERSPAN header (8 bytes for type II, 12 or 20 for type III)',
  'erspan.bad_version': 'an ERSPAN header whose version field is not the one its GRE protocol type says (1 for type II, 2 for type III)',
  'vxlan.header_exceeds_udp': 'a UDP datagram to the VXLAN port shorter than the 8-byte VXLAN header',
  'vxlan.no_vni_flag': 'a VXLAN header without its I flag (RFC 7348 §5: the VNI is then not valid, the frame is not opened)',
  'geneve.header_exceeds_udp': 'a UDP datagram to the Geneve port shorter than the Geneve header and its options',
  'geneve.bad_version': 'a Geneve header of a version other than 0',
  'gtp.header_exceeds_udp': 'a UDP datagram to the GTP-U port shorter than the GTPv1 header, its optional fields and extension headers',
  'gtp.bad_version': 'a GTP-U header that is not GTPv1 (version 1, protocol type 1)',
  'gtp.bad_extension_length': 'a GTPv1 extension header of length 0',
  'gtp.inner_not_ip': 'a GTP-U G-PDU whose payload is neither IPv4 nor IPv6',

  // -- worked around; the packet is still 'decoded' with this code in `reason`
  'tcp.bad_option_length': 'a TCP option whose length is below 2, runs past the header, or does not fit its kind',
  'tcp.options_cut_by_snaplen':
    'the snapshot length ends the frame inside the TCP options; the fixed header is kept (ports, flags, sequence numbers), the options are read as far as they were captured',
  'tcp.header_split_by_fragment':
    'a first IP fragment ends inside the TCP options (RFC 1858 tiny fragment); the fixed header is kept, payloadLength is 0',
  'udp.length_exceeds_ip': 'UDP length larger than the IP payload (the IP payload length is used)',
  'ipv4.zero_total_length': 'IPv4 total length 0 (segmentation offload on the capturing host); the frame length is used',
  'ipv6.zero_payload_length': 'IPv6 payload length 0 without a jumbo option; the frame length is used',

  // -- about the record rather than a header: counted beside the packet's status and reason
  'time.out_of_range':
    "a time stamp before 1970 or from 2200 on (a damaged high word, if_tsoffset or if_tsresol): the packet is decoded and counted, but kept out of connections and the capture's time span",
} as const;

export type AnomalyCode = keyof typeof ANOMALIES;

/** What `Packet.reason` holds: a skip reason, an anomaly code, or '' for a clean decode. */
export type PacketReason = SkipReason | AnomalyCode | '';

/** One-line description of a skip reason or anomaly code; the code itself when unknown. */
export function describeReason(code: string): string {
  const skip = (SKIP_REASONS as Record<string, string>)[code];
  if (skip !== undefined) return skip;
  const anomaly = (ANOMALIES as Record<string, string>)[code];
  return anomaly ?? code;
}
