/** The flows stage: decoded packets → Zeek-style connection records. */

export * from './connection.js';
export { ConnectionTracker, type TrackerOptions, type TrackerStats } from './tracker.js';
export { DEFAULT_MAX_CONNECTIONS } from './table.js';
export { REQUEST_TIMES_CAP } from './peeks.js';
export { RESETS_CAP } from './resets.js';
export { DEFAULT_LIKELY_SERVER_PORTS, type LikelyServerPorts } from './ports.js';
