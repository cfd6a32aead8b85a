/** The flows stage: decoded packets → Zeek-style connection records. */

export * from './connection.js';
export { ConnectionTracker, DEFAULT_MAX_CONNECTIONS, REQUEST_TIMES_CAP, RESETS_CAP, type TrackerOptions, type TrackerStats } from './tracker.js';
export { DEFAULT_LIKELY_SERVER_PORTS, type LikelyServerPorts } from './ports.js';
