/**
 * Which inputs can be one network: close in time and sharing an internal address that speaks,
 * grouped transitively; inputs with nothing to compare never split anything.
 */
import { describe, expect, it } from 'vitest';
import { CidrSet, DEFAULT_INTERNAL, SAME_NETWORK_MAX_GAP_SECONDS, splitNetworks } from '../../src/analysis/index.js';
import type { CaptureSummary } from '../../src/analysis/types.js';
import type { Connection } from '../../src/flows/connection.js';
import { capture } from '../report/fixtures.js';
import { connection, session } from './support.js';

const internal = new CidrSet(DEFAULT_INTERNAL);
const DAY = 86_400;
const T0 = Date.UTC(2024, 0, 1) / 1000;

interface Input {
  /** Start, in days after T0; each input lasts an hour. */
  day: number;
  /** Connections made by these internal hosts to the web (answered). */
  hosts: string[];
}

/** Captures and their connections, as `loadCaptures` would hand them on. */
function inputs(list: Input[]): { captures: CaptureSummary[]; connections: Connection[] } {
  const captures = list.map((x, i) => capture(`in-${i}.pcap`, 10, T0 + x.day * DAY, T0 + x.day * DAY + 3600));
  const connections = list.flatMap((x, i) => x.hosts.map((h) => session(h, '93.184.216.34', 443, T0 + x.day * DAY + 60, { capture: i })));
  return { captures, connections };
}

/** The groups as lists of input indexes. */
function groups(list: Input[]): number[][] {
  const { captures, connections } = inputs(list);
  return splitNetworks(captures, connections, internal).map((p) => p.captures);
}

describe('splitNetworks', () => {
  it('keeps inputs that share a host and are close in time together', () => {
    expect(
      groups([
        { day: 0, hosts: ['10.0.0.5', '10.0.0.6'] },
        { day: 1, hosts: ['10.0.0.6'] },
      ]),
    ).toEqual([[0, 1]]);
  });

  it('joins inputs whose packets made up one connection, though no internal address speaks in both', () => {
    // A tap's two directions in two files: one holds the host's packets, the other the answers.
    const { captures, connections } = inputs([
      { day: 0, hosts: ['10.0.0.5'] },
      { day: 0, hosts: ['192.168.1.5'] },
    ]);
    expect(splitNetworks(captures, connections, internal, SAME_NETWORK_MAX_GAP_SECONDS, [[0, 1]]).map((p) => p.captures)).toEqual([[0, 1]]);
  });

  it('splits inputs with no internal address in common, however close in time', () => {
    expect(
      groups([
        { day: 0, hosts: ['10.0.0.5'] },
        { day: 0, hosts: ['192.168.1.5'] },
      ]),
    ).toEqual([[0], [1]]);
  });

  it('splits inputs farther apart than the gap, even on the same addresses; the gap itself still joins', () => {
    const gapDays = SAME_NETWORK_MAX_GAP_SECONDS / DAY;
    expect(gapDays).toBe(30);
    // Each input lasts an hour: the next starts `gapDays` days minus an hour after the first ends.
    expect(
      groups([
        { day: 0, hosts: ['10.0.0.5'] },
        { day: gapDays, hosts: ['10.0.0.5'] },
      ]),
    ).toEqual([[0, 1]]);
    expect(
      groups([
        { day: 0, hosts: ['10.0.0.5'] },
        { day: gapDays + 1, hosts: ['10.0.0.5'] },
      ]),
    ).toEqual([[0], [1]]);
  });

  it('groups transitively: daily files of one sniffer are one network over months', () => {
    const daily = Array.from({ length: 90 }, (_, d) => ({ day: d, hosts: [`10.0.0.${d + 2}`, `10.0.0.${d + 3}`] }));
    expect(groups(daily)).toEqual([daily.map((_, i) => i)]);
  });

  it('lists networks in time order, whatever the order of the inputs', () => {
    expect(
      groups([
        { day: 400, hosts: ['10.0.0.5'] },
        { day: 0, hosts: ['192.168.0.13'] },
      ]),
    ).toEqual([[1], [0]]);
  });

  it('does not tie networks by an address that only received: a broadcast, an unanswered probe', () => {
    const { captures, connections } = inputs([
      { day: 0, hosts: ['192.168.0.13'] },
      { day: 0, hosts: ['192.168.5.20'] },
    ]);
    // Both send NetBIOS to 192.168.0.255; the second also probes 192.168.0.13, which never answers.
    connections.push(connection({ origH: '192.168.0.13', respH: '192.168.0.255', respP: 137, proto: 'udp', capture: 0, ts: T0 }));
    connections.push(connection({ origH: '192.168.5.20', respH: '192.168.0.255', respP: 137, proto: 'udp', capture: 1, ts: T0 }));
    connections.push(connection({ origH: '192.168.5.20', respH: '192.168.0.13', respP: 445, capture: 1, ts: T0 }));
    expect(splitNetworks(captures, connections, internal).map((p) => p.captures)).toEqual([[0], [1]]);
    // An answer ties them: 192.168.0.13 speaks in both.
    connections.push(session('192.168.5.20', '192.168.0.13', 445, T0 + 10, { capture: 1 }));
    expect(splitNetworks(captures, connections, internal).map((p) => p.captures)).toEqual([[0, 1]]);
  });

  it('an input with no internal address joins the network nearest in time, or stands alone when none is near', () => {
    // A capture outside the NAT (no internal address) four days in: the network of day 5 is nearer than that of day 0.
    const outside = [
      { day: 0, hosts: ['10.0.0.5'] },
      { day: 5, hosts: ['10.9.9.9'] },
      { day: 4, hosts: [] },
    ];
    expect(groups(outside)).toEqual([[0], [1, 2]]);
    expect(
      groups([
        { day: 0, hosts: ['10.0.0.5'] },
        { day: 900, hosts: [] },
      ]),
    ).toEqual([[0], [1]]);
  });

  it('an input without a time stamp goes with network 1', () => {
    const { captures, connections } = inputs([
      { day: 0, hosts: ['10.0.0.5'] },
      { day: 900, hosts: ['10.0.0.5'] },
    ]);
    captures.push({ ...capture('empty.pcap', 0, 0, 0), start: null, end: null });
    expect(splitNetworks(captures, connections, internal).map((p) => p.captures)).toEqual([[0, 2], [1]]);
  });
});
