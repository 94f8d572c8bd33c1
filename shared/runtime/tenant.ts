// The credential of one workspace's runtime calls: the rooms' Worker and the runtime both hold
// a tenant key (never sent), and a call for workspace W carries HMAC-SHA256(key, "workspace:"+W)
// as its bearer. A credential that leaks reaches that one workspace's instances only, and the
// runtime recomputes it from the workspace the path names instead of keeping a list
// (docs/decisions/076-tenant-credentials-and-sealed-tokens.md). WebCrypto: the same code runs
// in workerd (the rooms, the sandbox host) and in Node (the process host).
import { workspaceIdSchema } from "./requests";

/** The credential's version: a new derivation gets a new prefix, so both can be told apart. */
export const TENANT_CREDENTIAL_PREFIX = "wt1";
/** A tenant key is a secret of at least this many characters (as the service token). */
export const MIN_TENANT_KEY_LENGTH = 32;

// Shared code is typed without any platform's globals; every side this runs on (workerd,
// Node 20+) has WebCrypto, TextEncoder and btoa. Only what is used here is declared.
declare const crypto: {
  subtle: {
    importKey(
      format: "raw",
      key: Uint8Array,
      algorithm: { name: "HMAC"; hash: "SHA-256" },
      extractable: false,
      usages: ["sign"],
    ): Promise<unknown>;
    sign(algorithm: "HMAC", key: unknown, data: Uint8Array): Promise<ArrayBuffer>;
  };
};
declare const TextEncoder: new () => { encode(text: string): Uint8Array };
declare function btoa(binary: string): string;

const encoder = new TextEncoder();

function base64url(bytes: ArrayBuffer): string {
  let binary = "";
  for (const byte of new Uint8Array(bytes)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/**
 * `wt1.<workspaceId>.<mac>`: the workspace travels in the credential so that a route without
 * one in its path (health) can still check it; workspace ids hold no ".", so it splits cleanly.
 */
export async function tenantCredential(tenantKey: string, workspaceId: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(tenantKey),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = await crypto.subtle.sign("HMAC", key, encoder.encode(`workspace:${workspaceId}`));
  return `${TENANT_CREDENTIAL_PREFIX}.${workspaceId}.${base64url(mac)}`;
}

const CREDENTIAL_SHAPE = new RegExp(`^${TENANT_CREDENTIAL_PREFIX}\\.([^.]{1,64})\\.[A-Za-z0-9_-]{43}$`);

/** The workspace a bearer claims to be for, or null when it is not shaped like a tenant credential. */
export function credentialWorkspace(bearer: string): string | null {
  const claimed = CREDENTIAL_SHAPE.exec(bearer)?.[1];
  return claimed !== undefined && workspaceIdSchema.safeParse(claimed).success ? claimed : null;
}
