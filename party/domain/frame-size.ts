/**
 * Whether a frame is over `maxBytes`: binary by its length, text by its UTF-8 size. A UTF-16
 * unit is one to three UTF-8 bytes, so only text between those bounds is encoded, and a huge
 * frame is judged without ever being encoded.
 */
export function frameOver(data: string | ArrayBuffer, maxBytes: number): boolean {
  if (typeof data !== "string") return data.byteLength > maxBytes;
  if (data.length > maxBytes) return true;
  if (data.length * 3 <= maxBytes) return false;
  return new TextEncoder().encode(data).byteLength > maxBytes;
}
