/**
 * Firewall logs read from their files a chunk at a time: the same entries, attempts and summary
 * as the whole text gives, wherever the chunks end, gzip or not, CRLF or LF; and a long log read
 * through the reader's window makes the attempts the whole log makes.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { Connection } from '../../src/flows/connection.js';
import { AttemptStream, attemptsOf, HELD_EVENTS } from '../../src/logs/firewall/attempts.js';
import { readFirewallLog, type FirewallLog } from '../../src/logs/firewall/index.js';
import { netfilter } from '../../src/logs/firewall/netfilter.js';
import { readFirewallLogFile, readFirewallLogStream } from '../../src/logs/firewall/read.js';
import { LogClock } from '../../src/logs/firewall/time.js';
import type { FirewallEvent } from '../../src/logs/firewall/types.js';

const fixture = (name: string): string => readFileSync(fileURLToPath(new URL(`fixtures/${name}`, import.meta.url)), 'utf8');
const tmp = mkdtempSync(join(tmpdir(), 'callhome-fwstream-'));
const OPTIONS = { year: 2024, mtimeMs: Date.UTC(2024, 5, 1) };

async function readFile(name: string, bytes: Uint8Array, chunkBytes?: number): Promise<{ log: FirewallLog; emitted: Connection[] }> {
  const path = join(tmp, name);
  writeFileSync(path, bytes);
  const emitted: Connection[] = [];
  const log = await readFirewallLogFile(path, OPTIONS, (c) => emitted.push(c), chunkBytes);
  return { log, emitted };
}

/** What reading the text whole gives, the file's name in the evidence. */
function whole(path: string, text: string): FirewallLog {
  return readFirewallLog(join(tmp, path), text, OPTIONS);
}

function same(read: { log: FirewallLog; emitted: Connection[] }, expected: FirewallLog): void {
  expect(read.emitted).toEqual(expected.connections);
  expect(read.log.summary).toEqual(expected.summary);
  expect(read.log.warnings).toEqual(expected.warnings);
  expect(read.log.unmatched).toEqual(expected.unmatched);
  expect(read.log.entries).toBe(expected.entries);
}

/** Attempts from 3,000 hosts, 30 a second, a tenth retried 3 and 6 s later, the retries logged ahead of the lines between. */
function longLines(count: number): string[] {
  const out: string[] = [];
  const stamp = (t: number): string => {
    const d = new Date(Date.UTC(2024, 2, 5) + t * 1000);
    return `Mar  ${d.getUTCDate()} ${d.toISOString().slice(11, 19)}`;
  };
  for (let i = 0; out.length < count; i++) {
    const t = Math.floor(i / 30);
    const line = (at: number): string =>
      `${stamp(at)} gw kernel: [1.0] DROP IN=eth1 OUT=eth0 SRC=10.0.${(i % 3000) >> 8}.${i % 256} DST=203.0.113.${i % 7} LEN=60 ` +
      `PROTO=TCP SPT=${1024 + ((i / 3000) | 0)} DPT=443 WINDOW=64240 RES=0x00 SYN URGP=0`;
    out.push(line(t));
    if (i % 10 === 0) out.push(line(t + 3), line(t + 6));
  }
  return out;
}

const text0 = fixture('netfilter-kern.log');

