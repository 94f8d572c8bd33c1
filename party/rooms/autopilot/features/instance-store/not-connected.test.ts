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
