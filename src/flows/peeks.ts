/**
 * Application facts from the first payload of each side — the HTTP request, the TLS server name,
 * DNS questions and answers, a QUIC client's Initial packets — the service Zeek would confirm
 * from them, and the times of the originator's requests. Decode's peeks read the bytes; this
 * keeps what a connection needs.
 */

import { parseDns } from '../decode/dns.js';
import { peekHttpRequest, peekHttpResponse } from '../decode/http.js';
import { payloadView, type Packet } from '../decode/packet.js';
import { peekQuicLongHeader, QuicInitialReader, quicLongHeaderVersion, quicVersionName } from '../decode/quic.js';
import { guessService } from '../decode/service.js';
import { httpRequestKey } from './request-keys.js';
import { peekTlsClientHello } from '../decode/tls.js';
import type { QuicPeek } from './connection.js';
import { Flow, KIND_TCP, KIND_UDP } from './flow.js';

/** requestTimes entries kept per connection. */
export const REQUEST_TIMES_CAP = 10_000;
/** UDP: an originator datagram after this much silence from the originator starts a burst (a request time). */
export const UDP_BURST_SILENCE = 1;
/** DNS answers kept per connection. */
const MAX_DNS_ANSWERS = 64;
/**
 * Query names kept per connection. A client that keeps one socket (a tunnel, a stub resolver
 * reusing its port) asks every query in one flow; the first names show what it asks, the count
 * says how much.
 */
export const DNS_NAMES_KEPT = 1_000;

/**
 * QUIC: client datagrams read for Initial packets (a ClientHello fills one or two, a lost one is
 * sent again), and server datagrams looked at for the answer (its first is an Initial, a Retry
 * or a Version Negotiation).
 */
const QUIC_CLIENT_PEEKS = 4;
const QUIC_SERVER_PEEKS = 4;

/** Protocols whose server speaks first: its banner names the service. */
const SERVER_FIRST = new Set(['smtp', 'ftp', 'pop3', 'irc']);

/** A packet with payload on `flow` (UDP: any datagram): the first-payload peeks, and request times. */
export function notePayload(flow: Flow, p: Packet, fromOrig: boolean): void {
  const e = fromOrig ? flow.orig : flow.resp;
  e.sawPayload = true;
  if (fromOrig) {
    if (flow.kind !== KIND_UDP && flow.awaitingRequest) {
      flow.awaitingRequest = false;
      if (addRequestTime(flow, p.ts)) startRequestKey(flow, p);
      else flow.requestSeq = -1;
    } else if (flow.requestSeq >= 0) {
      sizeRequest(flow, p);
    }
    if (!flow.origPeeked && p.payloadEnd > p.payloadStart) {
      flow.origPeeked = true;
      if (flow.kind === KIND_TCP) peekFirst(flow, payloadView(p), true);
    }
  } else {
    flow.awaitingRequest = true;
    if (!flow.respPeeked && p.payloadEnd > p.payloadStart) {
      flow.respPeeked = true;
      if (flow.kind === KIND_TCP) peekFirst(flow, payloadView(p), false);
    }
  }
  if (flow.kind === KIND_UDP) {
    if (flow.respP === 53 || flow.origP === 53 || flow.respP === 5353 || flow.respP === 5355 || flow.respP === 137) {
      peekDns(flow, p.payloadBuffer, p.payloadStart, p.payloadEnd, fromOrig, false);
    } else if (p.payloadEnd > p.payloadStart) {
      if (fromOrig) peekQuicClient(flow, p.payloadBuffer, p.payloadStart, p.payloadEnd);
      else peekQuicServer(flow, p.payloadBuffer, p.payloadStart, p.payloadEnd);
    }
  }
}

/**
 * A UDP originator's datagram at `ts`, `previous` the time of its last one before (-1 none): a
 * datagram after UDP_BURST_SILENCE of silence from the originator starts a burst, and the burst
 * starts are the flow's request times (a beacon inside one long-lived flow, such as a QUIC
 * connection, shows as periodic bursts). No answer is needed: a DNS retry is a burst too.
 */
export function noteUdpBurst(flow: Flow, ts: number, previous: number): void {
  if (previous >= 0 && ts - previous < UDP_BURST_SILENCE) return;
  addRequestTime(flow, ts);
}

/** One more request time, up to REQUEST_TIMES_CAP (whether it was kept); the list starts with room for one, not seventeen. */
function addRequestTime(flow: Flow, ts: number): boolean {
  if (flow.requestTimes === null) flow.requestTimes = [ts];
  else if (flow.requestTimes.length < REQUEST_TIMES_CAP) flow.requestTimes.push(ts);
  else return false;
  return true;
}

/**
 * The key of a TCP request whose time was just kept, from its first segment (request-keys.ts):
 * an HTTP request line's method and path, else its size so far — grown by sizeRequest as the
 * rest of it arrives, by sequence numbers, so a segment sent again is not counted twice.
 */
function startRequestKey(flow: Flow, p: Packet): void {
  const http = httpRequestKey(p.payloadBuffer, p.payloadStart, p.payloadEnd);
  const key = http ?? p.payloadLength;
  if (flow.requestKeys === null) flow.requestKeys = [key];
  else flow.requestKeys.push(key);
  flow.requestSeq = http === null ? flow.orig.relSeq(p.seq) : -1;
}

