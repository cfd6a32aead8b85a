/**
 * Which ports a server is likely to listen on (Zeek's `likely_server_ports`, the union of the
 * ports its protocol scripts register), used to guess the originator of a connection whose
 * first packet is not a SYN, and ICMP's request/reply pairing (Zeek's ICMP4_counterpart /
 * ICMP6_counterpart).
 */

const TCP_SERVER_PORTS = [
  21, 22, 23, 25, 53, 80, 81, 88, 110, 111, 135, 139, 143, 389, 443, 445, 502, 563, 585, 587, 614, 631, 636, 989, 990, 992, 993, 994, 995,
  1080, 1194, 1812, 1813, 2049, 2123, 2152, 3128, 3306, 3389, 5060, 5222, 5269, 5432, 5672, 5900, 6379, 6666, 6667, 6668, 6669, 8000, 8080,
  8888, 9200, 11211, 20000, 27017,
];

const UDP_SERVER_PORTS = [
  53, 67, 68, 69, 88, 111, 123, 137, 161, 162, 443, 500, 514, 546, 547, 1194, 1812, 1813, 2049, 2123, 2152, 3544, 4500, 4789, 5060, 5353,
  5355, 6081, 20000, 47808,
];

/** The ports a server likely listens on, per transport (Zeek's `likely_server_ports`). */
export interface LikelyServerPorts {
  tcp: Iterable<number>;
  udp: Iterable<number>;
}

export const DEFAULT_LIKELY_SERVER_PORTS: LikelyServerPorts = { tcp: TCP_SERVER_PORTS, udp: UDP_SERVER_PORTS };

/** A port → likely-server lookup table. */
export function portTable(ports: Iterable<number>): Uint8Array {
  const t = new Uint8Array(65536);
  for (const p of ports) if (p >= 0 && p < 65536) t[p] = 1;
  return t;
}

/** Counterpart type, or -1 for a one-way message. */
export function icmp4Counterpart(type: number): number {
  switch (type) {
    case 8:
      return 0; // echo → echo reply
    case 0:
      return 8;
    case 13:
      return 14; // timestamp
    case 14:
      return 13;
    case 15:
      return 16; // information
    case 16:
      return 15;
    case 10:
      return 9; // router solicitation / advertisement
    case 9:
      return 10;
    case 17:
      return 18; // address mask
    case 18:
      return 17;
    default:
      return -1;
  }
}

export function icmp6Counterpart(type: number): number {
  switch (type) {
    case 128:
      return 129; // echo
    case 129:
      return 128;
    case 133:
      return 134; // router solicitation / advertisement
    case 134:
      return 133;
    case 135:
      return 136; // neighbour solicitation / advertisement
    case 136:
      return 135;
    case 130:
      return 131; // multicast listener query / report
    case 131:
      return 130;
    case 139:
      return 140; // node information
    case 140:
      return 139;
    case 144:
      return 145; // home agent address discovery
    case 145:
      return 144;
    default:
      return -1;
  }
}
