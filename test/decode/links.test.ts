/**
 * Captures of packet loggers (test/decode/links/README.md): pf's pflog, Linux netfilter's NFLOG
 * and Apple's PKTAP. One real TCP exchange, IPv4 and IPv6, seen through each header: callhome
 * shows the same connections, names the link type, decodes every packet's IP and TCP headers as
 * tshark does, and counts a record cut inside the logger's header as malformed.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LOG_BLOCK, LOG_NONE } from '../../src/decode/packet.js';
import { callhome } from '../cli/support.js';
import { projectRoot } from '../support/corpus.js';
import { packetLines } from '../support/packet-lines.js';

const DIR = resolve(projectRoot, 'test/decode/links');
const CAPTURES = [
  { file: 'pflog.pcap', linktype: '117 (pf firewall log)', truncated: 'truncated.pflog', logged: 'blocked 2, passed 16' },
  { file: 'nflog.pcap', linktype: '239 (Linux NFLOG)', truncated: 'truncated.nflog', logged: 'blocked 18, passed 0' },
  { file: 'pktap.pcap', linktype: '258 (Apple PKTAP)', truncated: 'truncated.pktap', logged: null },
] as const;

/** The prefixes tshark reads in nflog.pcap (its nflog.prefix, the trailing space aside), and the decision each names. */
const NFLOG_PREFIXES = new Map([['[UFW BLOCK]', LOG_BLOCK]]);

const tmp = mkdtempSync(join(tmpdir(), 'links-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The capture with its first record cut to `caplen` bytes (a little-endian pcap, as all three are). */
function firstRecordCut(file: string, caplen: number): string {
  const bytes = readFileSync(resolve(DIR, file));
  const first = bytes.readUInt32LE(24 + 8);
  const out = Buffer.concat([bytes.subarray(0, 24 + 16 + caplen), bytes.subarray(24 + 16 + first)]);
  out.writeUInt32LE(caplen, 24 + 8);
  const path = join(tmp, `cut-${file}`);
  writeFileSync(path, out);
  return path;
}

describe.each(CAPTURES)('$file', ({ file, linktype, truncated, logged }) => {
  it('flows shows the TCP connections inside the logged packets', async () => {
    const run = await callhome(['flows', '--format', 'json', resolve(DIR, file)]);
    expect(run.code).toBe(0);
    const rows = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(
      rows.map((r) => [r['id.orig_h'], r['id.orig_p'], r['id.resp_h'], r['id.resp_p'], r.proto, r.conn_state, r.history].join(' ')),
    ).toEqual([
      '192.0.2.2 32879 192.0.2.1 8080 tcp SF ShADaFf',
      '192.0.2.2 54815 192.0.2.1 443 tcp REJ Sr',
      '2001:db8::2 34579 2001:db8::1 8081 tcp SF ShADaFf',
    ]);
    for (const r of rows) expect([r.orig_ttl, r.resp_ttl]).toEqual([64, 64]);
  });

  it('info names the link type and decodes every record', async () => {
    const run = await callhome(['info', resolve(DIR, file)]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`link type   ${linktype}\n`);
    expect(run.stdout).toContain('decoded     IPv4 10, IPv6 8, TCP 18, UDP 0, ICMP 0, other 0\n');
    expect(run.stdout).toContain('skipped     none\n');
    expect(run.stdout).toContain('anomalies   none\n');
    // What the logger says the firewall did with the packets; a capture of no firewall says nothing.
    if (logged === null) expect(run.stdout).not.toContain('logged');
    else expect(run.stdout).toContain(`logged      ${logged}\n`);
  });

  it("each packet's addresses, TTL, ports, flags, sequence numbers and the logger's action are those tshark decodes", async () => {
    const lines = readFileSync(resolve(DIR, file.replace('.pcap', '.tshark.tsv')), 'utf8')
      .trim()
      .split('\n')
      .slice(1);
    const expected = new Map<number, string>();
    for (const line of lines) {
      const [frame, src4, src6, dst4, dst6, ttl, hlim, sport, dport, flags, seq, ack, len, logged] = line.split('\t');
      // pf's action (0 pass, 1 block); the NFLOG rule's prefix, UFW's word for a drop; none for PKTAP.
      const action = file === 'pflog.pcap' ? Number(logged) : file === 'nflog.pcap' ? NFLOG_PREFIXES.get((logged ?? '').trim()) : LOG_NONE;
      expected.set(Number(frame), [src4 || src6, dst4 || dst6, ttl || hlim, sport, dport, Number(flags), seq, ack, len, action].join(' '));
    }
    expect(expected.size).toBe(18);
    expect(await packetLines(resolve(DIR, file))).toEqual(expected);
  });

  it('a record cut inside the header is counted malformed, the others decoded', async () => {
    const run = await callhome(['info', firstRecordCut(file, 40)]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('decoded     IPv4 9, IPv6 8, TCP 17, UDP 0, ICMP 0, other 0\n');
    expect(run.stdout).toContain(`anomalies   ${truncated} 1\n`);
  });
});

describe('nflog.pcap', () => {
  it("a prefix saying block on connections that were answered is no denial: only the attempt nobody answered is the firewall's", async () => {
    // Its rule logs every packet as "[UFW BLOCK] " and drops none (test/decode/links/README.md).
    const run = await callhome(['analyze', '--format', 'json', resolve(DIR, 'nflog.pcap')]);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as { resetSources: { kind: string; senders: string[]; resets: number }[] };
    expect(result.resetSources.map((s) => [s.kind, s.senders, s.resets])).toEqual([['log', ['nflog'], 1]]);
  });
});

describe('nflog-size.pcap', () => {
  it("an NFLOG rule's copy range (--nflog-size 48) cuts every packet, and flows still shows the connection", async () => {
    const file = resolve(DIR, 'nflog-size.pcap');
    const info = await callhome(['info', file]);
    expect(info.stdout).toContain('decoded     IPv4 8, IPv6 0, TCP 8, UDP 0, ICMP 0, other 0\n');
    expect(info.stdout).not.toContain('ipv4.total_length_exceeds');
    const run = await callhome(['flows', '--format', 'json', file]);
    const rows = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows).toHaveLength(1);
    const r = rows[0]!;
    expect([r['id.orig_h'], r['id.orig_p'], r['id.resp_h'], r['id.resp_p'], r.conn_state]).toEqual([
      '192.0.2.2',
      41431,
      '192.0.2.1',
      8080,
      'SF',
    ]);
    // The packets' lengths as their IP headers give them; the 6 bytes of data were not copied.
    expect([r.orig_pkts, r.orig_ip_bytes, r.resp_pkts, r.resp_ip_bytes, r.orig_bytes, r.missed_bytes]).toEqual([5, 274, 3, 164, 6, 6]);
  });
});
