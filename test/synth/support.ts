import { readCaptureBytes, type CaptureFileInfo } from '../../src/capture/index.js';
import { decodePacket, formatIPv4, newPacket, payloadView } from '../../src/decode/index.js';
import { checksumsValid } from '../../src/synth/index.js';

/** One decoded IPv4 packet, copied out of the reused structures. */
export interface Row {
  index: number;
  ts: number;
  srcMac: string;
  src: string;
  dst: string;
  proto: number;
  ttl: number;
  ipId: number;
  sport: number;
  dport: number;
  flags: number;
  seq: number;
  ack: number;
  payload: string;
  /** What callhome's decoder says about the checksums (verifyChecksums). */
  checksumOk: boolean;
  /** What the builder's own verifier says. */
  ownChecksumOk: boolean;
}

/** Reads a capture with callhome's reader and decoder into plain rows (IPv4 only). */
export async function rows(name: string, bytes: Uint8Array): Promise<{ info: CaptureFileInfo; rows: Row[]; other: number }> {
  const out: Row[] = [];
  const p = newPacket();
  let other = 0;
  const info = await readCaptureBytes(name, bytes, (r) => {
    decodePacket(r, p, { verifyChecksums: true });
    if (p.ipVersion !== 4 || p.status !== 'decoded') {
      other++;
      return;
    }
    const d = r.data;
    out.push({
      index: r.index,
      ts: r.ts,
      srcMac: [...d.subarray(6, 12)].map((x) => x.toString(16).padStart(2, '0')).join(':'),
      src: formatIPv4(p.src4),
      dst: formatIPv4(p.dst4),
      proto: p.proto,
      ttl: p.ttl,
      ipId: p.ipId,
      sport: p.sport,
      dport: p.dport,
      flags: p.tcpFlags,
      seq: p.seq,
      ack: p.ack,
      payload: Buffer.from(payloadView(p)).toString('latin1'),
      checksumOk: p.ipChecksumOk && p.transportChecksumOk,
      ownChecksumOk: checksumsValid(d.slice()),
    });
  });
  return { info, rows: out, other };
}

export const SYN = 0x02;
export const RST = 0x04;
export const ACK = 0x10;
