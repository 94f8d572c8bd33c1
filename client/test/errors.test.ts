import { describe, expect, it } from "vitest";
import { AutopilotError, errorFromClose, isTerminalCloseCode } from "../src/errors";

describe("errorFromClose", () => {
  it("maps the terminal application codes", () => {
    expect(errorFromClose(4001, "invalid or revoked API key")).toMatchObject({
      code: "unauthenticated",
      retryable: false,
      message: "authentication failed: invalid or revoked API key",
    });
    expect(errorFromClose(4003, "")).toMatchObject({ code: "forbidden", retryable: false });
    expect(errorFromClose(4008, "")).toMatchObject({ code: "protocol_unsupported", retryable: false });
    expect([4001, 4003, 4008].every(isTerminalCloseCode)).toBe(true);
    expect([1000, 1006, 4029].some(isTerminalCloseCode)).toBe(false);
  });

  it("reads retryAfterMs from a 4029 reason", () => {
    expect(errorFromClose(4029, JSON.stringify({ retryAfterMs: 1500 }))).toMatchObject({
      code: "rate_limited",
      retryable: true,
      retryAfterMs: 1500,
    });
    expect(errorFromClose(4029, "not json").retryAfterMs).toBeUndefined();
  });

  it("treats everything else as a retryable drop", () => {
    expect(errorFromClose(1006, "")).toMatchObject({ code: "unavailable", retryable: true });
  });
});

describe("AutopilotError.fromShape", () => {
  it("only trusts retryable for retryable codes", () => {
    expect(AutopilotError.fromShape({ code: "conflict", message: "x", retryable: true }).retryable).toBe(false);
    expect(
      AutopilotError.fromShape({ code: "rate_limited", message: "x", retryable: true, retryAfterMs: 50 }),
    ).toMatchObject({
      retryable: true,
      retryAfterMs: 50,
    });
  });
});
