/** The capture stage: pcap / pcapng (optionally gzip-compressed) files in, packet records out. */
export * from './types.js';
export { openRecordCursor, readCapture, readCaptureBytes, readCaptureStream, STDIN_NAME } from './reader.js';
export type { HeldRecord, RecordCursor } from './reader.js';
export { ReusedRecord } from './record.js';
export type { ReadOptions } from './reader.js';
export { describeNonCapture } from './sniff.js';
