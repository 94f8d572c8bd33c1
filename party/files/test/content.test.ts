import { describe, expect, it } from "vitest";
import { allowedType, contentMatches, fileMaxBytes, readCapped, sanitizeFileName } from "../content";

const stream = (...chunks: number[]) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      for (const size of chunks) controller.enqueue(new Uint8Array(size).fill(0x61));
      controller.close();
    },
  });

describe("what an upload must be", () => {
  it("takes allowed types with parameters and any case, nothing else", () => {
    expect(allowedType("Text/Plain; charset=utf-8")).toBe("text/plain");
    expect(allowedType("image/svg+xml")).toBeNull();
    expect(allowedType(null)).toBeNull();
  });

  it("FILE_MAX_BYTES, or 10 MiB when unset or nonsense", () => {
    expect(fileMaxBytes({ FILE_MAX_BYTES: "1000" })).toBe(1000);
    for (const value of [undefined, "", "-1", "1.5", "ten"])
      expect(fileMaxBytes({ FILE_MAX_BYTES: value })).toBe(10 * 1024 * 1024);
  });

  it("checks WebP's two signatures and text's UTF-8", () => {
    const webp = new TextEncoder().encode("RIFF\u0000\u0000\u0000\u0000WEBPVP8 ");
    expect(contentMatches("image/webp", webp)).toBe(true);
    expect(contentMatches("image/webp", new TextEncoder().encode("RIFF\u0000\u0000\u0000\u0000WAVEfmt "))).toBe(false);
    expect(contentMatches("text/csv", new TextEncoder().encode("a,b\nü,ß\n"))).toBe(true);
    expect(contentMatches("text/csv", new Uint8Array([0xc3]))).toBe(false);
  });

  it("keeps a name's last segment without control or direction characters, at most 200 code points", () => {
    expect(sanitizeFileName("a%2Fb%5Cc.txt")).toBe("c.txt");
    expect(sanitizeFileName(encodeURIComponent("\u0007bell\u2066.txt "))).toBe("bell.txt");
    expect([...(sanitizeFileName(encodeURIComponent("😀".repeat(300))) ?? "")]).toHaveLength(200);
    for (const bad of [null, "", "%", "..", encodeURIComponent("dir/"), encodeURIComponent("\u0000")])
      expect(sanitizeFileName(bad)).toBeNull();
  });

  it("reads a body up to the cap and stops as soon as it passes it", async () => {
    expect(await readCapped(stream(10, 10), 20)).toMatchObject({ ok: true, bytes: new Uint8Array(20).fill(0x61) });
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 1;
        controller.enqueue(new Uint8Array(8));
      },
    });
    expect(await readCapped(endless, 20)).toEqual({ ok: false, reason: "too_large" });
    expect(pulled).toBeLessThanOrEqual(5);
    expect(await readCapped(stream(), 20)).toEqual({ ok: false, reason: "empty" });
    expect(await readCapped(null, 20)).toEqual({ ok: false, reason: "empty" });
  });
});
