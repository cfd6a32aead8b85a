/**
 * A scanner of thousands of networks: its finding keeps the destination groups that matter and
 * counts the rest, so the JSON and the report stay readable and bounded.
 */
import { describe, expect, it } from 'vitest';
import { analyzeConnections } from '../../src/analysis/index.js';
import { MAX_GROUPS_KEPT } from '../../src/analysis/hosts.js';
import { analyzeRenderers, reportRenderers } from '../../src/report/index.js';
import { dropped, options, session } from './support.js';

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
    expect(host.groupsOmitted).toEqual({ groups: 500, attempts: 500, established: 0, unanswered: 500, failed: 500, addresses: 500 });
    expect(host.groups.reduce((s, g) => s + g.attempts, 0) + host.groupsOmitted!.attempts).toBe(n);
  });

  it('names the destination of every attempt it keeps, those of the groups left out too', () => {
    expect(host.attempts).toHaveLength(n);
    expect(host.attempts.at(-1)).toMatchObject({ destination: `${20 + ((n - 1) >> 8)}.${(n - 1) & 255}.1.9`, port: 80 });
    expect(new Set(host.attempts.map((a) => a.destination)).size).toBe(n);
  });

  it('the text says how many more there are and what JSON holds', () => {
    const text = analyzeRenderers.text(result, { color: false, width: 200 });
    // The host's line counts every attempt and group it made, those left out of the finding too.
    const total = n.toLocaleString('en-US');
    expect(text).toContain(`${total} attempts · ${total} destination groups`);
    expect(text).toContain(
      `more destination groups (${(n - 5).toLocaleString('en-US')} attempts; --format json has the first ${MAX_GROUPS_KEPT}, and counts the rest)`,
    );
    const json = JSON.parse(analyzeRenderers.json(result, { color: false })) as { hosts: { groupsOmitted?: { groups: number } }[] };
    expect(json.hosts[0]!.groupsOmitted?.groups).toBe(500);
  });

  it('the HTML report calls the groups it shows the most telling of them, not all', () => {
    const html = reportRenderers.html(result, { color: false });
    const total = n.toLocaleString('en-US');
    expect(html).toContain(
      `<summary>the ${MAX_GROUPS_KEPT} most telling of ${total} destination groups (${MAX_GROUPS_KEPT} rows)</summary>`,
    );
    expect(html).not.toContain(`all ${MAX_GROUPS_KEPT} destination groups`);
  });
});

describe('a host with more destination groups on a schedule than a finding keeps', () => {
  // Sixty servers, each reached every 5 minutes from ten minutes apart to the next: every group is
  // periodic, and the labels and verdict weigh all sixty though the finding keeps fifty.
  const host = '192.168.8.8';
  const servers = MAX_GROUPS_KEPT + 10;
  const conns = Array.from({ length: servers }, (_, s) =>
    Array.from({ length: 8 }, (_, k) => session(host, `${40 + (s >> 8)}.${s & 255}.2.9`, 443, 1_700_000_000 + s * 3 + k * 300)),
  ).flat();
  const finding = analyzeConnections(conns, [], options()).hosts.find((h) => h.address === host)!;

  it('keeps fifty and its verdict counts every group on a schedule', () => {
    expect(finding.labels).toContain('periodic');
    expect(finding.groups).toHaveLength(MAX_GROUPS_KEPT);
    expect(finding.groupsOmitted?.groups).toBe(10);
    expect(finding.verdict).toContain(`${servers} destination groups recur on a schedule.`);
  });
});

