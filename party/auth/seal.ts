/**
 * Secrets kept at rest (a custodial Nostr key, a chat platform's bot token, a gateway's
 * token): sealed with AES-GCM under a key derived with HKDF from a Worker secret, one derived
 * key per purpose, and bound to what they belong to (the additional data), so a sealed value
 * copied to another row or purpose does not open. Only the module that owns a secret opens it.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

const IV_BYTES = 12;
const TAG_BYTES = 16;
const encoder = new TextEncoder();

/** The derived keys, once per isolate, Worker secret and purpose. */
const keys = new Map<string, Buffer>();

function sealingKey(secret: string, purpose: string): Buffer {
  if (!secret) throw new Error(`no secret to seal ${purpose} with`);
  const id = `${purpose}\n${secret}`;
  const cached = keys.get(id);
  if (cached) return cached;
  const key = Buffer.from(hkdfSync("sha256", secret, purpose, "v1", 32));
  keys.set(id, key);
  return key;
}

/**
 * A sealer for one purpose under one Worker secret, synchronous (node:crypto), so that a secret
 * kept inside a room's transaction, which cannot wait, is sealed there.
 */
export interface SyncSealer {
  /** `plain` sealed, bound to `boundTo`: base64 of the IV, the ciphertext and its tag. */
  seal(plain: Uint8Array, boundTo: string): string;
  /** What `seal` sealed with the same `boundTo`; throws for anything else. */
  open(sealed: string, boundTo: string): Uint8Array;
}

export function syncSealer(secret: string, purpose: string): SyncSealer {
  const key = sealingKey(secret, purpose);
  return {
    seal(plain, boundTo) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      cipher.setAAD(encoder.encode(boundTo));
      return Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]).toString("base64");
    },
    open(sealed, boundTo) {
      const bytes = Buffer.from(sealed, "base64");
      const decipher = createDecipheriv("aes-256-gcm", key, bytes.subarray(0, IV_BYTES));
      decipher.setAAD(encoder.encode(boundTo));
      decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
      return new Uint8Array(
        Buffer.concat([decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()]),
      );
    },
  };
}

/** The same sealing for callers that await (a missing secret rejects instead of throwing). */
export interface Sealer {
  seal(plain: Uint8Array, boundTo: string): Promise<string>;
  open(sealed: string, boundTo: string): Promise<Uint8Array>;
}

export function sealer(secret: string, purpose: string): Sealer {
  return {
    seal: async (plain, boundTo) => syncSealer(secret, purpose).seal(plain, boundTo),
    open: async (sealed, boundTo) => syncSealer(secret, purpose).open(sealed, boundTo),
  };
}
