/** Helpers for the flows tests: run captures through reader + decoder + tracker, read Zeek oracles. */

import { readFileSync } from 'node:fs';
import { readCapture, readCaptureBytes } from '../../src/capture/index.js';
import { decodePacket, newPacket } from '../../src/decode/index.js';
import { ConnectionTracker, type Connection, type TrackerOptions } from '../../src/flows/index.js';
import { buildPcap, type TimedFrame } from '../../src/synth/index.js';
import { corpusPath } from '../support/corpus.js';

export interface TrackOptions {
  verifyChecksums?: boolean;
  maxConnections?: number;
  isLocal?: TrackerOptions['isLocal'];
  likelyServerPorts?: TrackerOptions['likelyServerPorts'];
}

export interface TrackResult {
  connections: Connection[];
  tracker: ConnectionTracker;
}

function sortByStart(list: Connection[]): Connection[] {
  return list.sort((a, b) => a.ts - b.ts || (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0));
}

/** Read a capture file and track every packet. */
export async function trackFile(path: string, o: TrackOptions = {}): Promise<TrackResult> {
  const connections: Connection[] = [];
  const tracker = new ConnectionTracker({
    onConnection: (c) => connections.push(c),
    maxConnections: o.maxConnections,
    isLocal: o.isLocal,
    likelyServerPorts: o.likelyServerPorts,
  });
  const packet = newPacket();
  const options = { verifyChecksums: o.verifyChecksums ?? false };
  await readCapture(path, (record) => {
    decodePacket(record, packet, options);
    tracker.add(packet);
  });
  tracker.finish();
  return { connections: sortByStart(connections), tracker };
}

/** Build a pcap from frames with the project's writer and track it. */
export async function trackFrames(frames: TimedFrame[], o: TrackOptions = {}): Promise<TrackResult> {
  const connections: Connection[] = [];
  const tracker = new ConnectionTracker({
    onConnection: (c) => connections.push(c),
    maxConnections: o.maxConnections,
    isLocal: o.isLocal,
    likelyServerPorts: o.likelyServerPorts,
  });
  const packet = newPacket();
  const options = { verifyChecksums: o.verifyChecksums ?? false };
  await readCaptureBytes('constructed.pcap', buildPcap(frames), (record) => {
    decodePacket(record, packet, options);
    tracker.add(packet);
  });
  tracker.finish();
  return { connections: sortByStart(connections), tracker };
}

/** One oracle row: column name → text as Zeek wrote it. */
export type OracleRow = Record<string, string>;

/**
 * Parse a Zeek oracle: a conn.log (with a `#fields` line), a cut log (a plain header line after
 * the btest banner), or an event-print output of "history, conn_state" lines.
 */
export function readOracle(path: string): OracleRow[] {
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n').filter((l) => l.length > 0);
  if (path.endsWith('-out.txt')) {
    return lines
      .filter((l) => !l.startsWith('#'))
      .map((l) => {
        const [history, connState] = l.split(',').map((s) => s.trim());
        return { history: history ?? '', conn_state: connState ?? '' };
      });
  }
  let fields: string[] | null = null;
  const rows: OracleRow[] = [];
  for (const line of lines) {
    if (line.startsWith('#fields\t')) {
      fields = line.split('\t').slice(1);
      continue;
    }
    if (line.startsWith('#')) continue;
    const cells = line.split('\t');
    if (fields === null) {
      fields = cells;
      continue;
    }
    const row: OracleRow = {};
    fields.forEach((f, i) => {
      row[f] = cells[i] ?? '';
    });
    rows.push(row);
  }
  return rows;
}

/** The zeek command line INDEX.md records for each zeek/ trace. */
export function zeekCommands(): Map<string, string> {
  const index = readFileSync(corpusPath('INDEX.md'), 'utf8');
  const out = new Map<string, string>();
  let inZeek = false;
  for (const line of index.split('\n')) {
    if (line.startsWith('## ')) inZeek = line.trim() === '## zeek/';
    if (!inZeek || !line.startsWith('| ')) continue;
    const cells = line.split('|').map((c) => c.trim());
    // | file | source | type | link | pkts | duration | exercises | oracle | zeek cmd | note |
    const file = cells[1] ?? '';
    if (file === 'file' || file.startsWith('---')) continue;
    out.set(file, cells[9] ?? '');
  }
  return out;
}

/** Zeek's conn.log column for a connection field. */
export function connColumn(c: Connection, column: string): string {
  switch (column) {
    case 'id.orig_h':
      return c.origH;
    case 'id.orig_p':
      return String(c.origP);
    case 'id.resp_h':
      return c.respH;
    case 'id.resp_p':
      return String(c.respP);
    case 'proto':
      return c.proto;
    case 'conn_state':
      return c.connState;
    case 'history':
      return c.history === '' ? '-' : c.history;
    case 'orig_pkts':
      return String(c.origPkts);
    case 'resp_pkts':
      return String(c.respPkts);
    case 'orig_ip_bytes':
      return String(c.origIpBytes);
    case 'resp_ip_bytes':
      return String(c.respIpBytes);
    case 'orig_bytes':
      return String(c.origBytes);
    case 'resp_bytes':
      return String(c.respBytes);
    case 'missed_bytes':
      return String(c.missedBytes);
    case 'local_orig':
      return c.localOrig === null ? '-' : c.localOrig ? 'T' : 'F';
    case 'local_resp':
      return c.localResp === null ? '-' : c.localResp ? 'T' : 'F';
    case 'duration':
      return c.duration === null ? '-' : c.duration.toFixed(6);
    case 'service':
      return c.service ?? '-';
    default:
      return '';
  }
}
