/**
 * Memory a pass needs for a while and then not at all, given back to the system as soon as the
 * pass is done with it. An ArrayBuffer let go is freed when the collector next runs, which may be
 * many seconds later: the sort of a 10 M-row log and the count of its hosts' rows left 80 and 40
 * MB behind them that way, held through the rest of the analysis. A buffer that can be cut short
 * (ES2024's resizable ArrayBuffer, which Node 20 has) gives back what it is cut by at once.
 */

/** A buffer that can be cut short (the TypeScript library in use does not name it yet). */
export interface ScratchBuffer extends ArrayBuffer {
  resize(byteLength: number): void;
}

const Resizable = ArrayBuffer as unknown as new (byteLength: number, options: { maxByteLength: number }) => ScratchBuffer;

/** A buffer of `byteLength` zero bytes that `free` (or `resize`) gives back at once. */
export function scratchBuffer(byteLength: number): ScratchBuffer {
  return new Resizable(byteLength, { maxByteLength: byteLength });
}

/** Gives the buffer's memory back: every view of it is then empty. */
export function free(buffer: ScratchBuffer): void {
  buffer.resize(0);
}
