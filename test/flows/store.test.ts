/**
 * The connection store keeps connections in columns for the analysis; every connection it gives
 * back must be the one it was given, field for field, whatever the input: every corpus capture,
 * the case study, Zeek and firewall logs, and values no capture makes.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze, loadCaptures } from '../../src/index.js';
import { ChunkPool, ConnectionKeeper, ConnectionStore, denyingLog, plainConnection } from '../../src/flows/store.js';
import { logDenial, logUid, type ResetEvidence } from '../../src/flows/connection.js';
import type { Connection } from '../../src/flows/index.js';
import { corpusRoot, projectRoot } from '../support/corpus.js';
import { connection, dropped, options } from '../analysis/support.js';
import { analyzeConnections } from '../../src/analysis/index.js';
import { historyResets } from '../../src/flows/zeek-history.js';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : /\.(pcap|pcapng|cap|gz|log)$/.test(name) ? [path] : [];
  });
}

/** A store of `connections` that seals its chunks from the first (`sealAfter: 0`): as a big input's are. */
function stored(connections: readonly Connection[]): ConnectionStore {
  const store = new ConnectionStore(null, { sealAfter: 0 });
  for (const c of connections) store.add(c);
  return store;
}

describe('the connection store gives back what it was given', () => {
  const inputs = [
    ...filesUnder(corpusRoot),
    ...filesUnder(resolve(projectRoot, 'captures')),
    ...filesUnder(resolve(projectRoot, 'test', 'logs', 'fixtures')),
    ...filesUnder(resolve(projectRoot, 'test', 'lab')),
  ];

  it('on every corpus capture, the case study and the log fixtures, in start order', async () => {
    let compared = 0;
    let denials = 0;
    for (const input of inputs) {
      const loaded = await loadCaptures([input]);
      // Added in the order the tracker finishes them (the reverse of start order is as bad as it gets).
      const store = stored([...loaded.connections].reverse());
      store.sortByStart();
      expect(store.length, input).toBe(loaded.connections.length);
      for (let i = 0; i < store.length; i++) {
        expect(plainConnection(store.get(i)), `${input} #${i}`).toStrictEqual(loaded.connections[i]);
        // A pass that only reads sees the same fields in the one view peek moves from row to row.
        expect(plainConnection(store.peek(i)), `${input} #${i}`).toStrictEqual(loaded.connections[i]);
        // A firewall's denial is named without its evidence being made: only where it is the row's one reset.
        const log = denyingLog(store, i);
        const c = loaded.connections[i]!;
        if (log !== null) {
          expect(c.resets, `${input} #${i}`).toStrictEqual([logDenial(c.ts, log)]);
          denials++;
        } else expect(c.resets.length === 1 && c.resets[0]!.kind === 'log' && c.resets[0]!.ts === c.ts, `${input} #${i}`).toBe(false);
      }
      expect([...store].map(plainConnection), input).toStrictEqual(loaded.connections);
      expect(store.toArray(), input).toStrictEqual(loaded.connections);
      compared += store.length;
    }
    expect(compared).toBeGreaterThan(3_000);
    expect(denials).toBeGreaterThan(20);
  }, 120_000);

  it("keeps a reset that differs from a log's denial in any one field as it is, not as the denial", () => {
    const ts = 1_700_000_000.25;
    const denial = logDenial(ts, 'kern.log');
    const changes: Partial<ResetEvidence>[] = [
      { kind: 'rst' },
      { origin: 'packet' },
      { ts: ts + 1 },
      { fromOriginator: true },
      { ttl: 64 },
      { ipId: 7 },
      { delay: 0.001 },
      { stage: 'handshake' },
      { seq: 5 },
      { ack: 5 },
      { ackZero: true },
      { senderKeptSending: true },
      { peerTtls: [64] },
      { peerIpIds: [7] },
      { icmpType: 3 },
      { icmpCode: 13 },
    ];
    const rows = [denial, ...changes.map((change) => ({ ...denial, ...change }))].map((r) =>
      connection({ origH: '192.168.0.13', respH: '203.0.113.7', respP: 80, ts, lastTs: ts, resets: [r] }),
    );
    const store = stored(rows);
    // The denial itself is kept as a bit; each of the others comes back field for field.
    expect(denyingLog(store, 0)).toBe('kern.log');
    for (let i = 0; i < rows.length; i++) {
      expect(plainConnection(store.get(i)).resets, JSON.stringify(changes[i - 1] ?? 'denial')).toStrictEqual(rows[i]!.resets);
      if (i > 0) expect(denyingLog(store, i), JSON.stringify(changes[i - 1])).toBeNull();
    }
  });

  it('gives analyze the same findings whether it keeps connections as objects or in columns, on every input', async () => {
    // The passes over all connections read them through peek (one view moved again): a pass
    // that peeked while another peeked would read the wrong connection, and differ here.
    const captures = [...inputs, resolve(projectRoot, 'test', 'logs', 'fixtures')];
    for (const input of captures) {
      const objects = await analyze([input], { objectsUpTo: Number.MAX_SAFE_INTEGER });
      const columns = await analyze([input]);
      // And with every chunk sealed, as a big input's are.
      const sealed = await analyze([input], { sealAfter: 0 });
      expect(columns.loaded.connections, input).toBeInstanceOf(ConnectionStore);
      expect(objects.loaded.connections, input).not.toBeInstanceOf(ConnectionStore);
      expect(columns.result, input).toStrictEqual(objects.result);
      expect(sealed.result, input).toStrictEqual(objects.result);
      // Kept for the analysis, the columns keep no uids: each connection's other fields as they were.
      const withoutUid = ({ uid: _, ...rest }: Connection): Omit<Connection, 'uid'> => rest;
      expect(columns.loaded.connections.toArray().map(withoutUid), input).toStrictEqual(
        objects.loaded.connections.toArray().map(withoutUid),
      );
    }
  }, 300_000);

  it('keeps values that no column type can hold, and texts that are not dotted quads', () => {
    // Values no capture makes: an address text that is no dotted quad, an IPv6 zone, non-ASCII
    // in the uid, counts past 32 bits, a duration that is not lastTs − ts to the last bit.
    const base = connection({
      uid: 'Cé\u202eunusual',
      ts: 1_700_000_000.123456,
      lastTs: 1_700_000_001.5,
      origH: '010.0.0.1',
      origP: 49152,
      respH: 'fe80::1%eth0',
      respP: 443,
      service: 'ssl',
      duration: 1.376544,
      origBytes: 2 ** 40,
      connState: 'SF',
      localOrig: null,
      localResp: false,
      missedBytes: 17,
      history: 'ShADadFf',
      origPkts: 5_000_000_000,
      capture: 3,
      origTtl: -1,
      respTtl: 255,
      established: true,
    });
    const odd: Connection[] = [
      base,
      {
        ...base,
        uid: 'C2',
        origH: '10.0.0.1',
        respH: '192.0.2.1',
        duration: null,
        lastTs: base.ts,
        missedBytes: 0,
        origBytes: 100,
        origPkts: 3,
      },
      { ...base, uid: 'C2b', origH: '10.0.0.1', origBytes: 100, origPkts: 3, synCount: 70_000 }, // a SYN count past the column's
      { ...base, uid: 'C3', origP: 70_000 }, // a log's port past 65,535
      { ...base, uid: 'C4', origTtl: 300, handshakeRtt: 0.25, localOrig: true },
      { ...base, uid: 'C5', respH: '2001:db8::1', requestTimes: [1, 2, 3], dnsNames: ['a.example'], dnsQueries: 1 },
      { ...base, uid: 'C6', origH: '192.168.001.1', respH: '10.0.0.10', origBytes: 100, origPkts: 3 }, // a leading zero inside
    ];
    const store = stored(odd);
    expect(store.toArray()).toStrictEqual(odd);
  });

  it('keeps every row of a full chunk exact whatever the shape of its times, counts, captures and uids', () => {
    // Rows a chunk first holds in its narrow columns — a Zeek row's microsecond duration, a
    // firewall log's instant, packet counts under 65,536, one capture, 18-character uids — and
    // then a row that needs the wide ones: a capture's end that is no whole microsecond past its
    // start, a count past 65,535, a second capture, uids longer than the room made for them.
    const rows: Connection[] = [];
    const n = 65_536 + 100;
    for (let i = 0; i < n; i++) {
      const ts = 1_709_251_200 + i / 7 + ((i * 7919) % 1_000_000) / 1e6;
      const zeek = i < 30_000 || i >= 65_536;
      const duration = zeek ? (i % 5 === 0 ? null : ((i * 104_729) % 90_000_000) / 1e6) : i % 3 === 0 ? null : 0.1 + i / 3;
      rows.push(
        connection({
          uid: i > 65_500 && i < 65_530 ? `Cé${'x'.repeat(40)}${i}` : `C${String(i).padStart(17, 'a')}`,
          ts,
          lastTs: ts + (duration ?? 0),
          duration,
          origH: '10.0.0.1',
          respH: '192.0.2.1',
          respP: 443,
          origPkts: i === 40_000 ? 70_000 : 1 + (i % 9),
          respPkts: i === 50_000 ? 1_000_000 : i % 4,
          capture: i < 45_000 ? 2 : 5,
        }),
      );
    }
    const pool = new ChunkPool();
    // Left as filled, and sealed (the first chunk once the second begins).
    for (const sealAfter of [undefined, 0]) {
      const first = new ConnectionStore(pool, { sealAfter });
      for (const c of rows) first.add(c);
      expect(first.toArray()).toStrictEqual(rows);
      // A store that takes these chunks again starts narrow: rows of the first must not show through.
      first.release();
      const again = new ConnectionStore(pool, { sealAfter });
      const few = rows.slice(0, 3).map((c) => ({ ...c, origPkts: 2, respPkts: 0, capture: 1 }));
      for (const c of few) again.add(c);
      expect(again.toArray()).toStrictEqual(few);
      again.release();
    }
    // A sealed chunk taken again is filled afresh.
    const sealed = new ConnectionStore(pool, { sealAfter: 0 });
    const many = rows.slice(0, 65_540).map((c) => ({ ...c, origPkts: 2, respPkts: 0, capture: 1 }));
    for (const c of many) sealed.add(c);
    sealed.sortByStart();
    expect(sealed.toArray()).toStrictEqual([...many].sort((a, b) => a.ts - b.ts || (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0)));
  });

  it("keeps a busy log's full chunks in about half the bytes its columns took, every row exact", () => {
    // A day's conn.log: a few thousand internal hosts of one network, a thousand servers, a few
    // dozen histories and states, ports, byte counts from none to the most four bytes hold; among
    // them IPv6 rows (addresses kept as text) and rows a firewall denied. A full chunk is sealed:
    // each field narrowed to the bytes its values need.
    const states: Connection['connState'][] = ['SF', 'S0', 'REJ', 'RSTO', 'SH', 'OTH'];
    const histories = ['ShADadFf', 'S', 'Sr', 'ShADadFfR', 'ShAdDaFf', 'D', 'ShR'];
    const rows: Connection[] = [];
    const n = 2 * 65_536 + 300;
    for (let i = 0; i < n; i++) {
      const ts = 1_709_251_200 + i / 50 + ((i * 7919) % 1_000_000) / 1e6;
      const duration = i % 11 === 0 ? null : ((i * 104_729) % 90_000_000) / 1e6;
      const v6 = i % 997 === 0;
      rows.push(
        connection({
          uid: `C${i}`,
          proto: i % 13 === 0 ? 'udp' : 'tcp',
          ts,
          lastTs: ts + (duration ?? 0),
          duration,
          origH: v6 ? `fd00::${(i % 300).toString(16)}` : `10.1.${(i >> 3) % 12}.${1 + (i % 250)}`,
          origP: 1_024 + ((i * 31) % 64_000),
          respH: v6 ? '2001:db8::80' : `23.${i % 40}.${(i * 7) % 256}.${1 + (i % 25)}`,
          respP: [443, 80, 53, 8080][i % 4]!,
          connState: states[i % states.length]!,
          history: histories[i % histories.length]!,
          service: i % 3 === 0 ? null : i % 3 === 1 ? 'ssl' : 'http',
          origBytes: i === 70_000 ? 2 ** 32 - 1 : (i * 37) % 3_000,
          respBytes: (i * 7_919) % 2_000_000,
          origPkts: 1 + (i % 40),
          respPkts: i % 29,
          origIpBytes: ((i * 37) % 3_000) + 52 * (1 + (i % 40)),
          respIpBytes: 0,
          localOrig: true,
          localResp: i % 5 === 0 ? null : false,
          established: i % 6 === 0,
          synCount: i % 4,
          capture: 0,
        }),
      );
    }
    rows[100] = { ...rows[100]!, resets: [logDenial(rows[100]!.ts, 'fw.log')] };
    const store = stored(rows);
    store.sortByStart();
    const byStart = [...rows].sort((a, b) => a.ts - b.ts || (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0));
    expect(store.toArray()).toStrictEqual(byStart);
    expect(denyingLog(store, byStart.indexOf(rows[100]))).toBe('fw.log');
    // Every chunk sealed, the last (partial) one by the sort; a full one in at most 30 bytes a row
    // where its words and count columns took 48.
    const chunks = (store as unknown as { chunks: { hot: Uint32Array | null; packed: { byteLength: number } | null }[] }).chunks;
    expect(chunks.map((k) => [k.hot, k.packed !== null])).toEqual(chunks.map(() => [null, true]));
    expect(chunks[0]!.packed!.byteLength / 65_536).toBeLessThan(30);
    // Rows added after the sort go on where the last chunk ended.
    const more = rows.slice(0, 5).map((c, j) => ({ ...c, uid: `D${j}`, ts: c.ts + 10_000, lastTs: c.lastTs + 10_000 }));
    for (const c of more) store.add(c);
    store.sortByStart();
    expect(store.toArray()).toStrictEqual([...byStart, ...more]);
  });

  it('hands every row on in the order added and is empty after, its chunks let go as it goes', () => {
    // A stream's conn rows wait in a store until its side logs are read, then are drained into
    // the analysis's own store: across chunks, sealed or not, and whole rows no column holds.
    const rows = Array.from({ length: 65_536 + 700 }, (_, i) =>
      connection({
        uid: `C${i}`,
        ts: 1_709_251_200 + ((i * 7_919) % 5_000),
        origH: `10.0.${(i >> 8) & 255}.${i & 255}`,
        respH: '192.0.2.1',
        respP: 443,
        origBytes: i === 3 ? -1 : i,
      }),
    );
    for (const sealAfter of [undefined, 0]) {
      const store = new ConnectionStore(null, { sealAfter });
      for (const c of rows) store.add(c);
      const out: Connection[] = [];
      store.drain((c) => out.push(c));
      expect(out).toStrictEqual(rows);
      expect(store.length).toBe(0);
      expect(store.toArray()).toEqual([]);
      // Sorted first, it hands them on in start order.
      const sorted = new ConnectionStore(null, { sealAfter });
      for (const c of rows) sorted.add(c);
      sorted.sortByStart();
      const byStart: Connection[] = [];
      sorted.drain((c) => byStart.push(c));
      expect(byStart).toStrictEqual([...rows].sort((a, b) => a.ts - b.ts || (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0)));
    }
  });

  it("keeps a log's starts in four bytes a row, exact, however far a long connection's start lies from its neighbours'", () => {
    // A Zeek log writes a connection as it ends: an hour-long one's start lies an hour before the
    // rows around it. Starts printed to the microsecond (and a firewall log's whole seconds) are
    // held as microseconds from the chunk's first; then a start of a capture's shape arrives.
    const rows: Connection[] = [];
    const n = 65_536 + 5_000;
    for (let i = 0; i < n; i++) {
      const micros = 1_709_251_200_000_000 + i * 13_001 + (i % 1_000 === 7 ? -(i % 3 === 0 ? 5_400e6 : 2_200e6) : 0);
      const ts = i === 66_000 ? 1_709_252_100 + 0.123_456_789 : i === 20 ? 1_709_251_200 + 2 ** 32 / 1e6 : micros / 1e6;
      rows.push(connection({ uid: `C${i}`, ts, lastTs: ts, duration: null, origH: '10.0.0.1', respH: '192.0.2.1', respP: 443 }));
    }
    const store = stored(rows);
    expect(store.toArray()).toStrictEqual(rows);
    // The first chunk's starts in four bytes a row (a word of its rows' own); the second's in eight from its nanosecond start on.
    const chunks = (store as unknown as { chunks: { tsMicros: boolean; ts: Float64Array | null }[] }).chunks;
    expect(chunks.map((k) => [k.tsMicros ? 4 : null, k.ts?.BYTES_PER_ELEMENT ?? null])).toEqual([
      [4, null],
      [null, 8],
    ]);
    store.sortByStart();
    const byStart = [...rows].sort((a, b) => a.ts - b.ts || (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0));
    expect(store.toArray()).toStrictEqual(byStart);
    // A quiet log's chunk spans hours: a thousand starts out of reach and the chunk keeps them all in eight bytes.
    const quiet = Array.from({ length: 3_000 }, (_, i) =>
      connection({ uid: `C${i}`, ts: 1_709_251_200 + i * 2, duration: null, origH: '10.0.0.1', respH: '192.0.2.1', respP: 443 }),
    );
    const hours = stored(quiet);
    expect(hours.toArray()).toStrictEqual(quiet);
    const [quietChunk] = (hours as unknown as { chunks: { tsMicros: boolean; tsFar: Map<number, number> | null }[] }).chunks;
    expect([quietChunk!.tsMicros, quietChunk!.tsFar]).toEqual([false, null]);
    // Zero as it was given, either sign.
    const zeros = [0, -0].map((ts) =>
      connection({ uid: 'C0', ts, lastTs: ts, duration: null, origH: '10.0.0.1', respH: '192.0.2.1', respP: 443 }),
    );
    expect(stored(zeros).toArray()).toStrictEqual(zeros);
  });

  it('keeps uids of letters and digits in sixteen bytes, any other as text, and orders ties as their texts sort', () => {
    const chars = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
    const uidOf = (i: number, length: number): string =>
      Array.from({ length }, (_, j) => chars[(i * 7 + j * 13 + ((i * j) % 11)) % 62]!).join('');
    const at = (uid: string, ts: number): Connection =>
      connection({ uid, ts, lastTs: ts, origH: '10.0.0.1', respH: '192.0.2.1', respP: 443 });
    // Zeek's 17 and 18 characters, callhome's, none, up to 21; ties among them, 'Z' before 'a', a prefix first.
    const short = ['', 'C', 'C1', 'C10', 'C2', 'CZ', 'Ca', 'Cz', 'z'.repeat(21), '0'.repeat(21), 'C4J4Th3PJpwUYZZ6gc', 'CHhAvVGS1DHFjwGM9'];
    const rows = [...short.map((uid) => at(uid, 5)), ...Array.from({ length: 3_000 }, (_, i) => at(uidOf(i, 1 + (i % 21)), 6 + (i % 4)))];
    const store = stored(rows);
    expect(store.toArray()).toStrictEqual(rows);
    const chunks = (store as unknown as { chunks: { uidCodes: Uint8Array | null; uids: Buffer | null }[] }).chunks;
    expect(chunks[0]!.uids).toBeNull();
    expect(chunks[0]!.uidCodes!.length / 65_536).toBe(16);
    store.sortByStart();
    const byStart = [...rows].sort((a, b) => a.ts - b.ts || (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0));
    expect(store.toArray().map((c) => c.uid)).toEqual(byStart.map((c) => c.uid));
    // Past 65,000 uids of 21 characters, one of 22 and one with a hyphen: the chunk's uids become text.
    for (const odd of ['x'.repeat(22), 'C-1']) {
      const many = [...Array.from({ length: 65_000 }, (_, i) => at(uidOf(i, 21), i)), at(odd, 70_000), at(uidOf(1, 18), 70_001)];
      expect(stored(many).toArray()).toStrictEqual(many);
    }
  });

  it("gives a store that takes a released store's chunks only its own values", () => {
    // compare analyses its inputs one after another, each store taking the chunks the last gave
    // back: a capture's bytes, TTLs and handshake times must not show through a log's attempts.
    const pool = new ChunkPool();
    const capture = new ConnectionStore(pool);
    capture.add(
      connection({ uid: 'C1', origH: '10.0.0.1', respH: '192.0.2.1', respP: 443, service: 'ssl', origBytes: 517, respBytes: 4_000 }),
    );
    capture.add(
      connection({
        uid: 'C2',
        origH: '10.0.0.1',
        respH: '192.0.2.1',
        respP: 443,
        origTtl: 64,
        respTtl: 52,
        handshakeRtt: 0.03,
        respPkts: 7,
      }),
    );
    capture.add(connection({ uid: 'C3', origH: '10.0.0.1', respH: '192.0.2.1', respP: 443, origIpBytes: 900, respIpBytes: 5_000 }));
    capture.release();
    const log = new ConnectionStore(pool);
    const attempts = [1, 2, 3].map((n) =>
      connection({ uid: `F${n}`, origH: '10.0.0.2', respH: '198.51.100.7', respP: 80, origIpBytes: 0, origTtl: -1 }),
    );
    for (const c of attempts) log.add(c);
    expect(log.toArray()).toStrictEqual(attempts);
  });

  it("keeps a Zeek row's resets as its history says them, and any other resets as they are", () => {
    // A Zeek log of a scan is millions of REJ rows: their resets are made again from the history.
    const row = (uid: string, history: string, connState: Connection['connState']): Connection => {
      const c = connection({ uid, origH: '10.0.0.3', respH: '192.0.2.9', respP: 22, history, connState, lastTs: 1_000.5, origTtl: -1 });
      return { ...c, resets: historyResets(c) };
    };
    const rows = [
      row('C1', 'Sr', 'REJ'),
      row('C2', 'ShAdDaR', 'RSTO'),
      row('C3', 'ShADadr', 'RSTR'),
      row('C4', 'ShADadFfR', 'RSTO'),
      row('C5', 'S', 'REJ'), // a history cut short: REJ says the responder reset
      row('C6', 'ShADadFf', 'SF'), // no reset
    ];
    expect(rows.filter((c) => c.resets.length > 0)).toHaveLength(5);
    // callhome's own conn.log carries the reset's evidence: it is not what the history says.
    const evidence = { ...rows[0]!.resets[0]!, origin: 'packet' as const, ttl: 254, delay: 0.0004 };
    rows.push({ ...rows[0]!, uid: 'C7', resets: [evidence] });
    rows.push({ ...rows[0]!, uid: 'C8', resets: [{ ...rows[0]!.resets[0]!, ts: 999 }] });
    const store = stored(rows);
    expect(store.toArray()).toStrictEqual(rows);
    for (let i = 0; i < rows.length; i++) expect(plainConnection(store.peek(i))).toStrictEqual(rows[i]);
  });

  it("keeps a log's uids as their positions, and any uid that only looks like one as its text", () => {
    const at = (uid: string, capture: number, ts = 5): Connection =>
      connection({ uid, ts, lastTs: ts, capture, origH: '10.1.1.1', respH: '198.51.100.7', respP: 80 });
    const rows = [
      at(logUid(2, 41), 2),
      at('CHhAvVGS1DHFjwGM9', 0),
      at(logUid(2, 7), 2, 4),
      at(logUid(2, 2 ** 32 - 1), 2),
      at(logUid(2, 2 ** 32), 2), // past 32 bits
      at(logUid(3, 9), 2), // another input's
      at('F0200000000Z', 2), // upper case
      at('F02000000001x', 2), // longer
      at('', 2),
      at('F1-00000000a', 35), // not a base-36 digit where the input is written
      at('F0:00000000a', 10),
      at('F02`0000000a', 2),
      at('F02{0000000a', 2),
      at(logUid(35, 10), 35),
      at(logUid(2, 6), 2, 4),
    ];
    const store = stored(rows);
    expect(store.toArray()).toStrictEqual(rows);
    store.sortByStart();
    const byStart = [...rows].sort((a, b) => a.ts - b.ts || (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0));
    expect(store.toArray().map((c) => c.uid)).toEqual(byStart.map((c) => c.uid));
  });

  it('orders rows by start as a sort of the connections would, whatever the shape of their times', () => {
    // A Zeek log lists connections as they end: its rows come out of order, some start together.
    // Starts in whole microseconds are ordered by the engine's own sort of 64-bit numbers;
    // nanoseconds, or starts further apart than those numbers hold, the way they always were.
    const shapes: Record<string, (i: number) => number> = {
      microseconds: (i) => (1_709_251_200e6 + ((i * 7_919) % 3_001) * 142_857 + (i % 5 === 0 ? 0 : (i * 104_729) % 1_000)) / 1e6,
      // Three starts within one microsecond, listed latest first.
      nanoseconds: (i) => 1_000 + Math.floor(i / 3) / 1_000 + (2 - (i % 3)) * 1e-7,
      // 2^51 µs and 0.31 s apart: what 13 bits of row number leave to the time would wrap round.
      'seventy years apart': (i) => (i % 2 === 0 ? (i % 40) / 10 : 2_251_799_814 + (i % 4)),
    };
    for (const [shape, startOf] of Object.entries(shapes)) {
      const rows = Array.from({ length: 5_000 }, (_, i) =>
        connection({ uid: `C${(i * 48_271) % 5_003}`, ts: startOf(i), origH: '10.0.0.1', respH: '192.0.2.1', respP: 443 }),
      );
      const store = stored(rows);
      store.sortByStart();
      const byStart = [...rows].sort((a, b) => a.ts - b.ts || (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0));
      expect(
        store.toArray().map((c) => c.uid),
        shape,
      ).toEqual(byStart.map((c) => c.uid));
    }
  });

  it('keeps no uids when kept for an analysis: each row named by its capture and position, ties in the order added', () => {
    // A Zeek row's uid is a quarter of what its row takes; no finding names a connection by it.
    const at = (uid: string, ts: number, capture: number): Connection =>
      connection({ uid, ts, lastTs: ts, origH: '10.1.1.1', respH: '10.1.1.2', respP: 53, capture });
    const rows = [at('Cb', 2, 1), at('Cc', 1, 1), at('Ca', 2, 0), at('C0', 3, 1), at('Cz', 2, 1)];
    const store = new ConnectionStore(null, { uids: false });
    for (const c of rows) store.add(c);
    expect(store.toArray()).toStrictEqual(rows.map((c, i) => ({ ...c, uid: logUid(c.capture, i) })));
    const chunks = (store as unknown as { chunks: { uidCodes: Uint8Array | null; uids: Buffer | null; serial: Uint32Array | null }[] })
      .chunks;
    expect([chunks[0]!.uidCodes, chunks[0]!.uids, chunks[0]!.serial]).toEqual([null, null, null]);
    store.sortByStart();
    // Starting together: the capture first, then the order added.
    expect(store.toArray().map((c) => c.ts)).toEqual([1, 2, 2, 2, 3]);
    expect(store.toArray().map((c) => c.uid)).toEqual([logUid(1, 1), logUid(0, 2), logUid(1, 0), logUid(1, 4), logUid(1, 3)]);
  });

  it("takes a stream's store as an analysis's own: its rows as the analysis's own store would give them, sealed as it seals", () => {
    // A stream's conn rows wait in a store (their uids kept apart, in case side logs follow and
    // claim them); when none came, that store becomes the analysis's, rows added after it go on.
    const rows = Array.from({ length: 65_536 + 900 }, (_, i) =>
      connection({
        uid: i % 3 === 1 ? logUid(i % 2, 100_000 - i) : `C${i.toString(36)}x${(i * 7_919).toString(36)}`,
        ts: 1_709_251_200 + ((i * 7_919) % 2_000),
        capture: i % 2,
        origH: `10.0.${(i >> 8) & 255}.${i & 255}`,
        respH: i % 1_000 === 5 ? '2001:db8::5' : '192.0.2.1',
        respP: 443,
        // A SYN count no column holds: the row is kept whole.
        synCount: i % 5_000 === 17 ? 70_000 : 1,
      }),
    );
    for (const sealAfter of [undefined, 0]) {
      const waiting = new ConnectionStore(null, { uids: false });
      for (const c of rows.slice(0, 40_000)) waiting.add(c);
      const keeper = new ConnectionKeeper(null, 0, { uids: false, sealAfter });
      expect(keeper.adopt(waiting)).toBe(true);
      for (const c of rows.slice(40_000)) keeper.add(c);
      const own = new ConnectionKeeper(null, 0, { uids: false, sealAfter });
      for (const c of rows) own.add(c);
      const [taken, added] = [keeper.list(), own.list()];
      expect(taken.length).toBe(rows.length);
      for (let i = 0; i < rows.length; i++) expect(plainConnection(taken.get(i)), `#${i}`).toStrictEqual(plainConnection(added.get(i)));
      const sealed = (list: unknown) => (list as { chunks: { packed: unknown }[] }).chunks.map((k) => k.packed !== null);
      expect(sealed(taken)).toEqual(sealed(added));
      expect(sealed(taken)).toEqual(sealAfter === 0 ? [true, true] : [false, false]);
      // A keeper that holds rows already, keeps objects, or keeps uids where the store does not (or
      // the other way round), takes none.
      expect(keeper.adopt(new ConnectionStore(null, { uids: false }))).toBe(false);
      expect(new ConnectionKeeper(null, 10, { uids: false }).adopt(new ConnectionStore(null, { uids: false }))).toBe(false);
      expect(new ConnectionKeeper(null, 0, { uids: false }).adopt(new ConnectionStore())).toBe(false);
      expect(new ConnectionKeeper(null, 0).adopt(new ConnectionStore(null, { uids: false }))).toBe(false);
    }
  });

  it("keeps IP bytes exact in two bytes a row while they are the payload's and a few headers more, else in four", () => {
    const row = (i: number, origBytes: number, origIpBytes: number, respBytes: number, respIpBytes: number): Connection =>
      connection({
        uid: `C${i}`,
        ts: 1_000 + i,
        lastTs: 1_000 + i,
        origH: '10.0.0.1',
        respH: '192.0.2.1',
        respP: 443,
        origBytes,
        origIpBytes,
        respBytes,
        respIpBytes,
      });
    const widths = (store: ConnectionStore): (number | null)[] => {
      const [k] = (store as unknown as { chunks: { origIpBytes: Uint16Array | null; respIpBytes: Uint16Array | null }[] }).chunks;
      return [k!.origIpBytes?.BYTES_PER_ELEMENT ?? null, k!.respIpBytes?.BYTES_PER_ELEMENT ?? null];
    };
    // A capture's and a Zeek row's: headers over the payload, none at all (a firewall log's), the most two bytes hold.
    const usual = [row(0, 0, 0, 0, 0), row(1, 400, 820, 90_000, 93_000), row(2, 0, 60, 0, 40), row(3, 7, 7 + 65_534, 0, 0)];
    const narrow = stored(usual);
    expect(narrow.toArray()).toStrictEqual(usual);
    expect(widths(narrow)).toEqual([2, 2]);
    // Then a row whose IP bytes are fewer than its payload's (Zeek counts a payload by sequence
    // numbers, past packets it missed), one with a header's worth more than two bytes hold, one of 2^32 − 1.
    const odd = [...usual, row(4, 5_000, 1_000, 0, 0), row(5, 0, 0, 10, 10 + 65_535), row(6, 0, 2 ** 32 - 1, 0, 0)];
    const wide = stored(odd);
    expect(wide.toArray()).toStrictEqual(odd);
    expect(widths(wide)).toEqual([4, 4]);
  });

  it("keeps each row's hardware address exact in two bytes a row up to 65,535 cards, in four past them", () => {
    const mac = (n: number): string =>
      `02:00:${[(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
    const rows = (count: number): Connection[] =>
      Array.from({ length: count }, (_, i) =>
        connection({
          uid: `C${i}`,
          ts: 1_000 + i,
          lastTs: 1_000 + i,
          origH: '10.0.0.1',
          respH: '192.0.2.1',
          respP: 443,
          ...(i % 3 === 2 ? {} : { origMac: mac(i) }),
        }),
      );
    // The last chunk's: each chunk is widened on its own.
    const width = (store: ConnectionStore): number | null =>
      (store as unknown as { chunks: { origMac: Uint16Array | null }[] }).chunks.at(-1)!.origMac?.BYTES_PER_ELEMENT ?? null;
    const few = rows(1_000);
    const narrow = stored(few);
    expect(narrow.toArray()).toStrictEqual(few);
    expect(width(narrow)).toBe(2);
    const many = rows(100_000).filter((c) => c.origMac !== undefined);
    const wide = stored(many);
    expect(wide.length).toBeGreaterThan(65_536);
    for (let i = 0; i < wide.length; i += 997) expect(wide.get(i).origMac).toBe(many[i]!.origMac);
    expect(wide.get(wide.length - 1).origMac).toBe(many.at(-1)!.origMac);
    expect(width(wide)).toBe(4);
  });

  it("keeps rare fields that rows have alike once, and each row's one request time exact", () => {
    // A Zeek log's DNS rows ask the same names and get the same answers (one list, as the reader
    // keeps it), its TLS rows name the same servers, its proxy rows send the same request.
    const answers = [{ name: 'update.example.com', type: 'A' as const, value: '198.51.100.7', ttl: 60 }];
    const peek = {
      method: 'CONNECT',
      target: 'www.example.org:443',
      host: 'www.example.org:443',
      userAgent: 'curl/8',
      proxyForm: 'connect' as const,
      viaHeaders: [],
    };
    const rows: Connection[] = [];
    for (let i = 0; i < 3_000; i++) {
      const base = { uid: `C${i}`, ts: 1_000 + i, lastTs: 1_000 + i, origH: '10.0.0.1', respP: 443 };
      if (i % 3 === 0)
        rows.push(
          connection({
            ...base,
            respH: '10.0.0.53',
            respP: 53,
            // (two names with one answer list: each its own)
            dnsQuery: i % 2 === 0 ? 'update.example.com' : 'cdn.example.com',
            dnsNames: [i % 2 === 0 ? 'update.example.com' : 'cdn.example.com'],
            dnsQueries: 1,
            dnsAnswers: answers,
          }),
        );
      else if (i % 3 === 1) rows.push(connection({ ...base, respH: '192.0.2.1', sni: i % 2 === 0 ? 'a.example' : 'b.example' }));
      else rows.push(connection({ ...base, respH: '10.0.0.8', respP: 3128, http: peek, requestTimes: [1_000 + i + 0.002] }));
    }
    // Rows of their own: two requests, and a reset.
    rows.push(
      connection({
        uid: 'Cmany',
        ts: 5_000,
        lastTs: 5_001,
        origH: '10.0.0.1',
        respH: '10.0.0.8',
        respP: 3128,
        http: peek,
        requestTimes: [5_000, 5_001],
      }),
    );
    const store = stored(rows);
    store.sortByStart();
    expect(store.toArray()).toStrictEqual(rows);
    const [k] = (store as unknown as { chunks: { rare: unknown[] }[] }).chunks;
    const rare = k!.rare;
    // The DNS rows' one per name, the TLS rows' one per server, the proxy rows' one: five in all but the row of its own.
    expect(new Set(rare.slice(0, 3_000)).size).toBe(5);
    expect(rare[0]).toBe(rare[2_994]);
    expect(rare[3]).toBe(rare[2_997]);
    expect(rare[0]).not.toBe(rare[3]);
    expect(rare[2]).toBe(rare[2_999]);
    expect(rare[1]).not.toBe(rare[4]);
    expect(rare[1]).toBe(rare[7]);
    expect(rare[3_000]).not.toBe(rare[2]);
  });

  it('orders connections that start together by uid', () => {
    const at = (uid: string, ts: number): Connection =>
      connection({ uid, ts, lastTs: ts, origH: '10.1.1.1', respH: '10.1.1.2', respP: 53 });
    const store = stored([at('Cb', 2), at('Cc', 1), at('Ca', 2), at('C0', 3)]);
    store.sortByStart();
    expect(store.toArray().map((c) => c.uid)).toEqual(['Cc', 'Ca', 'Cb', 'C0']);
  });

  it('says it is in start order once sorted, and no longer once a row is added', () => {
    const at = (ts: number): Connection => dropped('10.1.1.1', '198.51.100.2', 443, ts, 40_000 + ts);
    const store = stored([at(100), at(200)]);
    expect(store.startOrdered).toBe(false);
    store.sortByStart();
    expect(store.startOrdered).toBe(true);
    store.add(at(50));
    expect(store.startOrdered).toBe(false);
    // The analysis then orders a host's connections itself: the late row comes first.
    const r = analyzeConnections(store, [], options());
    expect(r.hosts[0]!.attempts.map((a) => a.ts)).toEqual([50, 100, 200]);
  });
});
