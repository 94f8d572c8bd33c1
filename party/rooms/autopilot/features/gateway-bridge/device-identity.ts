// The Autopilot's Ed25519 device identity towards one OpenClaw gateway (WebCrypto, so it
// runs in workerd). Generated once per instance and kept in the room's SQLite with the
// device token the gateway issues; the private key never leaves the room.

export interface DeviceIdentity {
  /** Lower-case hex SHA-256 of the raw public key: the gateway's device id. */
  deviceId: string;
  /** Raw 32-byte public key, base64url. */
  publicKey: string;
  privateJwk: JsonWebKey;
  /** Issued by the gateway on first pairing; reused on every later connect. */
  deviceToken: string | null;
}

/** Fields of the signed connect proof; must match the `connect` params sent with it. */
export interface ConnectProof {
  clientId: string;
  clientMode: string;
  role: string;
  scopes: readonly string[];
  signedAt: number;
  /** The credential in `auth` (gateway token or device token): the signature covers it. */
  token: string;
  nonce: string;
  platform: string;
  deviceFamily: string;
}

const ED25519 = { name: "Ed25519" } as const;

export function base64url(bytes: ArrayBuffer | Uint8Array): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let binary = "";
  for (const b of view) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

async function sha256Hex(bytes: ArrayBuffer): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export async function createDeviceIdentity(): Promise<DeviceIdentity> {
  const pair = (await crypto.subtle.generateKey(ED25519, true, ["sign", "verify"])) as CryptoKeyPair;
  const raw = (await crypto.subtle.exportKey("raw", pair.publicKey)) as ArrayBuffer;
  const privateJwk = (await crypto.subtle.exportKey("jwk", pair.privateKey)) as JsonWebKey;
  return { deviceId: await sha256Hex(raw), publicKey: base64url(raw), privateJwk, deviceToken: null };
}

/** The v3 proof string the gateway verifies (see runtime/BRIDGE.md, device identity). */
export function proofPayload(deviceId: string, p: ConnectProof): string {
  return [
    "v3",
    deviceId,
    p.clientId,
    p.clientMode,
    p.role,
    p.scopes.join(","),
    String(p.signedAt),
    p.token,
    p.nonce,
    p.platform.toLowerCase(),
    p.deviceFamily.toLowerCase(),
  ].join("|");
}

export async function signProof(device: DeviceIdentity, proof: ConnectProof): Promise<string> {
  const key = await crypto.subtle.importKey("jwk", device.privateJwk, ED25519, false, ["sign"]);
  const signature = await crypto.subtle.sign(
    ED25519,
    key,
    new TextEncoder().encode(proofPayload(device.deviceId, proof)),
  );
  return base64url(signature);
}
