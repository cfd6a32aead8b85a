/**
 * Machine output. `analyze --format json` is the version-1 contract of DESIGN.md, written as
 * the `AnalysisResult` itself; `contractGaps` names any contract field a result lacks.
 */
import type { AnalysisResult, CaptureSummary, CompareResult } from '../analysis/types.js';
import type { RenderOptions } from './types.js';
import { listedHosts } from './words.js';
import { inertJson } from './escape.js';

/**
 * The result as written: `hosts` holds the hosts with findings, the others are counted in
 * `quietHosts` (`listed: false`); with --all-hosts every host is in `hosts`.
 */
function asWritten(result: AnalysisResult, options: RenderOptions): AnalysisResult {
  if (options.allHosts === true) return result;
  const written: AnalysisResult = { ...result, hosts: listedHosts(result, options), quietHosts: { ...result.quietHosts, listed: false } };
  if (result.networks !== undefined) {
    written.networks = result.networks.map((n) => ({ ...n, quietHosts: { ...n.quietHosts, listed: false } }));
  }
  return written;
}

export function renderAnalyzeJson(result: AnalysisResult, options: RenderOptions): string {
  return [...analyzeJsonPieces(result, options)].join('');
}

/**
 * The JSON of `analyze` in pieces, as JSON.stringify(…, null, 2) writes it: a network of
 * thousands of hosts makes a document longer than one string may be, so it is written host by
 * host, never held whole.
 */
export function* analyzeJsonPieces(result: AnalysisResult, options: RenderOptions): Generator<string> {
  for (const piece of jsonPieces(asWritten(result, options), '', 0, HOST_DEPTH)) yield inertJson(piece);
  yield '\n';
}

/**
 * Objects and lists this deep are written element by element; deeper ones as one string each:
 * in `analyze`'s document, each host (`hosts[i]`) is one string.
 */
const HOST_DEPTH = 2;

/** `value` as JSON.stringify(value, null, 2) writes it at `indent`, in pieces (down to `pieceDepth`). */
function* jsonPieces(value: unknown, indent: string, depth: number, pieceDepth: number): Generator<string> {
  if (depth >= pieceDepth || value === null || typeof value !== 'object') {
    yield indented(value, indent.length / 2);
    return;
  }
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) {
      yield '[]';
      return;
    }
    yield '[\n';
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      yield inner;
      yield* jsonPieces(item === undefined || typeof item === 'function' ? null : item, inner, depth + 1, pieceDepth);
      yield i < value.length - 1 ? ',\n' : '\n';
    }
    yield `${indent}]`;
    return;
  }
  const entries: [string, unknown][] = Object.entries(value as Record<string, unknown>).filter(
    ([, v]) => v !== undefined && typeof v !== 'function',
  );
  if (entries.length === 0) {
    yield '{}';
    return;
  }
  yield '{\n';
  for (let i = 0; i < entries.length; i++) {
    const [key, v] = entries[i]!;
    yield `${inner}${JSON.stringify(key)}: `;
    yield* jsonPieces(v, inner, depth + 1, pieceDepth);
    yield i < entries.length - 1 ? ',\n' : '\n';
  }
  yield `${indent}}`;
}

/**
 * `value` as JSON.stringify(value, null, 2) writes it `levels` levels deep: stringified inside as
 * many arrays, which indent it as they would, and cut out of them (writing its lines again with
 * the indent added cost three times the stringifying).
 */
function indented(value: unknown, levels: number): string {
  let wrapped: unknown = value === undefined ? null : value;
  for (let l = 0; l < levels; l++) wrapped = [wrapped];
  // Each level opens with "[\n" and its indent, and closes with "\n", the indent outside it, "]".
  const before = 2 * levels + levels * (levels + 1);
  const after = 2 * levels + levels * (levels - 1);
  const text = JSON.stringify(wrapped, null, 2);
  return text.slice(before, text.length - after);
}

