import { describe, expect, it } from "vitest";
import { featureLines, oversizedFeatures } from "../feature-size.mjs";

const F = "party/rooms/autopilot/features";
const lines = (n: number) => "x\n".repeat(n);

describe("feature folders' size", () => {
  it("counts a feature's source lines, its subfolders' too, and none of its tests", () => {
    expect(
      featureLines([
        { path: `${F}/pins/index.ts`, text: lines(10) },
        { path: `${F}/pins/pins.ts`, text: "a\nb" },
        { path: `${F}/chats/platforms/slack.ts`, text: lines(7) },
        { path: `${F}/pins/pins.room.test.ts`, text: lines(100) },
        { path: `${F}/agent/test/tools.test.ts`, text: lines(100) },
        { path: `${F}/agent/test/scripted.ts`, text: lines(100) },
        { path: `${F}/list.ts`, text: lines(100) },
        { path: "party/rooms/autopilot/kernel/commit.ts", text: lines(100) },
      ]),
    ).toEqual(
      new Map([
        ["pins", 12],
        ["chats", 7],
      ]),
    );
  });

  it("finds a feature over the bound, and one listed as over while it is split that is not", () => {
    const files = [
      { path: `${F}/big/a.ts`, text: lines(6) },
      { path: `${F}/big/sub/b.ts`, text: lines(5) },
      { path: `${F}/small/a.ts`, text: lines(10) },
      { path: `${F}/splitting/a.ts`, text: lines(11) },
    ];
    expect(oversizedFeatures(files, 10)).toEqual(["big (11 lines)", "splitting (11 lines)"]);
    expect(oversizedFeatures(files, 10, ["splitting", "small"])).toEqual([
      "big (11 lines)",
      "small is listed as over 10 lines while it is split, and is not: take it off the list",
    ]);
  });
});
