/**
 * netfilter / iptables `LOG` target lines, as the kernel writes them (net/netfilter/nf_log_syslog.c):
 * the rule's --log-prefix, then "IN=eth0 OUT=eth1 MAC=… SRC=192.168.0.13 DST=72.246.53.81 LEN=48
 * TOS=0x00 PREC=0x00 TTL=127 ID=1234 DF PROTO=TCP SPT=2499 DPT=80 WINDOW=64240 RES=0x00 SYN URGP=0";
 * IPv6 the same with TC=, HOPLIMIT=, FLOWLBL=. They reach files through syslog (/var/log/kern.log,
 * /var/log/messages), `journalctl -k` and `dmesg`. The prefix names the verdict where the rule's
 * author wrote one (DROP, REJECT, "[UFW BLOCK]", ACCEPT); a LOG rule without one precedes a drop.
 */
import { parseSyslogHeader } from './syslog.js';
import type { FirewallEvent, FirewallFormatModule, LineParser, LogClockLike } from './types.js';
import { actionOf, historyLetters, transportOf, shareRead } from './types.js';

/** The kernel's TCP flag words, in the order it prints them. */
const TCP_FLAG_WORDS = new Set(['CWR', 'ECE', 'URG', 'ACK', 'PSH', 'RST', 'SYN', 'FIN']);

/** The value of " KEY=" in `text` (up to the next space), from `from` on; null when absent. */
function field(text: string, key: string, from = 0): string | null {
  const at = text.indexOf(key, from);
  if (at < 0) return null;
  const start = at + key.length;
  const end = text.indexOf(' ', start);
  return text.slice(start, end < 0 ? text.length : end);
}

/** Whether a line carries a LOG target's packet description. */
function looksLikeLog(line: string): boolean {
  return line.includes('IN=') && line.includes(' SRC=') && line.includes(' DST=') && line.includes(' PROTO=');
}

/** The log prefix: what precedes "IN=" once the syslog tag ("kernel:") and the kernel's uptime are taken off. */
function prefixOf(message: string, inAt: number): string {
  let prefix = message.slice(0, inAt);
  const tag = prefix.indexOf('kernel:');
  if (tag >= 0) prefix = prefix.slice(tag + 7);
  return prefix.replace(/^\s*\[\s*\d+\.\d+\]\s*/, '').trim();
}

function parser(clock: LogClockLike): LineParser {
  let sinceBoot = 0;
  return {
    parse(line: string, lineNumber: number): FirewallEvent | 'skip' | 'bad' | null {
      // The kernel's other messages in the same file (kern.log, dmesg) carry no packet.
      if (!looksLikeLog(line)) return parseSyslogHeader(line, clock) !== null ? 'skip' : null;
      const header = parseSyslogHeader(line, clock);
      if (header === null) return null;
      const message = header.message;
      const inAt = message.indexOf('IN=');
      if (inAt < 0) return 'bad';
      const src = field(message, ' SRC=', inAt);
      const dst = field(message, ' DST=', inAt);
      const protoAt = message.indexOf(' PROTO=', inAt);
      const protoWord = field(message, ' PROTO=', inAt);
      if (src === null || dst === null || protoWord === null) return 'bad';
      const proto = transportOf(protoWord);
      // Other protocols (GRE, ESP, IGMP …): no connection to make of them.
      if (proto === null) return 'skip';
      if (header.sinceBoot) sinceBoot++;
      const event: FirewallEvent = {
        ts: header.ts,
        action: actionOf(prefixOf(message, inAt), 'deny'),
        proto,
        src,
        sport: -1,
        dst,
        dport: -1,
        line: lineNumber,
      };
      if (header.host !== undefined) event.device = header.host;
      if (proto !== 'icmp') {
        event.sport = Number(field(message, ' SPT=', protoAt) ?? -1);
        event.dport = Number(field(message, ' DPT=', protoAt) ?? -1);
      }
      if (proto === 'tcp') {
        const words: string[] = [];
        for (const word of message.slice(protoAt).split(' ')) if (TCP_FLAG_WORDS.has(word)) words.push(word);
        event.tcpFlags = historyLetters(words);
      }
      return event;
    },
    notes(): string[] {
      return sinceBoot > 0
        ? [
            `${sinceBoot === 1 ? 'a line is' : `${sinceBoot} lines are`} time-stamped in seconds since the kernel booted (dmesg without -T): times are relative, not dates`,
          ]
        : [];
    },
  };
}

export const netfilter: FirewallFormatModule = {
  format: 'netfilter',
  description: 'netfilter LOG lines',
  sniff: (lines: readonly string[]): number => shareRead(parser, lines),
  parser,
};
