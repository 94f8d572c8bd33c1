import { describe, expect, it } from "vitest";
import { emptyFilterWords, inApprovalFilter } from "../app/lib/approval-filter";

describe("the approval queue's filters", () => {
  it("says an empty Waiting filter has nothing waiting, and keeps the first-use words for All", () => {
    expect(emptyFilterWords("pending")?.title).toBe("Nothing waiting");
    expect(emptyFilterWords("decided")?.title).toBe("Nothing decided yet");
    expect(emptyFilterWords("all")).toBeNull();
  });

  it("puts each approval under the filters it belongs to", () => {
    expect(inApprovalFilter("pending", { status: "pending" })).toBe(true);
    expect(inApprovalFilter("decided", { status: "pending" })).toBe(false);
    expect(inApprovalFilter("decided", { status: "expired" })).toBe(true);
    expect(inApprovalFilter("all", { status: "approved" })).toBe(true);
  });
});
