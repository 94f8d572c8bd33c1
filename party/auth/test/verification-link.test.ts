// The verification link a mail carries (party/auth/auth.ts verificationLink): the configured
// origin, the token, and a callback only when it is a path of the app. A browser drops tabs
// and newlines inside a URL, so "/\t/evil.example" would land on //evil.example.
import { describe, expect, it } from "vitest";
import { verificationLink } from "../auth";

const ORIGIN = "https://autopilot.example.com";
const given = (callback: string) =>
  `http://evil.example/api/auth/verify-email?token=t0k&callbackURL=${encodeURIComponent(callback)}`;
const callbackOf = (link: string) => new URL(link).searchParams.get("callbackURL");

describe("verification links", () => {
  it("keep the token and a path of the app, at the configured origin", () => {
    const link = verificationLink(ORIGIN, given("/threads/abc?tab=audit"));
    expect(new URL(link).origin).toBe(ORIGIN);
    expect(new URL(link).searchParams.get("token")).toBe("t0k");
    expect(callbackOf(link)).toBe("/threads/abc?tab=audit");
  });

  it("never lead the reader to another site once verified", () => {
    const elsewhere = [
      "https://evil.example/",
      "//evil.example",
      "/\\evil.example",
      "/\t/evil.example",
      "/\n/evil.example",
      "/ /evil.example",
      "/\u0000/evil.example",
      "javascript:alert(1)",
    ];
    for (const callback of elsewhere) expect(callbackOf(verificationLink(ORIGIN, given(callback)))).toBe("/");
  });
});
