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
 *   Check Point: time="1772701200" action="Drop" src="10.0.0.5" dst=… proto="6" s_port=… service="443",
 *                or in its syslog format [action:"Drop"; … src:"10.0.0.5"; s_port:"40000"; service:"443"]
 *   SonicWall:   id=firewall … time="2026-03-05 09:00:01" fw_action="drop" src=10.0.0.5:40000:X0
 *                dst=198.51.100.9:443:X1 proto=tcp/https (or m=98 msg="Connection Opened", no action)
 *
 * A key names its column as a table's header would (table.ts: srcip, src_ip, source-address …),
 * the likeliest name winning where a line has two (dstport over service). The time is the line's
 * own — date= and time= in the log's zone, an epoch (eventtime=, time=), an ISO stamp — else its
 * syslog header's. The decision is the action's word (firewall-words.ts), Sophos Firewall's
 * subtype, SonicWall's message, or a Juniper event's (RT_FLOW_SESSION_DENY; a session's CREATE
 * let it through, and its CLOSE, timed by the session's start, folds into it as the attempt).
 */
import { actionOf } from '../../firewall-words.js';
import { otherSyslogLine, parseSyslogHeader } from './syslog.js';
import { columnOf, isoDateTime, parseDate, parseTimeOfDay, rankOf, servicePort, type Column } from './table.js';
import { isoOffset, utcSeconds } from './time.js';
import type { FirewallAction, FirewallEvent, FirewallFormatModule, LineParser, LogClockLike } from './types.js';
import { historyLetters, icmpPorts, isAddressText, portOf, shareRead, transportOf } from './types.js';

/**
 * A key (a letter or underscore, then word characters, dots and dashes) and its value: `key=value`,
 * quoted or up to a space or bracket, or `key:"value"` (Check Point's Log Exporter in its syslog
 * format). A key may follow a syslog priority directly (`<189>date=…`).
 */
const PAIR = /(?:^|[\s[;,>])([A-Za-z_][\w.-]{0,63})(?:=("[^"]*"|[^\s\]"]*)|:("[^"]*"))/g;

/** Pairs a line needs at the least to be an attempt: both addresses. */
const NEEDED: readonly Column[] = ['src', 'dst'];

/** Sophos UTM's stamp at a line's start: "2026:03:05-09:00:01". */
const UTM_STAMP = /^(\d{4}):(\d{2}):(\d{2})-(\d{2}):(\d{2}):(\d{2})\s/;

/** Juniper's session events (RT_FLOW), by what they say of the session; `_LS`: a logical system's. */
const JUNIPER = /\bRT_FLOW_SESSION_(DENY|CREATE|CLOSE)(?:_LS)?\b/;

/**
 * Juniper's session events in Junos's own (unstructured) syslog format, what an SRX writes unless
 * told to write structured data:
 *   RT_FLOW_SESSION_DENY: session denied 10.0.0.5/40000->198.51.100.9/443 0x0 junos-https 6(0) deny-web trust untrust …
 *   RT_FLOW_SESSION_CREATE: session created 10.0.0.5/40000->198.51.100.9/443 0x0 junos-https 203.0.113.2/1234->… None None 6 …
 *   RT_FLOW_SESSION_CLOSE: session closed TCP FIN: 10.0.0.5/40000->… 6 allow-web trust untrust 5 78(6657) 122(13305) 45 …
 * the first the protocol (its ICMP type in brackets), then a CLOSE's packets(bytes) each way and its length in seconds.
 */
const JUNOS_TEXT =
  /\bRT_FLOW_SESSION_(DENY|CREATE|CLOSE)(?:_LS)?: session (?:denied|created|closed)\b[^/]*?\s([\w.:]+)\/(\d+)->([\w.:]+)\/(\d+)(,\d+)?(.*)$/;

/** One of JUNOS_TEXT's events, timed by its syslog header. */
function junosTextEvent(m: RegExpExecArray, line: string, clock: LogClockLike, lineNumber: number): FirewallEvent | 'skip' | 'bad' {
  const [, event, src, sport, dst, dport, attached, rest] = m as unknown as string[];
  if (!isAddressText(src!) || !isAddressText(dst!)) return 'bad';
  // The protocol: Junos 9's ",6" after the ports, else the first number of its own after them.
  const protocol = attached !== undefined ? /^,(\d+)/.exec(attached) : /\s(\d{1,3})(?:\((\d+)\))?(?=\s|$)/.exec(rest!);
  const proto = protocol === null ? null : transportOf(protocol[1]!);
  if (proto === null) return 'skip';
  const syslog = parseSyslogHeader(line, clock);
  if (syslog === null) return 'bad';
  const elapsed = event === 'CLOSE' ? /\s\d+\(\d+\)\s+\d+\(\d+\)\s+(\d+)(?=\s|$)/.exec(rest!) : null;
  const e: FirewallEvent = {
    ts: syslog.ts - (elapsed !== null ? Number(elapsed[1]) : 0),
    action: event === 'DENY' ? 'deny' : 'allow',
    proto,
    src: src!,
    sport: portOf(sport!),
    dst: dst!,
    dport: portOf(dport!),
    line: lineNumber,
  };
  if (proto === 'icmp') {
    const ports = icmpPorts(protocol![2] !== undefined ? Number(protocol![2]) : NaN, 0, dst!.includes(':'));
    e.sport = ports.sport;
    e.dport = ports.dport;
  } else if (e.sport < 0 || e.dport < 0) return 'bad';
  if (syslog.host !== undefined && syslog.host !== 'RT_FLOW:') e.device = syslog.host;
  return e;
}

/**
 * A relay's syslog header before the device's own stamp (`Sep 23 13:54:55 192.0.2.1 junos-flow:
 * 2017-09-23T13:54:54.803Z srx-01 RT_FLOW - …`): the device's stamp, with its year and zone, is the time.
 */
const RELAYED_STAMP =
  /^(?:<\d{1,3}>)?[A-Z][a-z]{2} [ \d]?\d \d{2}:\d{2}:\d{2} \S+ [\w./-]+(?:\[\d+\])?: (\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})) (\S+) /;

