/**
 * What crosses the Playwright bridge between the page and Node.
 *
 * Playwright serialises typed arrays faithfully but turns a bare ArrayBuffer
 * into a plain object, so ArrayBuffers travel wrapped in a Uint8Array with a
 * marker and are unwrapped on the other side. Used by the page-side shim and
 * by the Node-side harness alike (no DOM, no Node APIs).
 */
const MARK = '__spireArrayBuffer';

export function toWire(value: unknown): unknown {
  if (value instanceof ArrayBuffer) return { [MARK]: new Uint8Array(value) };
  if (ArrayBuffer.isView(value)) return value;
  if (Array.isArray(value)) return value.map(toWire);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toWire(v)]));
  }
  return value;
}

export function fromWire(value: unknown): unknown {
  if (ArrayBuffer.isView(value)) {
    // Hand plain Uint8Arrays on (not Node Buffers), as Electron's IPC would.
    return value instanceof Uint8Array && value.constructor !== Uint8Array ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength) : value;
  }
  if (Array.isArray(value)) return value.map(fromWire);
  if (typeof value === 'object' && value !== null) {
    const marked = (value as Record<string, unknown>)[MARK];
    if (marked instanceof Uint8Array && Object.keys(value).length === 1) {
      return marked.buffer.slice(marked.byteOffset, marked.byteOffset + marked.byteLength);
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fromWire(v)]));
  }
  return value;
}
