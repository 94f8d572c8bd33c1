// A mail's header values (party/auth/mail-headers.ts): whatever people and agents wrote, one
// line with no control character, so a title cannot add a header (`Deploy\r\nBcc: …`).
import { describe, expect, it } from "vitest";
import { headerAddress, headerValue } from "../mail-headers";

describe("mail header values", () => {
  it("a CR/LF or any other control character cannot start a header of its own", () => {
    expect(headerValue("Deploy\r\nBcc: attacker@evil.example")).toBe("Deploy Bcc: attacker@evil.example");
    // Each of these characters alone (C0 controls, DEL, NEL, the line and paragraph separators), and CR LF.
    for (const breaker of [..."\r\n\u0000\u0009\u000b\u000c\u001b\u007f\u0085\u2028\u2029", "\r\n"]) {
      expect(headerValue(`Deploy${breaker}Bcc: a@b.example`), JSON.stringify(breaker)).toBe("Deploy Bcc: a@b.example");
    }
    expect(headerValue("\r\n  padded \r\n\r\n title \n")).toBe("padded title");
  });

  it("keeps what is not a control character, and cuts at the limit without splitting a character", () => {
    expect(headerValue("Ünïcødé — 部署 🚀")).toBe("Ünïcødé — 部署 🚀");
    expect(headerValue("🚀".repeat(300))).toBe("🚀".repeat(200));
    expect(headerValue("x".repeat(300), 50)).toHaveLength(50);
  });

  it("an address is one plain address, else the mail is not sent", () => {
    expect(headerAddress("alice@example.test")).toBe("alice@example.test");
    for (const bad of [
      "alice@example.test\r\nBcc: eve@evil.example",
      "alice@example.test, eve@evil.example",
      "Eve <eve@evil.example>",
      "alice@example.test\u0000",
      "no-at-sign",
      `${"a".repeat(250)}@x.test`,
    ])
      expect(() => headerAddress(bad)).toThrow(/not one plain address/);
  });
});
