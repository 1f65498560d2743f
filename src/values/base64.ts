/** Base64 for byte values: Node's Buffer where there is one (fast), the web's btoa/atob elsewhere. */

const NodeBuffer = (globalThis as { Buffer?: typeof Buffer }).Buffer;

export function bytesToBase64(b: Uint8Array): string {
  if (NodeBuffer !== undefined)
    return NodeBuffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
  let bin = '';
  for (let i = 0; i < b.length; i += 0x8000)
    bin += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return btoa(bin);
}

/** Bytes of standard base64 (a fresh array: Buffer.from may hand out a slice of a pool). */
export function base64ToBytes(s: string): Uint8Array {
  if (NodeBuffer !== undefined) return new Uint8Array(NodeBuffer.from(s, 'base64'));
  return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
}