/** A further segment of the request being sized: its key is the bytes from the request's start to the segment's end, at most. */
function sizeRequest(flow: Flow, p: Packet): void {
  const keys = flow.requestKeys!;
  const size = flow.orig.relSeq(p.seq) + p.payloadLength - flow.requestSeq;
  if (size > keys[keys.length - 1]!) keys[keys.length - 1] = size;
}

/**
 * A datagram from a UDP originator: a QUIC client opens with a long-header Initial (RFC 9000
 * §17.2.2), so a flow whose first datagram is not one is never looked at again; only the first
 * few datagrams of a QUIC client are decrypted.
 */
function peekQuicClient(flow: Flow, b: Uint8Array, start: number, end: number): void {
  if (flow.quicClientPeeks < 0 || flow.quicClientPeeks >= QUIC_CLIENT_PEEKS) return;
  if (quicLongHeaderVersion(b, start, end) <= 0) {
    if (flow.quicClientPeeks === 0) flow.quicClientPeeks = -1;
    return;
  }
  flow.quicClientPeeks++;
  let reader = flow.quicReader;
  if (reader === null) {
    if (flow.quic !== null) return; // the ClientHello was read
    reader = flow.quicReader = new QuicInitialReader();
    flow.quic = reader.initial;
  }
  reader.read(b, start, end);
  if (reader.initial.helloComplete || flow.quicClientPeeks >= QUIC_CLIENT_PEEKS) flow.quicReader = null;
  if (reader.initial.sni !== null) flow.sni = reader.initial.sni;
}

/** A datagram from the responder of a QUIC client: a long-header packet to the client's connection ID answers it. */
function peekQuicServer(flow: Flow, b: Uint8Array, start: number, end: number): void {
  const quic = flow.quic;
  if (quic === null || flow.quicAnswered || flow.quicServerPeeks >= QUIC_SERVER_PEEKS) return;
  flow.quicServerPeeks++;
  if (quicLongHeaderVersion(b, start, end) < 0) return;
  const header = peekQuicLongHeader(b, start, end);
  if (header !== null && header.dcid === quic.scid) flow.quicAnswered = true;
}

/** The QUIC facts of a connection: when its client's Initials decrypted or a QUIC server answered. */
export function quicPeek(f: Flow): QuicPeek | null {
  const quic = f.quic;
  if (quic === null || !(quic.decrypted || f.quicAnswered)) return null;
  return { version: quicVersionName(quic.version), alpn: quic.alpn };
}

/** The first payload of one side of a TCP connection. */
function peekFirst(flow: Flow, payload: Uint8Array, fromOrig: boolean): void {
  const guess = guessService(payload, fromOrig);
  if (fromOrig) {
    flow.origGuess = guess;
    if (guess === 'http') {
      const http = peekHttpRequest(payload);
      if (http !== null) {
        flow.http = http;
        flow.origGuess = 'http';
      }
    }
    if (guess === 'ssl') {
      const hello = peekTlsClientHello(payload);
      if (hello !== null) flow.sni = hello.sni;
    }
  } else {
    flow.respGuess = guess;
    // The answer to the request peeked: its status (a proxy's 407 to a CONNECT is all a client of
    // a proxy that wants credentials it cannot give ever gets).
    if (flow.http !== null && flow.http.status === undefined) {
      const response = peekHttpResponse(payload);
      if (response !== null) flow.http = { ...flow.http, status: response.status };
    }
  }
  if (flow.respP === 53 || flow.origP === 53) peekDns(flow, payload, 0, payload.length, fromOrig, true);
}

/** A DNS message in `b[start, end)`. */
function peekDns(flow: Flow, b: Uint8Array, start: number, end: number, fromOrig: boolean, overTcp: boolean): void {
  const dns = parseDns(b, overTcp, start, end);
  if (dns === null) return;
  flow.service = 'dns';
  if (flow.dnsQuery === null && dns.query !== null) flow.dnsQuery = dns.query;
  if (fromOrig && !dns.response && dns.query !== null) {
    flow.dnsQueries++;
    if (flow.dnsNames === null) flow.dnsNames = [dns.query];
    else if (flow.dnsNames.length < DNS_NAMES_KEPT) flow.dnsNames.push(dns.query);
  }
  if (dns.response && !fromOrig) {
    if (flow.dnsAnswers === null) flow.dnsAnswers = [];
    for (const a of dns.answers) if (flow.dnsAnswers.length < MAX_DNS_ANSWERS) flow.dnsAnswers.push(a);
  }
}

/**
 * The service, as Zeek would confirm it: a DNS message parsed, a server banner, or a request
 * whose answer speaks the same protocol. A request alone (no answer, or an answer in another
 * protocol) names no service.
 */
export function serviceOf(f: Flow): string | null {
  if (f.service !== null) return f.service;
  // Zeek's QUIC analyzer confirms the protocol on the responder's first parsed packet.
  if (f.quicAnswered) return 'quic';
  // Zeek's application analyzers do not run on a connection picked up mid-stream.
  if (f.kind === KIND_TCP && f.isPartial) return null;
  const o = f.origGuess;
  const r = f.respGuess;
  if (r !== null && SERVER_FIRST.has(r)) return r;
  if (o !== null && o === r) return o;
  // HTTP: a request not contradicted by the answer, or a response to an unrecognised request.
  if (o === 'http' && r === null) return 'http';
  if (r === 'http' && o === null) return 'http';
  return null;
}
