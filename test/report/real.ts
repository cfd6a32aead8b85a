/**
 * Real findings for the report tests: the case-study capture analysed by the library, once
 * per test file.
 */
import { resolve } from 'node:path';
import { analyze } from '../../src/index.js';
import type { AnalysisResult } from '../../src/analysis/types.js';
import type { Connection } from '../../src/flows/connection.js';
import { projectRoot } from '../support/corpus.js';

export const departmentCapture = resolve(projectRoot, 'captures', 'department-host.pcap');

let cached: Promise<AnalysisResult & { connections: Connection[] }> | null = null;

/** `callhome analyze captures/department-host.pcap`, with its connections. */
export function departmentReport(): Promise<AnalysisResult & { connections: Connection[] }> {
  cached ??= analyze([departmentCapture]).then(({ result, loaded }) => ({ ...result, connections: loaded.connections.toArray() }));
  return cached;
}