describe('hosts without findings, counted and not kept, with more destination groups than a finding keeps', () => {
  // Ordinary browsing of many sites by many hosts, one of them a single failed attempt on each:
  // none is labelled, and each is only counted; every attempt must be in the counts.
  const hosts = ['192.168.1.10', '192.168.1.11', '192.168.1.12'];
  const sites = MAX_GROUPS_KEPT + 150;
  const conns = hosts.flatMap((h, k) =>
    Array.from({ length: sites }, (_, i) => {
      const ts = 1_700_000_000 + k * 5_000 + i * 7;
      const site = `${30 + (i >> 8)}.${i & 255}.${k + 1}.9`;
      return k === 2 && i % 5 === 0 ? dropped(h, site, 443, ts) : session(h, site, 443, ts);
    }),
  );
  const result = analyzeConnections(conns, [], options({ allHosts: false }));

  it('counts the attempts of the groups a quiet host leaves out', () => {
    expect(result.hosts.filter((h) => h.labels.length > 0)).toEqual([]);
    const failed = Math.ceil(sites / 5);
    expect(result.quietHosts.count).toBe(hosts.length);
    expect(result.quietHosts.attempts).toBe(hosts.length * sites);
    expect(result.quietHosts.byActivity).toEqual([
      {
        activity: 'direct',
        hosts: hosts.length,
        connections: hosts.length * sites,
        attempts: hosts.length * sites,
        established: hosts.length * sites - failed,
        failed,
      },
    ]);
  });

  it("lists each host's every attempt in the report's table of hosts without findings", () => {
    const listed = analyzeConnections(conns, [], options());
    const markdown = analyzeRenderers.markdown(listed, { color: false, allHosts: true });
    for (const h of hosts) expect(markdown).toContain(`| ${h} | none | ${sites} |`);
  });
});

describe('a host without findings of many destinations, some never answered, as the summary counts them', () => {
  // A peer-to-peer client: hundreds of peers, most of them once, half never answering.
  const client = '192.168.1.30';
  const peers = MAX_GROUPS_KEPT + 250;
  const conns = Array.from({ length: peers }, (_, i) => {
    const peer = `${40 + (i >> 8)}.${i & 255}.7.9`;
    const ts = 1_700_000_000 + i * 13;
    return i % 2 === 0 ? dropped(client, peer, 51_413, ts) : session(client, peer, 51_413, ts);
  });

  it('says every attempt never answered, those of the groups its finding leaves out too', () => {
    for (const allHosts of [true, false]) {
      const result = analyzeConnections(conns, [], options({ allHosts }));
      const host = result.hosts.find((h) => h.address === client)!;
      expect(host.labels).toEqual([]);
      const never = peers / 2;
      expect(host.groups.reduce((n, g) => n + g.unanswered, 0) + host.groupsOmitted!.unanswered).toBe(never);
      expect(host.verdict).toContain(`(${never} never answered)`);
      expect(result.summary.join(' ')).toContain(
        `Nothing calls home on a schedule; ${never} attempts never answered, scattered rather than repeated`,
      );
    }
  });
});

describe('a host with a finding among hosts only counted', () => {
  // Without --all-hosts a host's groups are first made with only their periodic schedules
  // measured; one that has a finding after all is made again in full.
  const beacon = '192.168.1.20';
  const conns = [
    ...Array.from({ length: 20 }, (_, i) => session(beacon, '203.0.113.5', 443, 1_700_000_000 + i * 60)),
    ...Array.from({ length: 30 }, (_, i) => session(beacon, `198.51.${i}.7`, 443, 1_700_000_030 + i * 37)),
    // Browsing at no schedule.
    ...['192.168.1.21', '192.168.1.22'].flatMap((h, k) =>
      [0, 5, 61, 70, 200, 207, 400, 530, 531, 900].map((t, i) => session(h, `198.51.100.${i}`, 443, 1_700_000_000 + k * 3 + t)),
    ),
  ];

  it('keeps the finding it has when every host is kept, its groups and their schedules in words', () => {
    const counted = analyzeConnections(conns, [], options({ allHosts: false }));
    const all = analyzeConnections(conns, [], options());
    const found = counted.hosts.find((h) => h.address === beacon)!;
    expect(found.labels).toContain('periodic');
    expect(found.groups[0]!.schedule).toMatchObject({ periodic: true, basis: 'completed sessions' });
    expect(found.groups.every((g) => !g.schedule.evidence.startsWith('not measured'))).toBe(true);
    expect(found).toEqual(all.hosts.find((h) => h.address === beacon));
    expect(counted.quietHosts.count).toBe(2);
  });
});

/**
 * As a firewall log's hosts turned away wherever they go: 120 hosts going past the proxy in use,
 * each to 60 /24s a minute apart, so each keeps MAX_GROUPS_KEPT groups and a report's flow
 * summary would be 6,000 rows.
 */
function manyHostsManyGroups(): ReturnType<typeof analyzeConnections> {
  const hosts = Array.from({ length: 120 }, (_, k) => `192.168.${1 + (k >> 6)}.${10 + (k & 63)}`);
  const conns = hosts.flatMap((h, k) =>
    Array.from({ length: 60 }, (_, i) =>
      dropped(h, `${40 + (i >> 4)}.${(i & 15) * 16 + (k & 15)}.${k}.9`, 443, 1_700_000_000 + i * 61 + k),
    ),
  );
  return analyzeConnections(conns, [], options({ proxies: [{ address: '192.168.0.2', port: 3128 }] }));
}

