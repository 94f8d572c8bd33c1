// A request that needs an instance's gateway while none is connected is refused one way
// (not-connected.ts): one code, the instance named, the words the app reads.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { RoomError } from "../../../../domain/errors";
import { gatewayNotConnected } from "./not-connected";

const ROOT = join(import.meta.dirname, "../../../../..");
const ROOMS = join(ROOT, "party/rooms");

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") ? [path] : [];
  });
}

describe("a gateway that is not connected", () => {
  it("is refused as unavailable, the instance named by its name or else its id", () => {
    const named = gatewayNotConnected({ id: "inst_1", name: "lab" });
    expect(named).toBeInstanceOf(RoomError);
    expect([named.code, named.message, named.details]).toEqual([
      "unavailable",
      "the gateway of lab is not connected right now",
      { instanceId: "inst_1" },
    ]);
    expect(gatewayNotConnected({ id: "inst_1" }).message).toMatch(/^the gateway of OpenClaw instance inst_1 is not/);
  });

  it("of an asleep instance says it sleeps and what wakes it, or why its wake was refused, or that it is waking", () => {
    const sleep = { since: 1, wakeMs: null, keptAwakeBy: null };
    const asleep = gatewayNotConnected({ id: "inst_1", name: "lab", sleep: { ...sleep, state: "asleep" } });
    expect([asleep.code, asleep.message, asleep.details]).toEqual([
      "unavailable",
      "the gateway of lab is asleep: the next message to it wakes it",
      { instanceId: "inst_1", sleep: "asleep" },
    ]);
    const refused = {
      ...sleep,
      state: "asleep" as const,
      refused: "The Starter plan runs at most 1 OpenClaw instance at once.",
    };
    expect(gatewayNotConnected({ id: "inst_1", name: "lab", sleep: refused }).message).toBe(
      "the gateway of lab is asleep and could not wake: The Starter plan runs at most 1 OpenClaw instance at once.",
    );
    expect(gatewayNotConnected({ id: "inst_1", name: "lab", sleep: { ...sleep, state: "waking" } }).message).toBe(
      "the gateway of lab is waking up: try again once it shows connected",
    );
    // Awake (or never slept), it is the usual refusal.
    expect(gatewayNotConnected({ id: "inst_1", name: "lab", sleep: { ...sleep, state: "awake" } }).details).toEqual({
      instanceId: "inst_1",
    });
  });

  it("is refused nowhere in the rooms but through gatewayNotConnected", () => {
    const own = join(import.meta.dirname, "not-connected.ts");
    const elsewhere = sources(ROOMS).flatMap((path) => {
      if (path === own) return [];
      // A thrown error whose words say a thing is "not connected" (a workspace "not connected
      // to" a chat platform is another refusal: features/chats/).
      const text = readFileSync(path, "utf8");
      return [...text.matchAll(/throw new (?:Room)?Error\((?:[^;]*?)not connected(?! to)/g)].map(
        (m) => `${relative(ROOT, path)}:${text.slice(0, m.index).split("\n").length}`,
      );
    });
    expect(elsewhere).toEqual([]);
  });
});
