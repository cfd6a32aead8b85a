/**
 * A scanner of thousands of networks: its finding keeps the destination groups that matter and
 * counts the rest, so the JSON and the report stay readable and bounded.
 */
import { describe, expect, it } from 'vitest';
import { analyzeConnections } from '../../src/analysis/index.js';
import { MAX_GROUPS_KEPT } from '../../src/analysis/hosts.js';
import { analyzeRenderers } from '../../src/report/index.js';
import { dropped, options } from './support.js';

describe('a host with more destination groups than a finding keeps', () => {
  const scanner = '192.168.7.7';
  const n = MAX_GROUPS_KEPT + 500;
  const conns = Array.from({ length: n }, (_, i) =>
    dropped(scanner, `${20 + (i >> 8)}.${i & 255}.1.9`, 80, 1_700_000_000 + i * 0.01, 20_000 + i),
  );
  const result = analyzeConnections(conns, [], options());
  const host = result.hosts.find((h) => h.address === scanner)!;

  it('keeps the first groups and counts the others', () => {
    expect(host.labels).toContain('scanner');
    expect(host.groups).toHaveLength(MAX_GROUPS_KEPT);
    expect(host.groupsOmitted).toEqual({ groups: 500, attempts: 500, established: 0, unanswered: 500, addresses: 500 });
    expect(host.groups.reduce((s, g) => s + g.attempts, 0) + host.groupsOmitted!.attempts).toBe(n);
  });

  it('the text says how many more there are and what JSON holds', () => {
    const text = analyzeRenderers.text(result, { color: false, width: 200 });
    expect(text).toContain(
      `more destination groups (${(n - 5).toLocaleString('en-US')} attempts; --format json has the first ${MAX_GROUPS_KEPT}, and counts the rest)`,
    );
    const json = JSON.parse(analyzeRenderers.json(result, { color: false })) as { hosts: { groupsOmitted?: { groups: number } }[] };
    expect(json.hosts[0]!.groupsOmitted?.groups).toBe(500);
  });
});
