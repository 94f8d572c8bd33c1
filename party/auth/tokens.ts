/** Secrets handed out once (connect tickets, key sessions, agent invitations): 256 random bits as hex; D1 keeps only their SHA-256 (also a stored file's digest). */
export const randomToken = (): string =>
  [...crypto.getRandomValues(new Uint8Array(32))].map((b) => b.toString(16).padStart(2, "0")).join("");

export async function sha256Hex(data: string | ArrayBufferView | ArrayBuffer): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    typeof data === "string" ? new TextEncoder().encode(data) : data,
  );
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
