import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readCapture } from '../../src/capture/index.js';
import { ANOMALIES, DecodeStats, SKIP_REASONS, decodePacket, newPacket } from '../../src/decode/index.js';
import { corpusPath, corpusRoot } from '../support/corpus.js';

const FOLDERS = ['zeek', 'beacon', 'malformed', 'wireshark'];

function captures(): string[] {
  return FOLDERS.flatMap((folder) =>
    readdirSync(`${corpusRoot}/${folder}`)
      .filter((f) => !/\.(txt|log|md)$/.test(f))
      .map((f) => `${folder}/${f}`),
  );
}

interface Run {
  stats: DecodeStats;
  packets: number;
  payloadBytes: { tcp: number; udp: number };
  truncatedTcp: number;
  /** Set when the file itself could not be read (a file-level error, not the decoder's business). */
  fileError: string | null;
}

async function run(file: string): Promise<Run> {
  const stats = new DecodeStats();
  const p = newPacket();
  const payloadBytes = { tcp: 0, udp: 0 };
  let truncatedTcp = 0;
  const onRecord = (record: Parameters<typeof decodePacket>[0]): void => {
    decodePacket(record, p, { verifyChecksums: true });
    stats.add(p);
    if (p.status !== 'decoded') return;
    if (p.proto === 6) {
      payloadBytes.tcp += p.payloadLength;
      if (p.truncated) truncatedTcp++;
    } else if (p.proto === 17) payloadBytes.udp += p.payloadLength;
  };
  try {
    const info = await readCapture(corpusPath(file), onRecord);
    return { stats, packets: info.packets, payloadBytes, truncatedTcp, fileError: null };
  } catch (error) {
    return { stats, packets: stats.records, payloadBytes, truncatedTcp, fileError: (error as { code?: string }).code ?? String(error) };
  }
}

