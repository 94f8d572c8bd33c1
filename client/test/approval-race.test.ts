import { describe, expect, it } from "vitest";
import { lostRaceLine } from "../app/lib/approval-race";

const bob = { id: "u_bob", kind: "user" as const, name: "Bob" };

describe("whoever loses the race to decide is told", () => {
  it("names who decided first, and whether the same way", () => {
    expect(lostRaceLine("approve", { status: "approved", resolvedBy: bob }, "u_ann")).toBe(
      "Bob decided first — the same way: your approval was not needed.",
    );
    expect(lostRaceLine("approve", { status: "denied", resolvedBy: bob }, "u_ann")).toBe(
      "Bob decided first: your approval was not needed.",
    );
    expect(lostRaceLine("deny", { status: "approved", resolvedBy: bob }, "u_ann")).toBe(
      "Bob decided first: your denial was not needed.",
    );
    expect(lostRaceLine("approve", { status: "expired", resolvedBy: null }, "u_ann")).toBe(
      "It expired before your approval arrived.",
    );
  });

  it("says nothing to the winner, to someone who did not press, or while it waits", () => {
    expect(lostRaceLine("approve", { status: "approved", resolvedBy: bob }, "u_bob")).toBeNull();
    expect(lostRaceLine(null, { status: "approved", resolvedBy: bob }, "u_ann")).toBeNull();
    expect(lostRaceLine("approve", { status: "pending", resolvedBy: null }, "u_ann")).toBeNull();
  });
});
