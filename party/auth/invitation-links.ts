// The link in an invitation's mail carries, beside the invitation's id, a token only that
// mail holds: an HMAC of the id under the auth secret. The id alone is no proof (the
// workspace's owners and admins list it); the token is, as a verification link is, that its
// holder reads the invited address. With it the landing page may show the invitation before
// any sign-in, and a person who signs up (or in) through it has that address verified.

const encoder = new TextEncoder();
const PURPOSE = "invitation-link:";

function hmacKey(secret: string, usage: "sign" | "verify"): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [usage]);
}

const toBase64Url = (bytes: Uint8Array): string =>
  btoa(String.fromCharCode(...bytes))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");

function fromBase64Url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]{1,100}$/.test(text)) return null;
  try {
    const raw = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
    return Uint8Array.from(raw, (ch) => ch.charCodeAt(0));
  } catch {
    return null;
  }
}

export async function invitationToken(secret: string, invitationId: string): Promise<string> {
  const mac = await crypto.subtle.sign("HMAC", await hmacKey(secret, "sign"), encoder.encode(PURPOSE + invitationId));
  return toBase64Url(new Uint8Array(mac));
}

/** Whether `token` is the one the invitation's mail carries (compared in constant time). */
export async function isInvitationToken(secret: string, invitationId: string, token: string): Promise<boolean> {
  const mac = fromBase64Url(token);
  if (!mac) return false;
  return crypto.subtle.verify("HMAC", await hmacKey(secret, "verify"), mac, encoder.encode(PURPOSE + invitationId));
}

/** The app's landing page for the invitation (`origin`: a configured one, never the request's Host). */
export async function invitationLink(origin: string, secret: string, invitationId: string): Promise<string> {
  const link = new URL("/", origin);
  link.searchParams.set("invitation", invitationId);
  link.searchParams.set("token", await invitationToken(secret, invitationId));
  return link.toString();
}
