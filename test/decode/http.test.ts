import { describe, expect, it } from 'vitest';
import { peekHttpRequest, peekHttpResponse, payloadView } from '../../src/decode/index.js';
import { decode } from './support.js';

/** wikipedia.pcap #6 and http__connect-with-header.pcap #5 / #7 (BSD null link). */
const WIKIPEDIA_GET =
  '00137fbe8cff00247ee01db508004500020334d94000400631c48d8edc76d05098028b32005051ffd352b8fe3a8d801800364d5300000101080a001be7ac757ac4c2474554202f20485454502f312e310d0a486f73743a207777772e77696b6970656469612e6f72670d0a557365722d4167656e743a204d6f7a696c6c612f352e3020285831313b20553b204c696e7578207838365f36343b20656e2d55533b2072763a312e392e322e313529204765636b6f2f3230313130333033205562756e74752f31302e303420286c75636964292046697265666f782f332e362e31350d0a4163636570743a20746578742f68746d6c2c6170706c69636174696f6e2f7868746d6c2b786d6c2c6170706c69636174696f6e2f786d6c3b713d302e392c2a2f2a3b713d302e380d0a4163636570742d4c616e67756167653a20656e2d75732c656e3b713d302e350d0a4163636570742d456e636f64696e673a20677a69702c6465666c6174650d0a4163636570742d436861727365743a2049534f2d383835392d312c7574662d383b713d302e372c2a3b713d302e370d0a4b6565702d416c6976653a203131350d0a436f6e6e656374696f6e3a206b6565702d616c6976650d0a49662d4d6f6469666965642d53696e63653a2053756e2c2036204d617220323031312032323a34353a353120474d540d0a43616368652d436f6e74726f6c3a206d61782d6167653d300d0a0d0a';
const CONNECT =
  '1e0000006000d08d00fd06400000000000000000000000000000000100000000000000000000000000000001cd2a00504ec852bea6365081801831c7010500000101080a49b8868549b88685434f4e4e454354207365637572652e6e65776567672e636f6d3a34343320485454502f312e310d0a557365722d4167656e743a204d6f7a696c6c612f352e3020284d6163696e746f73683b20496e74656c204d6163204f5320582031302e31303b2072763a34312e3029204765636b6f2f32303130303130312046697265666f782f34312e300d0a50726f78792d436f6e6e656374696f6e3a206b6565702d616c6976650d0a436f6e6e656374696f6e3a206b6565702d616c6976650d0a486f73743a207365637572652e6e65776567672e636f6d3a3434330d0a0d0a';
const CONNECT_REPLY =
  '1e000000600ba79a006a064000000000000000000000000000000001000000000000000000000000000000010050cd2aa63650814ec8539b801831c0007200000101080a49b886fc49b88685485454502f312e302032303020436f6e6e656374696f6e2045737461626c69736865640d0a50726f78792d6167656e743a204170616368652f322e342e31362028556e6978290d0a0d0a';

const text = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'latin1'));

