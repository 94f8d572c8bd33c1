import { describe, expect, it } from "vitest";
import { lostRaceLine } from "../app/lib/approval-race";
import { budgetRaisedOutcome } from "../../shared/test/records";

const bob = { id: "u_bob", kind: "user" as const, name: "Bob" };

describe("whoever loses the race to decide is told", () => {
  it("names who decided first, and whether the same way", () => {
    expect(lostRaceLine("approve", { status: "approved", resolvedBy: bob, note: null }, "u_ann")).toBe(
      "Bob decided first — the same way: your approval was not needed.",
    );
    expect(lostRaceLine("approve", { status: "denied", resolvedBy: bob, note: null }, "u_ann")).toBe(
      "Bob decided first: your approval was not needed.",
    );
    expect(lostRaceLine("deny", { status: "approved", resolvedBy: bob, note: null }, "u_ann")).toBe(
      "Bob decided first: your denial was not needed.",
    );
    expect(lostRaceLine("approve", { status: "expired", resolvedBy: null, note: null }, "u_ann")).toBe(
      "It expired before your approval arrived.",
    );
    // Someone went ahead without it: withdrawn, not expired.
    expect(
      lostRaceLine("approve", { status: "expired", resolvedBy: null, note: "Bob went ahead without it" }, "u_ann"),
    ).toBe("It was withdrawn before your approval arrived: Bob went ahead without it.");
  });

  it("says nothing to the winner, to someone who did not press, or while it waits", () => {
    expect(lostRaceLine("approve", { status: "approved", resolvedBy: bob, note: null }, "u_bob")).toBeNull();
    expect(lostRaceLine(null, { status: "approved", resolvedBy: bob, note: null }, "u_ann")).toBeNull();
    expect(lostRaceLine("approve", { status: "pending", resolvedBy: null, note: null }, "u_ann")).toBeNull();
  });
});

describe("a spend approval the budget made unneeded", () => {
  it("tells whoever pressed that it was no longer needed and why, not that it was withdrawn", () => {
    expect(lostRaceLine("approve", budgetRaisedOutcome, "u_bob")).toBe(
      "It was no longer needed before your approval arrived: Alice Owner raised the budget to 1,000 credits.",
    );
  });
});
