/**
 * OpenBSD and FreeBSD pf's log as tcpdump prints it (`tcpdump -n -e -ttt -r /var/log/pflog`):
 * pflogd keeps the packets pf logs in a pcap file, and tcpdump's `-e` prints the pflog header
 * (print-pflog.c) before the packet —
 *
 *   Mar 05 09:00:01.123456 rule 3/(match) block in on em0: 10.0.0.5.40000 > 198.51.100.9.443: S 12345:12345(0) win 64240 <mss 1460>
 *   2026-03-05 09:00:01.123456 rule 3/0(match): block out on em0: 10.0.0.5.40000 > 198.51.100.9.443: Flags [S], seq 12345, win 64240, length 0
 *   1772701201.123456 rule 5/(match) pass out on em0: 10.0.0.5.5353 > 198.51.100.9.53: 4660+ A? example.com. (29)
 *   Mar 05 09:00:03.000000 rule 2/(match) block in on em0: 2001:db8::7 > 2001:db8::5: icmp6: echo request
 *
 * the rule (`def` the default, `3.anchor.1` a rule of an anchor), the reason pf logged it
 * (OpenBSD's `/(match)`, tcpdump.org's `/0(match):`), the action, the direction and the interface;
 * then the packet, each address with its port after a last dot, the protocol told by what follows
 * (TCP's flags, old style `S` or `Flags [S]`; any other ported packet UDP; `icmp`/`ICMP6` ICMP). The
 * time is OpenBSD's `-ttt` (month and day, the year from the log's clock), `-tt` (epoch seconds) or
 * tcpdump.org's `-tttt` (date and time), in --tz; the default time of day and tcpdump.org's `-ttt`
 * (a delta from the line before) give no day, and such lines are said to carry no time stamp. A
 * syslog header before a `pf:` line (pflog relayed to syslog) gives the time instead. pass is a
 * packet let through, block one turned away; match, scrub and the translation rules decide
 * nothing. The direction is pf's on the interface: the packet's source is its sender either way.
 */
import { actionOf } from '../../firewall-words.js';
import { parseSyslogHeader } from './syslog.js';
import { servicePort } from './table.js';
import type { FirewallEvent, FirewallFormatModule, LineParser, LogClockLike } from './types.js';
import { historyLetters, icmpPorts, isAddressText, shareRead } from './types.js';
import { fraction, monthOf, plausibleStamp } from './time.js';

/** The pflog header as tcpdump prints it: rule, reason, [uid …], action, direction, interface; then the packet. */
const HEADER =
  /(?:^| )rule (def|[\w.-]+)\/(?:\d+)?\(([\w-]+)\)(?: \[uid \d+\])?:? (?:\[uid \d+, pid -?\d+\] )?([a-z-]+(?:\(\d+\))?) (in|out|fwd|in\/out|\?) on ([^\s:]+): (?:\[uid \d+, pid -?\d+\] )?(.*)$/;

/** OpenBSD's -ttt: "Mar 05 09:00:01.123456". */
const MONTH_DAY = /^([A-Z][a-z]{2}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d+))? /;
/** tcpdump.org's -tttt: "2026-03-05 09:00:01.123456". */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d+))? /;
/** -tt: epoch seconds. */
const EPOCH = /^(\d{9,11})(?:\.(\d+))? /;
/** The default time of day, or tcpdump.org's -ttt delta: no day. */
const TIME_ONLY = /^ ?\d{1,2}:\d{2}:\d{2}(?:\.\d+)? /;

/** The packet's ends: "10.0.0.5.40000 > 198.51.100.9.443: …". */
const ENDS = /^(\S+) > (\S+): ?(.*)$/;
/** TCP's flags as tcpdump.org prints them ("Flags [S.]"), or old style ("S", "FP", "." with "ack N" after). */
const NEW_FLAGS = /^Flags \[([^\]]*)\]/;
const OLD_FLAGS = /^([SFPRWEU]+|\.)(?= |$)/;

