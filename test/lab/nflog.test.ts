/**
 * A capture of NFLOG recorded in a network namespace (test/lab/nflog/README.md): UFW's prefixes on
 * a blocked attempt, an allowed connection and an audited one. Every packet's headers and the
 * decision its prefix names are those tshark decodes; the blocked attempt is the firewall's one
 * denial, the allowed SYN logged alone an attempt that passed, the audited exchange read as the
 * wire would show it.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOG_BLOCK, LOG_NONE, LOG_PASS } from '../../src/decode/packet.js';
import { callhome } from '../cli/support.js';
import { projectRoot } from '../support/corpus.js';
import { packetLines } from '../support/packet-lines.js';

const FILE = resolve(projectRoot, 'test/lab/nflog/ufw.pcap');
const HOST = '192.168.0.20';
/** tshark's nflog.prefix (its trailing space aside) and the decision each names. */
const PREFIXES = new Map([
  ['[UFW BLOCK]', LOG_BLOCK],
  ['[UFW ALLOW]', LOG_PASS],
  ['[UFW AUDIT]', LOG_NONE],
]);

type Row = Record<string, unknown> & { resets: { kind: string; sender: string }[] };

describe('an NFLOG capture of UFW-worded rules', () => {
  it("each packet's headers, and the decision its rule's prefix names, are those tshark decodes", async () => {
    const expected = new Map<number, string>();
    for (const line of readFileSync(resolve(projectRoot, 'test/lab/nflog/ufw.tshark.tsv'), 'utf8').trim().split('\n').slice(1)) {
      const [frame, src, dst, ttl, sport, dport, flags, seq, ack, len, prefix] = line.split('\t');
      expected.set(
        Number(frame),
        [src, dst, ttl, sport, dport, Number(flags), seq, ack, len, PREFIXES.get((prefix ?? '').trim())].join(' '),
      );
    }
    expect(expected.size).toBe(16);
    expect(await packetLines(FILE)).toEqual(expected);
  });

  it('the blocked attempt is denied by the firewall, the allowed one passed, the audited one as on the wire', async () => {
    const run = await callhome(['flows', '--format', 'json', FILE]);
    expect(run.code).toBe(0);
    const rows = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Row);
    expect(
      rows.map((r) => [
        r['id.resp_p'],
        r.conn_state,
        r.history,
        r.orig_pkts,
        r.resp_pkts,
        r.established,
        r.resets.map((s) => `${s.kind} ${s.sender}`),
      ]),
    ).toEqual([
      [443, 'S0', 'S', 5, 0, false, ['log nflog']],
      [80, 'S0', 'S', 1, 0, true, []],
      [8080, 'SF', 'ShADadfF', 5, 5, true, []],
    ]);
  });

  it('analyze names the firewall, by its log, as the one reset source, and info counts the logged packets', async () => {
    const run = await callhome(['analyze', '--format', 'json', '--all-hosts', FILE]);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as {
      resetSources: { kind: string; attribution: string; senders: string[]; resets: number }[];
      hosts: { address: string; verdict: string; groups: { attempts: number; established: number; unanswered: number }[] }[];
    };
    expect(result.resetSources.map((s) => [s.kind, s.attribution, s.senders, s.resets])).toEqual([['log', 'middlebox', ['nflog'], 1]]);
    const host = result.hosts.find((h) => h.address === HOST);
    expect(host?.verdict).toContain('1 of 3 attempts denied by the firewall (its log: nflog)');
    expect(host?.groups.map((g) => [g.attempts, g.established, g.unanswered])).toEqual([[3, 2, 0]]);
    const info = await callhome(['info', FILE]);
    expect(info.stdout).toContain('  logged      blocked 5, passed 1\n');
  });
});
