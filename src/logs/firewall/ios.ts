/**
 * Cisco IOS and IOS XE access-list logging (an ACL entry with `log`), as a router writes it to its
 * buffer or a syslog server stores it (Cisco, "Understanding Access Control List Logging"):
 *
 *   Mar  5 09:00:01 rtr1 412: *Mar  5 09:00:01.123: %SEC-6-IPACCESSLOGP: list OUTBOUND denied tcp
 *     10.0.0.5(40000) -> 198.51.100.9(443), 1 packet
 *   %SEC-6-IPACCESSLOGDP: list 101 denied icmp 10.0.0.5 -> 198.51.100.9 (8/0), 1 packet
 *   %IPV6_ACL-6-ACCESSLOGP: list V6-OUT/20 denied tcp 2001:DB8::5(40000) -> 2001:DB8:1::9(443), 1 packet
 *
 * Older IOS writes an IPv6 list's lines as `%IPV6-6-ACCESSLOGP`; IOS XE's forwarding plane writes
 * them as `%FMANFP-6-IPACCESSLOGP` (and `…DP`, `…NP`, `IPV6ACCESSLOGP`) with the slot and process
 * before the list ("R0/0: fman_fp_image: list 110 denied …"); IOS XR as
 * `%ACL-IPV4_ACL-6-IPACCESSLOGP : access-list NAME (10) deny tcp …` (`%ACL-IPV6_ACL-6-ACCESSLOGP`
 * for IPv6), the entry's sequence number after the list, `deny`/`permit` as the decision. An entry
 * with `log-input` names the interface (and MAC address) the packet came in on, around the source.
 *
 * The router logs a flow's first packet at once, then how many more it matched every five minutes
 * ("12 packets"): those later lines are a count of packets already logged, no new attempt. Its
 * own stamp (before the message id; a leading `*` or `.` says its clock was not synchronised) is
 * the time, else the syslog server's.
 */
import { actionOf } from '../../firewall-words.js';
import { otherSyslogLine, parseSyslogHeader } from './syslog.js';
import { fraction, isUtcName, monthOf, plausibleStamp, utcSeconds } from './time.js';
import type { FirewallEvent, FirewallFormatModule, LineParser, LogClockLike } from './types.js';
import { icmpPorts, isAddressText, MIN_CONFIDENCE, portOf, shareRead, transportOf } from './types.js';

/**
 * The message: its id (the kind of entry: P ports, DP an ICMP type, NP another protocol, S a
 * standard list's source alone), the decision, the protocol, the endpoints and the packet count.
 * What `log-input` adds around the source is passed over: "(Ethernet0/0 0000.0c12.3456)" after it
 * (IOS), a MAC address before it and the interface stuck to the arrow (IOS XE).
 */
const MESSAGE = new RegExp(
  String.raw`%(?:SEC-6-IPACCESSLOG|IPV6_ACL-6-ACCESSLOG|IPV6-6-ACCESSLOG|FMANFP-6-IP(?:V6)?ACCESSLOG|ACL-IPV[46]_ACL-6-(?:IP)?ACCESSLOG)(P|DP|NP|RP|S) ?:` +
    String.raw`(?: +\S+:)*? +(?:list|access-list) \S+(?: \(\d+\))? (permit(?:ted)?|den(?:ied|y)) (\S+) (?:(?:[0-9A-Fa-f]{2}-){5}[0-9A-Fa-f]{2} )?` +
    String.raw`(\S+?)(?:\((\d+)\))? (?:\([^()]*\) |[A-Za-z][\w./:-]*?)?-> (\S+?)(?:\((\d+)\))?(?: \((\d+)\/(\d+)\))?, (\d+) packets?`,
);

/**
 * The router's own stamp before the message id: "*Mar  5 09:00:01.123: ", "Mar 5 2026 09:00:01 UTC: ";
 * IOS XR's after the node and before the process: "RP/0/RP0/CPU0:Mar  5 09:00:01.123 UTC: ipv4_acl_mgr[310]: ".
 * The zone (`service timestamps … show-timezone`, "UTC", "mdt") is read when it is UTC; another is
 * read as --tz says, and said, as a syslog stamp's is (a name alone can be more than one zone).
 */
