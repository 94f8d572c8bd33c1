import { makeSignature } from "better-auth/crypto";
import { describe, expect, it } from "vitest";
import { SESSION_EXPIRES_IN_S, SESSION_UPDATE_AGE_S } from "../options";
import { type SessionAccessRow, sessionOutcome, signedSessionToken } from "../socket-session";

const SECRET = "a-test-secret-of-some-length-0123456789";
const NOW = Date.parse("2026-11-22T12:00:00Z");
/** A session made an hour ago: not yet due for better-auth's sliding refresh. */
const fresh = NOW - 3600_000 + SESSION_EXPIRES_IN_S * 1000;

const row = (over: Partial<SessionAccessRow> = {}): SessionAccessRow => ({
  userId: "u1",
  expiresAt: new Date(fresh).toISOString(),
  name: "Ada",
  email: "ada@example.test",
  banned: 0,
  banExpires: null,
  waitlisted: 0,
  role: "member",
  ...over,
});

async function cookieFor(name: string, token: string, secret = SECRET) {
  return `other=1; ${name}=${encodeURIComponent(`${token}.${await makeSignature(token, secret)}`)}`;
}

describe("signedSessionToken", () => {
  it("accepts the token better-auth signed, under the cookie name of the origin's scheme", async () => {
    const headers = new Headers({ cookie: await cookieFor("better-auth.session_token", "tok123") });
    expect(await signedSessionToken(headers, "http://app.test", SECRET)).toBe("tok123");
    const secure = new Headers({ cookie: await cookieFor("__Secure-better-auth.session_token", "tok123") });
    expect(await signedSessionToken(secure, "https://app.test", SECRET)).toBe("tok123");
    // On https only the __Secure- cookie counts (as for better-auth itself).
    expect(await signedSessionToken(headers, "https://app.test", SECRET)).toBeNull();
  });

  it("refuses a forged or missing signature, another secret's, and no cookie", async () => {
    const forged = new Headers({
      cookie: `better-auth.session_token=${encodeURIComponent(`tok123.${"A".repeat(43)}=`)}`,
    });
    expect(await signedSessionToken(forged, "http://app.test", SECRET)).toBeNull();
    expect(
      await signedSessionToken(new Headers({ cookie: "better-auth.session_token=tok123" }), "http://app.test", SECRET),
    ).toBeNull();
    const other = new Headers({
      cookie: await cookieFor("better-auth.session_token", "tok123", "another-secret-entirely-0123456789"),
    });
    expect(await signedSessionToken(other, "http://app.test", SECRET)).toBeNull();
    expect(await signedSessionToken(new Headers(), "http://app.test", SECRET)).toBeNull();
  });
});

describe("signedSessionToken, again", () => {
  it("a value accepted once is still refused with another signature or under another secret", async () => {
    const cookie = await cookieFor("better-auth.session_token", "tok456");
    const headers = new Headers({ cookie });
    expect(await signedSessionToken(headers, "http://app.test", SECRET)).toBe("tok456");
    expect(await signedSessionToken(headers, "http://app.test", SECRET)).toBe("tok456");
    expect(await signedSessionToken(headers, "http://app.test", "another-secret-entirely-0123456789")).toBeNull();
    const forged = new Headers({
      cookie: `better-auth.session_token=${encodeURIComponent(`tok456.${"B".repeat(43)}=`)}`,
    });
    expect(await signedSessionToken(forged, "http://app.test", SECRET)).toBeNull();
  });
});

describe("sessionOutcome", () => {
  it("a live session of an active member is that person with their role's scopes (name, else e-mail)", () => {
    expect(sessionOutcome(row(), NOW)).toEqual({
      ok: true,
      principal: { id: "u1", kind: "user", name: "Ada", role: "member", scopes: ["read", "write", "approve"] },
    });
    const unnamed = sessionOutcome(row({ name: "", role: "viewer", expiresAt: fresh }), NOW);
    expect(unnamed).toEqual({
      ok: true,
      principal: { id: "u1", kind: "user", name: "ada@example.test", role: "viewer", scopes: ["read"] },
    });
  });

  it("no session row (signed out, revoked) or an expired one is 401", () => {
    expect(sessionOutcome(null, NOW)).toMatchObject({ ok: false, status: 401 });
    expect(sessionOutcome(row({ expiresAt: NOW - 1 }), NOW)).toMatchObject({ ok: false, status: 401 });
    expect(sessionOutcome(row({ expiresAt: null }), NOW)).toMatchObject({ ok: false, status: 401 });
  });

  it("a disabled or waitlisted account, or no membership in the workspace, is 403", () => {
    expect(sessionOutcome(row({ banned: 1 }), NOW)).toEqual({
      ok: false,
      status: 403,
      reason: "this account is disabled",
    });
    expect(sessionOutcome(row({ waitlisted: 1 }), NOW)).toMatchObject({
      ok: false,
      status: 403,
      reason: expect.stringMatching(/waitlist/),
    });
    expect(sessionOutcome(row({ role: null }), NOW)).toEqual({
      ok: false,
      status: 403,
      reason: "not a member of this workspace",
    });
    expect(sessionOutcome(row({ role: "emperor" }), NOW)).toMatchObject({ ok: false, status: 403 });
    // A ban that has run out no longer counts.
    expect(sessionOutcome(row({ banned: 1, banExpires: NOW - 1 }), NOW)).toMatchObject({ ok: true });
  });

  it("a session that has used a day of its life is left to better-auth, which slides it forward", () => {
    const due = NOW + (SESSION_EXPIRES_IN_S - SESSION_UPDATE_AGE_S) * 1000;
    expect(sessionOutcome(row({ expiresAt: due }), NOW)).toBe("refresh");
    expect(sessionOutcome(row({ expiresAt: due + 1000 }), NOW)).toMatchObject({ ok: true });
    // Refused is refused, due or not.
    expect(sessionOutcome(row({ expiresAt: due, banned: 1 }), NOW)).toMatchObject({ ok: false, status: 403 });
  });
});
