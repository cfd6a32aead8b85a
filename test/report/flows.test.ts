import { describe, expect, it } from 'vitest';
import { CALLHOME_ZEEK_FIELDS } from '../../src/flows/zeek-fields.js';
import { connectionColumns, flowsRenderers, zeekColumns } from '../../src/report/index.js';
import { TEXT_SAMPLE_ROWS, flowsStreams, renderFlowsText } from '../../src/report/flows.js';
import { isoMicros } from '../../src/time.js';
import { HOSTILE, START, connection, connections } from './fixtures.js';
import { parseCsv, parseZeek } from './parse.js';

const plain = { color: false, width: 200 };

describe('flows --format zeek', () => {
  const text = flowsRenderers.zeek(connections(), plain);
  const lines = text.trimEnd().split('\n');

  it("writes Zeek's conn.log header lines", () => {
    expect(lines.slice(0, 5)).toEqual(['#separator \\x09', '#set_separator\t,', '#empty_field\t(empty)', '#unset_field\t-', '#path\tconn']);
    expect(lines[5]).toMatch(/^#open\t\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d$/);
    const own = CALLHOME_ZEEK_FIELDS.map((f) => f.name).join('\t');
    const ownTypes = CALLHOME_ZEEK_FIELDS.map((f) => f.type).join('\t');
    expect(lines[6]).toBe(
      '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents\torig_l2_addr\t' +
        own,
    );
    expect(lines[7]).toBe(
      '#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]\tstring\t' +
        ownTypes,
    );
    expect(lines[lines.length - 1]).toMatch(/^#close\t\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d$/);
  });

  it('has exactly as many cells per row as #fields names', () => {
    const fields = lines[6]!.split('\t').length - 1;
    const rows = lines.filter((l) => !l.startsWith('#'));
    expect(rows).toHaveLength(3);
    for (const r of rows) expect(r.split('\t')).toHaveLength(fields);
  });

  it('writes unset as -, bools as T/F, times with 6 decimals, as Zeek does for a one-packet flow', () => {
    const { rows } = parseZeek(text);
    const dns = rows.find((r) => r.uid === 'CmES5u32sYpV7JYN')!;
    expect(dns).toMatchObject({
      ts: (START + 1).toFixed(6),
      duration: '-',
      orig_bytes: '-',
      resp_bytes: '-',
      service: 'dns',
      local_orig: 'T',
      local_resp: 'T',
      tunnel_parents: '-',
    });
    const rejected = rows.find((r) => r.uid === 'CHhAvVGS1DHFjwGM9')!;
    expect(rejected).toMatchObject({
      ts: '1163768400.123456',
      duration: '0.000400',
      conn_state: 'REJ',
      history: 'Sr',
      service: '-',
      local_resp: 'F',
    });
  });

  it('orders rows by start time and escapes separators inside string fields', () => {
    const odd = connection({ uid: 'Ctab\tnew\nline', service: 'http,ssl', ts: START - 10 });
    const { rows } = parseZeek(flowsRenderers.zeek([...connections(), odd], plain));
    expect(rows[0]!.uid).toBe('Ctab\\x09new\\x0aline');
    expect(rows[0]!.service).toBe('http,ssl');
    expect(rows.map((r) => Number(r.ts))).toEqual([...rows.map((r) => Number(r.ts))].sort((a, b) => a - b));
  });

  it('walks the one column declaration', () => {
    expect([...zeekColumns.map((c) => c.zeekName), ...CALLHOME_ZEEK_FIELDS.map((f) => f.name)]).toEqual(lines[6]!.split('\t').slice(1));
    expect(zeekColumns.every((c) => connectionColumns.includes(c))).toBe(true);
  });
});

describe('flows --format csv', () => {
  const text = flowsRenderers.csv(connections(), plain);
  const rows = parseCsv(text);

  it('has a header and one row per connection, every row as wide as the header', () => {
    expect(rows[0]!.slice(0, 3)).toEqual(['ts', 'uid', 'id.orig_h']);
    expect(rows).toHaveLength(4);
    for (const r of rows) expect(r).toHaveLength(rows[0]!.length);
  });

  it('neutralises cells that a spreadsheet would run as a formula', () => {
    const header = rows[0]!;
    const proxied = rows.find((r) => r[header.indexOf('uid')] === 'C4J4Th3PJpwUYZZ6gc')!;
    expect(proxied[header.indexOf('http_host')]).toBe(`'${HOSTILE.formula}`);
    expect(proxied[header.indexOf('user_agent')]!.startsWith("'-cmd|")).toBe(true);
    for (const r of rows.slice(1)) {
      for (const [i, cell] of r.entries()) {
        const numeric = /^-?\d+(\.\d+)?$/.test(cell);
        if (!numeric) expect(cell, header[i]).not.toMatch(/^[=+\-@\t\r]/);
      }
    }
  });

  it('keeps terminal escape sequences of a capture out of the file', () => {
    expect(text).not.toMatch(/[\x1b\x07\x9b]/);
    expect(text).toContain('\\x1b[2J');
  });

  it('gives a row as bytes exactly as its text, and as text alone when it holds more than ASCII', () => {
    const asText = flowsStreams.csv({ ...plain, openTime: () => START });
    const asBytes = flowsStreams.csv({ ...plain, openTime: () => START });
    const rows = [...connections(), connection({ sni: 'bücher.example' }), connection()];
    // The header goes out with the first row, as text.
    expect(asBytes.rowBytes!(rows[0]!)).toBeNull();
    let written = asBytes.row(rows[0]!);
    for (const c of rows.slice(1)) {
      const bytes = asBytes.rowBytes!(c);
      const wide = c.sni === 'bücher.example';
      expect(bytes === null, c.uid).toBe(wide);
      written += bytes === null ? asBytes.row(c) : Buffer.from(bytes).toString('utf8');
    }
    expect(written).toBe(rows.map((c) => asText.row(c)).join(''));
  });

  it('writes every time as isoMicros does, at any second of any day', () => {
    const stream = flowsStreams.csv({ ...plain, openTime: () => START });
    const cellsOf = (line: string): string[] => parseCsv(line)[0]!;
    const header = cellsOf(stream.row(connection()).split('\r\n')[0]!);
    const at = header.indexOf('ts');
    const times = [0, 59.9999996, 86_399.9999996, 86_400, 1_700_006_399.25, 7_258_118_399.5];
    for (let k = 0; k < 2_000; k++) times.push((k * 7_919 * 86_400 + k * 3_607.123457) % 7_258_118_400);
    for (const ts of times) expect(cellsOf(stream.row(connection({ ts })))[at], String(ts)).toBe(isoMicros(ts));
  });

  it('writes each cell the same in a row of plain ASCII and in a row with other text', () => {
    const stream = flowsStreams.csv({ ...plain, openTime: () => START });
    const cellsOf = (line: string): string[] => parseCsv(line)[0]!;
    const header = cellsOf(stream.row(connection()).split('\r\n')[0]!);
    const at = (name: string): number => header.indexOf(name);
    const base = {
      ts: 1_700_000_000 + 0.9999996,
      uid: 'CplainUid',
      origP: 0,
      respP: 65535,
      origTtl: -1,
      respTtl: 64,
      duration: 1.5,
      origBytes: 2 ** 53 + 2,
      history: '-ShR',
      service: 'dns,ssl',
    };
    const ascii = cellsOf(stream.row(connection(base)));
    const wide = cellsOf(stream.row(connection({ ...base, sni: 'bücher.example' })));
    for (const row of [ascii, wide]) {
      // a time whose microseconds round up to the next second
      expect(row[at('ts')]).toBe('2023-11-14T22:13:21.000000Z');
      expect(row[at('id.orig_p')]).toBe('0');
      expect(row[at('id.resp_p')]).toBe('65535');
      expect(row[at('orig_ttl')]).toBe('-1');
      expect(row[at('resp_ttl')]).toBe('64');
      expect(row[at('duration')]).toBe('1.500000');
      expect(row[at('orig_bytes')]).toBe('9007199254740994');
      expect(row[at('history')]).toBe("'-ShR");
      expect(row[at('service')]).toBe('dns,ssl');
    }
    expect(wide[at('sni')]).toBe('bücher.example');
    expect(wide.filter((_, i) => i !== at('sni'))).toEqual(ascii.filter((_, i) => i !== at('sni')));
    expect(cellsOf(stream.row(connection({ ts: -5 })))[at('ts')]).toBe('time out of range (5 s before 1970-01-01)');
  });
});

describe('flows --format json', () => {
  const text = flowsRenderers.json(connections(), plain);
  const records = text
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

  it('writes one object per line with the conn.log fields and callhome evidence', () => {
    expect(records).toHaveLength(3);
    const rejected = records[0]!;
    expect(rejected).toMatchObject({
      uid: 'CHhAvVGS1DHFjwGM9',
      'id.orig_h': '192.168.0.13',
      'id.resp_p': 80,
      conn_state: 'REJ',
      orig_ttl: 128,
    });
    expect((rejected.resets as { ttl: number; stage: string }[])[0]).toMatchObject({ ttl: 255, stage: 'syn' });
    expect(records[1]).toMatchObject({ handshake_rtt: 0.0003, http: { proxyForm: 'absolute' } });
  });

  it('leaves unset fields out, as Zeek JSON logs do', () => {
    const dns = records.find((r) => r.uid === 'CmES5u32sYpV7JYN')!;
    expect(dns).not.toHaveProperty('duration');
    expect(dns).not.toHaveProperty('orig_bytes');
    expect(dns).toHaveProperty('dns_query', 'liveupdate.symantecliveupdate.com');
  });

  it('has no raw control character a terminal would act on', () => {
    for (const line of text.trimEnd().split('\n')) expect(line).not.toMatch(/[\x00-\x1f\x7f-\x9f]/);
    expect((records[1]!.http as { userAgent: string }).userAgent).toContain('\x1b[2J');
  });
});

describe('flows --format text', () => {
  it('aligns a table with ISO times (across days) and no control characters', () => {
    const later = connection({ uid: 'CnextDay', ts: START + 86_400, lastTs: START + 86_401 });
    const text = flowsRenderers.text([...connections(), later], plain);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^time \(UTC\)\s+originator\s+o\.port\s+responder\s+r\.port\s+proto/);
    expect(lines[1]).toMatch(/^2006-11-17T13:00:00\.123Z\s+192\.168\.0\.13\s+2486\s+72\.246\.53\.90\s+80\s+tcp/);
    const stateAt = lines[0]!.indexOf('state');
    expect(lines.slice(1, 4).map((l) => l.slice(stateAt, stateAt + 3))).toEqual(['REJ', 'SF ', 'S0 ']);
    expect(text).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/);
  });

  it('leaves out columns that do not fit the width, and says which', () => {
    const text = flowsRenderers.text(connections(), { color: false, width: 80 });
    for (const line of text.trimEnd().split('\n')) expect([...line].length).toBeLessThanOrEqual(80);
    expect(text).toMatch(/not shown for the width: [^;]*o\.TTL/);
  });

  it('colours connection states only when asked', () => {
    expect(flowsRenderers.text(connections(), plain)).not.toContain('\x1b[');
    expect(flowsRenderers.text(connections(), { color: true, width: 200 })).toContain('\x1b[31mREJ');
  });
});