describe('an HTML report of many hosts with many destination groups each', () => {
  const result = manyHostsManyGroups();
  const html = reportRenderers.html(result, { color: false });
  const section = (n: number): string =>
    html.slice(html.indexOf(`id="host-${n}"`), html.indexOf('</section>', html.indexOf(`id="host-${n}"`)));

  it('the summary names five of the hosts past the proxy and counts the others', () => {
    const line = result.summary.find((l) => l.startsWith('120 hosts bypass the proxy'))!;
    expect(line).toMatch(
      /^120 hosts bypass the proxy and try the web directly: (192\.168\.\d+\.\d+ \(to 60 destinations\), ){4}192\.168\.\d+\.\d+ \(to 60 destinations\) and 115 more\.$/,
    );
  });

  it('lists every kept group of the first 50 hosts, and the 10 with most attempts of the others, saying so', () => {
    expect(result.hosts.filter((h) => h.labels.includes('proxy-bypass'))).toHaveLength(120);
    expect(section(1)).toContain(
      `<summary>the ${MAX_GROUPS_KEPT} most telling of 60 destination groups (${MAX_GROUPS_KEPT} rows)</summary>`,
    );
    const later = section(51);
    expect(later.match(/<tr><td class="d">/g)).toHaveLength(10);
    expect(later).toContain(`… and ${MAX_GROUPS_KEPT - 10} more destination groups the finding keeps, not listed here.`);
    expect(later).toContain('… and another 10 destination groups (10 attempts, 0 established, 10 unanswered, 10 addresses): left out');
    expect(html.split('with their 10 destination groups with most attempts: --all-hosts shows every host in full.')).toHaveLength(2);
  });

  it('bounds the flow summary to whole hosts, and --all-hosts lists them all', () => {
    const flows = html.slice(html.indexOf('<section id="flows">'));
    expect(flows).toContain('<summary>flows of the first 100 listed hosts by destination (5,000 rows)</summary>');
    expect(flows).toContain('The flows of the other 20 listed hosts are left out to keep this report readable');
    const all = reportRenderers.html(result, { color: false, allHosts: true });
    const allFlows = all.slice(all.indexOf('<section id="flows">'));
    expect(allFlows).toContain('<summary>flows of every listed host by destination (6,000 rows)</summary>');
    expect(all.slice(all.indexOf('id="host-51"')).match(/<tr><td class="d">/)).not.toBeNull();
  });
});

describe('a Markdown report of many hosts with many destination groups each', () => {
  const result = manyHostsManyGroups();

  it('bounds the host tables and the flow summary as the HTML report does, and says so', () => {
    const markdown = reportRenderers.markdown(result, { color: false });
    const section = (address: string): string => {
      const at = markdown.indexOf(`## Host ${address}`);
      return markdown.slice(at, markdown.indexOf('\n## ', at + 1));
    };
    const first = section(result.hosts[0]!.address);
    expect(first).toContain(`_the ${MAX_GROUPS_KEPT} most telling of 60 destination groups_`);
    const later = section(result.hosts[60]!.address);
    expect(later).toContain('_the 10 with most attempts of 60 destination groups_');
    expect(later.split('\n').filter((l) => /^\| \d/.test(l))).toHaveLength(10);
    expect(later).toContain(`… and ${MAX_GROUPS_KEPT - 10} more destination groups the finding keeps, not listed here.`);
    expect(markdown.split('are shown without charts and with their 10 destination groups with most attempts')).toHaveLength(2);
    const flows = markdown.slice(markdown.indexOf('## Flow summary'));
    expect(flows.split('\n').filter((l) => l.startsWith('| 192.168.'))).toHaveLength(5_000);
    expect(flows).toContain('The flows of the other 20 listed hosts are left out to keep this report readable');
    const all = reportRenderers.markdown(result, { color: false, allHosts: true });
    expect(
      all
        .slice(all.indexOf('## Flow summary'))
        .split('\n')
        .filter((l) => l.startsWith('| 192.168.')),
    ).toHaveLength(6_000);
  });
});