describe('HTTP request peek', () => {
  it('reads an origin-form request (wikipedia.pcap #6)', () => {
    expect(peekHttpRequest(payloadView(decode(WIKIPEDIA_GET)))).toEqual({
      method: 'GET',
      target: '/',
      host: 'www.wikipedia.org',
      userAgent: 'Mozilla/5.0 (X11; U; Linux x86_64; en-US; rv:1.9.2.15) Gecko/20110303 Ubuntu/10.04 (lucid) Firefox/3.6.15',
      proxyForm: null,
      viaHeaders: [],
    });
  });

  it('reads a CONNECT to a proxy (http__connect-with-header.pcap #5)', () => {
    const peek = peekHttpRequest(payloadView(decode(CONNECT, 0)));
    expect(peek).toMatchObject({ method: 'CONNECT', target: 'secure.newegg.com:443', host: 'secure.newegg.com:443', proxyForm: 'connect' });
    expect(peek?.userAgent).toMatch(/^Mozilla\/5\.0 \(Macintosh/);
  });

  it.each([
    ['GET http://example.com/update.cab HTTP/1.1\r\nHost: example.com\r\n\r\n', 'absolute', 'http://example.com/update.cab'],
    ['HEAD HTTP://EXAMPLE.COM/ HTTP/1.0\r\n\r\n', 'absolute', 'HTTP://EXAMPLE.COM/'],
    ['POST /beacon HTTP/1.1\r\nHost: 10.11.54.37:8888\r\n\r\n', null, '/beacon'],
    ['CONNECT update.example:443 HTTP/1.1\r\n\r\n', 'connect', 'update.example:443'],
  ])('%j → proxy form %s', (request, form, target) => {
    expect(peekHttpRequest(text(request))).toMatchObject({ proxyForm: form, target });
  });

  it('collects Via and X-Forwarded-For values, case-insensitively', () => {
    const peek = peekHttpRequest(
      text(
        'GET / HTTP/1.1\r\nhost: a.example\r\nVIA: 1.1 squid (squid/5.7)\r\nX-Forwarded-For: 10.0.0.5, 10.0.0.6\r\nx-forwarded-for:10.0.0.7\r\n\r\nVia: in the body\r\n',
      ),
    );
    expect(peek?.host).toBe('a.example');
    expect(peek?.viaHeaders).toEqual(['1.1 squid (squid/5.7)', '10.0.0.5, 10.0.0.6', '10.0.0.7']);
  });

  it('keeps hostile header text as data (control characters, markup)', () => {
    const peek = peekHttpRequest(
      text('GET /<svg/onload=alert(1)> HTTP/1.1\r\nHost: <script>alert(1)</script>\x1b[31m\r\nUser-Agent: =HYPERLINK("x")\x00\x07\r\n\r\n'),
    );
    expect(peek?.target).toBe('/<svg/onload=alert(1)>');
    expect(peek?.host).toBe('<script>alert(1)</script>\x1b[31m');
    expect(peek?.userAgent).toBe('=HYPERLINK("x")\x00\x07');
  });

  it('reads UTF-8 header text, short or long, and marks invalid bytes with U+FFFD', () => {
    const bytes = (...parts: (string | number[])[]): Uint8Array =>
      Uint8Array.from(parts.flatMap((part) => (typeof part === 'string' ? [...Buffer.from(part, 'utf8')] : part)));
    const longAgent = `Mozilla/5.0 (X11; Linux x86_64) Приложение/${'9'.repeat(40)}`;
    const peek = peekHttpRequest(bytes('GET /caf\u00e9 HTTP/1.1\r\nHost: b\u00fccher.example\r\nUser-Agent: ', longAgent, '\r\n\r\n'));
    expect(peek?.target).toBe('/caf\u00e9');
    expect(peek?.host).toBe('b\u00fccher.example');
    expect(peek?.userAgent).toBe(longAgent);
    const broken = peekHttpRequest(
      bytes('GET / HTTP/1.1\r\nHost: x\r\nUser-Agent: short', [0xff], '\r\nVia: a-long-proxy-name-over-sixteen', [0xc3], '\r\n\r\n'),
    );
    expect(broken?.userAgent).toBe('short\ufffd');
    expect(broken?.viaHeaders).toEqual(['a-long-proxy-name-over-sixteen\ufffd']);
  });

  it('caps header values and the request target at 2 KiB', () => {
    const peek = peekHttpRequest(text(`GET /${'a'.repeat(5000)} HTTP/1.1\r\nHost: ${'h'.repeat(5000)}\r\n\r\n`));
    expect(peek?.target.length).toBe(2048);
    expect(peek?.host).toBe('h'.repeat(2048));
  });

  it('peeks a request line cut by the end of the segment', () => {
    expect(peekHttpRequest(text('GET /very/long/pa'))).toMatchObject({ method: 'GET', target: '/very/long/pa', host: null });
  });

  it.each([
    ['TLS', '\x16\x03\x01\x00\xda\x01'],
    ['lower-case method', 'get / HTTP/1.1\r\n\r\n'],
    ['no target', 'GET \r\n'],
    ['not HTTP after the target', 'GET / FOO/1.1\r\n\r\n'],
    ['SSH banner', 'SSH-2.0-OpenSSH_8.9\r\n'],
    ['empty', ''],
  ])('is null for %s', (_name, payload) => {
    expect(peekHttpRequest(text(payload))).toBeNull();
  });

  it('never throws on any prefix of a request', () => {
    const payload = payloadView(decode(WIKIPEDIA_GET));
    for (let n = 0; n <= payload.length; n++) {
      const peek = peekHttpRequest(payload.subarray(0, n));
      if (n >= 5) expect(peek?.method).toBe('GET');
      if (n < 5) expect(peek).toBeNull();
    }
  });
});

describe('HTTP response peek', () => {
  it('reads the status of a proxy reply (http__connect-with-header.pcap #7)', () => {
    expect(peekHttpResponse(payloadView(decode(CONNECT_REPLY, 0)))).toEqual({ status: 200, via: [] });
  });

  it('collects Via headers of a response', () => {
    expect(peekHttpResponse(text('HTTP/1.1 403 Forbidden\r\nVia: 1.1 proxy.example\r\nServer: x\r\n\r\n'))).toEqual({
      status: 403,
      via: ['1.1 proxy.example'],
    });
  });

  it.each(['HTTP/1.1 20', 'HTTP/1.1 2x0 OK', 'GET / HTTP/1.1', 'HTTP/1.1_200'])('is null for %j', (payload) => {
    expect(peekHttpResponse(text(payload))).toBeNull();
  });
});
