/**
 * Application facts from the first payload of each side — the HTTP request, the TLS server name,
 * DNS questions and answers — the service Zeek would confirm from them, and the times of the
 * originator's requests. Decode's peeks read the bytes; this keeps what a connection needs.
 */

import { parseDns } from '../decode/dns.js';
import { peekHttpRequest } from '../decode/http.js';
import { payloadView, type Packet } from '../decode/packet.js';
import { guessService } from '../decode/service.js';
import { peekTlsClientHello } from '../decode/tls.js';
import { Flow, KIND_TCP, KIND_UDP } from './flow.js';

/** requestTimes entries kept per connection. */
export const REQUEST_TIMES_CAP = 10_000;
/** DNS answers kept per connection. */
const MAX_DNS_ANSWERS = 64;

/** Protocols whose server speaks first: its banner names the service. */
const SERVER_FIRST = new Set(['smtp', 'ftp', 'pop3', 'irc']);

/** A packet with payload on `flow` (UDP: any datagram): the first-payload peeks, and request times. */
export function notePayload(flow: Flow, p: Packet, fromOrig: boolean): void {
  const e = fromOrig ? flow.orig : flow.resp;
  e.sawPayload = true;
  if (fromOrig) {
    if (flow.awaitingRequest) {
      flow.awaitingRequest = false;
      if (flow.requestTimes === null) flow.requestTimes = [p.ts]; // room for one, not seventeen
      else if (flow.requestTimes.length < REQUEST_TIMES_CAP) flow.requestTimes.push(p.ts);
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
  if (flow.kind === KIND_UDP && (flow.respP === 53 || flow.origP === 53 || flow.respP === 5353 || flow.respP === 5355 || flow.respP === 137)) {
    peekDns(flow, p.payloadBuffer, p.payloadStart, p.payloadEnd, fromOrig, false);
  }
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
  }
  if (flow.respP === 53 || flow.origP === 53) peekDns(flow, payload, 0, payload.length, fromOrig, true);
}

/** A DNS message in `b[start, end)`. */
function peekDns(flow: Flow, b: Uint8Array, start: number, end: number, fromOrig: boolean, overTcp: boolean): void {
  const dns = parseDns(b, overTcp, start, end);
  if (dns === null) return;
  flow.service = 'dns';
  if (flow.dnsQuery === null && dns.query !== null) flow.dnsQuery = dns.query;
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
