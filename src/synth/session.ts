/**
 * A TCP conversation between a client and a server that keeps sequence and acknowledgement
 * numbers right (RFC 9293 §3.4), for tests and the case-study generator. Each call appends one
 * or more frames at the given time; `frames()` returns them in call order.
 */

import { Rng, type TimedFrame } from './capture.js';
import { bytesOf, tcpFrame, type ChecksumMode, type TcpSpec } from './frame.js';

/** A host's IPv4 identification counter (Windows XP: one counter for all connections). */
export class IpIdCounter {
  constructor(
    private value: number,
    private readonly step = 1,
  ) {}

  next(): number {
    const v = this.value & 0xffff;
    this.value = (this.value + this.step) & 0xffff;
    return v;
  }
}

export type Side = 'client' | 'server';

export interface TcpSessionOptions {
  client: string;
  server: string;
  sport: number;
  dport: number;
  clientIsn?: number;
  serverIsn?: number;
  /** Default 128 (Windows). */
  clientTtl?: number;
  /** Default 64 (Linux). */
  serverTtl?: number;
  rng?: Rng;
  clientIpId?: IpIdCounter;
  serverIpId?: IpIdCounter;
  clientWindow?: number;
  serverWindow?: number;
  clientMss?: number;
  serverMss?: number;
  clientMac?: string;
  serverMac?: string;
  vlan?: number;
  /** Checksum mode of the client's segments ('offload' when capturing on the client itself). */
  clientChecksum?: ChecksumMode;
  serverChecksum?: ChecksumMode;
  /** Largest payload per segment when `send` splits; default the peer's MSS. */
  segmentSize?: number;
}

interface Endpoint {
  addr: string;
  port: number;
  isn: number;
  /** Next sequence number to send. */
  nxt: number;
  /** Whether this side has sent its SYN. */
  synSent: boolean;
  ttl: number;
  ipId: IpIdCounter;
  window: number;
  mss: number;
  mac: string | undefined;
  checksum: ChecksumMode | undefined;
}

export class TcpSession {
  private readonly out: TimedFrame[] = [];
  private readonly c: Endpoint;
  private readonly s: Endpoint;
  private readonly vlan: number | undefined;
  private readonly segmentSize: number | undefined;

  constructor(o: TcpSessionOptions) {
    const rng = o.rng ?? new Rng(o.sport * 65536 + o.dport);
    const cIsn = (o.clientIsn ?? rng.u32()) >>> 0;
    const sIsn = (o.serverIsn ?? rng.u32()) >>> 0;
    this.c = {
      addr: o.client,
      port: o.sport,
      isn: cIsn,
      nxt: cIsn,
      synSent: false,
      ttl: o.clientTtl ?? 128,
      ipId: o.clientIpId ?? new IpIdCounter(rng.int(0, 0xffff)),
      window: o.clientWindow ?? 65535,
      mss: o.clientMss ?? 1460,
      mac: o.clientMac,
      checksum: o.clientChecksum,
    };
    this.s = {
      addr: o.server,
      port: o.dport,
      isn: sIsn,
      nxt: sIsn,
      synSent: false,
      ttl: o.serverTtl ?? 64,
      ipId: o.serverIpId ?? new IpIdCounter(rng.int(0, 0xffff)),
      window: o.serverWindow ?? 5840,
      mss: o.serverMss ?? 1460,
      mac: o.serverMac,
      checksum: o.serverChecksum,
    };
    this.vlan = o.vlan;
    this.segmentSize = o.segmentSize;
  }

  get clientIsn(): number {
    return this.c.isn;
  }

  get serverIsn(): number {
    return this.s.isn;
  }

  /** The client's SYN; calling it again retransmits the same SYN (same sequence number). */
  syn(t: number): this {
    this.c.synSent = true;
    this.c.nxt = (this.c.isn + 1) >>> 0;
    this.push(t, this.c, this.s, {
      seq: this.c.isn,
      flags: 'S',
      mss: this.c.mss,
      sackPermitted: true,
    });
    return this;
  }

