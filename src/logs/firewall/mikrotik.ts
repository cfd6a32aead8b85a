/**
 * MikroTik RouterOS firewall log lines, as a rule with `log=yes` (or `action=log`) writes them and
 * a syslog server stores them (MikroTik's manual, "Firewall filter", the `log` action: "in-interface,
 * out-interface, src-mac, protocol, src-ip:port->dst-ip:port and length of the packet"):
 *
 *   Mar  5 09:00:01 192.168.88.1 firewall,info DROP-OUT forward: in:bridge out:ether1,
 *     connection-state:new src-mac 64:d1:54:aa:bb:cc, proto TCP (SYN), 192.168.88.10:52341->198.51.100.9:443,
 *     NAT (192.168.88.10:52341->203.0.113.2:52341)->198.51.100.9:443, len 60
 *
 * The topics ("firewall,info"), then the rule's `log-prefix` (the administrator's words, as a
 * netfilter LOG prefix: they name the decision), the chain, the interfaces, and the packet. A
 * line whose prefix names no decision is a denial, as a netfilter line's is: a logging rule most
 * often stands before the drop rule it explains. Behind a NAT the first address pair is the
 * packet as the inside host sent it.
 */
import { count } from '../../quantities.js';
import { prefixAction } from '../../firewall-words.js';
import { otherSyslogLine, parseSyslogHeader } from './syslog.js';
import type { FirewallAction, FirewallEvent, FirewallFormatModule, LineParser, LogClockLike } from './types.js';
import { historyLetters, icmpPorts, isAddressText, shareRead, transportOf } from './types.js';

/**
 * What follows the chain's "in:": the interfaces, the optional state and MAC, the protocol and
 * its detail ("SYN", "SYN,ACK", "type 8, code 0"), then the endpoints. Anchored, each part ended
 * by a character the part before cannot hold: a line of any length is read in one pass.
 */
const PACKET = /^\S* out:[^,]*, (?:connection-(?:state|mark):\S+ )*(?:src-mac [0-9a-fA-F:]+, )?proto ([\w-]+)(?: \(([^)]*)\))?, /;

/** The topics RouterOS puts before a firewall message ("firewall,info"). */
const TOPICS = /^firewall(?:,[a-z]+)*(?: |$)/;

const isChainChar = (c: number): boolean =>
  (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || c === 0x2d;

/** The log prefix (the topics taken off), the protocol word, its detail and the endpoints' text; null when the message is none. */
function messageParts(message: string): { prefix: string; protoWord: string; detail: string | undefined; rest: string } | null {
  const inAt = message.indexOf(': in:');
  if (inAt <= 0) return null;
  let chain = inAt;
  while (chain > 0 && isChainChar(message.charCodeAt(chain - 1))) chain--;
  if (chain === inAt || (chain > 0 && message.charCodeAt(chain - 1) !== 0x20)) return null;
  let prefix = message.slice(0, chain).trim();
  const topics = TOPICS.exec(prefix);
  if (topics !== null) prefix = prefix.slice(topics[0].length);
  const after = message.slice(inAt + 5);
  const m = PACKET.exec(after);
  if (m === null) return null;
  return { prefix, protoWord: m[1]!, detail: m[2], rest: after.slice(m[0].length) };
}

/** "10.0.0.5:52341", "[2001:db8::5]:52341", or an address alone (ICMP): address and port (-1 none). */
function endpoint(text: string): { address: string; port: number } | null {
  let address = text;
  let port = -1;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) return null;
    address = text.slice(1, close);
    if (text.length > close + 1) {
      if (text[close + 1] !== ':') return null;
      port = Number(text.slice(close + 2));
    }
  } else {
    const colon = text.indexOf(':');
    if (colon >= 0) {
      // An IPv6 address without brackets and a port cannot be told apart: read only without one.
      if (text.indexOf(':', colon + 1) >= 0) return isAddressText(text) ? { address: text, port: -1 } : null;
      address = text.slice(0, colon);
      port = Number(text.slice(colon + 1));
    }
  }
  if (!isAddressText(address) || !Number.isInteger(port) || port < -1 || port > 65535) return null;
  return { address, port };
}

/** A line whose prefix names no decision (firewall-words.ts prefixAction) is a denial. */
const UNNAMED_PREFIX: FirewallAction = 'deny';

function parser(clock: LogClockLike): LineParser {
  let unnamed = 0;
  return {
    parse(line: string, lineNumber: number): FirewallEvent | 'skip' | 'bad' | null {
      if (line.indexOf(' in:') < 0 || line.indexOf(' proto ') < 0) return otherSyslogLine(line);
      const header = parseSyslogHeader(line, clock);
      if (header === null) return null;
      // A host-less line's topics ("firewall,info") are taken for its host by the header.
      const parts = messageParts(header.message);
      if (parts === null) return 'bad';
      const { prefix, protoWord, detail, rest } = parts;
      const proto = transportOf(protoWord);
      // Other protocols (GRE, ESP, IGMP …): no connection to make of them.
      if (proto === null) return 'skip';
      // "10.0.0.5:52341->198.51.100.9:443," (a NAT's pair after it is left).
      const comma = rest.indexOf(',');
      const pair = comma < 0 ? rest : rest.slice(0, comma);
      const arrow = pair.indexOf('->');
      if (arrow <= 0 || pair.includes(' ')) return 'bad';
      const src = endpoint(pair.slice(0, arrow));
      const dst = endpoint(pair.slice(arrow + 2));
      if (src === null || dst === null) return 'bad';
      let action = prefixAction(prefix, null);
      if (action === null) {
        action = prefixAction(prefix, UNNAMED_PREFIX);
        if (action === null) return 'skip';
        unnamed++;
      }
      const event: FirewallEvent = {
        ts: header.ts,
        action,
        proto,
        src: src.address,
        sport: src.port,
        dst: dst.address,
        dport: dst.port,
        line: lineNumber,
      };
      if (header.host !== undefined && !header.host.startsWith('firewall')) event.device = header.host;
      if (proto === 'icmp') {
        const icmp = /type (\d+), code (\d+)/.exec(detail ?? '');
        const ports = icmp !== null ? icmpPorts(Number(icmp[1]), Number(icmp[2]), dst.address.includes(':')) : { sport: -1, dport: -1 };
        event.sport = ports.sport;
        event.dport = ports.dport;
      } else if (src.port < 0 || dst.port < 0) return 'bad';
      if (proto === 'tcp') event.tcpFlags = historyLetters((detail ?? '').split(',').map((f) => f.trim()));
      return event;
    },
    notes(): string[] {
      return unnamed > 0
        ? [
            `${unnamed === 1 ? 'a line has' : `${count(unnamed)} lines have`} no log prefix that names a decision (drop, reject, accept…): ` +
              `taken as ${unnamed === 1 ? 'a denial' : 'denials'} (a logging rule most often comes before a drop rule)`,
          ]
        : [];
    },
  };
}

export const mikrotik: FirewallFormatModule = {
  format: 'mikrotik',
  description: 'MikroTik RouterOS firewall log',
  sniff: (lines: readonly string[]): number => shareRead(parser, lines),
  parser,
};
