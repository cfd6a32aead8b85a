/**
 * Cisco Meraki MX security appliance syslog ("Syslog Event Types and Log Samples", "Syslog Server
 * Overview and Configuration", Meraki documentation): the appliance's own epoch time, its name,
 * the event type, then the event's pairs —
 *
 *   <134>1 1772701201.123456789 MX84 flows src=10.0.0.5 dst=198.51.100.9 mac=00:18:0A:12:34:56 protocol=tcp sport=40000 dport=443 pattern: allow all
 *   Mar  5 09:00:01 192.0.2.1 1 1772701201.123456789 MX84 flows src=203.0.113.7 dst=192.0.2.1 protocol=udp sport=13943 dport=16329 pattern: 1 all
 *   1772701201.123456789 MX84 firewall src=10.0.0.5 dst=198.51.100.9 protocol=icmp type=8 pattern: deny all
 *
 * with or without a syslog server's header before it. A `flows` event names the rule the flow
 * matched after `pattern:`, its decision first: allow or deny, and for inbound rules 1 (deny) or
 * 0 (allow); some firmware writes the decision after the event's name instead (`flows deny
 * src=…`). From MX 18.101 the event is named by the rules that matched: `firewall`,
 * `vpn_firewall`, `cellular_firewall`, `bridge_anyconnect_client_vpn_firewall`. The appliance's
 * other events (`urls`, which decide nothing, `events`, `ids-alerts`, `security_event`,
 * `airmarshal_events`) are no attempts. The time is the appliance's, in UTC; a syslog server's
 * header before it is not read.
 */
import { icmpPorts, isAddressText, portOf, shareRead, transportOf } from './types.js';
import type { FirewallAction, FirewallEvent, FirewallFormatModule, LineParser } from './types.js';
import { otherSyslogLine } from './syslog.js';

/** The appliance's stamp, name and event type: after "<PRI>1 ", after a syslog server's header and "1 ", or at the line's start. */
const HEAD = /(?:^|\s|>1 )(\d{9,10})\.(\d{1,9}) (\S+) ([a-z][a-z_-]*[a-z])(?= |$)/;

/** Events that name a flow and the rule that decided it. */
const FLOW_EVENTS: ReadonlySet<string> = new Set([
  'flows',
  'firewall',
  'vpn_firewall',
  'cellular_firewall',
  'bridge_anyconnect_client_vpn_firewall',
]);

/** The appliance's other events: its own messages, no flow decided. */
const OTHER_EVENTS: ReadonlySet<string> = new Set([
  'urls',
  'events',
  'ids-alerts',
  'security_event',
  'airmarshal_events',
  'ip_flow_start',
  'ip_flow_end',
]);

const PAIR = /(?:^|\s)([a-z]+)=(\S*)/g;

/** The decision a rule's pattern begins with: allow or deny, and 0 or 1 for inbound rules. */
function patternAction(word: string): FirewallAction | null {
  switch (word) {
    case 'allow':
    case '0':
      return 'allow';
    case 'deny':
    case '1':
      return 'deny';
    default:
      return null;
  }
}

/** An ICMP flow's `type=` (8 an echo request); NaN where none is written. */
function icmpType(text: string | undefined): number {
  return text !== undefined && /^\d{1,3}$/.test(text) ? Number(text) : NaN;
}

function parser(): LineParser {
  return {
    parse(line: string, lineNumber: number): FirewallEvent | 'skip' | 'bad' | null {
      const head = HEAD.exec(line);
      if (head === null) return otherSyslogLine(line);
      const event = head[4]!;
      if (!FLOW_EVENTS.has(event)) return OTHER_EVENTS.has(event) ? 'skip' : otherSyslogLine(line);
      const rest = line.slice(head.index + head[0].length);
      const values: Record<string, string> = {};
      const pattern = rest.indexOf(' pattern: ');
      const pairs = pattern < 0 ? rest : rest.slice(0, pattern);
      PAIR.lastIndex = 0;
      for (let m = PAIR.exec(pairs); m !== null; m = PAIR.exec(pairs)) values[m[1]!] = m[2]!;
      const leading = /^ (allow|deny)(?= )/.exec(rest)?.[1];
      const action = patternAction(pattern >= 0 ? rest.slice(pattern + 10).split(' ')[0]! : (leading ?? ''));
      const { src, dst } = values;
      if (src === undefined || dst === undefined || action === null) return 'bad';
      if (!isAddressText(src) || !isAddressText(dst)) return 'bad';
      const proto = transportOf(values.protocol ?? '');
      if (proto === null) return values.protocol === undefined ? 'bad' : 'skip';
      const e: FirewallEvent = {
        ts: Number(head[1]) + Number(`0.${head[2]}`),
        action,
        proto,
        src,
        sport: -1,
        dst,
        dport: -1,
        device: head[3]!,
        line: lineNumber,
      };
      if (proto === 'icmp') Object.assign(e, icmpPorts(icmpType(values.type), 0, dst.includes(':')));
      else {
        e.sport = portOf(values.sport ?? '');
        e.dport = portOf(values.dport ?? '');
        if (e.sport < 0 || e.dport < 0) return 'bad';
      }
      return e;
    },
    notes: () => [],
  };
}

export const meraki: FirewallFormatModule = {
  format: 'meraki',
  description: 'Cisco Meraki MX flows and firewall events',
  sniff: (lines: readonly string[]): number => shareRead(parser, lines),
  parser,
};
