/**
 * Ports a host found closed or silent, per address, before its packets are read one by one: a
 * scanner sends the ports of its list in whatever order, from whatever source port, and a probe
 * that alone could be something else — a bare segment to a port above its source port (as a
 * server's stray ACKs to its clients' ephemeral ports are), a datagram to a LAN service of the
 * address, answered or not — is the scan's once the host has found SCAN_PORTS ports of that
 * address closed beyond doubt (closedPort).
 */
import type { Connection } from '../flows/connection.js';

/**
 * Scan: this many ports on one address (tally.ts findScan), and the ports found closed that make
 * a host's other packets to the address probes of its scan.
 */
export const SCAN_PORTS = 20;

/** A bare segment's history (Zeek's letters): its originator's bare flags — ack, fin, reset, several at once — and the responder's reset. */
const BARE_HISTORY = /^[AFRQr]*$/;

/**
 * nmap's ACK, FIN, NULL, Xmas and window probes: one or two bare segments without a SYN, no
 * data, answered by a reset or nothing. A connection's stray packets (a server's late ACK or FIN
 * to a client gone away) look the same: which they are, the ports tell (outcomes.ts probeShaped).
 */
export function bareSegments(c: Connection): boolean {
  return c.proto === 'tcp' && c.synCount === 0 && c.origPkts <= 2 && c.origBytes === 0 && c.respBytes === 0 && BARE_HISTORY.test(c.history);
}

/**
 * A datagram an ICMP error refused, sent from a higher port to a lower one: a closed port tried —
 * not a service's answer to a client gone away, which goes from its own low port to the client's
 * high one (an SSDP reply from port 1900).
 */
export function refusedDatagram(c: Connection): boolean {
  return c.proto === 'udp' && c.respP < c.origP && c.resets.some((r) => r.kind === 'icmp');
}

/**
 * A port of its responder that a connection found closed or silent, beyond doubt: a SYN refused
 * or never answered, bare segments sent from a higher port to a lower one (the service's side), a
 * refused datagram (refusedDatagram).
 */
export function closedPort(c: Connection): boolean {
  if (c.proto === 'udp') return refusedDatagram(c);
  if (c.proto !== 'tcp') return false;
  return c.connState === 'REJ' || (c.connState === 'S0' && c.synCount > 0) || (bareSegments(c) && c.respP < c.origP);
}

/** Ports found closed (closedPort) per key — an address, or a host and an address —, each key's counted up to SCAN_PORTS. */
export class ScannedPorts {
  private readonly ports = new Map<string, Set<number> | true>();
  private scanned = 0;

  add(key: string, port: number): void {
    const ports = this.ports.get(key);
    if (ports === true) return;
    if (ports === undefined) this.ports.set(key, new Set([port]));
    else if (ports.add(port).size >= SCAN_PORTS) {
      this.ports.set(key, true);
      this.scanned++;
    }
  }

  /** SCAN_PORTS ports or more of the key found closed: its other probes are the scan's. */
  has(key: string): boolean {
    return this.ports.get(key) === true;
  }

  /** Any key scanned. */
  get any(): boolean {
    return this.scanned > 0;
  }
}
