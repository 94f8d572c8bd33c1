import { describe, expect, it } from "vitest";
import { frameOver } from "./frame-size";

describe("a frame's size against a cap", () => {
  it("counts text in UTF-8 bytes, binary in its length", () => {
    expect(frameOver("a".repeat(10), 10)).toBe(false);
    expect(frameOver("a".repeat(11), 10)).toBe(true);
    // Four UTF-16 units, but 4 × 3 bytes: over 10 though short enough by its length.
    expect(frameOver("€€€€", 10)).toBe(true);
    expect(frameOver("€€€", 9)).toBe(false);
    // An emoji is two UTF-16 units and four bytes.
    expect(frameOver("😀😀", 8)).toBe(false);
    expect(frameOver("😀😀😀", 11)).toBe(true);
    expect(frameOver(new ArrayBuffer(10), 10)).toBe(false);
    expect(frameOver(new ArrayBuffer(11), 10)).toBe(true);
  });
});