describe('a firewall log read from its file a chunk at a time', () => {
  const text = text0;

  it('reads a line split across chunks as the whole text reads it, for every chunk size', async () => {
    const expected = whole('kern.log', text);
    expect(expected.entries).toBe(26);
    for (const size of [1, 7, 64, 100, 333, 4096]) same(await readFile('kern.log', Buffer.from(text), size), expected);
  });

  it('names a line longer than any log writes without reading it, keeping only its beginning while it is read', async () => {
    const lines = text.trimEnd().split('\n');
    // a kern.log line followed by 2 MB more (a blob pasted in), in the middle, and another as the last line
    const long = `${lines[3]!} ${'X '.repeat(1_000_000)}`;
    const withLong = `${[...lines.slice(0, 5), long, ...lines.slice(5)].join('\n')}\n${long}`;
    const expected = whole('long.log', withLong);
    expect(expected.entries).toBe(26);
    const named = expected.warnings.find((w) =>
      w.startsWith('2 lines are longer than any firewall log writes (over 65,536 characters), not read: '),
    );
    expect(named).toContain(`line 6 "${lines[3]!} X X`);
    expect(named).toContain(`line ${(lines.length + 2).toLocaleString('en-US')} "`);
    expect(expected.summary.skipped['log.overlong']).toBe(2);
    expect(expected.summary.bytes).toBe(withLong.length + 1);
    for (const size of [4096, 1 << 20]) same(await readFile('long.log', Buffer.from(withLong), size), expected);
  });

  it('inflates a gzip log as it reads it', async () => {
    same(await readFile('kern.log.gz', gzipSync(text), 256), whole('kern.log.gz', text));
  });

  it('reads CRLF line ends as LF ones, a CR on its own kept where the text keeps it', async () => {
    const crlf = text.replace(/\n/g, '\r\n');
    const expected = whole('crlf.log', crlf);
    same(await readFile('crlf.log', Buffer.from(crlf), 50), expected);
    expect(expected.connections.map((c) => c.uid)).toEqual(whole('crlf.log', text).connections.map((c) => c.uid));
    const doubled = `${text.split('\n').slice(0, 3).join('\r\r\n')}\r\n`;
    same(await readFile('cr.log', Buffer.from(doubled), 16), whole('cr.log', doubled));
  });

  it('keeps byte-order marks, UTF-16 and non-ASCII lines as the text reads them', async () => {
    const marked = `\uFEFF${text}`;
    same(await readFile('bom.log', Buffer.from(marked), 9), whole('bom.log', text));
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    same(await readFile('utf16.log', utf16, 64), whole('utf16.log', text));
    const accented = text.replace(' gw ', ' gw-ñ ').replace('-- this line', '-- thïs line ✓');
    same(await readFile('accented.log', Buffer.from(accented), 33), whole('accented.log', accented));
  });

  it('reads a long netfilter log from its bytes as the text parser reads its lines, odd shapes included', async () => {
    const packet =
      'IN=eth1 OUT=eth0 MAC=00:16:3e:11:22:33:00:16:3e:44:55:66:08:00 SRC=192.168.1.23 DST=93.184.216.34 LEN=60 TTL=63 ID=1 DF';
    const odd = [
      `Mar  5 2024 09:05:00 gw kernel: DROP ${packet} PROTO=TCP SPT=40001 DPT=80 SYN URGP=0`,
      `Mar  5 09:05:00.250 gw kernel: DROP ${packet} PROTO=TCP SPT=40002 DPT=80 SYN URGP=0`,
      `<4>Mar  5 09:05:01 gw kernel: DROP ${packet} PROTO=TCP SPT=40003 DPT=80 SYN URGP=0`,
      `Mar  5 09:05:02 kernel: [ 12.5] REJECT ${packet} PROTO=TCP SPT=40004 DPT=80 SYN URGP=0`,
      `Mar  5 09:05:02 gw : kernel: ACCEPT ${packet} PROTO=TCP SPT=40005 DPT=80 ACK PSH FIN RST CWR ECE URG URGP=0`,
      `Mar  5 09:05:03 gw kernel: DROP ${packet} PROTO=UDP SPT= DPT=53 LEN=40`,
      `Mar  5 09:05:03 gw kernel: DROP ${packet} PROTO=47`,
      `Mar  5 09:05:04 gw kernel: DROP ${packet} PROTO=ICMP TYPE=8 CODE=0 ID=9 SEQ=1`,
      `Mar  5 09:05:04 gw kernel: DROP ${packet} PROTO=tcp SPT=40006 DPT=80 SYN`,
      `Mar  5 09:05:05 gw kernel: DROP SPT=1 ${packet} PROTO=TCP DPT=80\tSYN`,
      `Mar  5 09:05:05 gw kernel: DROP ${packet} PROTO=TCP SPT=040007 DPT=80 SYN `,
      `Mar  5 09:05:06 gw kernel: DROP IN=eth1 SRC=2001:0DB8::1 DST=2001:db8::2 PROTO=TCP SPT=40008 DPT=443 SYN`,
      `Mar  5 09:05:06 gw kernel: DROP IN=eth1 SRC=010.1.1.1 DST=10.1.1.256 PROTO=UDP SPT=5 DPT=6`,
      `Mar  5 09:05:07 gw-ñ kernel: DROP ${packet} PROTO=TCP SPT=40009 DPT=80 SYN URGP=0`,
      `Mar  5 09:05:08 gw kernel: DROP OUT=eth0 SRC=1.2.3.4 PROTO=TCP`,
      `Mar 35 09:05:09 gw kernel: DROP ${packet} PROTO=TCP SPT=40010 DPT=80 SYN URGP=0`,
      `Dec 31 23:59:59 gw kernel: DROP ${packet} PROTO=TCP SPT=40011 DPT=80 SYN URGP=0`,
      `Jan  1 00:00:01 gw kernel: DROP ${packet} PROTO=TCP SPT=40012 DPT=80 SYN URGP=0`,
      // No host: the decision's prefix straight after the stamp (as dmesg and journalctl write)
      `Mar  5 09:05:10 ACCEPT ${packet} PROTO=TCP SPT=40013 DPT=80 SYN URGP=0`,
      `Mar  5 09:05:10 gw ${packet} PROTO=TCP SPT=40014 DPT=80 SYN URGP=0`,
      // What cannot be: addresses past 255 or not hex, ports past 65535 or missing, 31 November, hour 25
      `Mar  5 09:05:11 gw kernel: DROP IN=eth1 SRC=192.168.1.23 DST=999.1.1.1 PROTO=TCP SPT=40015 DPT=80 SYN`,
      `Mar  5 09:05:11 gw kernel: DROP IN=eth1 SRC=192.168.1.23 DST=2001:db8::zz PROTO=TCP SPT=40016 DPT=80 SYN`,
      `Mar  5 09:05:12 gw kernel: DROP ${packet} PROTO=TCP SPT=99999 DPT=80 SYN URGP=0`,
      `Mar  5 09:05:12 gw kernel: DROP ${packet} PROTO=TCP SPT=40017 DP`,
      `Mar  5 09:05:13 gw kernel: DROP ${packet} PROTO=UDP FRAG:185`,
      `Nov 31 09:05:13 gw kernel: DROP ${packet} PROTO=TCP SPT=40018 DPT=80 SYN URGP=0`,
      `Mar  5 25:05:14 gw kernel: DROP ${packet} PROTO=TCP SPT=40019 DPT=80 SYN URGP=0`,
    ];
    const text = [...longLines(250), ...text0.split('\n'), ...odd, ...longLines(300)].join('\n');
    const expected = whole('long-kern.log', text);
    expect(expected.entries).toBeGreaterThan(550);
    for (const size of [200, 4096]) same(await readFile('long-kern.log', Buffer.from(text), size), expected);
  });

  it('reads standard input the same way', async () => {
    async function* chunks(): AsyncGenerator<Uint8Array> {
      const bytes = gzipSync(text);
      for (let i = 0; i < bytes.length; i += 100) yield await Promise.resolve(bytes.subarray(i, i + 100));
    }
    const emitted: Connection[] = [];
    const log = await readFirewallLogStream(join(tmp, 'stdin'), chunks(), OPTIONS, (c) => emitted.push(c));
    same({ log, emitted }, whole('stdin', text));
  });
});