export function renderInfoJson(captures: CaptureSummary[], _options: RenderOptions): string {
  return `${inertJson(JSON.stringify({ version: 1, captures }, null, 2))}\n`;
}

export function renderCompareJson(result: CompareResult, options: RenderOptions): string {
  return [...compareJsonPieces(result, options)].join('');
}

/**
 * The JSON of `compare` in pieces, as JSON.stringify(…, null, 2) writes it, host by host of each
 * analysis (`analyses[i].hosts[j]`): the analyses of two large logs make a document longer than
 * one string may be, and one string of it held gigabytes while it was written.
 */
export function* compareJsonPieces(result: CompareResult, options: RenderOptions): Generator<string> {
  const written = { ...result, analyses: result.analyses.map((a) => asWritten(a, options)) };
  for (const piece of jsonPieces(written, '', 0, HOST_DEPTH + 2)) yield inertJson(piece);
  yield '\n';
}

/** The fields DESIGN.md's version-1 JSON promises, per object. */
const CONTRACT = {
  top: ['version', 'captures', 'proxies', 'resetSources', 'hosts'],
  capture: ['file', 'format', 'linktype', 'packets', 'start', 'end', 'warnings'],
  proxy: ['address', 'port', 'source', 'evidence'],
  resetSource: ['attribution', 'ttl', 'resets', 'remoteAddresses', 'medianRttMs'],
  host: ['address', 'labels', 'verdict', 'evidence', 'groups'],
  group: ['destination', 'names', 'ports', 'addresses', 'attempts', 'established', 'unanswered', 'resets', 'viaProxy', 'schedule'],
  resets: ['middlebox', 'endpoint', 'unknown'],
  schedule: ['periodic', 'periodSeconds', 'jitter', 'burstSize', 'sequentialPorts', 'score', 'repetitions', 'confidence'],
} as const;

/**
 * Paths of version-1 contract fields missing from a parsed `analyze` JSON document
 * (e.g. `hosts[0].groups[1].schedule.jitter`); empty when the document keeps the contract.
 */
export function contractGaps(document: unknown): string[] {
  const gaps: string[] = [];
  const check = (value: unknown, fields: readonly string[], path: string): Record<string, unknown> | null => {
    if (typeof value !== 'object' || value === null) {
      gaps.push(path || '(document)');
      return null;
    }
    const record = value as Record<string, unknown>;
    for (const f of fields) if (!(f in record) || record[f] === undefined) gaps.push(path ? `${path}.${f}` : f);
    return record;
  };
  const list = (value: unknown, path: string): unknown[] => {
    if (Array.isArray(value)) return value;
    if (value !== undefined) gaps.push(`${path} (not a list)`);
    return [];
  };
  const top = check(document, CONTRACT.top, '');
  if (!top) return gaps;
  if (top.version !== 1) gaps.push('version (not 1)');
  list(top.captures, 'captures').forEach((c, i) => check(c, CONTRACT.capture, `captures[${i}]`));
  list(top.proxies, 'proxies').forEach((p, i) => check(p, CONTRACT.proxy, `proxies[${i}]`));
  list(top.resetSources, 'resetSources').forEach((r, i) => check(r, CONTRACT.resetSource, `resetSources[${i}]`));
  list(top.hosts, 'hosts').forEach((hostValue, i) => {
    const host = check(hostValue, CONTRACT.host, `hosts[${i}]`);
    if (!host) return;
    list(host.groups, `hosts[${i}].groups`).forEach((groupValue, j) => {
      const path = `hosts[${i}].groups[${j}]`;
      const group = check(groupValue, CONTRACT.group, path);
      if (!group) return;
      if (group.resets !== undefined) check(group.resets, CONTRACT.resets, `${path}.resets`);
      if (group.schedule !== undefined) check(group.schedule, CONTRACT.schedule, `${path}.schedule`);
    });
  });
  return gaps;
}
