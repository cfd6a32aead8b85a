/**
 * A capture's packets as the lines the tests compare with tshark's decode of them: addresses, TTL
 * or hop limit, ports, TCP flags, raw sequence and acknowledgement numbers, payload length, and
 * what a packet logger said the firewall did (decode/packet.ts LOG_*), by record number.
 */
import { expect } from 'vitest';
import { readCapture } from '../../src/capture/index.js';
import { decodePacket, newPacket, packetDestination, packetSource } from '../../src/decode/index.js';

/** Each packet of `file` (every one must decode) as its comparison line, by record number. */
export async function packetLines(file: string): Promise<Map<number, string>> {
  const lines = new Map<number, string>();
  const p = newPacket();
  await readCapture(file, (record) => {
    decodePacket(record, p);
    expect(p.status).toBe('decoded');
    lines.set(
      record.index,
      [packetSource(p), packetDestination(p), p.ttl, p.sport, p.dport, p.tcpFlags, p.seq, p.ack, p.payloadLength, p.logAction].join(' '),
    );
  });
  return lines;
}