describe('the text table written while connections finish', () => {
  const many = Array.from({ length: TEXT_SAMPLE_ROWS + 500 }, (_, i) =>
    connection({ origH: '192.168.9.9', origP: 30000 + (i % 30000), respH: `198.51.100.${i % 200}`, respP: 443, ts: 1_700_000_000 + i }),
  );

  it('holds only its first rows: each later row is written as it comes, in their layout', () => {
    const stream = flowsStreams.text({ color: false, width: 200, openTime: () => Number.NaN });
    const written = many.map((c) => stream.row(c));
    // nothing until the sample is full, then the header and the sample, then one line a row
    expect(written.slice(0, TEXT_SAMPLE_ROWS - 1).every((w) => w === '')).toBe(true);
    expect(written[TEXT_SAMPLE_ROWS - 1]!.split('\n')).toHaveLength(TEXT_SAMPLE_ROWS + 2);
    expect(written.slice(TEXT_SAMPLE_ROWS).every((w) => w.split('\n').length === 2)).toBe(true);
    const text = written.join('') + stream.end();
    expect(text).toBe(renderFlowsText(many, { color: false, width: 200 }));
    expect(text).toContain(`${many.length} connections on 2023-11-1`);
  });

  it('a row of another day than the first rows carries its date', () => {
    const stream = flowsStreams.text({ color: false, width: 200, openTime: () => Number.NaN });
    const later = connection({ origH: '192.168.9.9', origP: 1, respH: '198.51.100.1', respP: 443, ts: 1_700_000_000 + 3 * 86400 });
    const text = [...many.slice(0, TEXT_SAMPLE_ROWS), later].map((c) => stream.row(c)).join('') + stream.end();
    expect(text).toContain('2023-11-17T22:13:20.000Z');
  });
});
