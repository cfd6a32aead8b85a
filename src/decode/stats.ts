/** Per-run decode counts: every record lands in exactly one status. */

import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP, LOG_BLOCK, LOG_PASS, type Packet } from './packet.js';

export class DecodeStats {
  records = 0;
  /** Packets with status 'decoded', by network and transport protocol. */
  decoded = { ipv4: 0, ipv6: 0, tcp: 0, udp: 0, icmp: 0, other: 0 };
  /** Skip reasons (anomalies.ts SKIP_REASONS) → packets. */
  skipped: Record<string, number> = {};
  /** Anomaly codes → packets: every malformed packet, and decoded packets that carry a non-fatal anomaly. */
  anomalies: Record<string, number> = {};
  /** Link type → packets skipped as 'link.unsupported'. */
  unsupportedLinktypes: Record<number, number> = {};
  /** records === decoded + skipped + malformed. */
  statusCounts = { decoded: 0, skipped: 0, malformed: 0 };
  /** Decoded packets whose payload was cut by the snapshot length. */
  truncatedPayloads = 0;
  /** Decoded packets a packet logger (pflog, an NFLOG rule's prefix) says the firewall blocked, and let through. */
  logged = { blocked: 0, passed: 0 };

  add(p: Packet): void {
    this.records++;
    if (p.timeOutOfRange) this.anomalies['time.out_of_range'] = (this.anomalies['time.out_of_range'] ?? 0) + 1;
    if (p.status === 'skipped') {
      this.statusCounts.skipped++;
      this.skipped[p.reason] = (this.skipped[p.reason] ?? 0) + 1;
      if (p.reason === 'link.unsupported') this.unsupportedLinktypes[p.linktype] = (this.unsupportedLinktypes[p.linktype] ?? 0) + 1;
      return;
    }
    if (p.status === 'malformed') {
      this.statusCounts.malformed++;
      this.anomalies[p.reason] = (this.anomalies[p.reason] ?? 0) + 1;
      return;
    }
    this.statusCounts.decoded++;
    if (p.reason !== '') this.anomalies[p.reason] = (this.anomalies[p.reason] ?? 0) + 1;
    if (p.truncated) this.truncatedPayloads++;
    if (p.logAction === LOG_BLOCK) this.logged.blocked++;
    else if (p.logAction === LOG_PASS) this.logged.passed++;
    const d = this.decoded;
    if (p.ipVersion === 4) d.ipv4++;
    else if (p.ipVersion === 6) d.ipv6++;
    if (p.proto === IPPROTO_TCP) d.tcp++;
    else if (p.proto === IPPROTO_UDP) d.udp++;
    else if ((p.proto === IPPROTO_ICMP && p.ipVersion === 4) || (p.proto === IPPROTO_ICMPV6 && p.ipVersion === 6)) d.icmp++;
    else d.other++;
  }

  /** Fold another run's counts into this one (several files, one summary). */
  merge(other: DecodeStats): void {
    this.records += other.records;
    for (const key of Object.keys(this.decoded) as (keyof DecodeStats['decoded'])[]) this.decoded[key] += other.decoded[key];
    for (const key of Object.keys(this.statusCounts) as (keyof DecodeStats['statusCounts'])[])
      this.statusCounts[key] += other.statusCounts[key];
    for (const [k, v] of Object.entries(other.skipped)) this.skipped[k] = (this.skipped[k] ?? 0) + v;
    for (const [k, v] of Object.entries(other.anomalies)) this.anomalies[k] = (this.anomalies[k] ?? 0) + v;
    for (const [k, v] of Object.entries(other.unsupportedLinktypes)) {
      const n = Number(k);
      this.unsupportedLinktypes[n] = (this.unsupportedLinktypes[n] ?? 0) + v;
    }
    this.truncatedPayloads += other.truncatedPayloads;
    this.logged.blocked += other.logged.blocked;
    this.logged.passed += other.logged.passed;
  }
}
