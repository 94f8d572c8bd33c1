import { describe, expect, it } from "vitest";
import { PresenceTold } from "./presence-told";

const counts = (people: number, connections: number) => ({ people, connections });

describe("what a presence window tells", () => {
  it("tells everything after a wake, then nothing for a window whose changes cancel out", () => {
    const told = new PresenceTold();
    const own = new Map([["ada", 2]]);
    expect(told.window(counts(1, 2), "[ada]", ["ada"], (p) => own.get(p) ?? 0)).toEqual({
      summary: true,
      shown: true,
      own: ["ada"],
    });
    // A device drops and comes back in one window: the counts and Ada's own are as told.
    told.helloed(counts(1, 2), "[ada]", "ada", 2);
    expect(told.window(counts(1, 2), "[ada]", ["ada", "ada"], (p) => own.get(p) ?? 0)).toEqual({
      summary: false,
      shown: false,
      own: [],
    });
  });

  it("tells the counts when they changed, the people only when they did", () => {
    const told = new PresenceTold();
    told.window(counts(1, 1), "[ada]", ["ada"], () => 1);
    expect(told.window(counts(1, 2), "[ada]", ["ada"], () => 2)).toEqual({ summary: true, shown: false, own: ["ada"] });
    expect(told.window(counts(2, 3), "[ada,bob]", ["bob"], () => 1)).toEqual({
      summary: true,
      shown: true,
      own: ["bob"],
    });
  });

  it("tells again what a hello in the window told one socket differently from the others", () => {
    const told = new PresenceTold();
    told.window(counts(1, 1), "[ada]", ["ada"], () => 1);
    // Ada's second device arrives (its hello: 2 connections, own 2), and her first leaves: the
    // net is as told before, but the new socket holds 2 and 2.
    told.helloed(counts(1, 2), "[ada]", "ada", 2);
    expect(told.window(counts(1, 1), "[ada]", ["ada", "ada"], () => 1)).toEqual({
      summary: true,
      shown: false,
      own: ["ada"],
    });
    // A hello that showed other people than the last summary: the people go out again.
    told.helloed(counts(2, 2), "[ada,bob]", "bob", 1);
    expect(told.window(counts(1, 1), "[ada]", ["bob"], (p) => (p === "bob" ? 0 : 1))).toEqual({
      summary: true,
      shown: true,
      own: ["bob"],
    });
  });

  it("forgets a principal who left, so a return is told afresh", () => {
    const told = new PresenceTold();
    told.window(counts(1, 1), "[bob]", ["bob"], () => 1);
    told.window(counts(0, 0), "[]", ["bob"], () => 0);
    expect(told.window(counts(1, 1), "[bob]", ["bob"], () => 1).own).toEqual(["bob"]);
  });
});
