/**
 * AWS VPC Flow Logs in the shapes an investigator is handed them: S3's gzip files in dated
 * folders with a header naming the default format's fields, a CloudWatch Logs export without
 * one (each record after CloudWatch's time), and a custom format in its own order. A REJECT is
 * the security group's or network ACL's denial, NODATA and SKIPDATA records carry no flow, and
 * the records of answers — both directions of a flow are recorded — are no attempts of the host
 * that answered.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { analyze, loadCaptures } from '../../src/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'callhome-vpcflow-'));
const T0 = Date.UTC(2026, 2, 5, 9, 0, 0) / 1000;

const HEADER = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';
const ENI = 'eni-0a1b2c3d4e5f60718';

/** A default-format record: `at` seconds after 09:00, its window a minute long. */
function record(at: number, src: string, sport: number, dst: string, dport: number, action: string, proto = 6): string {
  return `2 123456789012 ${ENI} ${src} ${dst} ${sport} ${dport} ${proto} 3 180 ${T0 + at} ${T0 + at + 59} ${action} OK`;
}

/**
 * An agent at 10.0.0.5 turned away every minute; a host that browses (its answers recorded too);
 * an SSH server whose answers a network ACL rejects, every minute; a window with no data.
 */
function records(): string[] {
  const lines: string[] = [];
  for (let i = 0; i < 30; i++) {
    lines.push(record(60 * i, '10.0.0.5', 40000 + i, '198.51.100.9', 443, 'REJECT'));
    lines.push(record(60 * i + 1, '203.0.113.9', 51000 + i, '10.0.0.8', 22, 'ACCEPT'));
    lines.push(record(60 * i + 1, '10.0.0.8', 22, '203.0.113.9', 51000 + i, 'REJECT'));
  }
  lines.push(record(5, '10.0.0.6', 50100, '203.0.113.7', 443, 'ACCEPT'));
  lines.push(record(5, '203.0.113.7', 443, '10.0.0.6', 50100, 'ACCEPT'));
  lines.push(`2 123456789012 ${ENI} - - - - - - - ${T0 + 1800} ${T0 + 1859} - NODATA`);
  lines.push(`2 123456789012 ${ENI} - - - - - - - ${T0 + 1860} ${T0 + 1919} - SKIPDATA`);
  return lines;
}

function write(path: string, text: string | Buffer): string {
  writeFileSync(path, text);
  return path;
}

describe('AWS VPC Flow Logs', () => {
  it("S3's gzip files in dated folders: the agent blocked every minute, no host labelled for the answers it sent", async () => {
    const folder = join(tmp, 'AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/03/05');
    mkdirSync(folder, { recursive: true });
    const lines = [HEADER, ...records()];
    // A line of no format among them.
    lines.splice(10, 0, 'this line is no flow record');
    write(
      join(folder, `123456789012_vpcflowlogs_us-east-1_fl-0123456789abcdef0_20260305T0900Z_a1b2c3d4.log.gz`),
      gzipSync(`${lines.join('\n')}\n`),
    );
    const { result, loaded } = await analyze([join(tmp, 'AWSLogs')]);
    // The SSH server answered; the network ACL's rejections of its answers are no attempts of its own.
    const server = result.hosts.find((h) => h.address === '10.0.0.8');
    expect(server?.labels ?? []).not.toContain('blocked');
    expect(server?.groups.some((g) => g.attempts > 0 && g.resets.middlebox > 0) ?? false).toBe(false);
    const log = loaded.captures[0]!;
    // 30 REJECTs, 30 SSH clients' ACCEPTs, one browsing flow.
    expect(log).toMatchObject({ format: 'vpc-flow', packets: 61 });
    expect(log.start).toBe('2026-03-05T09:00:00.000Z');
    expect(log.skipped['log.unmatched']).toBe(1);
    expect(log.warnings.join('\n')).toMatch(/31 flow records ran from a service's port to an ephemeral one .*30 of them rejected/);
    const agent = result.hosts.find((h) => h.address === '10.0.0.5');
    expect(agent?.labels).toEqual(expect.arrayContaining(['blocked', 'periodic']));
    expect(agent?.groups[0]).toMatchObject({ attempts: 30, ports: [443], resets: { middlebox: 30, endpoint: 0, unknown: 0 } });
    expect(agent?.groups[0]?.schedule.periodSeconds).toBe(60);
  });

  it('a CloudWatch Logs export without a header, each record after its CloudWatch time, reads the same', async () => {
    const stamp = (line: string): string => `${new Date((Number(line.split(' ')[10]) + 61) * 1000).toISOString()} ${line}`;
    const path = write(join(tmp, 'cloudwatch-export.txt'), `${records().map(stamp).join('\n')}\n`);
    const { result, loaded } = await analyze([path]);
    expect(loaded.captures[0]).toMatchObject({ format: 'vpc-flow', packets: 61 });
    expect(loaded.captures[0]?.skipped['log.unmatched']).toBeUndefined();
    // Timed by the flow's start, not by when CloudWatch received the record.
    expect(loaded.captures[0]?.start).toBe('2026-03-05T09:00:00.000Z');
    const agent = result.hosts.find((h) => h.address === '10.0.0.5');
    expect(agent?.labels).toEqual(expect.arrayContaining(['blocked', 'periodic']));
  });

  it("a custom format read by its header's names: the packet's own addresses through a NAT gateway, TCP flags telling an answer", async () => {
    const header =
      'version vpc-id subnet-id instance-id interface-id account-id type srcaddr dstaddr srcport dstport pkt-srcaddr pkt-dstaddr ' +
      'protocol bytes packets start end action tcp-flags log-status';
    const custom = (at: number, ends: string, action: string, flags: number, proto = 6): string =>
      `5 vpc-0a1b2c3d subnet-0a1b2c3d - ${ENI} 123456789012 IPv4 ${ends} ${proto} 180 3 ${T0 + at} ${T0 + at + 59} ${action} ${flags} OK`;
    const path = write(
      join(tmp, 'custom.log'),
      [
        header,
        // Through a NAT gateway: the record's destination is the gateway, the packet's the server.
        custom(0, '10.0.1.5 10.0.0.220 40000 443 10.0.1.5 203.0.113.5', 'ACCEPT', 2),
        // A SYN-ACK from a port no rule of ports would call a service's: an answer.
        custom(1, '10.0.0.5 198.51.100.9 40001 40002 - -', 'ACCEPT', 18),
        // A SYN from port 80 to an ephemeral port: an attempt, whatever its ports.
        custom(2, '10.0.0.5 198.51.100.9 80 50000 - -', 'REJECT', 2),
        // A ping: ICMP by its number, no type in a flow log.
        custom(3, '10.0.0.5 198.51.100.10 0 0 - -', 'REJECT', 0, 1),
        // ESP: no attempt callhome follows.
        custom(4, '10.0.0.5 198.51.100.11 0 0 - -', 'ACCEPT', 0, 50),
      ].join('\n') + '\n',
    );
    const { connections, captures } = await loadCaptures([path]);
    expect(captures[0]?.format).toBe('vpc-flow');
    expect(connections.map((c) => [c.proto, c.origH, c.origP, c.respH, c.respP, c.established])).toEqual([
      ['tcp', '10.0.1.5', 40000, '203.0.113.5', 443, true],
      ['tcp', '10.0.0.5', 80, '198.51.100.9', 50000, false],
      ['icmp', '10.0.0.5', 0, '198.51.100.10', 0, false],
    ]);
  });
});
