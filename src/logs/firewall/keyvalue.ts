/**
 * Firewall logs written as key=value pairs, the shape most vendors' syslog takes:
 *
 *   FortiGate:   date=2026-03-05 time=09:00:01 devname="FGT60F" … srcip=10.0.0.5 srcport=40000
 *                dstip=198.51.100.9 dstport=443 proto=6 action="deny" … (Fortinet's log reference)
 *   Sophos UTM:  2026:03:05-09:00:01 utm ulogd[5123]: … action="drop" … srcip="10.0.0.5"
 *                dstip="198.51.100.9" proto="6" … srcport="40000" dstport="443" tcpflags="SYN"
 *   Sophos XG:   timestamp="2026-03-05T09:00:01+0000" log_subtype="Denied" … src_ip=… dst_ip=…
 *                protocol="TCP" src_port=40000 dst_port=443
 *   Juniper SRX: <14>1 2026-03-05T09:00:01Z srx RT_FLOW - RT_FLOW_SESSION_DENY [junos@2636…
 *                source-address="10.0.0.5" source-port="40000" destination-address=… protocol-id="6" …]
 *   Check Point: time="1772701200" action="Drop" src="10.0.0.5" dst=… proto="6" s_port=… service="443"
 *   SonicWall:   id=firewall … time="2026-03-05 09:00:01" fw_action="drop" src=10.0.0.5:40000:X0
 *                dst=198.51.100.9:443:X1 proto=tcp/https
 *
 * A key names its column as a table's header would (table.ts: srcip, src_ip, source-address …),
 * the likeliest name winning where a line has two (dstport over service). The time is the line's
 * own — date= and time= in the log's zone, an epoch (eventtime=, time=), an ISO stamp — else its
 * syslog header's. The decision is the action's word (firewall-words.ts), or a Juniper event's
 * (RT_FLOW_SESSION_DENY; a session's CREATE let it through, its CLOSE is no new attempt).
 */
import { actionOf } from '../../firewall-words.js';
import { otherSyslogLine, parseSyslogHeader } from './syslog.js';
import { columnOf, isoDateTime, parseDate, parseTimeOfDay, rankOf, servicePort, type Column } from './table.js';
import type { FirewallAction, FirewallEvent, FirewallFormatModule, LineParser, LogClockLike } from './types.js';
import { historyLetters, icmpPorts, isAddressText, portOf, shareRead, transportOf } from './types.js';

/** A key (a letter or underscore, then word characters, dots and dashes) and its value, quoted or up to a space or bracket. */
const PAIR = /(?:^|[\s[;,])([A-Za-z_][\w.-]{0,63})=("[^"]*"|[^\s\]"]*)/g;

/** Pairs a line needs at the least to be an attempt: both addresses. */
const NEEDED: readonly Column[] = ['src', 'dst'];

/** Sophos UTM's stamp at a line's start: "2026:03:05-09:00:01". */
const UTM_STAMP = /^(\d{4}):(\d{2}):(\d{2})-(\d{2}):(\d{2}):(\d{2})\s/;

/** Juniper's session events (RT_FLOW), by what they say of the session. */
const JUNIPER = /\bRT_FLOW_SESSION_(DENY|CREATE|CLOSE)\b/;

/** An epoch in seconds, milliseconds, microseconds or nanoseconds by its digits (FortiOS writes each in one version or another). */
function epochOf(text: string): number | null {
  if (!/^\d{9,19}(?:\.\d+)?$/.test(text)) return null;
  const whole = text.split('.')[0]!;
  const n = Number(text);
  return whole.length <= 10 ? n : whole.length <= 13 ? n / 1e3 : whole.length <= 16 ? n / 1e6 : n / 1e9;
}

/** The line's own time from its date, time and datetime pairs; null when they give none. */
function pairTime(values: Partial<Record<Column, string>>, clock: LogClockLike): number | null {
  const { date, time, datetime } = values;
  if (date !== undefined && time !== undefined) {
    const day = parseDate(date);
    const seconds = parseTimeOfDay(time);
    if (day !== null && seconds !== null) return clock.local(day[0], day[1], day[2], 0, 0, seconds);
  }
  for (const text of [datetime, time]) {
    if (text === undefined) continue;
    const at = epochOf(text) ?? isoDateTime(text, clock);
    if (at !== null) return at;
  }
  return null;
}

/** An IPv4 end written with its port and, after it, the interface ("10.0.0.5:40000:X0"); else the address alone. */
function endOf(text: string): { address: string; port?: string } {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})(?::[\w.-]*)?$/.exec(text);
  return m === null ? { address: text } : { address: m[1]!, port: m[2]! };
}

