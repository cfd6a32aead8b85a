/**
 * Windows Firewall logs (pfirewall.log, W3C extended style): "#Version: 1.5", "#Software:
 * Microsoft Windows Firewall", "#Time Format: Local", then "#Fields: date time action protocol
 * src-ip dst-ip src-port dst-port size tcpflags tcpsyn tcpack tcpwin icmptype icmpcode info path"
 * (Windows 10 and later append "pid"), one space-separated line per packet (per session on XP), "-"
 * for an empty field.
 * The same header since Windows XP SP2 and Server 2003; what the action column says differs (ACTIONS).
 * The header decides the column positions; without one, the documented default order is assumed.
 */
import { fraction, fullYear, utcSeconds } from './time.js';
import type { FirewallAction, FirewallEvent, FirewallFormatModule, LineParser, LogClockLike } from './types.js';
import { historyLetters, icmpPorts, portOf, transportOf, shareRead } from './types.js';

const DEFAULT_FIELDS =
  'date time action protocol src-ip dst-ip src-port dst-port size tcpflags tcpsyn tcpack tcpwin icmptype icmpcode info path'.split(' ');
/**
 * What each action says. Vista and later log packets: ALLOW, DROP (path SEND, RECEIVE, FORWARD).
 * XP SP2 and Server 2003 log sessions, ports and addresses in the order of the connection: OPEN
 * an outbound session the host opened (its own firewall let it out), OPEN-INBOUND an inbound
 * session let in, CLOSE a session's end, DROP incoming data dropped. A CLOSE is no attempt and
 * says nothing of what came of the session (no bytes, no reason), so it is skipped as one of the
 * firewall's other messages; INFO-EVENTS-LOST says events went unlogged.
 */
const ACTIONS: ReadonlyMap<string, FirewallAction | 'skip'> = new Map<string, FirewallAction | 'skip'>([
  ['ALLOW', 'allow'],
  ['DROP', 'deny'],
  ['OPEN', 'allow'],
  ['OPEN-INBOUND', 'allow'],
  ['CLOSE', 'skip'],
  ['INFO-EVENTS-LOST', 'skip'],
]);
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME = /^(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d+))?$/;

interface Columns {
  date: number;
  time: number;
  action: number;
  protocol: number;
  src: number;
  dst: number;
  sport: number;
  dport: number;
  flags: number;
  icmptype: number;
  icmpcode: number;
}

function columnsOf(fields: readonly string[]): Columns | null {
  const at = (name: string): number => fields.indexOf(name);
  const c = {
    date: at('date'),
    time: at('time'),
    action: at('action'),
    protocol: at('protocol'),
    src: at('src-ip'),
    dst: at('dst-ip'),
    sport: at('src-port'),
    dport: at('dst-port'),
    flags: at('tcpflags'),
    icmptype: at('icmptype'),
    icmpcode: at('icmpcode'),
  };
  return c.date < 0 || c.time < 0 || c.action < 0 || c.protocol < 0 || c.src < 0 || c.dst < 0 ? null : c;
}

function parser(clock: LogClockLike): LineParser {
  let columns = columnsOf(DEFAULT_FIELDS)!;
  let sawHeader = false;
  let localTime = true;
  return {
    parse(line: string, lineNumber: number): FirewallEvent | 'skip' | null {
      if (line.startsWith('#')) {
        if (line.startsWith('#Fields:')) {
          const named = columnsOf(line.slice(8).trim().split(/\s+/));
          if (named === null) return null;
          columns = named;
          sawHeader = true;
        } else if (line.startsWith('#Time Format:')) {
          localTime = !/utc/i.test(line);
        }
        return 'skip';
      }
      const f = line.trim().split(/\s+/);
      const date = DATE.exec(f[columns.date] ?? '');
      const time = TIME.exec(f[columns.time] ?? '');
      if (date === null || time === null) return null;
      const action = ACTIONS.get(f[columns.action] ?? '');
      if (action === undefined) return null;
      if (action === 'skip') return 'skip';
      const proto = transportOf(f[columns.protocol] ?? '');
      if (proto === null) return 'skip';
      const [y, mo, d] = [date[1], date[2], date[3]].map(Number) as [number, number, number];
      const [h, mi, s] = [time[1], time[2], time[3]].map(Number) as [number, number, number];
      const seconds = s + fraction(time[4]);
      const ts = localTime ? clock.local(fullYear(y, 4), mo, d, h, mi, seconds) : utcSeconds(y, mo, d, h, mi, seconds);
      const event: FirewallEvent = {
        ts,
        action,
        proto,
        src: f[columns.src] ?? '',
        sport: -1,
        dst: f[columns.dst] ?? '',
        dport: -1,
        line: lineNumber,
      };
      if (event.src === '' || event.dst === '' || event.src === '-' || event.dst === '-') return null;
      if (proto !== 'icmp') {
        event.sport = portOf(f[columns.sport] ?? '');
        event.dport = portOf(f[columns.dport] ?? '');
      } else {
        const type = portOf(f[columns.icmptype] ?? '');
        if (type >= 0) {
          const ports = icmpPorts(type, Math.max(0, portOf(f[columns.icmpcode] ?? '')), event.dst.includes(':'));
          event.sport = ports.sport;
          event.dport = ports.dport;
        }
      }
      const flags = f[columns.flags];
      if (proto === 'tcp' && flags !== undefined && flags !== '-') event.tcpFlags = historyLetters(flags);
      return event;
    },
    notes(): string[] {
      return sawHeader ? [] : ['no #Fields header: columns taken in the documented default order'];
    },
  };
}

export const pfirewall: FirewallFormatModule = {
  format: 'pfirewall',
  description: 'Windows Firewall pfirewall.log',
  // A log Windows has just started (or emptied) is its header alone: still its log, of no entry.
  sniff: (lines: readonly string[]): number =>
    lines.some((line) => line.startsWith('#Software: Microsoft Windows Firewall'))
      ? Math.max(0.5, shareRead(parser, lines))
      : shareRead(parser, lines),
  parser,
};