/** The line's time from the stamp before the pflog header; NaN when it gives no day; null when there is no stamp of tcpdump's. */
function stampOf(before: string, clock: LogClockLike): number | null {
  const text = `${before} `;
  let m = MONTH_DAY.exec(text);
  if (m !== null) {
    const month = monthOf(m[1]!);
    const [day, h, mi, s] = [m[2], m[3], m[4], m[5]].map(Number) as [number, number, number, number];
    if (month === 0 || !plausibleStamp(month, day, h, mi, s)) return null;
    return clock.withoutYear(month, day, h, mi, s + fraction(m[6]));
  }
  m = DATE_TIME.exec(text);
  if (m !== null) {
    const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
    return clock.local(y, mo, d, h, mi, s + fraction(m[7]));
  }
  m = EPOCH.exec(text);
  if (m !== null) return Number(m[1]) + fraction(m[2]);
  if (TIME_ONLY.test(text)) return NaN;
  return null;
}

/**
 * An end as tcpdump prints it: the address and, after a last dot, its port — IPv4 with a port
 * has four dots, IPv6 a dot only before its port; a host name (tcpdump without -n) a port only
 * where its last word is one ("https").
 */
function endOf(text: string): { address: string; port: number | null } {
  const dot = text.lastIndexOf('.');
  const port = dot > 0 ? servicePort(text.slice(dot + 1)) : -1;
  const ported = text.includes(':') ? dot > 0 : /^[\d.]+$/.test(text) ? text.split('.').length === 5 : port >= 0;
  return ported ? { address: text.slice(0, dot), port } : { address: text, port: null };
}

/** ICMP message types by the words tcpdump names them with. */
function icmpTypeOf(rest: string, v6: boolean): number {
  if (/echo request/i.test(rest)) return v6 ? 128 : 8;
  if (/echo reply/i.test(rest)) return v6 ? 129 : 0;
  return NaN;
}

function parser(clock: LogClockLike): LineParser {
  return {
    parse(line: string, lineNumber: number): FirewallEvent | 'skip' | 'bad' | null {
      const h = HEADER.exec(line);
      if (h === null) {
        // tcpdump's own words as it opens the file.
        return /^reading from file .*, link-type PFLOG\b/.test(line) ? 'skip' : null;
      }
      const before = line.slice(0, h.index).trimEnd();
      let ts = stampOf(before, clock);
      if (ts === null) {
        // Relayed to syslog: "Mar  5 09:00:01 fw pf: 00:00:01.123456 rule …".
        const syslog = parseSyslogHeader(line, clock);
        if (syslog === null || !/^pf(?:\[\d+\])?: /.test(syslog.message)) return null;
        ts = syslog.ts;
      }
      const action = actionOf(h[3]!, null);
      // match, scrub, nat, rdr, binat: pf logged the packet, no decision on it.
      if (action === null) return 'skip';
      const packet = ENDS.exec(h[6]!);
      if (packet === null) return 'bad';
      const from = endOf(packet[1]!);
      const to = endOf(packet[2]!);
      if (!isAddressText(from.address) || !isAddressText(to.address)) return 'bad';
      const rest = packet[3]!;
      const v6 = to.address.includes(':');
      const e: FirewallEvent = { ts, action, proto: 'tcp', src: from.address, sport: -1, dst: to.address, dport: -1, line: lineNumber };
      if (from.port === null || to.port === null) {
        // No ports: ICMP, else a protocol callhome does not follow (ESP, GRE).
        if (!/^icmp6?\b|^ICMP6?\b/.test(rest)) return 'skip';
        e.proto = 'icmp';
        Object.assign(e, icmpPorts(icmpTypeOf(rest, v6), 0, v6));
        return e;
      }
      e.sport = from.port;
      e.dport = to.port;
      const modern = NEW_FLAGS.exec(rest);
      const old = modern === null ? OLD_FLAGS.exec(rest) : null;
      if (modern !== null) e.tcpFlags = historyLetters(modern[1]!.split(''));
      else if (old !== null) {
        const letters = new Set(old[1]!.split(''));
        if (/(?:^|\s)ack \d+/.test(rest)) letters.add('.');
        e.tcpFlags = historyLetters(letters);
      } else e.proto = 'udp';
      return e;
    },
    notes: () => [],
  };
}

export const pflog: FirewallFormatModule = {
  format: 'pflog',
  description: 'pf log as tcpdump prints it (pflog)',
  sniff: (lines: readonly string[]): number => shareRead(parser, lines),
  parser,
};
