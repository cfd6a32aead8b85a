import { describe, expect, it } from 'vitest';
import { parseClientHello, peekTlsClientHello, payloadView } from '../../src/decode/index.js';
import { decode } from './support.js';

/** http__connect-with-header.pcap #9: a ClientHello for secure.newegg.com inside a CONNECT tunnel (BSD null link). */
const CLIENT_HELLO =
  '1e0000006000d08d00ff06400000000000000000000000000000000100000000000000000000000000000001cd2a00504ec8539ba63650cb801831c5010700000101080a49b886fc49b886fc16030100da010000d60303a43f932faf9f14443fa4652e5a396d5d86c3a3c5589b74e07ffe288cc67b00cd2041b61a5ca7c5409b77315c4ca08006d740ea0335c6db933c43275ed00b196f000016c02bc02fc00ac009c013c01400330039002f0035000a010000770000001600140000117365637572652e6e65776567672e636f6dff01000100000a00080006001700180019000b00020100002300003374000000100017001502683208737064792f332e3108687474702f312e31000500050100000000000d001600140401050106010201040305030603020304020202';

const u16 = (n: number): number[] => [n >> 8, n & 0xff];
const u24 = (n: number): number[] => [n >> 16, (n >> 8) & 0xff, n & 0xff];

/** A TLS 1.2 ClientHello record with the given extensions (type, data). */
function clientHello(extensions: [number, number[]][]): Uint8Array {
  const ext = extensions.flatMap(([type, data]) => [...u16(type), ...u16(data.length), ...data]);
  const body = [3, 3, ...new Array<number>(32).fill(7), 0, ...u16(2), 0x13, 0x01, 1, 0, ...u16(ext.length), ...ext];
  const handshake = [1, ...u24(body.length), ...body];
  return Uint8Array.from([22, 3, 1, ...u16(handshake.length), ...handshake]);
}

function sniExtension(name: string): [number, number[]] {
  const bytes = Array.from(Buffer.from(name, 'latin1'));
  const entry = [0, ...u16(bytes.length), ...bytes];
  return [0, [...u16(entry.length), ...entry]];
}

describe('TLS ClientHello peek', () => {
  it('reads the server name of a real ClientHello', () => {
    expect(peekTlsClientHello(payloadView(decode(CLIENT_HELLO, 0)))).toEqual({ sni: 'secure.newegg.com' });
  });

  it('finds server_name after other extensions', () => {
    const hello = clientHello([[0x0a, [0, 2, 0, 0x17]], [0xff01, [0]], sniExtension('update.example.net')]);
    expect(peekTlsClientHello(hello)).toEqual({ sni: 'update.example.net' });
  });

  it('says a ClientHello without server_name has no SNI', () => {
    expect(peekTlsClientHello(clientHello([[0x0a, [0, 2, 0, 0x17]]]))).toEqual({ sni: null });
    expect(peekTlsClientHello(clientHello([]))).toEqual({ sni: null });
  });

  it('keeps a hostile server name as data', () => {
    expect(peekTlsClientHello(clientHello([sniExtension('<b>x</b>\x1b[2J')]))).toEqual({ sni: '<b>x</b>\x1b[2J' });
  });

  it('ignores a server_name entry that overruns its list', () => {
    const hello = clientHello([[0, [...u16(20), 0, ...u16(200), 0x61, 0x62]]]);
    expect(peekTlsClientHello(hello)).toEqual({ sni: null });
  });

  it('is null for what is not a ClientHello', () => {
    expect(peekTlsClientHello(Uint8Array.from(Buffer.from('GET / HTTP/1.1\r\n')))).toBeNull();
    expect(peekTlsClientHello(Uint8Array.from([22, 3, 3, 0, 10, 2, 0, 0, 6]))).toBeNull(); // ServerHello
    expect(peekTlsClientHello(new Uint8Array(0))).toBeNull();
  });

  it('handles every truncation of a real ClientHello: the name only when it is all there', () => {
    const payload = payloadView(decode(CLIENT_HELLO, 0));
    const nameEnd = payload.indexOf(0xff, 60); // the renegotiation_info extension follows the name
    for (let n = 0; n <= payload.length; n++) {
      const peek = peekTlsClientHello(payload.subarray(0, n));
      if (n < 6) expect(peek).toBeNull();
      else if (n < nameEnd) expect(peek).toEqual({ sni: null });
      else expect(peek).toEqual({ sni: 'secure.newegg.com' });
    }
  });
});

describe('ClientHello handshake message', () => {
  const record = (): Uint8Array => payloadView(decode(CLIENT_HELLO, 0));

  it('reads the server name and the ALPN protocols in the order offered', () => {
    const b = record();
    expect(parseClientHello(b, 5, b.length)).toEqual({ sni: 'secure.newegg.com', alpn: ['h2', 'spdy/3.1', 'http/1.1'] });
  });

  it('reads a bare handshake message, as QUIC carries it', () => {
    const message = record().subarray(5);
    expect(parseClientHello(message, 0, message.length)?.alpn).toEqual(['h2', 'spdy/3.1', 'http/1.1']);
  });

  it('keeps only the protocol names that lie whole inside the list', () => {
    const hello = clientHello([[16, [...u16(9), 2, 0x68, 0x33, 6, 0x68, 0x71]]]).subarray(5);
    expect(parseClientHello(hello, 0, hello.length)).toEqual({ sni: null, alpn: ['h3'] });
    const zero = clientHello([[16, [...u16(4), 0, 2, 0x68, 0x33]]]).subarray(5);
    expect(parseClientHello(zero, 0, zero.length)).toEqual({ sni: null, alpn: [] });
  });

  it('is null for another handshake message or an empty range', () => {
    const b = record();
    expect(parseClientHello(b, 0, b.length)).toBeNull();
    expect(parseClientHello(b, 5, 5)).toBeNull();
    expect(parseClientHello(b, 5, 6)).toEqual({ sni: null, alpn: [] });
  });
});