  /** The server's SYN+ACK. */
  synAck(t: number): this {
    this.s.synSent = true;
    this.s.nxt = (this.s.isn + 1) >>> 0;
    this.push(t, this.s, this.c, {
      seq: this.s.isn,
      ack: this.c.nxt,
      flags: 'SA',
      mss: this.s.mss,
      sackPermitted: true,
    });
    return this;
  }

  /** A pure ACK (by default the client's, completing the handshake). */
  ack(t: number, from: Side = 'client'): this {
    const [a, b] = this.sides(from);
    this.push(t, a, b, { seq: a.nxt, ack: b.nxt, flags: 'A' });
    return this;
  }

  /** Data from one side, split into segments of at most the peer's MSS, the last one pushed. */
  send(t: number, from: Side, payload: Uint8Array | string): this {
    const [a, b] = this.sides(from);
    const data = bytesOf(payload);
    const size = this.segmentSize ?? b.mss;
    for (let off = 0; off < data.length; off += size) {
      const chunk = data.subarray(off, Math.min(data.length, off + size));
      const last = off + size >= data.length;
      this.push(t, a, b, { seq: a.nxt, ack: b.nxt, flags: last ? 'PA' : 'A', payload: chunk });
      a.nxt = (a.nxt + chunk.length) >>> 0;
    }
    return this;
  }

  /** FIN+ACK from one side. */
  fin(t: number, from: Side): this {
    const [a, b] = this.sides(from);
    this.push(t, a, b, { seq: a.nxt, ack: b.nxt, flags: 'FA' });
    a.nxt = (a.nxt + 1) >>> 0;
    return this;
  }

  /**
   * A reset from one side. With `ack` (the default when the other side has sent anything) it is
   * RST+ACK; a reset answering a bare SYN carries sequence 0 and acknowledges the SYN
   * (RFC 9293 §3.5.2). `ttl`/`ipId` let a firewall forge it "on behalf of" the server.
   */
  rst(t: number, from: Side, o: { ttl?: number; ipId?: number; ack?: boolean; srcMac?: string } = {}): this {
    const [a, b] = this.sides(from);
    const withAck = o.ack ?? true;
    const seq = a.synSent || from === 'client' ? a.nxt : 0;
    this.push(t, a, b, { seq, ack: withAck ? b.nxt : 0, flags: withAck ? 'RA' : 'R', window: 0 }, o.ttl, o.ipId, o.srcMac);
    return this;
  }

  /**
   * A whole exchange from `t`: the handshake (`rtt` its round trip), the client's `request` and,
   * `reply` seconds after `t`, the server's `response`; then, `close` seconds after `t`, the
   * client's FIN, the server's one round trip later, and the last ACK.
   */
  exchange(t: number, request: Uint8Array | string, response: Uint8Array | string, o: { rtt: number; reply: number; close: number }): this {
    const step = 0.0001;
    return this.syn(t)
      .synAck(t + o.rtt)
      .ack(t + o.rtt + step)
      .send(t + o.rtt + 2 * step, 'client', request)
      .send(t + o.reply, 'server', response)
      .fin(t + o.close, 'client')
      .fin(t + o.close + o.rtt, 'server')
      .ack(t + o.close + o.rtt + step);
  }

  frames(): TimedFrame[] {
    return this.out.slice();
  }

  private sides(from: Side): [Endpoint, Endpoint] {
    return from === 'client' ? [this.c, this.s] : [this.s, this.c];
  }

  private push(
    t: number,
    a: Endpoint,
    b: Endpoint,
    seg: Pick<TcpSpec, 'seq' | 'ack' | 'flags' | 'mss' | 'sackPermitted' | 'payload' | 'window'>,
    ttl?: number,
    ipId?: number,
    srcMac?: string,
  ): void {
    const frame = tcpFrame({
      src: a.addr,
      dst: b.addr,
      sport: a.port,
      dport: b.port,
      ttl: ttl ?? a.ttl,
      ipId: ipId ?? a.ipId.next(),
      window: a.window,
      badChecksum: a.checksum,
      vlan: this.vlan,
      srcMac: srcMac ?? a.mac,
      dstMac: b.mac,
      ...seg,
    });
    this.out.push({ ts: t, frame });
  }
}
