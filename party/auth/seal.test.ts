// The two forms of sealing (party/auth/seal.ts) are one format: what the synchronous form seals
// inside a room's transaction, the WebCrypto form opens, and back; both refuse another binding.
import { describe, expect, it } from "vitest";
import { sealer, syncSealer } from "./seal";

const SECRET = "seal-test-secret-0123456789abcdef";
const text = new TextEncoder().encode("a bot token");

describe("sealing", () => {
  it("the synchronous and the WebCrypto forms open each other's, bound to the same thing only", async () => {
    const sync = syncSealer(SECRET, "purpose");
    const web = sealer(SECRET, "purpose");
    expect(new TextDecoder().decode(await web.open(sync.seal(text, "row 1"), "row 1"))).toBe("a bot token");
    expect(new TextDecoder().decode(sync.open(await web.seal(text, "row 1"), "row 1"))).toBe("a bot token");
    expect(() => sync.open(sync.seal(text, "row 1"), "row 2")).toThrow();
    expect(() => syncSealer(SECRET, "another purpose").open(sync.seal(text, "row 1"), "row 1")).toThrow();
    expect(sync.seal(text, "row 1")).not.toBe(sync.seal(text, "row 1"));
  });
});
