/**
 * pfSense / OPNsense `filterlog` lines (Netgate, "Raw Filter Log Format"): after the syslog
 * header and the tag "filterlog[pid]:", comma-separated values —
 *   rule, sub-rule, anchor, tracker, interface, reason, action (pass|block|reject), direction, IP version,
 *   IPv4: TOS, ECN, TTL, ID, offset, flags, protocol id, protocol text;
 *   IPv6: class, flow label, hop limit, protocol text, protocol id;
 *   then length, source, destination, and for TCP/UDP: source port, destination port, data length,
 *   TCP only: flags (S, SA, FPA …), sequence, ack, window, urg, options.
 */
import { otherSyslogLine, parseSyslogHeader } from './syslog.js';
import type { FirewallEvent, FirewallFormatModule, LineParser, LogClockLike } from './types.js';
import { historyLetters, icmpPorts, portOf, transportOf, shareRead } from './types.js';

/** filterlog's words for an echo request and its reply, as their ICMP and ICMPv6 types. */
const FILTERLOG_ICMP: ReadonlyMap<string, readonly [number, number]> = new Map([
  ['request', [8, 128]],
  ['reply', [0, 129]],
]);

/** Positions of the common fields. */
const ACTION = 6;
const IP_VERSION = 8;
/** Where source, destination and the protocol fields start, by IP version (after length). */
const V4 = { protoText: 16, src: 18 } as const;
const V6 = { protoText: 12, src: 15 } as const;

const TAG = /filterlog(?:\[\d+\])?: ?/;
/** The tag at the start of a message: "filterlog[41298]: " (BSD) or "filterlog: " (RFC 5424, as syslog.ts gives it). */
const MESSAGE_TAG = /^filterlog(?:\[\d+\])?: ?/;

function parser(clock: LogClockLike): LineParser {
  return {
    parse(line: string, lineNumber: number): FirewallEvent | 'skip' | 'bad' | null {
      // Other daemons' messages (unbound, dhcpd …) when the firewall sends everything to syslog.
      if (!TAG.test(line) && !line.includes(' filterlog ')) return otherSyslogLine(line);
      const header = parseSyslogHeader(line, clock);
      if (header === null) return null;
      const m = MESSAGE_TAG.exec(header.message);
      if (m === null) return 'skip';
      const f = header.message.slice(m[0].length).trimEnd().split(',');
      const version = f[IP_VERSION];
      const at = version === '4' ? V4 : version === '6' ? V6 : null;
      if (at === null) return 'bad';
      const actionWord = f[ACTION];
      if (actionWord !== 'pass' && actionWord !== 'block' && actionWord !== 'reject') return 'bad';
      const proto = transportOf(f[at.protoText] ?? '');
      // Other protocols (CARP, ESP, GRE, IGMP …) are logged too: no connection to make of them.
      if (proto === null) return 'skip';
      const src = f[at.src];
      const dst = f[at.src + 1];
      if (src === undefined || dst === undefined || src === '' || dst === '') return 'bad';
      const event: FirewallEvent = {
        ts: header.ts,
        action: actionWord === 'pass' ? 'allow' : 'deny',
        proto,
        src,
        sport: -1,
        dst,
        dport: -1,
        line: lineNumber,
      };
      if (proto !== 'icmp') {
        event.sport = portOf(f[at.src + 2] ?? '');
        event.dport = portOf(f[at.src + 3] ?? '');
        if (event.sport < 0 || event.dport < 0) return 'bad';
      } else {
        // The ICMP message in words after the addresses: "request" (echo), "reply", "unreach" …
        const type = FILTERLOG_ICMP.get(f[at.src + 2] ?? '');
        if (type !== undefined) {
          const ports = icmpPorts(type[version === '6' ? 1 : 0], 0, version === '6');
          event.sport = ports.sport;
          event.dport = ports.dport;
        }
      }
      if (proto === 'tcp') event.tcpFlags = historyLetters(f[at.src + 5] ?? '');
      if (header.host !== undefined) event.device = header.host;
      return event;
    },
    notes: () => [],
  };
}

export const filterlog: FirewallFormatModule = {
  format: 'filterlog',
  description: 'pfSense / OPNsense filterlog',
  sniff: (lines: readonly string[]): number => shareRead(parser, lines),
  parser,
};
