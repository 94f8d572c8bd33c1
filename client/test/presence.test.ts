import { describe, expect, it } from "vitest";
import type { PresencePerson } from "../../shared/protocol/presence";
import { devicesText, peopleHere } from "../app/lib/presence";

const entry = (principalId: string, over: Partial<PresencePerson> = {}): PresencePerson => ({
  principalId,
  kind: principalId.startsWith("agent_") ? "agent" : "user",
  name: principalId === "me" ? "Me" : principalId[0]!.toUpperCase() + principalId.slice(1),
  devices: 1,
  device: "browser",
  since: 100,
  status: null,
  ...over,
});
const view = (x: number) => ({ x, y: 0, w: 100, h: 100, zoom: 1 });

describe("who is here (lib/presence.ts)", () => {
  it("one entry per person with their devices, in the order they arrived; one's own other tabs are not someone else", () => {
    const people = peopleHere(
      [
        entry("me", { devices: 2 }),
        entry("ben", { devices: 2, device: "phone", since: 150 }),
        entry("ann", { since: 200 }),
      ],
      [],
      "me",
    );
    expect(people.map((p) => [p.name, p.devices])).toEqual([
      ["Ben", 2],
      ["Ann", 1],
    ]);
    expect(devicesText(people[0]!)).toBe("2 devices");
    expect(devicesText(people[1]!)).toBe("browser");
  });

  it("follows the tab a person used last; a canvas state with no live socket behind it shows no one", () => {
    const people = peopleHere(
      [entry("ann", { devices: 2 }), entry("bob")],
      [
        { principalId: "ann", viewport: view(1), active: 10 },
        { principalId: "ann", viewport: view(2), active: 30 },
        { principalId: "ann", viewport: null, active: 50 },
        // A revoked agent's state the canvas still holds: the room's presence no longer lists it.
        { principalId: "agent_gone", viewport: view(9), active: 99 },
        { principalId: null, viewport: view(8), active: 99 },
      ],
      "me",
    );
    expect(people.map((p) => [p.name, p.viewport?.x ?? null])).toEqual([
      ["Ann", 2],
      ["Bob", null],
    ]);
  });
});