const STAMP =
  /(?:^|[\s:])[*.]?([A-Z][a-z]{2}) +(\d{1,2})(?: (\d{4}))? (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(?: ([A-Za-z]{2,5}))?: (?:[\w.-]+\[\d+\]: )?%/;

/**
 * The zone-based firewall's drop (IOS, IOS XE, sometimes inside a platform message): "%FW-6-DROP_PKT:
 * Dropping tcp pkt from Gi1/0/2 10.0.0.5:53836 => 198.51.100.9:80(target:class)-(ZP:class-default)
 * due to Policy drop:classify result …", or "Dropping tcp session 10.0.0.5:40000 198.51.100.9:443 on
 * zone-pair …": the protocol and the two ends (IPv4).
 */
const ZONE_DROP =
  /%FW-6-DROP_PKT: Dropping (\w+) (?:pkt|packet|session)(?: from \S+)? (\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5}) (?:=> )?(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})\b/;

function parser(clock: LogClockLike): LineParser {
  return {
    parse(line: string, lineNumber: number): FirewallEvent | 'skip' | 'bad' | null {
      const at = line.indexOf('%');
      if (at < 0) return otherSyslogLine(line);
      // MESSAGE's groups: the kind of entry, the decision, the protocol, the ends, ICMP's type and code, the packets.
      let m: readonly (string | undefined)[];
      if (line.indexOf('ACCESSLOG', at) >= 0) {
        const list = MESSAGE.exec(line.slice(at));
        if (list === null) return line.includes('ACCESSLOGRL') ? 'skip' : 'bad';
        m = list;
        // A standard list's entry names its source alone (IPACCESSLOGS): no connection to make.
        if (m[1] === 'S') return 'skip';
        // A count of packets the first line already stood for, every five minutes: no new attempt.
        if (Number(m[10]) > 1) return 'skip';
      } else if (line.indexOf('%FW-6-DROP_PKT:', at) >= 0) {
        // The zone-based firewall's drop, as an access list's denial: its 5-tuple in the same places.
        const z = ZONE_DROP.exec(line);
        if (z === null) return 'bad';
        m = [z[0], 'P', 'denied', z[1], z[2], z[3], z[4], z[5], undefined, undefined, '1'];
      } else return otherSyslogLine(line);
      const proto = transportOf(m[3]!);
      if (proto === null) return 'skip';
      const src = m[4]!;
      const dst = m[6]!;
      if (!isAddressText(src) || !isAddressText(dst)) return 'bad';
      let ts: number | null = null;
      const stamp = STAMP.exec(line.slice(0, at + 1));
      if (stamp !== null) {
        const month = monthOf(stamp[1]!);
        const [day, hour, minute, second] = [stamp[2], stamp[4], stamp[5], stamp[6]].map(Number) as [number, number, number, number];
        if (month > 0 && plausibleStamp(month, day, hour, minute, second)) {
          const s = second + fraction(stamp[7]);
          const zone = stamp[8]?.toUpperCase();
          const utc = isUtcName(zone);
          if (zone !== undefined && !utc) clock.unreadZone?.(zone);
          ts =
            stamp[3] === undefined
              ? clock.withoutYear(month, day, hour, minute, s, utc)
              : utc
                ? utcSeconds(Number(stamp[3]), month, day, hour, minute, s)
                : clock.local(Number(stamp[3]), month, day, hour, minute, s);
        }
      }
      let device: string | undefined;
      if (ts === null || !line.startsWith('*')) {
        const header = parseSyslogHeader(line.replace(/^[*.]/, ''), clock);
        if (ts === null) ts = header?.ts ?? null;
        device = header?.host;
      }
      if (ts === null) return 'bad';
      const action = actionOf(m[2]!, null)!;
      const event: FirewallEvent = { ts, action, proto, src, sport: -1, dst, dport: -1, line: lineNumber };
      if (device !== undefined && !/^\d+:?$/.test(device)) event.device = device;
      if (proto === 'icmp') {
        const ports = icmpPorts(m[8] !== undefined ? Number(m[8]) : NaN, Number(m[9] ?? 0), dst.includes(':'));
        event.sport = ports.sport;
        event.dport = ports.dport;
      } else {
        event.sport = portOf(m[5] ?? '');
        event.dport = portOf(m[7] ?? '');
        if (event.sport < 0 || event.dport < 0) return 'bad';
      }
      return event;
    },
    notes: () => [],
  };
}

/**
 * The share of the lines read, and at least enough to claim the file when one is an entry: an
 * access-list message names itself, and a router's log holds many other messages (logins,
 * interfaces, its zone firewall's) among the few lines of its lists' entries.
 */
function sniff(lines: readonly string[]): number {
  const share = shareRead(parser, lines);
  return share > 0 ? Math.max(share, MIN_CONFIDENCE) : 0;
}

export const ciscoIos: FirewallFormatModule = {
  format: 'cisco-ios',
  description: 'Cisco IOS access-list log',
  sniff,
  parser,
};
