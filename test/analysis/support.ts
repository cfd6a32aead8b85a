/** Connection records built by hand for unit tests of the analysis. */
import type { Connection, HttpRequestPeek, ResetEvidence } from '../../src/flows/connection.js';
import { DEFAULT_INTERNAL, DEFAULT_WEB_PORTS, type AnalyzeOptions } from '../../src/analysis/index.js';

let counter = 0;

export function connection(fields: Partial<Connection> & Pick<Connection, 'origH' | 'respH' | 'respP'>): Connection {
  counter++;
  const ts = fields.ts ?? 1_000;
  return {
    uid: `C${counter}`,
    proto: 'tcp',
    ts,
    lastTs: ts,
    origP: 40_000 + (counter % 20_000),
    service: null,
    duration: null,
    origBytes: 0,
    respBytes: 0,
    connState: 'S0',
    localOrig: null,
    localResp: null,
    missedBytes: 0,
    history: 'S',
    origPkts: 1,
    origIpBytes: 60,
    respPkts: 0,
    respIpBytes: 0,
    capture: 0,
    synCount: 1,
    origTtl: 128,
    respTtl: -1,
    handshakeRtt: null,
    established: false,
    resets: [],
    http: null,
    sni: null,
    quic: null,
    dnsQuery: null,
    dnsNames: [],
    dnsQueries: 0,
    dnsAnswers: [],
    requestTimes: [],
    ...fields,
  };
}

export function rst(fields: Partial<ResetEvidence> = {}): ResetEvidence {
  return {
    kind: 'rst',
    origin: 'packet',
    ts: 0,
    fromOriginator: false,
    ttl: 255,
    ipId: 0,
    sender: '',
    delay: 0.0003,
    stage: 'syn',
    seq: 0,
    ack: 1,
    ackZero: false,
    senderKeptSending: false,
    peerTtls: [],
    peerIpIds: [],
    icmpType: 0,
    icmpCode: 0,
    ...fields,
  };
}

/** A SYN answered by a reset (Zeek REJ). */
export function refused(
  origH: string,
  respH: string,
  respP: number,
  ts: number,
  reset: Partial<ResetEvidence>,
  origP?: number,
): Connection {
  const r = rst({ ts: ts + (reset.delay ?? 0.0003), sender: respH, ...reset });
  return connection({
    origH,
    respH,
    respP,
    ts,
    lastTs: r.ts,
    ...(origP !== undefined ? { origP } : {}),
    connState: 'REJ',
    history: 'Sr',
    respPkts: 1,
    respTtl: r.ttl,
    resets: [r],
  });
}

/** A completed web session (Zeek SF). */
export function session(origH: string, respH: string, respP: number, ts: number, extra: Partial<Connection> = {}): Connection {
  return connection({
    origH,
    respH,
    respP,
    ts,
    lastTs: ts + 1,
    duration: 1,
    connState: 'SF',
    history: 'ShADadFf',
    origPkts: 6,
    respPkts: 6,
    origBytes: 400,
    respBytes: 5_000,
    respTtl: 52,
    handshakeRtt: 0.03,
    established: true,
    ...extra,
  });
}

/** A SYN never answered, retransmitted (Zeek S0). */
export function dropped(origH: string, respH: string, respP: number, ts: number, origP?: number): Connection {
  return connection({ origH, respH, respP, ts, lastTs: ts + 9, synCount: 3, origPkts: 3, ...(origP !== undefined ? { origP } : {}) });
}

export function http(fields: Partial<HttpRequestPeek>): HttpRequestPeek {
  return { method: 'GET', target: '/', host: null, userAgent: null, proxyForm: null, viaHeaders: [], ...fields };
}

export function options(extra: Partial<AnalyzeOptions> = {}): AnalyzeOptions {
  return { internal: DEFAULT_INTERNAL, proxies: [], orgs: [], webPorts: DEFAULT_WEB_PORTS, ...extra };
}

/** Deterministic pseudo-random numbers (tests must not depend on Math.random). */
export function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * The case study's update agent: bursts of `burstSize` attempts 1 s apart every `period` s,
 * source ports rising by one, each attempt to one of `addresses` and reset by the firewall.
 */
export function updateAgent(
  host: string,
  opts: {
    start?: number;
    bursts: number;
    burstSize: number;
    period: number;
    addresses: string[];
    firstPort?: number;
    resetTtl?: number;
    resetDelay?: number;
    port?: number;
    jitter?: number;
    seed?: number;
  },
): Connection[] {
  const rnd = random(opts.seed ?? 7);
  const out: Connection[] = [];
  let port = opts.firstPort ?? 2_480;
  let ipId = 1_000;
  for (let b = 0; b < opts.bursts; b++) {
    const burstStart = (opts.start ?? 1_000) + b * opts.period + (rnd() - 0.5) * (opts.jitter ?? 0.5);
    for (let i = 0; i < opts.burstSize; i++) {
      const ts = burstStart + i * (0.9 + rnd() * 0.2);
      const respH = opts.addresses[Math.floor(rnd() * opts.addresses.length)]!;
      out.push(
        refused(host, respH, opts.port ?? 80, ts, { ttl: opts.resetTtl ?? 255, delay: opts.resetDelay ?? 0.0003, ipId: ipId++ }, port),
      );
      port += 1 + (rnd() < 0.1 ? 1 : 0);
    }
  }
  return out;
}

export function block(prefix: string, count: number, first = 72): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}.${first + i}`);
}
