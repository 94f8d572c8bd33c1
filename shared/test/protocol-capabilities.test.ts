import { describe, expect, it } from "vitest";
import { askedCapabilities, CAPABILITIES, offeredCapabilities, type Capability } from "../protocol/capabilities";
import { errorFor, eventFor, needsConversion, resultFor } from "../protocol/cuts/index";
import { PROTOCOL_VERSION } from "../protocol/version";
import { withoutPlatform } from "../protocol/chat-platforms";

// A capability as an additive change names one: an enum value ("matrix") in a result and an
// event, a new event, and an error code.
type Chats = { platforms: string[] };
const matrix: Capability = {
  name: "chats.matrix",
  since: PROTOCOL_VERSION,
  summary: "Matrix among the chat platforms",
  adds: ["results.chats.get.platforms[]", "events.chats.changed.platforms[]", "events.chat.matrix"],
  events: {
    "chats.changed": (payload: Chats) => ({ platforms: payload.platforms.filter((p) => p !== "matrix") }),
    "chat.matrix": () => null,
  },
  results: { "chats.get": (payload: Chats) => ({ platforms: payload.platforms.filter((p) => p !== "matrix") }) },
  errors: { matrix_down: "unavailable" },
};
const offered = [matrix];
const asked = new Set(["chats.matrix"]);
const none = new Set<string>();

describe("protocol capabilities", () => {
  it("a socket that asked gets frames as the room writes them; one that did not, as its version knew them", () => {
    const payload = { platforms: ["slack", "matrix"] };
    expect(needsConversion(PROTOCOL_VERSION, asked, offered)).toBe(false);
    expect(needsConversion(PROTOCOL_VERSION, none, offered)).toBe(true);
    expect(eventFor(PROTOCOL_VERSION, "chats.changed", payload, asked, offered)).toEqual(payload);
    expect(eventFor(PROTOCOL_VERSION, "chats.changed", payload, none, offered)).toEqual({ platforms: ["slack"] });
    expect(resultFor(PROTOCOL_VERSION, "chats.get", payload, none, offered)).toEqual({ platforms: ["slack"] });
    // A new event reaches only those that asked.
    expect(eventFor(PROTOCOL_VERSION, "chat.matrix", { id: 1 }, asked, offered)).toEqual({ id: 1 });
    expect(eventFor(PROTOCOL_VERSION, "chat.matrix", { id: 1 }, none, offered)).toBeNull();
    const error = { code: "matrix_down", message: "Matrix is not answering" };
    expect(errorFor(PROTOCOL_VERSION, error, undefined, asked, offered)).toEqual(error);
    expect(errorFor(PROTOCOL_VERSION, error, undefined, none, offered)).toEqual({
      ...error,
      code: "unavailable",
      details: { reason: "matrix_down" },
    });
  });

  it("an older version never has a newer version's capabilities, whatever it asks", () => {
    const older = PROTOCOL_VERSION - 1;
    expect(askedCapabilities("chats.matrix", older, offered)).toEqual([]);
    expect(eventFor(older, "chats.changed", { platforms: ["matrix", "telegram"] }, asked, offered)).toEqual({
      platforms: ["telegram"],
    });
    expect(eventFor(older, "chat.matrix", {}, asked, offered)).toBeNull();
  });

  it("reads a connect's caps as hostile input: unknown, malformed and excess names are ignored", () => {
    expect(askedCapabilities("chats.matrix", PROTOCOL_VERSION, offered)).toEqual(["chats.matrix"]);
    expect(askedCapabilities(" chats.matrix ,nope,,Chats.Matrix", PROTOCOL_VERSION, offered)).toEqual(["chats.matrix"]);
    expect(askedCapabilities(null, PROTOCOL_VERSION, offered)).toEqual([]);
    expect(askedCapabilities("x".repeat(10_000), PROTOCOL_VERSION, offered)).toEqual([]);
    // Only the first 32 names are read.
    expect(askedCapabilities(`${"a,".repeat(40)}chats.matrix`, PROTOCOL_VERSION, offered)).toEqual([]);
    expect(offeredCapabilities(PROTOCOL_VERSION, offered)).toEqual(["chats.matrix"]);
  });

  it("every capability the room offers is well formed: a unique name, a version the room knows, what it adds", () => {
    const names = new Set<string>();
    // The room's own and this file's, so the check is seen to hold on one.
    for (const capability of [...CAPABILITIES, ...offered]) {
      expect(capability.name).toMatch(/^[a-z][a-z0-9.-]{0,47}$/);
      expect(names.has(capability.name)).toBe(false);
      names.add(capability.name);
      expect(capability.since).toBeLessThanOrEqual(PROTOCOL_VERSION);
      expect(capability.adds.length + (capability.withholds?.length ?? 0)).toBeGreaterThan(0);
    }
  });

  it("a chat platform's capability leaves it out wherever the chats or a message travel, however deep", () => {
    const actor = { id: "u1", kind: "user", name: "Ann" };
    const view = {
      connections: [{ platform: "telegram" }, { platform: "matrix" }],
      links: [{ platform: "matrix", handle: "@ann" }],
      bindings: [
        { platform: "matrix", threadId: "t1" },
        { platform: "telegram", threadId: "t2" },
      ],
    };
    const message = (fromChat: string) => ({ id: "m", threadId: "t1", n: 3, author: actor, text: "hi", fromChat });
    const without = withoutPlatform("matrix");
    expect(without({ chats: view })).toEqual({
      chats: {
        connections: [{ platform: "telegram" }],
        links: [],
        bindings: [{ platform: "telegram", threadId: "t2" }],
      },
    });
    expect(without({ messages: [message("matrix"), message("telegram")] })).toEqual({
      messages: [{ id: "m", threadId: "t1", n: 3, author: actor, text: "hi" }, message("telegram")],
    });
    // An approval decided there does not say where; one decided elsewhere does.
    const approval = (decidedIn: string) => ({ id: "a1", title: "Deploy", status: "approved", risk: "low", decidedIn });
    expect(without({ approvals: [approval("matrix"), approval("slack")] })).toEqual({
      approvals: [{ id: "a1", title: "Deploy", status: "approved", risk: "low" }, approval("slack")],
    });
    // An object that is neither keeps a `platform` or `fromChat` of that name (a gateway's channel, say).
    expect(without({ channel: { platform: "matrix" }, fromChat: "matrix" })).toEqual({
      channel: { platform: "matrix" },
      fromChat: "matrix",
    });
  });
});
