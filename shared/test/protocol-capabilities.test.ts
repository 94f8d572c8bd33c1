import { describe, expect, it } from "vitest";
import { askedCapabilities, CAPABILITIES, offeredCapabilities, type Capability } from "../protocol/capabilities";
import { errorFor, eventFor, needsConversion, resultFor } from "../protocol/cuts/index";
import { PROTOCOL_VERSION } from "../protocol/version";

// A capability as the next additive change would name one: an enum value ("discord") in a
// result and an event, a new event, and an error code.
type Chats = { platforms: string[] };
const discord: Capability = {
  name: "chats.discord",
  since: PROTOCOL_VERSION,
  summary: "Discord among the chat platforms",
  adds: ["results.chats.get.platforms[]", "events.chats.changed.platforms[]", "events.chat.discord"],
  events: {
    "chats.changed": (payload: Chats) => ({ platforms: payload.platforms.filter((p) => p !== "discord") }),
    "chat.discord": () => null,
  },
  results: { "chats.get": (payload: Chats) => ({ platforms: payload.platforms.filter((p) => p !== "discord") }) },
  errors: { discord_down: "unavailable" },
};
const offered = [discord];
const asked = new Set(["chats.discord"]);
const none = new Set<string>();

describe("protocol capabilities", () => {
  it("a socket that asked gets frames as the room writes them; one that did not, as its version knew them", () => {
    const payload = { platforms: ["slack", "discord"] };
    expect(needsConversion(PROTOCOL_VERSION, asked, offered)).toBe(false);
    expect(needsConversion(PROTOCOL_VERSION, none, offered)).toBe(true);
    expect(eventFor(PROTOCOL_VERSION, "chats.changed", payload, asked, offered)).toEqual(payload);
    expect(eventFor(PROTOCOL_VERSION, "chats.changed", payload, none, offered)).toEqual({ platforms: ["slack"] });
    expect(resultFor(PROTOCOL_VERSION, "chats.get", payload, none, offered)).toEqual({ platforms: ["slack"] });
    // A new event reaches only those that asked.
    expect(eventFor(PROTOCOL_VERSION, "chat.discord", { id: 1 }, asked, offered)).toEqual({ id: 1 });
    expect(eventFor(PROTOCOL_VERSION, "chat.discord", { id: 1 }, none, offered)).toBeNull();
    const error = { code: "discord_down", message: "Discord is not answering" };
    expect(errorFor(PROTOCOL_VERSION, error, undefined, asked, offered)).toEqual(error);
    expect(errorFor(PROTOCOL_VERSION, error, undefined, none, offered)).toEqual({
      ...error,
      code: "unavailable",
      details: { reason: "discord_down" },
    });
  });

  it("an older version never has a newer version's capabilities, whatever it asks", () => {
    const older = PROTOCOL_VERSION - 1;
    expect(askedCapabilities("chats.discord", older, offered)).toEqual([]);
    expect(eventFor(older, "chats.changed", { platforms: ["discord", "telegram"] }, asked, offered)).toEqual({
      platforms: ["telegram"],
    });
    expect(eventFor(older, "chat.discord", {}, asked, offered)).toBeNull();
  });

  it("reads a connect's caps as hostile input: unknown, malformed and excess names are ignored", () => {
    expect(askedCapabilities("chats.discord", PROTOCOL_VERSION, offered)).toEqual(["chats.discord"]);
    expect(askedCapabilities(" chats.discord ,nope,,Chats.Discord", PROTOCOL_VERSION, offered)).toEqual([
      "chats.discord",
    ]);
    expect(askedCapabilities(null, PROTOCOL_VERSION, offered)).toEqual([]);
    expect(askedCapabilities("x".repeat(10_000), PROTOCOL_VERSION, offered)).toEqual([]);
    // Only the first 32 names are read.
    expect(askedCapabilities(`${"a,".repeat(40)}chats.discord`, PROTOCOL_VERSION, offered)).toEqual([]);
    expect(offeredCapabilities(PROTOCOL_VERSION, offered)).toEqual(["chats.discord"]);
  });

  it("every capability the room offers is well formed: a unique name, a version the room knows, what it adds", () => {
    const names = new Set<string>();
    // The room's own (none yet) and this file's, so the check is seen to hold on one.
    for (const capability of [...CAPABILITIES, ...offered]) {
      expect(capability.name).toMatch(/^[a-z][a-z0-9.-]{0,47}$/);
      expect(names.has(capability.name)).toBe(false);
      names.add(capability.name);
      expect(capability.since).toBeLessThanOrEqual(PROTOCOL_VERSION);
      expect(capability.adds.length).toBeGreaterThan(0);
    }
  });
});
