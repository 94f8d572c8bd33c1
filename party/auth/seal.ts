/**
 * Secrets kept at rest (a custodial Nostr key, a chat platform's bot token, a gateway's
 * token): sealed with AES-GCM under a key derived with HKDF from a Worker secret, one derived
 * key per purpose, and bound to what they belong to (the additional data), so a sealed value
 * copied to another row or purpose does not open. Only the module that owns a secret opens it.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

const IV_BYTES = 12;
const encoder = new TextEncoder();

/** The derived keys, once per isolate, Worker secret and purpose. */
const keys = new Map<string, Promise<CryptoKey>>();

function sealingKey(secret: string, purpose: string): Promise<CryptoKey> {
  if (!secret) throw new Error(`no secret to seal ${purpose} with`);
  const id = `${purpose}\n${secret}`;
  let key = keys.get(id);
  if (!key) {
    key = crypto.subtle
      .importKey("raw", encoder.encode(secret), "HKDF", false, ["deriveKey"])
      .then((material) =>
        crypto.subtle.deriveKey(
          { name: "HKDF", hash: "SHA-256", salt: encoder.encode(purpose), info: encoder.encode("v1") },
          material,
          { name: "AES-GCM", length: 256 },
          false,
          ["encrypt", "decrypt"],
        ),
      );
    keys.set(id, key);
  }
  return key;
}

/** A sealer for one purpose under one Worker secret. */
export interface Sealer {
  /** `plain` sealed, bound to `boundTo`: base64 of the IV and the ciphertext. */
  seal(plain: Uint8Array, boundTo: string): Promise<string>;
  /** What `seal` sealed with the same `boundTo`; throws for anything else. */
  open(sealed: string, boundTo: string): Promise<Uint8Array>;
}

export function sealer(secret: string, purpose: string): Sealer {
  return {
    async seal(plain, boundTo) {
      const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
      const sealed = await crypto.subtle.encrypt(
        { name: "AES-GCM", iv, additionalData: encoder.encode(boundTo) },
        await sealingKey(secret, purpose),
        plain,
      );
      const out = new Uint8Array(IV_BYTES + sealed.byteLength);
      out.set(iv);
      out.set(new Uint8Array(sealed), IV_BYTES);
      return btoa(String.fromCharCode(...out));
    },
    async open(sealed, boundTo) {
      const bytes = Uint8Array.from(atob(sealed), (c) => c.charCodeAt(0));
      const opened = await crypto.subtle.decrypt(
        { name: "AES-GCM", iv: bytes.slice(0, IV_BYTES), additionalData: encoder.encode(boundTo) },
        await sealingKey(secret, purpose),
        bytes.slice(IV_BYTES),
      );
      return new Uint8Array(opened);
    },
  };
}

/**
 * The same sealing, synchronous (node:crypto: HKDF and AES-GCM as above, the same bytes), for
 * a secret kept inside a room's transaction, which cannot wait for WebCrypto. What one seals
 * the other opens.
 */
export interface SyncSealer {
  seal(plain: Uint8Array, boundTo: string): string;
  open(sealed: string, boundTo: string): Uint8Array;
}

const TAG_BYTES = 16;

export function syncSealer(secret: string, purpose: string): SyncSealer {
  if (!secret) throw new Error(`no secret to seal ${purpose} with`);
  const key = Buffer.from(hkdfSync("sha256", secret, purpose, "v1", 32));
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
