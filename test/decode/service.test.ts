import { describe, expect, it } from 'vitest';
import { guessService, type ServiceGuess } from '../../src/decode/index.js';

const bytes = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'latin1'));
const DNS_QUERY = Uint8Array.from([
  0xab,
  0xcd,
  0x01,
  0x00,
  0,
  1,
  0,
  0,
  0,
  0,
  0,
  0,
  7,
  ...Buffer.from('example'),
  3,
  ...Buffer.from('com'),
  0,
  0,
  1,
  0,
  1,
]);

describe('service guess', () => {
  it.each<[string, Uint8Array, boolean, ServiceGuess]>([
    ['HTTP request', bytes('GET /index?q=1 HTTP/1.1\r\n'), true, 'http'],
    ['HTTP response', bytes('HTTP/1.1 200 OK\r\n'), false, 'http'],
    ['TLS ClientHello', Uint8Array.from([22, 3, 1, 0, 200, 1]), true, 'ssl'],
    ['TLS ServerHello', Uint8Array.from([22, 3, 3, 0, 80, 2]), false, 'ssl'],
    ['SSH client banner', bytes('SSH-2.0-OpenSSH_9.6\r\n'), true, 'ssh'],
    ['SSH server banner', bytes('SSH-2.0-dropbear\r\n'), false, 'ssh'],
    ['SMTP banner', bytes('220 mail.example ESMTP Postfix\r\n'), false, 'smtp'],
    ['SMTP EHLO', bytes('EHLO client.example\r\n'), true, 'smtp'],
    ['FTP banner', bytes('220 ProFTPD Server (Debian)\r\n'), false, 'ftp'],
    ['FTP USER', bytes('USER anonymous\r\n'), true, 'ftp'],
    ['POP3 banner', bytes('+OK POP3 server ready\r\n'), false, 'pop3'],
    ['IRC NICK', bytes('NICK callhome\r\nUSER a 0 * :x\r\n'), true, 'irc'],
    ['IRC server notice', bytes(':irc.example NOTICE * :*** Looking up your hostname\r\n'), false, 'irc'],
    ['DNS query', DNS_QUERY, true, 'dns'],
    ['a bare 220 greeting', bytes('220 ready\r\n'), false, null],
    ['binary noise', Uint8Array.from([0xde, 0xad, 0xbe, 0xef]), true, null],
    ['nothing', new Uint8Array(0), true, null],
  ])('%s → %s', (_name, payload, fromOriginator, expected) => {
    expect(guessService(payload, fromOriginator)).toBe(expected);
  });
});
