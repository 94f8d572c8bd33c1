// What the service worker makes of a push (client/app/sw/push-actions.ts): plain, bounded text;
// no link that leaves the app's origin; an approval's decision link only as a `/decide/` path of
// it, and then Approve and Deny; the actions press the link as its page's form would.
import { describe, expect, it } from "vitest";
import { isDecision, notificationFor, outcomeTitle, pressDecision, readPush } from "../app/sw/push-actions";

const ORIGIN = "https://app.example";

describe("a push, as the service worker reads it", () => {
  it("keeps the app's own links and an approval's decision link; drops every other", () => {
    const push = readPush(
      {
        title: "An approval is waiting for you",
        body: "Ship it\nv2",
        url: "/?w=ws_1&approval=apr_1",
        decide: "/decide/ws_1/ab",
      },
      ORIGIN,
    );
    expect(push).toEqual({
      title: "An approval is waiting for you",
      body: "Ship it\nv2",
      url: "/?w=ws_1&approval=apr_1",
      decide: "/decide/ws_1/ab",
    });
    const { options } = notificationFor(push);
    expect(options.actions.map((a) => a.action)).toEqual(["approve", "deny"]);
    expect(options.data).toEqual({ url: "/?w=ws_1&approval=apr_1", decide: "/decide/ws_1/ab" });

    for (const decide of [
      "https://evil.example/decide/ws_1/ab",
      "/api/me",
      "//evil.example/decide/x",
      42,
      "",
      undefined,
    ]) {
      const read = readPush({ title: "t", url: "https://evil.example/x", decide }, ORIGIN);
      expect(read.decide).toBeNull();
      expect(read.url).toBe("/");
      expect(notificationFor(read).options.actions).toEqual([]);
    }
  });

  it("bounds what it shows and reads anything else as nothing", () => {
    const long = readPush({ title: "x".repeat(5000), body: "y".repeat(5000) }, ORIGIN);
    expect(long.title).toHaveLength(200);
    expect(long.body).toHaveLength(1000);
    for (const value of [null, "text", 7, [], { title: { nested: true } }])
      expect(readPush(value, ORIGIN)).toEqual({ title: "Autopilot", body: "", url: "/", decide: null });
  });
});

describe("an approval notification's actions", () => {
  it("decide only on Approve or Deny of a notification with a decision link", () => {
    expect(isDecision("approve", { decide: "/decide/ws_1/ab" })).toBe(true);
    expect(isDecision("deny", { decide: "/decide/ws_1/ab" })).toBe(true);
    expect(isDecision("", { decide: "/decide/ws_1/ab" })).toBe(false);
    expect(isDecision("approve", { decide: null })).toBe(false);
    expect(isDecision("approve", undefined)).toBe(false);
  });

  it("press the link's button as its form does, and say whether it decided", async () => {
    const sent: { url: string; init: RequestInit | undefined }[] = [];
    const answering = (status: number) =>
      (async (url: string, init?: RequestInit) => {
        sent.push({ url, init });
        return new Response("<p>ok</p>", { status });
      }) as unknown as typeof fetch;
    expect(await pressDecision(answering(200), "/decide/ws_1/ab", "deny")).toBe(true);
    expect(sent[0]).toEqual({
      url: "/decide/ws_1/ab",
      init: {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "decision=deny",
      },
    });
    expect(await pressDecision(answering(403), "/decide/ws_1/ab", "approve")).toBe(false);
    const offline = (async () => {
      throw new TypeError("Failed to fetch");
    }) as unknown as typeof fetch;
    expect(await pressDecision(offline, "/decide/ws_1/ab", "approve")).toBe(false);
    expect(outcomeTitle("approve", "Ship it\nv2")).toBe("Approved: Ship it");
    expect(outcomeTitle("deny", "Drop it")).toBe("Denied: Drop it");
  });
});