/** The case study's table of blocked attempts, newest first: `count` rows from 2,000 hosts, a fifth retried 3 s later. */
function newestFirstTable(count: number): string[] {
  const rows: string[] = [];
  const stamp = (t: number): string => new Date(Date.UTC(2024, 2, 5) + t * 1000).toISOString().slice(0, 19).replace('T', '\t');
  for (let i = 0; rows.length < count; i++) {
    const t = Math.floor(i / 20);
    const row = (at: number): string =>
      `${stamp(at)}\tTCP\t192.168.${(i % 2000) >> 8}.${i % 256}\t${2000 + ((i / 2000) | 0)}\t93.184.43.${i % 9}\t80 (HTTP)`;
    rows.push(row(t));
    if (i % 5 === 0) rows.push(row(t + 3));
  }
  return rows.sort().reverse();
}

describe('a long log that lists its newest lines first', () => {
  // Streamed: attempts were handed on while the file was still being read, not once it was all held.
  async function readStreamed(name: string, bytes: Uint8Array, chunkBytes: number): Promise<{ log: FirewallLog; emitted: Connection[] }> {
    const path = join(tmp, name);
    writeFileSync(path, bytes);
    const emitted: Connection[] = [];
    const handedOn: number[] = [];
    const pause = (): null => {
      handedOn.push(emitted.length);
      return null;
    };
    const log = await readFirewallLogFile(path, OPTIONS, (c) => emitted.push(c), chunkBytes, pause);
    expect(handedOn.at(-1)).toBeGreaterThan(emitted.length / 2);
    return { log, emitted };
  }

  it('is read again from the end of its file and streamed, making what the whole text makes', async () => {
    const rows = newestFirstTable(HELD_EVENTS + 10_000);
    rows.splice(5, 0, '# exported page 2', 'not a row of the table');
    // Six lines no format reads near the end: the warning names the first few of the file, not of the reading.
    for (let k = 0; k < 6; k++) rows.splice(rows.length - 3 * k - 3, 0, `Ünlesbar — keine Zeile ${k}`);
    const text = ['Date\tTime\tProtocol\tSource IP\tSource Port\tDestination IP\tDestination Port', ...rows].join('\r\n');
    const expected = whole('newest.txt', text);
    expect(expected.entries).toBe(HELD_EVENTS + 10_000);
    expect(expected.unmatched.count).toBe(7);
    expect(expected.unmatched.first.map((u) => u.line)).toEqual([8, ...[9_991, 9_994, 9_997, 10_000].map((k) => HELD_EVENTS + k)]);
    same(await readStreamed('newest.txt', Buffer.from(`\uFEFF${text}`), 999), expected);
  });

  it('reads netfilter lines from their bytes the same way', async () => {
    const text = longLines(HELD_EVENTS + 5_000)
      .sort((a, b) => (a.slice(0, 15) < b.slice(0, 15) ? 1 : a.slice(0, 15) > b.slice(0, 15) ? -1 : 0))
      .join('\n')
      .concat('\n');
    same(await readStreamed('newest-kern.log', Buffer.from(text), 1 << 16), whole('newest-kern.log', text));
  });

  it('is held whole when it cannot be read again (gzip), making the same', async () => {
    const text = [
      'Date Time Protocol Source-IP Source-Port Destination-IP Destination-Port',
      ...newestFirstTable(HELD_EVENTS + 1_000),
    ].join('\n');
    same(await readFile('newest.txt.gz', gzipSync(text), 1 << 16), whole('newest.txt.gz', text));
  });
});

