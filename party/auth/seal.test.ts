// Sealing (party/auth/seal.ts) is one format: what the synchronous form seals inside a room's
// transaction the awaiting form opens, and back; values sealed before with WebCrypto (HKDF and
// AES-GCM, the IV first: chats' bot tokens, custodial Nostr keys) still open; another binding
// or purpose does not.
import { describe, expect, it } from "vitest";
import { sealer, syncSealer } from "./seal";

const SECRET = "seal-test-secret-0123456789abcdef";
const text = new TextEncoder().encode("a bot token");
const encoder = new TextEncoder();

/** Seals as the rooms did with WebCrypto before the synchronous form: rows written then must still open. */
async function webCryptoSeal(plain: Uint8Array, purpose: string, boundTo: string): Promise<string> {
  const material = await crypto.subtle.importKey("raw", encoder.encode(SECRET), "HKDF", false, ["deriveKey"]);
  const key = await crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: encoder.encode(purpose), info: encoder.encode("v1") },
    material,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt"],
  );
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: encoder.encode(boundTo) }, key, plain),
  );
  return Buffer.concat([iv, sealed]).toString("base64");
}

describe("sealing", () => {
  it("the synchronous and the awaiting forms open each other's, bound to the same thing only", async () => {
    const sync = syncSealer(SECRET, "purpose");
    const awaiting = sealer(SECRET, "purpose");
    expect(new TextDecoder().decode(await awaiting.open(sync.seal(text, "row 1"), "row 1"))).toBe("a bot token");
    expect(new TextDecoder().decode(sync.open(await awaiting.seal(text, "row 1"), "row 1"))).toBe("a bot token");
    expect(() => sync.open(sync.seal(text, "row 1"), "row 2")).toThrow();
    expect(() => syncSealer(SECRET, "another purpose").open(sync.seal(text, "row 1"), "row 1")).toThrow();
    expect(sync.seal(text, "row 1")).not.toBe(sync.seal(text, "row 1"));
  });

  it("opens what WebCrypto sealed before, and refuses it under another binding", async () => {
    const before = await webCryptoSeal(text, "chat-bot-token", "ws-1");
    expect(new TextDecoder().decode(await sealer(SECRET, "chat-bot-token").open(before, "ws-1"))).toBe("a bot token");
    await expect(sealer(SECRET, "chat-bot-token").open(before, "ws-2")).rejects.toThrow();
  });

  it("an empty secret is refused when sealing, not when the sealer is made", async () => {
    const none = sealer("", "purpose");
    await expect(none.seal(text, "row 1")).rejects.toThrow(/no secret to seal purpose/);
  });
});
