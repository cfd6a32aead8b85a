import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadCaptures } from '../../src/index.js';
import type { Connection } from '../../src/flows/connection.js';
import { flowsRenderers } from '../../src/report/index.js';
import { corpusPath } from '../support/corpus.js';
import { parseZeek } from './parse.js';

/** What each conn.log cell must read back as, from the connection it was written from. */
function expectedCells(c: Connection): Record<string, string> {
  const lasted = c.duration !== null && c.duration > 0;
  const bool = (b: boolean | null) => (b === null ? '-' : b ? 'T' : 'F');
  return {
    ts: c.ts.toFixed(6),
    uid: c.uid,
    'id.orig_h': c.origH,
    'id.orig_p': String(c.origP),
    'id.resp_h': c.respH,
    'id.resp_p': String(c.respP),
    proto: c.proto,
    service: c.service ?? '-',
    duration: lasted ? c.duration!.toFixed(6) : '-',
    orig_bytes: lasted ? String(c.origBytes) : '-',
    resp_bytes: lasted ? String(c.respBytes) : '-',
    conn_state: c.connState,
    local_orig: bool(c.localOrig),
    local_resp: bool(c.localResp),
    missed_bytes: String(c.missedBytes),
    history: c.history === '' ? '(empty)' : c.history,
    orig_pkts: String(c.origPkts),
    orig_ip_bytes: String(c.origIpBytes),
    resp_pkts: String(c.respPkts),
    resp_ip_bytes: String(c.respIpBytes),
    tunnel_parents: '-',
    orig_l2_addr: c.origMac ?? '-',
  };
}

const traces = ['zeek/wikipedia.pcap', 'zeek/ssh__ssh.pcap', 'zeek/ftp__ipv6.pcap', 'zeek/modbus__modbus-and-non-modbus-p502.pcap'];

describe('flows --format zeek on corpus traces', () => {
  it.each(traces)('%s: every row parses back to the values of its connection', async (trace) => {
    const { connections } = await loadCaptures([corpusPath(trace)]);
    expect(connections.length).toBeGreaterThan(0);
    const { rows } = parseZeek(flowsRenderers.zeek(connections, { color: false }));
    expect(rows).toHaveLength(connections.length);
    const zeekOnly = (r: Record<string, string>) => Object.fromEntries(Object.entries(r).filter(([k]) => !k.startsWith('callhome_')));
    const byUid = new Map(rows.map((r) => [r.uid!, zeekOnly(r)]));
    for (const c of connections) expect(byUid.get(c.uid), c.uid).toEqual(expectedCells(c));
  });

  it.each(traces)("%s: header lines are Zeek's own, and our fields are Zeek's in Zeek's order", async (trace) => {
    const zeek = parseZeek(readFileSync(corpusPath(`${trace}.zeek-conn.log`), 'utf8').replace(/^###.*\n/, ''));
    const { connections } = await loadCaptures([corpusPath(trace)]);
    const ours = parseZeek(flowsRenderers.zeek(connections, { color: false }));
    for (const key of ['separator', 'set_separator', 'empty_field', 'unset_field', 'path']) {
      expect(ours.headers.get(key), key).toBe(zeek.headers.get(key));
    }
    const zeekFields = zeek.headers.get('fields')!.split('\t');
    const zeekTypes = zeek.headers.get('types')!.split('\t');
    const allFields = ours.headers.get('fields')!.split('\t');
    const allTypes = ours.headers.get('types')!.split('\t');
    // callhome's own fields come after Zeek's, under a prefix no Zeek field has
    const own = allFields.findIndex((f) => f.startsWith('callhome_'));
    expect(own).toBeGreaterThan(0);
    expect(allFields.slice(own).every((f) => f.startsWith('callhome_'))).toBe(true);
    expect(zeekFields.some((f) => f.startsWith('callhome_'))).toBe(false);
    // last of Zeek's: the originator's hardware address, as Zeek's mac-logging policy script names and types it
    expect(allFields[own - 1]).toBe('orig_l2_addr');
    expect(allTypes[own - 1]).toBe('string');
    const ourFields = allFields.slice(0, own - 1);
    // newer Zeek appends ip_proto; every other field we write is Zeek's, with Zeek's type
    expect(zeekFields.slice(0, ourFields.length)).toEqual(ourFields);
    expect(zeekTypes.slice(0, ourFields.length)).toEqual(allTypes.slice(0, own - 1));
  });
});