describe('a long log read through the window', () => {
  it('makes the attempts, in the order they start, that the whole log makes', () => {
    const text = longLines(HELD_EVENTS + 20_000);
    const clock = new LogClock({ year: 2024 });
    const parse = netfilter.parser(clock);
    const events = text.map((l, i) => parse.parse(l, i + 1) as FirewallEvent);
    const expected = attemptsOf(events, { capture: 0, file: 'long.log' });
    const log = readFirewallLog('long.log', text, { year: 2024 });
    expect(log.entries).toBe(text.length);
    expect(log.connections).toEqual(expected);
    expect(log.warnings).toEqual([]);
  });

  it('reads a port scan logged at 10,000 lines a second, its attempts all in their retry time, in one pass', () => {
    // Ports probed at 10,000 a second: every attempt may still take a retry when the last is
    // logged, and more attempts wait to be handed on than WAITING_ATTEMPTS. Looking for finished
    // ones again at every line made reading such a log take hours.
    const events: FirewallEvent[] = [];
    for (let i = 0; i < HELD_EVENTS + 2_000; i++) {
      const dst = `203.0.113.${Math.floor(i / 50_000)}`;
      events.push({
        ts: 1_709_629_200 + Math.floor(i / 10_000),
        action: 'deny',
        proto: 'tcp',
        src: '192.168.1.66',
        sport: 40_000,
        dst,
        dport: 1 + (i % 50_000),
        tcpFlags: 'S',
        line: i + 1,
      });
    }
    const emitted: Connection[] = [];
    const stream = new AttemptStream({ capture: 0, file: 'scan.log' }, (c) => emitted.push(c));
    for (const e of events) stream.add(e);
    stream.finish();
    expect(emitted).toHaveLength(events.length);
    expect(new Set(emitted.map((c) => `${c.respH}:${c.respP}`)).size).toBe(events.length);
    expect(emitted).toEqual(attemptsOf(events, { capture: 0, file: 'scan.log' }));
    expect(stream.outOfTurnPasses).toBeLessThanOrEqual(2);
  });

  it('holds a connection an ASA let through until its teardown says it was never answered', () => {
    // Past the first HELD_EVENTS lines attempts are handed on as the log is read: one let through
    // waits for its teardown, which comes after the embryonic timeout (30 s), later than a retry may.
    const events: FirewallEvent[] = [];
    const start = 1_709_629_200;
    for (let i = 0; i < HELD_EVENTS + 6_000; i++) {
      events.push({
        ts: start + Math.floor(i / 100),
        action: 'deny',
        proto: 'tcp',
        src: `10.0.0.${i % 200}`,
        sport: 1024 + i,
        dst: '203.0.113.9',
        dport: 80,
        line: 0,
      });
    }
    const late = start + Math.floor(HELD_EVENTS / 100) + 5;
    for (let k = 0; k < 20; k++) {
      const ts = late + k * 2;
      const ends = { src: '192.168.0.30', sport: 50_000 + k, dst: '198.51.100.50', dport: 443, device: 'asa01', connection: 900 + k };
      events.push({ ts, action: 'allow', proto: 'tcp', ...ends, line: 0 });
      const teardown = { reason: k % 2 === 0 ? 'SYN Timeout' : 'TCP FINs', seconds: 31 + (k % 5), bytes: 0 };
      events.push({ ts: ts + teardown.seconds, action: 'allow', proto: 'tcp', ...ends, teardown, line: 0 });
    }
    events.sort((a, b) => a.ts - b.ts);
    events.forEach((e, i) => (e.line = i + 1));
    const emitted: Connection[] = [];
    const stream = new AttemptStream({ capture: 0, file: 'asa.log' }, (c) => emitted.push(c));
    for (const e of events) stream.add(e);
    stream.finish();
    expect(emitted).toEqual(attemptsOf(events, { capture: 0, file: 'asa.log' }));
    const through = emitted.filter((c) => c.origH === '192.168.0.30');
    expect(through.map((c) => c.established)).toEqual(Array.from({ length: 20 }, (_, k) => k % 2 === 1));
  });

  it('hands on the attempts behind one retried all day, out of turn, none lost', () => {
    const text = longLines(HELD_EVENTS + 120_000);
    // One source retries the same 5-tuple every 10 s from start to end.
    for (let i = 0; i < text.length; i += 300)
      text.splice(i, 0, text[i]!.replace(/SRC=\S+ DST=\S+/, 'SRC=10.9.9.9 DST=198.51.100.1').replace(/SPT=\d+/, 'SPT=999'));
    const clock = new LogClock({ year: 2024 });
    const parse = netfilter.parser(clock);
    const events = text.map((l, i) => parse.parse(l, i + 1) as FirewallEvent);
    const expected = attemptsOf(events, { capture: 0, file: 'chatty.log' });
    const log = readFirewallLog('chatty.log', text, { year: 2024 });
    const byUid = (a: Connection, b: Connection): number => (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0);
    expect(log.connections.map((c) => c.uid)).not.toEqual(expected.map((c) => c.uid));
    expect([...log.connections].sort(byUid)).toEqual(expected);
    expect(expected.find((c) => c.origH === '10.9.9.9')!.origPkts).toBeGreaterThan(700);
  });
});