/** A FortiGate's time zone beside its local date= and time= (`tz="-0800"`): seconds east of UTC. */
function zoneOf(text: string | undefined): number | null {
  return text === undefined ? null : isoOffset(text.trim());
}

/** A SonicWall line: its device's name and serial number first (`id=firewall sn=0017C5…`). */
const SONICWALL = /(?:^|\s)id=\S+\s+sn=/;

/** SonicWall's flags in a note (`note="TCP Flag(s): RST"`). */
const SONICWALL_FLAGS = /TCP Flag\(s\): ([A-Z ]+)/;

/** An epoch in seconds, milliseconds, microseconds or nanoseconds by its digits (FortiOS writes each in one version or another). */
function epochOf(text: string): number | null {
  if (!/^\d{9,19}(?:\.\d+)?$/.test(text)) return null;
  const whole = text.split('.')[0]!;
  const n = Number(text);
  return whole.length <= 10 ? n : whole.length <= 13 ? n / 1e3 : whole.length <= 16 ? n / 1e6 : n / 1e9;
}

/**
 * The line's own time from its date, time and datetime pairs; null when they give none. A local
 * date and time are read at the zone the line gives (`zone`, seconds east of UTC), else in the log's.
 */
function pairTime(values: Partial<Record<Column, string>>, clock: LogClockLike, zone: number | null): number | null {
  const { date, time, datetime } = values;
  if (date !== undefined && time !== undefined) {
    const day = parseDate(date);
    const seconds = parseTimeOfDay(time);
    if (day !== null && seconds !== null)
      return zone !== null ? utcSeconds(day[0], day[1], day[2], 0, 0, seconds) - zone : clock.local(day[0], day[1], day[2], 0, 0, seconds);
  }
  for (const text of [datetime, time]) {
    if (text === undefined) continue;
    const at = epochOf(text) ?? isoDateTime(utcNamed(text), clock);
    if (at !== null) return at;
  }
  return null;
}

