/** Packet builder for tests and the case-study generator. */
export * from './address.js';
export * from './capture.js';
export * from './checksum.js';
export * from './frame.js';
export * from './session.js';
export * from './tls.js';
export * from './busylan.js';
