import { describe, expect, it } from "vitest";
import { canvasAction, globalAction, type KeyPress, shortcutGroups } from "../app/shell/shortcuts";

const press = (key: string, more: Partial<KeyPress> = {}): KeyPress => ({
  key,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  inField: false,
  modalOpen: false,
  ...more,
});

describe("the single-key shortcuts", () => {
  it("map ?, /, i, a, c, w and m outside fields, whatever the case", () => {
    expect(["?", "/", "i", "A", "c", "w", "M"].map((key) => globalAction(press(key)))).toEqual([
      "shortcuts",
      "palette",
      "inbox",
      "approvals",
      "canvas",
      "wide",
      "compose",
    ]);
  });

  it("leave typing, modified keys, open dialogs and the canvas's own keys alone", () => {
    expect(globalAction(press("i", { inField: true }))).toBeNull();
    expect(globalAction(press("?", { modalOpen: true }))).toBeNull();
    expect(globalAction(press("a", { ctrlKey: true }))).toBeNull();
    expect(globalAction(press("c", { metaKey: true }))).toBeNull();
    expect(globalAction(press("i", { altKey: true }))).toBeNull();
    for (const canvasKey of ["n", "g", "f", "t", "N", "G", "F", "T"]) expect(globalAction(press(canvasKey))).toBeNull();
  });

  it("on the canvas: N, G, F and T, never while typing, in a dialog or with a modifier", () => {
    expect(["n", "G", "f", "T", "x"].map((key) => canvasAction(press(key)))).toEqual([
      "note",
      "group",
      "fit",
      "tidy",
      null,
    ]);
    expect(canvasAction(press("t", { inField: true }))).toBeNull();
    expect(canvasAction(press("n", { modalOpen: true }))).toBeNull();
    expect(canvasAction(press("f", { ctrlKey: true }))).toBeNull();
    expect(canvasAction(press("g", { metaKey: true }))).toBeNull();
    expect(canvasAction(press("n", { altKey: true }))).toBeNull();
  });

  it("are all on the ? sheet, which spells the modifier for the platform", () => {
    const listed = shortcutGroups(false).flatMap((g) => g.shortcuts.map((s) => s.keys.join("+")));
    for (const key of ["?", "/", "I", "A", "C", "W", "Ctrl+K"]) expect(listed).toContain(key);
    expect(shortcutGroups(true).flatMap((g) => g.shortcuts.map((s) => s.keys.join("+")))).toContain("⌘+K");
  });
});
