/**
 * Palo Alto Networks PAN-OS traffic logs as the firewall sends them to syslog: comma-separated
 * values in the documented order of "Traffic Log Fields" (PAN-OS admin guide, syslog field
 * descriptions), no header —
 *
 *   Oct  4 18:54:26 pa-fw 1,2023/10/04 18:54:26,012501002341,TRAFFIC,drop,2561,2023/10/04 18:54:24,
 *     10.0.0.5,198.51.100.9,0.0.0.0,0.0.0.0,deny-web,,,not-applicable,vsys1,trust,untrust,ethernet1/2,,
 *     Log-Fwd,2023/10/04 18:54:24,0,1,40000,443,0,0,0x0,tcp,deny,60,60,0,1,2023/10/04 18:54:24,0,any,…
 *
 * FUTURE_USE, Receive Time, Serial Number, Type (TRAFFIC), Threat/Content Type (start, end, drop,
 * deny), FUTURE_USE, Generated Time, Source Address, Destination Address, NAT Source IP, NAT
 * Destination IP, Rule Name, … Session ID, Repeat Count, Source Port, Destination Port, NAT ports,
 * Flags, Protocol, Action, Bytes, Bytes Sent, Bytes Received, Packets, Start Time, … Times are the
 * firewall's local time (--tz). A session is timed by its start, so that the lines a session
 * logged as it started and as it ended fold into one attempt; THREAT and other logs carry none.
 */
import { actionOf } from '../../firewall-words.js';
import { otherSyslogLine } from './syslog.js';
import type { FirewallEvent, FirewallFormatModule, LineParser, LogClockLike } from './types.js';
import { icmpPorts, isAddressText, portOf, shareRead, transportOf } from './types.js';
import { splitCells } from './table.js';

/** Where the values start: FUTURE_USE (a number), the receive time, the serial number, the type. */
const START = /(?<=^|[\s>])\d{1,3},\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2},[^,]*,([A-Z]+),/;

/** Each value's place in a traffic log. */
const F = {
  type: 3,
  subtype: 4,
  generated: 6,
  src: 7,
  dst: 8,
  application: 14,
  sport: 24,
  dport: 25,
  proto: 29,
  action: 30,
  bytesReceived: 33,
  start: 35,
  packetsReceived: 45,
} as const;

/** "2023/10/04 18:54:24" in the firewall's time zone; null otherwise. */
function timeOf(text: string | undefined, clock: LogClockLike): number | null {
  const m = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text ?? '');
  if (m === null) return null;
  return clock.local(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}

function parser(clock: LogClockLike): LineParser {
  return {
    parse(line: string, lineNumber: number): FirewallEvent | 'skip' | 'bad' | null {
      const m = START.exec(line);
      if (m === null) return otherSyslogLine(line);
      // THREAT, SYSTEM, CONFIG … logs of the same firewall: no connection of their own.
      if (m[1] !== 'TRAFFIC') return 'skip';
      // Quoted values hold their commas ("allow web, office"), as a table's cells do.
      const v = splitCells(line.slice(m.index), ',').cells;
      if (v.length <= F.action) return 'bad';
      const src = v[F.src]!;
      const dst = v[F.dst]!;
      if (!isAddressText(src) || !isAddressText(dst)) return 'bad';
      const proto = transportOf(v[F.proto]!);
      if (proto === null) return 'skip';
      const action = actionOf(v[F.action]!, null);
      if (action === null) return 'bad';
      const ts = timeOf(v[F.start], clock) ?? timeOf(v[F.generated], clock);
      if (ts === null) return 'bad';
      const event: FirewallEvent = { ts, action, proto, src, sport: -1, dst, dport: -1, line: lineNumber };
      // PAN-OS gives an ICMP session no type; its application names a ping (an echo request).
      if (proto === 'icmp') {
        if (v[F.application] === 'ping') Object.assign(event, icmpPorts(8, 0, dst.includes(':')));
      } else {
        event.sport = portOf(v[F.sport]!);
        event.dport = portOf(v[F.dport]!);
        if (event.sport < 0 || event.dport < 0) return 'bad';
      }
      // A TCP session let through that ended having received nothing (aged out): nobody answered.
      if (proto === 'tcp' && action === 'allow' && v[F.subtype] === 'end' && v[F.bytesReceived] === '0' && v[F.packetsReceived] === '0')
        event.unanswered = true;
      return event;
    },
    notes: () => [],
  };
}

export const panos: FirewallFormatModule = {
  format: 'pan-os',
  description: 'Palo Alto Networks PAN-OS traffic log',
  sniff: (lines: readonly string[]): number => shareRead(parser, lines),
  parser,
};
