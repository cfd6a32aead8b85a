/**
 * TLS records with a well-formed framing (RFC 2246 / RFC 5246 §6.2) for synthetic HTTPS
 * tunnels: a ClientHello (optionally with server_name, RFC 6066 §3), a ServerHello flight, and
 * opaque application-data records. Contents past the handshake headers are random filler.
 */

import type { Rng } from './capture.js';

const CONTENT_CHANGE_CIPHER_SPEC = 20;
const CONTENT_HANDSHAKE = 22;
const CONTENT_APPLICATION_DATA = 23;
const HANDSHAKE_CLIENT_HELLO = 1;
const HANDSHAKE_SERVER_HELLO = 2;
const HANDSHAKE_CERTIFICATE = 11;
const HANDSHAKE_SERVER_HELLO_DONE = 14;
const HANDSHAKE_CLIENT_KEY_EXCHANGE = 16;
const TLS_1_0 = 0x0301;

function u16(n: number): number[] {
  return [(n >> 8) & 0xff, n & 0xff];
}

function u24(n: number): number[] {
  return [(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
}

function randomBytes(rng: Rng, n: number): number[] {
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = rng.int(0, 255);
  return out;
}

function record(type: number, body: number[]): number[] {
  return [type, ...u16(TLS_1_0), ...u16(body.length), ...body];
}

function handshake(type: number, body: number[]): number[] {
  return [type, ...u24(body.length), ...body];
}

/** A TLS 1.0 ClientHello record; `serverName` adds the SNI extension (Firefox 2 sends it, IE on XP does not). */
export function tlsClientHello(rng: Rng, serverName?: string): Uint8Array {
  const suites = [0x0039, 0x0038, 0x0035, 0x0016, 0x0013, 0x000a, 0x0033, 0x0032, 0x002f, 0x0005, 0x0004];
  const body: number[] = [...u16(TLS_1_0), ...randomBytes(rng, 32), 0];
  body.push(...u16(suites.length * 2));
  for (const s of suites) body.push(...u16(s));
  body.push(1, 0); // compression: null
  if (serverName !== undefined) {
    const name = [...new TextEncoder().encode(serverName)];
    const list = [0, ...u16(name.length), ...name];
    const ext = [...u16(0), ...u16(list.length + 2), ...u16(list.length), ...list];
    body.push(...u16(ext.length), ...ext);
  }
  return Uint8Array.from(record(CONTENT_HANDSHAKE, handshake(HANDSHAKE_CLIENT_HELLO, body)));
}

/**
 * A self-signed certificate (CN=server.invalid, RSA 1024) so that certificate parsers see valid
 * DER; it is not meant to name the tunnelled site.
 */
const SYNTHETIC_CERTIFICATE_DER =
  'MIICNTCCAZ6gAwIBAgIBATANBgkqhkiG9w0BAQsFADA2MRcwFQYDVQQDDA5zZXJ2ZXIuaW52YWxpZDEbMBkGA1UECgwSY2FsbGhvbWUgc3ludGhldGljMB4XDTI2MTEyNjA0MDQ0NFoXDTM2MTEyMzA0MDQ0NFowNjEXMBUGA1UEAwwOc2VydmVyLmludmFsaWQxGzAZBgNVBAoMEmNhbGxob21lIHN5bnRoZXRpYzCBnzANBgkqhkiG9w0BAQEFAAOBjQAwgYkCgYEAvz4Ewq3PGjTj+r7g7M1T01CoMisn8ZS9isqbhH2+QaFfdriDalDShzI+Vje24KJLf0fUu5qcRK6ju+9LhFUp/tFJbkSLvK52jhnTVzCTqTN2EHg+k9M2ja+XFeW+rUOMcLAO/MGnWaksLXu5368rsSAFoJEcqMuYOOoEItL/sR8CAwEAAaNTMFEwHQYDVR0OBBYEFDOBGnANQQqq7v8r0l+W+MvoGTOeMB8GA1UdIwQYMBaAFDOBGnANQQqq7v8r0l+W+MvoGTOeMA8GA1UdEwEB/wQFMAMBAf8wDQYJKoZIhvcNAQELBQADgYEApQP+kFitR0A9ZmNY5eW9t+UCqMROOM5c/9OsrfR2VpkU/XLVP/9SLvy2Mx2pTALZRlfEARtKBpshJ4PoFBNnGnZvRn+43agSrbbT8kCN0qgXfUJpL6iDQq+FSu38KVbRPJN4OMsVmmd8eaW1mmX0Qoq5+1vm0Uz65aNdZmmaelI=';

/** ServerHello + Certificate + ServerHelloDone, one record each. */
export function tlsServerHelloFlight(rng: Rng): Uint8Array {
  const hello = [...u16(TLS_1_0), ...randomBytes(rng, 32), 32, ...randomBytes(rng, 32), ...u16(0x0035), 0];
  const cert = [...Buffer.from(SYNTHETIC_CERTIFICATE_DER, 'base64')];
  const certs = [...u24(cert.length + 3), ...u24(cert.length), ...cert];
  return Uint8Array.from([
    ...record(CONTENT_HANDSHAKE, handshake(HANDSHAKE_SERVER_HELLO, hello)),
    ...record(CONTENT_HANDSHAKE, handshake(HANDSHAKE_CERTIFICATE, certs)),
    ...record(CONTENT_HANDSHAKE, handshake(HANDSHAKE_SERVER_HELLO_DONE, [])),
  ]);
}

/** ClientKeyExchange (RSA, 1024-bit), ChangeCipherSpec and an encrypted Finished. */
export function tlsClientFinishFlight(rng: Rng): Uint8Array {
  return Uint8Array.from([
    ...record(CONTENT_HANDSHAKE, handshake(HANDSHAKE_CLIENT_KEY_EXCHANGE, [...u16(128), ...randomBytes(rng, 128)])),
    ...record(CONTENT_CHANGE_CIPHER_SPEC, [1]),
    ...record(CONTENT_HANDSHAKE, randomBytes(rng, 32)),
  ]);
}

/** ChangeCipherSpec and an encrypted Finished from the server. */
export function tlsServerFinishFlight(rng: Rng): Uint8Array {
  return Uint8Array.from([...record(CONTENT_CHANGE_CIPHER_SPEC, [1]), ...record(CONTENT_HANDSHAKE, randomBytes(rng, 32))]);
}

/** One application-data record of `n` opaque bytes. */
export function tlsApplicationData(rng: Rng, n: number): Uint8Array {
  return Uint8Array.from(record(CONTENT_APPLICATION_DATA, randomBytes(rng, n)));
}
