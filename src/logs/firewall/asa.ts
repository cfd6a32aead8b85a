/**
 * Cisco ASA / Firepower Threat Defense syslog messages about denied and permitted packets
 * (Cisco "Syslog Messages" guide, 101001–199021):
 *   106001 Inbound TCP connection denied from A/port to B/port flags F on interface I
 *   106006 Deny inbound UDP from A/port to B/port on interface I
 *   106014 Deny inbound icmp src I:A dst I:B (type T, code C)
 *   106015 Deny TCP (no connection) from A/port to B/port flags F on interface I
 *   106023 Deny protocol src I:A/port dst I:B/port [(user, sg)] [type T, code C] by access-group "acl" [h, h]
 *   106100 access-list acl {permitted|denied|est-allowed} protocol I/A(port) -> I/B(port) hit-cnt N …
 * The device's other messages (connections built and torn down, …) are skipped, not unmatched.
 */
import { parseSyslogHeader } from './syslog.js';
import type { FirewallAction, FirewallEvent, FirewallFormatModule, LineParser, LogClockLike } from './types.js';
import { historyLetters, portOf, transportOf, shareRead } from './types.js';
import type { Transport } from '../../flows/connection.js';

/** "%ASA-4-106023: ", "%FTD-6-106100: ", "%PIX-2-106001: " → the message id and where its text starts. */
const MESSAGE_ID = /%(?:ASA|FTD|PIX|FWSM)-(?:session-)?\d-(\d{6}): ?/;

interface Packet {
  action: FirewallAction;
  proto: Transport;
  src: string;
  sport: number;
  dst: string;
  dport: number;
  flags?: string;
}

/** "inside:192.168.0.13/2499" or "outside:2001:db8::1/443" (interface names hold no colon) → address and port. */
function interfaceAddress(token: string | undefined): { address: string; port: number } | null {
  if (token === undefined) return null;
  const colon = token.indexOf(':');
  return addressPort(colon >= 0 ? token.slice(colon + 1) : token);
}

/** "192.168.0.13/2499" → address and port; an address alone has port -1. */
function addressPort(token: string | undefined): { address: string; port: number } | null {
  if (token === undefined || token === '') return null;
  const slash = token.indexOf('/');
  if (slash < 0) return { address: token, port: -1 };
  const port = portOf(token.slice(slash + 1));
  return port < 0 ? null : { address: token.slice(0, slash), port };
}

/** "inside/192.168.0.13(2499)" (106100) → address and port. */
function slashParenAddress(token: string | undefined): { address: string; port: number } | null {
  if (token === undefined) return null;
  const slash = token.indexOf('/');
  const open = token.lastIndexOf('(');
  if (slash < 0 || open < slash) return null;
  const port = portOf(token.slice(open + 1));
  return port < 0 ? null : { address: token.slice(slash + 1, open), port };
}

/** The TCP flags of "… flags SYN ACK on interface …". */
function flagsOf(words: readonly string[]): string | undefined {
  const at = words.indexOf('flags');
  if (at < 0) return undefined;
  const flags: string[] = [];
  for (let i = at + 1; i < words.length && words[i] !== 'on'; i++) if (words[i] !== '') flags.push(words[i]!);
  return historyLetters(flags);
}

/** "from A/p to B/p" → the two endpoints. */
function fromTo(words: readonly string[]): { src: { address: string; port: number }; dst: { address: string; port: number } } | null {
  const from = words.indexOf('from');
  const to = words.indexOf('to', from + 1);
  if (from < 0 || to < 0) return null;
  const src = addressPort(words[from + 1]);
  const dst = addressPort(words[to + 1]);
  return src === null || dst === null ? null : { src, dst };
}

/** The packet a message of the 106xxx family describes, null for other messages or when it does not read. */
function packetOf(id: string, text: string): Packet | null {
  const words = text.split(' ');
  switch (id) {
    case '106001':
    case '106006':
    case '106015': {
      const ends = fromTo(words);
      if (ends === null) return null;
      const proto = id === '106006' ? 'udp' : 'tcp';
      const packet: Packet = {
        action: 'deny',
        proto,
        src: ends.src.address,
        sport: ends.src.port,
        dst: ends.dst.address,
        dport: ends.dst.port,
      };
      const flags = flagsOf(words);
      if (flags !== undefined) packet.flags = flags;
      return packet;
    }
    case '106014':
    case '106023': {
      if (words[0] !== 'Deny') return null;
      // "Deny tcp src …", "Deny inbound icmp src …", "Deny protocol 50 src …".
      const srcAt = words.indexOf('src');
      const dstAt = words.indexOf('dst', srcAt + 1);
      if (srcAt < 2 || dstAt < 0) return null;
      const proto = transportOf(words[srcAt - 1]!);
      if (proto === null) return null;
      const src = interfaceAddress(words[srcAt + 1]);
      const dst = interfaceAddress(words[dstAt + 1]);
      if (src === null || dst === null) return null;
      return {
        action: 'deny',
        proto,
        src: src.address,
        sport: proto === 'icmp' ? -1 : src.port,
        dst: dst.address,
        dport: proto === 'icmp' ? -1 : dst.port,
      };
    }
    case '106100': {
      // access-list NAME ACTION PROTOCOL IF/A(p) -> IF/B(p) hit-cnt …
      if (words[0] !== 'access-list') return null;
      const verb = words[2];
      const action: FirewallAction | null = verb === 'denied' ? 'deny' : verb === 'permitted' || verb === 'est-allowed' ? 'allow' : null;
      const proto = transportOf(words[3] ?? '');
      const arrow = words.indexOf('->');
      if (action === null || proto === null || arrow < 0) return null;
      const src = slashParenAddress(words[4]);
      const dst = slashParenAddress(words[arrow + 1]);
      if (src === null || dst === null) return null;
      return {
        action,
        proto,
        src: src.address,
        sport: proto === 'icmp' ? -1 : src.port,
        dst: dst.address,
        dport: proto === 'icmp' ? -1 : dst.port,
      };
    }
    default:
      return null;
  }
}

const READ_IDS = new Set(['106001', '106006', '106014', '106015', '106023', '106100']);

function parser(clock: LogClockLike): LineParser {
  return {
    parse(line: string, lineNumber: number): FirewallEvent | 'skip' | 'bad' | null {
      const m = MESSAGE_ID.exec(line);
      if (m === null) return null;
      const header = parseSyslogHeader(line.slice(0, m.index), clock);
      if (header === null) return null;
      // The device's other messages (302013 built, 305011 translation, …) say nothing about a denied packet.
      if (!READ_IDS.has(m[1]!)) return 'skip';
      const packet = packetOf(m[1]!, line.slice(m.index + m[0].length).trimEnd());
      if (packet === null) return 'bad';
      const event: FirewallEvent = {
        ts: header.ts,
        action: packet.action,
        proto: packet.proto,
        src: packet.src,
        sport: packet.sport,
        dst: packet.dst,
        dport: packet.dport,
        line: lineNumber,
      };
      if (packet.flags !== undefined) event.tcpFlags = packet.flags;
      if (header.host !== undefined) event.device = header.host;
      return event;
    },
    notes: () => [],
  };
}

export const ciscoAsa: FirewallFormatModule = {
  format: 'cisco-asa',
  description: 'Cisco ASA / FTD syslog',
  sniff: (lines: readonly string[]): number => shareRead(parser, lines),
  parser,
};
