/**
 * Windows Firewall logs (pfirewall.log, W3C extended style): "#Version: 1.5", "#Software:
 * Microsoft Windows Firewall", "#Time Format: Local", then "#Fields: date time action protocol
 * src-ip dst-ip src-port dst-port size tcpflags tcpsyn tcpack tcpwin icmptype icmpcode info path"
 * (Windows 10 and later append "pid"), one space-separated line per packet, "-" for an empty field.
 * action: ALLOW, DROP (and INFO-EVENTS-LOST); path: SEND, RECEIVE, FORWARD. The header decides the
 * column positions; without one, the documented default order is assumed.
 */
import { fullYear } from './time.js';
import type { FirewallEvent, FirewallFormatModule, LineParser, LogClockLike } from './types.js';
import { historyLetters, portOf, transportOf, shareRead } from './types.js';

const DEFAULT_FIELDS =
  'date time action protocol src-ip dst-ip src-port dst-port size tcpflags tcpsyn tcpack tcpwin icmptype icmpcode info path'.split(' ');
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
      const actionWord = f[columns.action] ?? '';
      if (actionWord === 'INFO-EVENTS-LOST') return 'skip';
      if (actionWord !== 'ALLOW' && actionWord !== 'DROP') return null;
      const proto = transportOf(f[columns.protocol] ?? '');
      if (proto === null) return 'skip';
      const [y, mo, d] = [date[1], date[2], date[3]].map(Number) as [number, number, number];
      const [h, mi, s] = [time[1], time[2], time[3]].map(Number) as [number, number, number];
      const seconds = s + (time[4] !== undefined ? Number(`0.${time[4]}`) : 0);
      const ts = localTime ? clock.local(fullYear(y, 4), mo, d, h, mi, seconds) : Date.UTC(y, mo - 1, d, h, mi, 0) / 1000 + seconds;
      const event: FirewallEvent = {
        ts,
        action: actionWord === 'DROP' ? 'deny' : 'allow',
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
  sniff: (lines: readonly string[]): number => shareRead(parser, lines),
  parser,
};
