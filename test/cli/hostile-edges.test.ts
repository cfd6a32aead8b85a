import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PcapWriter } from '../../src/capture/writer.js';
import { unescapeZeek } from '../../src/logs/zeek-format.js';
import { flowsRenderers } from '../../src/report/index.js';
import { connection } from '../report/fixtures.js';
import { projectRoot } from '../support/corpus.js';
import { callhome } from './support.js';

const scratch = mkdtempSync(join(tmpdir(), 'callhome-edges-'));
const plain = { color: false, width: 200 };
const department = resolve(projectRoot, 'captures/department-host.pcap');
const laptop = resolve(projectRoot, 'captures/consultant-laptop.pcap');
const main = resolve(projectRoot, 'dist/cli/main.js');

describe('CSV time cells', () => {
  it('keep microseconds and cannot start a formula, whatever the time', () => {
    const rows = [1_700_000_000.000001, -1e15, 2 ** 64, Number.NaN].map((ts) => {
      const csv = flowsRenderers.csv([connection({ ts })], plain);
      return csv.split('\r\n')[1]!.split(',')[0]!;
    });
    expect(rows[0]).toBe('2023-11-14T22:13:20.000001Z');
    for (const cell of rows) expect(cell).not.toMatch(/^["']?[-+=@]/);
    expect(rows[1]).toMatch(/^"?time out of range/);
  });
});

describe('bidi controls from a capture', () => {
  const sneaky = 'evil\u202egnp.exe\u2066x\u2069';
  const c = connection({ service: sneaky, sni: sneaky });

  it.each([['csv'], ['json']] as const)('are escaped in %s, not written raw', (format) => {
    const out = flowsRenderers[format]([c], plain);
    expect(out).not.toMatch(/[\u202a-\u202e\u2066-\u2069]/);
    expect(out).toMatch(/\\u202e/);
  });

  it('are escaped in a Zeek conn.log as the bytes of their UTF-8, which read back to the same text', () => {
    const out = flowsRenderers.zeek([c], plain);
    expect(out).not.toMatch(/[\u202a-\u202e\u2066-\u2069]/);
    const row = out.split('\n').find((line) => line !== '' && !line.startsWith('#'))!;
    expect(row).toContain('evil\\xe2\\x80\\xaegnp.exe\\xe2\\x81\\xa6x\\xe2\\x81\\xa9');
    expect(row.split('\t').map(unescapeZeek)).toContain(sneaky);
  });

  it('NDJSON still reads back to the same text', () => {
    const line = JSON.parse(flowsRenderers.json([c], plain)) as { sni?: string };
    expect(line.sni).toBe(sneaky);
  });
});

describe('messages on standard error', () => {
  it('clean a file name carrying escape sequences, as the renderers do', async () => {
    const name = join(scratch, 'evil\x1b]0;owned\x07\x1b[2Jname.pcap');
    writeFileSync(name, 'not a capture at all, just text\n');
    const run = await callhome(['info', name]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/evilname\.pcap: not a capture file/);
    expect(run.stderr).not.toMatch(/[\x1b\x07]/);
  });

  it('say something true about a record over the size cap', async () => {
    const writer = new PcapWriter({ linktype: 1, snaplen: 0xffffffff });
    writer.add(1_700_000_000, 0, new Uint8Array(60));
    writer.add(1_700_000_001, 0, new Uint8Array(60));
    const bytes = Buffer.from(writer.toBuffer());
    bytes.writeUInt32LE(0xfffffff0, 24 + 16 + 60 + 8);
    const file = join(scratch, 'huge-claim.pcap');
    writeFileSync(file, bytes);
    const run = await callhome(['info', file]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/record 2 at byte 100 claims 4,294,967,280 bytes; more than the 134,217,728 bytes any record is read up to/);
    expect(run.stderr).not.toMatch(/snapshot length is 4,294,967,295/);
  });
});

describe('compare with no readable capture', () => {
  it('says so and exits 1, with no internal error', async () => {
    const a = join(scratch, 'text-a.pcap');
    const b = join(scratch, 'text-b.pcap');
    writeFileSync(a, 'not a capture\n');
    writeFileSync(b, 'nor this one\n');
    for (const format of ['text', 'json']) {
      const run = await callhome(['compare', '--format', format, a, b]);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/compare needs at least two readable captures/);
      expect(run.stderr).not.toMatch(/internal error/);
    }
  });
});

describe('flows --format json with no connections', () => {
  it('prints nothing at all, not a blank line', async () => {
    const writer = new PcapWriter({ linktype: 1 });
    const file = join(scratch, 'empty.pcap');
    writeFileSync(file, writer.toBuffer());
    const run = await callhome(['flows', '--format', 'json', file]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
  });
});

describe('a pipe among several inputs', () => {
  // a real pipe needs a real process: the shell's <(cat …) gives the program a /dev/fd path
  it.each([
    ['first', `<(cat ${laptop}) ${department}`],
    ['last', `${department} <(cat ${laptop})`],
  ])('is read once, whole, when it comes %s', (_where, args) => {
    const out = execFileSync('bash', ['-c', `node ${main} info --format json ${args}`], { encoding: 'utf8' });
    const analyzed = execFileSync('bash', ['-c', `node ${main} analyze --format json ${args}`], { encoding: 'utf8' });
    for (const text of [out, analyzed]) {
      const packets = (JSON.parse(text) as { captures: { packets: number }[] }).captures.map((c) => c.packets).sort();
      expect(packets).toEqual([1873, 2284]);
    }
  });
});
