/**
 * VXLAN captures of real Linux stacks (test/lab/tunnels/README.md): what a sniffer fed by VXLAN
 * mirroring records must give the same conversations, and the same verdict on the inner host, as
 * a capture of the same exchange made inside the tunnel in the same run; each packet's inner
 * headers are those tshark decodes.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCapture } from '../../src/capture/index.js';
import { decodePacket, newPacket, packetDestination, packetSource } from '../../src/decode/index.js';
import { callhome } from '../cli/support.js';
import { projectRoot } from '../support/corpus.js';

const DIR = resolve(projectRoot, 'test/lab/tunnels');
const VARIANTS = [
  { v: 4, client: '10.20.0.1', server: '198.51.100.80', proxy: '10.20.0.9:3128' },
  { v: 6, client: 'fd20::1', server: '2001:db8:80::80', proxy: '[fd20::9]:3128' },
] as const;
/** The outer headers' TTL the lab gave the VXLAN devices; the stacks' own is 64. */
const OUTER_TTL = 17;

type Row = Record<string, string | number | boolean | string[] | null>;

async function flows(file: string): Promise<Row[]> {
  const run = await callhome(['flows', '--format', 'json', resolve(DIR, file)]);
  expect(run.code).toBe(0);
  return run.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Row);
}

/** What a user compares between two captures of one exchange (not uids or microsecond timings). */
function conversation(r: Row): string {
  return [
    r['id.orig_h'],
    r['id.orig_p'],
    r['id.resp_h'],
    r['id.resp_p'],
    r.proto,
    r.service,
    r.conn_state,
    r.history,
    r.orig_pkts,
    r.orig_ip_bytes,
    r.resp_pkts,
    r.resp_ip_bytes,
    r.orig_bytes,
    r.resp_bytes,
    r.orig_ttl,
    r.resp_ttl,
  ].join(' ');
}

describe.each(VARIANTS)('IPv$v in VXLAN over IPv$v, captured on the underlay', ({ v, client, server, proxy }) => {
  const underlay = `vxlan${v}-underlay.pcap`;
  const inner = `vxlan${v}-inner.pcap`;

  it('flows shows the inner TCP conversations exactly as the capture inside the tunnel does', async () => {
    const outside = (await flows(underlay)).filter((r) => r.proto === 'tcp');
    const inside = await flows(inner);
    expect(inside.length).toBe(4);
    expect(outside.map(conversation).sort()).toEqual(inside.map(conversation).sort());
    const states = outside
      .map((r) => `${String(r['id.orig_h'])} → ${String(r['id.resp_h'])}:${String(r['id.resp_p'])} ${String(r.conn_state)}`)
      .sort();
    expect(states).toEqual([
      `${client} → ${server}:443 REJ`,
      `${client} → ${server}:443 REJ`,
      `${client} → ${server}:80 SF`,
      `${client} → ${server}:80 SF`,
    ]);
    // Handshake, data both ways, both FINs (whichever side closed first); a reset to the SYN.
    for (const r of outside) expect(r.history).toMatch(r['id.resp_p'] === 80 ? /^ShADad(Ff|fF)$/ : /^Sr$/);
    // TTL evidence is the inner header's, not the tunnel's.
    for (const r of outside) {
      expect(r.orig_ttl).toBe(64);
      expect(r.resp_ttl).toBe(64);
    }
  });

  it("the VXLAN datagrams are connections of their own, and each inner one names them as Zeek's tunnel_parents", async () => {
    const rows = await flows(underlay);
    const vxlan = rows.filter((r) => r.proto === 'udp' && r['id.resp_p'] === 4789);
    expect(vxlan.length).toBeGreaterThan(0);
    for (const r of vxlan) expect(r.service).toBe('vxlan');
    const uids = new Set(vxlan.map((r) => r.uid));
    for (const r of rows.filter((x) => x.proto === 'tcp')) {
      // One parent for each direction: Linux picks the VXLAN source port by flow hash.
      const parents = r.tunnel_parents as string[];
      expect(parents).toHaveLength(2);
      for (const uid of parents) expect(uids.has(uid)).toBe(true);
    }
    const zeek = await callhome(['flows', '--format', 'zeek', resolve(DIR, underlay)]);
    const header = zeek.stdout
      .split('\n')
      .find((l) => l.startsWith('#fields'))!
      .split('\t')
      .slice(1);
    const column = header.indexOf('tunnel_parents');
    const tcpRows = zeek.stdout
      .split('\n')
      .filter((l) => !l.startsWith('#') && l.includes('\ttcp\t'))
      .map((l) => l.split('\t'));
    expect(tcpRows).toHaveLength(4);
    for (const cells of tcpRows) expect(cells[column]).toMatch(/^C[0-9A-Za-z]+,C[0-9A-Za-z]+$/);
  });

  it('analyze gives the inner host the labels and evidence it gets from the capture inside the tunnel', async () => {
    const analyse = async (file: string): Promise<{ hosts: { address: string; labels: string[]; groups: unknown[] }[] }> => {
      const run = await callhome(['analyze', '--format', 'json', '--proxy', proxy, resolve(DIR, file)]);
      expect(run.code).toBe(0);
      return JSON.parse(run.stdout) as { hosts: { address: string; labels: string[]; groups: unknown[] }[] };
    };
    const outside = (await analyse(underlay)).hosts.find((h) => h.address === client);
    const inside = (await analyse(inner)).hosts.find((h) => h.address === client);
    expect(inside).toBeDefined();
    expect(inside!.labels).toContain('proxy-bypass');
    expect(outside).toBeDefined();
    expect(outside!.labels).toEqual(inside!.labels);
    const groupWords = (g: unknown): unknown => {
      const { destination, ports, attempts, established, unanswered, resets } = g as Record<string, unknown>;
      return { destination, ports, attempts, established, unanswered, resets };
    };
    expect(outside!.groups.map(groupWords)).toEqual(inside!.groups.map(groupWords));
  });

  it("each packet's inner addresses, TTL, ports, flags and sequence numbers are those tshark decodes", async () => {
    const lines = readFileSync(resolve(DIR, `vxlan${v}-underlay.tshark.tsv`), 'utf8')
      .trim()
      .split('\n')
      .slice(1);
    const expected = new Map<number, string>();
    for (const line of lines) {
      const [frame, src, dst, ttl, sport, dport, flags, seq, ack, len] = line.split('\t');
      const last = (s: string): string => s.split(',').at(-1)!;
      expect(last(ttl!)).not.toBe(String(OUTER_TTL));
      expected.set(Number(frame), [last(src!), last(dst!), last(ttl!), sport, dport, Number(flags), seq, ack, len].join(' '));
    }
    expect(expected.size).toBeGreaterThan(20);
    const seen = new Map<number, string>();
    const p = newPacket();
    await readCapture(resolve(DIR, underlay), (record) => {
      decodePacket(record, p);
      if (p.status !== 'decoded' || p.proto !== 6) return;
      expect(p.tunnel).toBe('vxlan');
      expect(p.tunnelDepth).toBe(1);
      seen.set(
        record.index,
        [packetSource(p), packetDestination(p), p.ttl, p.sport, p.dport, p.tcpFlags, p.seq, p.ack, p.payloadLength].join(' '),
      );
    });
    expect(seen).toEqual(expected);
  });
});