describe('decoding the corpus', () => {
  it.each(captures())('%s: every record is decoded, skipped or malformed, with a catalogued reason', async (file) => {
    const { stats, packets } = await run(file);
    expect(stats.records).toBe(packets);
    expect(stats.statusCounts.decoded + stats.statusCounts.skipped + stats.statusCounts.malformed).toBe(stats.records);
    for (const reason of Object.keys(stats.skipped)) expect(Object.keys(SKIP_REASONS)).toContain(reason);
    for (const code of Object.keys(stats.anomalies)) expect(Object.keys(ANOMALIES)).toContain(code);
  });

  // Expected numbers from tshark 4.x on this machine, computed once when the test was written:
  //   tshark -r FILE -Y 'tcp && !icmp && !icmpv6' | wc -l      (likewise udp; 'icmp || icmpv6')
  // The `!icmp` keeps headers quoted inside ICMP errors out of the TCP/UDP counts.
  // Payload bytes: tshark -r FILE -Y 'tcp && !icmp' -T fields -e tcp.len | awk '{s+=$1} END {print s}'
  // and -e udp.length minus 8 per datagram.
  const tshark: { file: string; tcp: number; udp: number; icmp: number; tcpBytes?: number; udpBytes?: number }[] = [
    { file: 'zeek/wikipedia.pcap', tcp: 78, udp: 48, icmp: 0, tcpBytes: 13807, udpBytes: 3465 },
    { file: 'zeek/ftp__ipv6.pcap', tcp: 136, udp: 0, icmp: 0, tcpBytes: 4639 },
    { file: 'zeek/mixed-vlan-mpls.pcap', tcp: 47, udp: 0, icmp: 0 },
    { file: 'zeek/q-in-q.pcap', tcp: 0, udp: 4, icmp: 0 },
    { file: 'zeek/tls__irc-starttls.pcap', tcp: 20, udp: 0, icmp: 0 },
    { file: 'zeek/linux_dlt_sll2.pcap', tcp: 0, udp: 0, icmp: 4 },
    { file: 'zeek/http__connect-with-header.pcap', tcp: 58, udp: 0, icmp: 0 },
    { file: 'zeek/pppoe.pcap', tcp: 0, udp: 4, icmp: 21 },
    { file: 'zeek/vntag.pcap', tcp: 0, udp: 0, icmp: 0 },
    { file: 'zeek/tcp-http-with-padding.pcap', tcp: 25, udp: 0, icmp: 0, tcpBytes: 207 },
  ];
  it.each(tshark)('$file: TCP/UDP/ICMP packet counts match tshark', async (c) => {
    const { stats, payloadBytes } = await run(c.file);
    expect({ tcp: stats.decoded.tcp, udp: stats.decoded.udp, icmp: stats.decoded.icmp }).toEqual({ tcp: c.tcp, udp: c.udp, icmp: c.icmp });
    if (c.tcpBytes !== undefined) expect(payloadBytes.tcp).toBe(c.tcpBytes);
    if (c.udpBytes !== undefined) expect(payloadBytes.udp).toBe(c.udpBytes);
  });

  it('skips ARP, spanning tree and PPP control traffic by name', async () => {
    expect((await run('zeek/wikipedia.pcap')).stats.skipped).toEqual({ 'l3.not-ip': 10 });
    expect((await run('zeek/pppoe.pcap')).stats.skipped).toEqual({ 'l3.not-ip': 4, 'ppp.not-ip': 36 });
  });

  it('skips later fragments and decodes first ones', async () => {
    const v4 = (await run('zeek/ipv4__fragmented-1.pcap')).stats;
    expect([v4.skipped, v4.statusCounts.decoded]).toEqual([{ 'ipv4.later-fragment': 1 }, 2]);
    const v6 = (await run('zeek/ipv6-fragmented-dns.pcap')).stats;
    expect([v6.skipped, v6.decoded.udp, v6.anomalies]).toEqual([{ 'ipv6.later-fragment': 3 }, 5, {}]);
  });

  // The malformed corpus: what each packet becomes. tcpdump's expected text (.tcpdump-out.txt)
  // says the same in its words, quoted in the comments.
  const malformed: { file: string; status: 'decoded' | 'malformed'; reason: string; count?: number }[] = [
    { file: 'tcpdump_LINKTYPE_IPV4_invalid.pcap', status: 'malformed', reason: 'ipv4.bad_version' }, // "[version 6 != 4] (invalid)"
    { file: 'tcpdump_ipv4_invalid_hdr_length.pcap', status: 'malformed', reason: 'ipv4.bad_header_length' }, // "[header length 16 < 20]"
    { file: 'tcpdump_ipv4_invalid_total_length.pcap', status: 'malformed', reason: 'ipv4.total_length_exceeds' }, // "[total length 85 > length 84]"
    { file: 'tcpdump_ipv6_invalid_length.pcap', status: 'malformed', reason: 'ipv6.packet_too_short' }, // "[length 39 < 40]"
    { file: 'tcpdump_ip6_frag_asan.pcap', status: 'malformed', reason: 'truncated.ipv6_ext' }, // "frag ( [|frag6]"
    { file: 'tcpdump_heapoverflow-tcp_print.pcap', status: 'decoded', reason: 'tcp.options_cut_by_snaplen' }, // "options [... [|tcp]"
    { file: 'tcpdump_tcp-auth-heapoverflow.pcap', status: 'decoded', reason: 'tcp.options_cut_by_snaplen' },
    { file: 'tcpdump_tcp_header_heapoverflow.pcap', status: 'malformed', reason: 'truncated.tcp' }, // " [|tcp]"
    { file: 'tcpdump_mptcp-dss-oobr.pcap', status: 'decoded', reason: '' }, // a SYN whose MPTCP option tcpdump calls bad
    { file: 'tcpdump_tcp_rst_data-trunc.pcap', status: 'decoded', reason: '' }, // "length 58 [|tcp]": payload cut
    { file: 'tcpdump_timestamp_invalid_nano.pcap', status: 'decoded', reason: '', count: 3 },
    { file: 'zeek_ip-bogus-header-len.pcap', status: 'decoded', reason: 'ipv4.zero_total_length' }, // "bad-len 0"
    { file: 'zeek_trunc__icmp-header-trunc.pcap', status: 'malformed', reason: 'truncated.icmp', count: 2 },
    { file: 'zeek_trunc__ip4-trunc.pcap', status: 'malformed', reason: 'truncated.ipv4' },
    { file: 'zeek_trunc__ip6-trunc.pcap', status: 'malformed', reason: 'truncated.ipv6' },
    { file: 'zeek_trunc__ip6-ext-trunc.pcap', status: 'malformed', reason: 'ipv6.payload_length_exceeds' }, // "20 bytes missing!"
    { file: 'zeek_trunc__ipv4-internally-truncated-header.pcap', status: 'malformed', reason: 'truncated.ipv4' }, // options cut
    { file: 'zeek_trunc__ipv4-truncated-broken-header.pcap', status: 'malformed', reason: 'ipv4.total_length_too_small' }, // "bad-len 20", IHL 15
    { file: 'zeek_trunc__trunc-hdr.pcap', status: 'malformed', reason: 'truncated.ethernet' },
  ];
  it.each(malformed)('malformed/$file → $status $reason', async (c) => {
    const { stats, fileError } = await run(`malformed/${c.file}`);
    expect(fileError).toBeNull();
    const count = c.count ?? 1;
    expect(stats.records).toBe(count);
    expect(stats.statusCounts[c.status]).toBe(count);
    if (c.reason !== '') expect(stats.anomalies).toEqual({ [c.reason]: count });
    else expect(stats.anomalies).toEqual({});
  });

  it('flags the cut payload of tcp_rst_data-trunc as truncated', async () => {
    expect((await run('malformed/tcpdump_tcp_rst_data-trunc.pcap')).truncatedTcp).toBe(1);
  });
});