function parser(clock: LogClockLike): LineParser {
  return {
    parse(line: string, lineNumber: number): FirewallEvent | 'skip' | 'bad' | null {
      if (line.indexOf('=') < 0) return otherSyslogLine(line);
      // A netfilter LOG line is netfilter's, read or not.
      if (line.includes(' IN=') && line.includes(' PROTO=')) return null;
      const values: Partial<Record<Column, string>> = {};
      const ranks: Partial<Record<Column, number>> = {};
      let icmpType = -1;
      let icmpCode = 0;
      let flags: string | undefined;
      PAIR.lastIndex = 0;
      for (let m = PAIR.exec(line); m !== null; m = PAIR.exec(line)) {
        const key = m[1]!;
        let value = m[2]!;
        if (value.startsWith('"')) value = value.slice(1, -1);
        const lower = key.toLowerCase();
        if (lower === 'icmptype' || lower === 'icmp-type' || lower === 'icmp_type') icmpType = Number(value);
        else if (lower === 'icmpcode' || lower === 'icmp-code' || lower === 'icmp_code') icmpCode = Number(value);
        else if (lower === 'tcpflags' || lower === 'tcp_flags' || lower === 'tcp-flags') flags = value;
        const column = columnOf(key);
        if (column === undefined) continue;
        const rank = rankOf(key);
        if (ranks[column] !== undefined && ranks[column] <= rank) continue;
        values[column] = value;
        ranks[column] = rank;
      }
      if (NEEDED.some((c) => values[c] === undefined)) return otherSyslogLine(line);
      // SonicWall writes an end as address, port and interface: "10.0.0.5:40000:X0".
      const srcEnd = endOf(values.src!);
      const dstEnd = endOf(values.dst!);
      const src = srcEnd.address;
      const dst = dstEnd.address;
      if (!isAddressText(src) || !isAddressText(dst)) return 'bad';
      if (values.sport === undefined && srcEnd.port !== undefined) values.sport = srcEnd.port;
      if (values.dport === undefined && dstEnd.port !== undefined) values.dport = dstEnd.port;
      // The decision: an action's word, or a Juniper session event.
      let action: FirewallAction | null = values.action !== undefined ? actionOf(values.action, null) : null;
      if (action === null) {
        // Addresses and no decision: no line of a firewall this reads.
        const event = JUNIPER.exec(line);
        if (event === null) return null;
        if (event[1] === 'CLOSE') return 'skip';
        action = event[1] === 'DENY' ? 'deny' : 'allow';
      }
      // "tcp/https" (SonicWall): the transport before the service.
      const proto = transportOf((values.proto ?? '').split('/')[0]!);
      if (proto === null) return values.proto === undefined ? 'bad' : 'skip';
      // The line's own time; else a Sophos UTM stamp's, else its syslog header's (read only then:
      // a year-less header asks the clock for a year).
      let ts = pairTime(values, clock);
      let host: string | undefined;
      if (ts === null) {
        const utm = UTM_STAMP.exec(line);
        if (utm !== null) ts = clock.local(Number(utm[1]), Number(utm[2]), Number(utm[3]), Number(utm[4]), Number(utm[5]), Number(utm[6]));
        else {
          const syslog = parseSyslogHeader(line, clock);
          ts = syslog?.ts ?? null;
          host = syslog?.host;
        }
      }
      if (ts === null) return 'bad';
      const event: FirewallEvent = { ts, action, proto, src, sport: -1, dst, dport: -1, line: lineNumber };
      if (proto === 'icmp') {
        const type = icmpType >= 0 ? icmpType : NaN;
        const ports = icmpPorts(type, Number.isInteger(icmpCode) ? icmpCode : 0, dst.includes(':'));
        event.sport = ports.sport;
        event.dport = ports.dport;
      } else {
        event.sport = values.sport !== undefined ? portOf(values.sport) : -1;
        event.dport = values.dport !== undefined ? servicePort(values.dport) : -1;
        if (event.sport < 0 || event.dport < 0) return 'bad';
      }
      if (proto === 'tcp' && flags !== undefined) event.tcpFlags = historyLetters(flags.split(/[\s,|]+/).filter((f) => f !== ''));
      const device = values.device ?? host;
      if (device !== undefined && device !== '') event.device = device;
      return event;
    },
    notes: () => [],
  };
}

export const keyValue: FirewallFormatModule = {
  format: 'key-value',
  description: 'key=value firewall log (FortiGate, Sophos, Juniper SRX, Check Point)',
  sniff: (lines: readonly string[]): number => shareRead(parser, lines),
  parser,
};