/**
 * An end as SonicWall writes it: the IPv4 address, its port (none for a protocol without), the
 * interface and the host's name ("10.0.0.5:40000:X0:pc1.example.com"), or no address where an
 * IPv6 one is given apart (":5355:X0", `srcV6=`); else the address alone.
 */
function endOf(text: string): { address: string; port?: string } {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3}|):(\d{0,5})(?::[\w.-]*){0,2}$/.exec(text);
  if (m === null) return { address: text };
  return m[2] === '' ? { address: m[1]! } : { address: m[1]!, port: m[2]! };
}

/** A stamp written with its zone's name after it ("2019-03-19 06:44:01 UTC"): ISO 8601's Z. */
const utcNamed = (text: string): string => text.replace(/\s+(?:UTC|GMT)$/, 'Z');

function parser(clock: LogClockLike): LineParser {
  return {
    parse(line: string, lineNumber: number): FirewallEvent | 'skip' | 'bad' | null {
      if (line.indexOf('=') < 0 && line.indexOf(':"') < 0) {
        const junos = line.includes('RT_FLOW_SESSION_') ? JUNOS_TEXT.exec(line) : null;
        return junos !== null ? junosTextEvent(junos, line, clock, lineNumber) : otherSyslogLine(line);
      }
      // A netfilter LOG line is netfilter's, read or not.
      if (line.includes(' IN=') && line.includes(' PROTO=')) return null;
      const values: Partial<Record<Column, string>> = {};
      const ranks: Partial<Record<Column, number>> = {};
      let icmpType = -1;
      let icmpCode = 0;
      let flags: string | undefined;
      // What some vendors say beside (or instead of) an action: a FortiGate's zone, Sophos
      // Firewall's subtype (Allowed, Denied) and connection event (Start, Stop), SonicWall's message
      // and its number, Juniper's session length.
      let tz: string | undefined;
      let subtype: string | undefined;
      let connectionEvent: string | undefined;
      let message: string | undefined;
      let messageId: string | undefined;
      let elapsed: string | undefined;
      let srcV6: string | undefined;
      let dstV6: string | undefined;
      let checkPoint = false;
      PAIR.lastIndex = 0;
      for (let m = PAIR.exec(line); m !== null; m = PAIR.exec(line)) {
        const key = m[1]!;
        let value = m[2] ?? m[3]!;
        if (value.startsWith('"')) value = value.slice(1, -1);
        const lower = key.toLowerCase();
        // (SonicWall names them type= and code=: a number there, where FortiGate's type= is a word.)
        if (lower === 'icmptype' || lower === 'icmp-type' || lower === 'icmp_type' || (lower === 'type' && /^\d+$/.test(value)))
          icmpType = Number(value);
        else if (lower === 'icmpcode' || lower === 'icmp-code' || lower === 'icmp_code' || (lower === 'code' && /^\d+$/.test(value)))
          icmpCode = Number(value);
        else if (lower === 'tcpflags' || lower === 'tcp_flags' || lower === 'tcp-flags') flags = value;
        else if (lower === 'tz') tz = value;
        else if (lower === 'log_subtype') subtype = value;
        else if (lower === 'con_event') connectionEvent = value;
        else if (lower === 'msg') message = value;
        else if (lower === 'm') messageId = value;
        else if (lower === 'elapsed-time') elapsed = value;
        else if (lower === 'srcv6') srcV6 = value;
        else if (lower === 'dstv6') dstV6 = value;
        else if (lower === 'loguid') checkPoint = true;
        else if (lower === 'note' && flags === undefined) flags = SONICWALL_FLAGS.exec(value)?.[1]?.trim();
        const column = columnOf(key);
        if (column === undefined) continue;
        const rank = rankOf(key);
        if (ranks[column] !== undefined && ranks[column] <= rank) continue;
        values[column] = value;
        ranks[column] = rank;
      }
      // SonicWall's other messages (its system's, its users') are the device's own.
      const sonicwall = messageId !== undefined && SONICWALL.test(line);
      // Check Point's other entries (a VPN's key exchange, its daemons') are the device's own too.
      const own = sonicwall || checkPoint;
      if (NEEDED.some((c) => values[c] === undefined)) return own ? 'skip' : otherSyslogLine(line);
      // SonicWall writes an end as address, port and interface: "10.0.0.5:40000:X0".
      const srcEnd = endOf(values.src!);
      const dstEnd = endOf(values.dst!);
      const src = srcEnd.address || (srcV6 ?? '');
      const dst = dstEnd.address || (dstV6 ?? '');
      if (!isAddressText(src) || !isAddressText(dst)) return 'bad';
      if (values.sport === undefined && srcEnd.port !== undefined) values.sport = srcEnd.port;
      if (values.dport === undefined && dstEnd.port !== undefined) values.dport = dstEnd.port;
      // The decision: an action's word, Sophos Firewall's subtype, SonicWall's message, or a
      // Juniper session event. A session's end is no new attempt — but for Juniper's, which may
      // be all a policy logs: a session let through, timed by its start (as its CREATE is).
      let action: FirewallAction | null = values.action !== undefined ? actionOf(values.action, null) : null;
      let closedAfter = 0;
      let juniperSession = false;
      if (action === null && subtype !== undefined) action = actionOf(subtype, null);
      if (action === 'allow' && connectionEvent !== undefined && /^stop$/i.test(connectionEvent)) return 'skip';
      if (action === null && sonicwall && message !== undefined) {
        if (/^connection closed$/i.test(message)) return 'skip';
        action = /^connection opened$/i.test(message) ? 'allow' : actionOf(message, null);
        // Addresses and no decision: a message of the device's own (a management request, an alert).
        if (action === null) return 'skip';
      }
      if (action === null && checkPoint) return 'skip';
      if (action === null) {
        // Addresses and no decision: no line of a firewall this reads.
        const event = JUNIPER.exec(line);
        if (event === null) return null;
        action = event[1] === 'DENY' ? 'deny' : 'allow';
        juniperSession = true;
        if (event[1] === 'CLOSE') closedAfter = Math.max(0, Number(elapsed ?? 0)) || 0;
      }
      // "tcp/https" (SonicWall): the transport before the service; without one, SonicWall's
      // message names it ("TCP connection dropped", "ICMP packet dropped").
      if (values.proto === undefined && sonicwall) values.proto = /^(TCP|UDP|ICMP)\b/i.exec(message ?? '')?.[1];
      const proto = transportOf((values.proto ?? '').split('/')[0]!);
      if (proto === null) return values.proto === undefined && !own ? 'bad' : 'skip';
      // The line's own time; else a Sophos UTM stamp's, else its syslog header's (read only then:
      // a year-less header asks the clock for a year).
      let ts = pairTime(values, clock, zoneOf(tz));
      let host: string | undefined;
      const relayed = ts === null ? RELAYED_STAMP.exec(line) : null;
      if (relayed !== null) {
        ts = isoDateTime(relayed[1]!, clock);
        host = relayed[2];
      }
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
      const event: FirewallEvent = { ts: ts - closedAfter, action, proto, src, sport: -1, dst, dport: -1, line: lineNumber };
      if (proto === 'icmp') {
        // A Juniper session of ICMP without its type is a query's (SRX keys sessions on requests;
        // an error joins the session it belongs to): an echo request, as PAN-OS's ping.
        const type = icmpType >= 0 ? icmpType : juniperSession ? 8 : NaN;
        const ports = icmpPorts(type, Number.isInteger(icmpCode) ? icmpCode : 0, dst.includes(':'));
        event.sport = ports.sport;
        event.dport = ports.dport;
      } else {
        event.sport = values.sport !== undefined ? portOf(values.sport) : -1;
        event.dport = values.dport !== undefined ? servicePort(values.dport) : -1;
        if (event.sport < 0 || event.dport < 0) return own && (values.sport === undefined || values.dport === undefined) ? 'skip' : 'bad';
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
