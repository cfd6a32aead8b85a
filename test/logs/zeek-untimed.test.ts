/**
 * A UDP beacon on one socket: Zeek writes one conn.log row for it however long it goes on (a
 * flow ends only after a minute without a datagram) and records none of its datagrams' times.
 * The capture shows the schedule; the log must say plainly that it cannot, not call the host
 * scattered and ordinary.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/index.js';
import { ZEEK_CONN_FIELDS } from '../../src/logs/zeek-records.js';
import { buildPcap } from '../../src/synth/capture.js';
import { udpFrame } from '../../src/synth/frame.js';
import { callhome } from '../cli/support.js';

const tmp = mkdtempSync(join(tmpdir(), 'callhome-untimed-'));
const START = Date.UTC(2024, 2, 1) / 1000;
const HOST = '10.0.0.5';
const SERVER = '203.0.113.9';

/** 120 datagrams of 40 bytes every 30 s from one socket, never answered: a beacon to a server that is gone. */
function beaconPcap(): string {
  const frames = Array.from({ length: 120 }, (_, i) => ({
    ts: START + i * 30 + (i % 3) * 0.01,
    frame: udpFrame({ src: HOST, dst: SERVER, sport: 5000, dport: 9999, payload: 'x'.repeat(40) }),
  }));
  const path = join(tmp, 'beacon.pcap');
  writeFileSync(path, buildPcap(frames));
  return path;
}

const TYPES: Record<string, string> = {
  ts: 'time',
  duration: 'interval',
  'id.orig_h': 'addr',
  'id.resp_h': 'addr',
  'id.orig_p': 'port',
  'id.resp_p': 'port',
  proto: 'enum',
  local_orig: 'bool',
  local_resp: 'bool',
};

/** A conn.log of rows given as field → value (the rest unset), as Zeek writes it. */
function connLog(name: string, rows: Record<string, string>[]): string {
  const fields = [...ZEEK_CONN_FIELDS];
  const lines = [
    '#separator \\x09',
    '#set_separator\t,',
    '#empty_field\t(empty)',
    '#unset_field\t-',
    '#path\tconn',
    `#fields\t${fields.join('\t')}`,
    `#types\t${fields.map((f) => TYPES[f] ?? (/bytes|pkts/.test(f) ? 'count' : 'string')).join('\t')}`,
    ...rows.map((r) => fields.map((f) => r[f] ?? '-').join('\t')),
  ];
  const path = join(tmp, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

/** The beacon's one row: Zeek's view of beacon.pcap. */
const BEACON_ROW = {
  ts: START.toFixed(6),
  uid: 'CbEac0n1',
  'id.orig_h': HOST,
  'id.orig_p': '5000',
  'id.resp_h': SERVER,
  'id.resp_p': '9999',
  proto: 'udp',
  duration: '3570.020000',
  orig_bytes: '4800',
  resp_bytes: '0',
  conn_state: 'S0',
  missed_bytes: '0',
  history: 'D',
  orig_pkts: '120',
  orig_ip_bytes: '8160',
  resp_pkts: '0',
  resp_ip_bytes: '0',
};

describe('a UDP beacon on one socket, as a capture and as the row Zeek writes of it', () => {
  it('the capture shows its schedule; the log names the flow and says the schedule cannot be read from it', async () => {
    const { result: fromCapture } = await analyze([beaconPcap()]);
    const captured = fromCapture.hosts.find((h) => h.address === HOST)!;
    expect(captured.labels).toContain('periodic');
    expect(captured.groups[0]!.untimed).toBeUndefined();

    const { result: fromLog } = await analyze([connLog('conn.log', [BEACON_ROW])]);
    const logged = fromLog.hosts.find((h) => h.address === HOST)!;
    // No label the log cannot back: it shows one flow, not a schedule.
    expect(logged.labels).toEqual([]);
    const group = logged.groups[0]!;
    expect(group.untimed).toEqual({ flows: 1, datagrams: 120, seconds: 3570.02 });
    expect(group.schedule.periodic).toBe(false);
    expect(group.schedule.evidence).toMatch(
      /120 datagrams over 59 min 30 s \(one every ~30 s on average\).*Zeek's conn\.log keeps no times/,
    );
    expect(logged.verdict).toMatch(new RegExp(`To ${SERVER.replace(/\./g, '\\.')}: a UDP flow of 120 datagrams`));
    // Not "scattered rather than repeated": that is what the log cannot tell.
    expect(fromLog.summary.join(' ')).toMatch(/A UDP flow kept sending datagrams whose times Zeek's conn\.log does not record/);
    expect(fromLog.summary.join(' ')).not.toMatch(/scattered/);
  });

  it('says so for a host that is only counted, in the run summary', async () => {
    const run = await callhome(['analyze', connLog('counted.log', [BEACON_ROW])]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Nothing calls home on a schedule the inputs show/);
    expect(run.stdout.replace(/\s+/g, ' ')).toMatch(
      /whether they recur on a schedule cannot be read from the log — run callhome on the capture/,
    );
  });

  it('leaves flows the log does time alone: a burst of datagrams, and callhome’s own conn.log with its burst times', async () => {
    // Six datagrams within two seconds: one burst, no schedule to hide.
    const burst = { ...BEACON_ROW, duration: '2.000000', orig_pkts: '6', orig_bytes: '240', orig_ip_bytes: '408' };
    const { result: short } = await analyze([connLog('burst.log', [burst])]);
    expect(short.hosts[0]!.groups[0]!.untimed).toBeUndefined();
    expect(short.summary.join(' ')).toBe('Nothing calls home on a schedule; 1 attempt never answered (see the hosts below).');

    // The conn.log callhome writes of the capture keeps the bursts' times: the schedule comes back.
    const written = join(tmp, 'own.log');
    expect((await callhome(['flows', '--format', 'zeek', '-o', written, beaconPcap()])).code).toBe(0);
    const { result: own } = await analyze([written]);
    const host = own.hosts.find((h) => h.address === HOST)!;
    expect(host.labels).toContain('periodic');
    expect(host.groups[0]!.untimed).toBeUndefined();
  });
});
