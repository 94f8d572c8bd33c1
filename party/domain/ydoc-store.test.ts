import { describe, expect, it } from "vitest";
import { COMPACT_AFTER_BYTES, COMPACT_AFTER_SHARE, COMPACT_AFTER_UPDATES, shouldCompact } from "./ydoc-store";

describe("when the Hatchery's save compacts its document", () => {
  it("not for a few small updates beside a snapshot, whatever the snapshot's size", () => {
    expect(shouldCompact({ updates: 40, updateBytes: 9_000, snapshotBytes: 0 })).toBe(false);
    expect(shouldCompact({ updates: 40, updateBytes: 9_000, snapshotBytes: 3_000_000 })).toBe(false);
  });

  it("once the updates are many, or their bytes pass the floor and a share of the snapshot", () => {
    expect(shouldCompact({ updates: COMPACT_AFTER_UPDATES, updateBytes: 10, snapshotBytes: 0 })).toBe(true);
    expect(shouldCompact({ updates: 3, updateBytes: COMPACT_AFTER_BYTES, snapshotBytes: 100_000 })).toBe(true);
    const snapshotBytes = 4_000_000;
    const share = snapshotBytes * COMPACT_AFTER_SHARE;
    expect(shouldCompact({ updates: 3, updateBytes: share - 1, snapshotBytes })).toBe(false);
    expect(shouldCompact({ updates: 3, updateBytes: share, snapshotBytes })).toBe(true);
  });
});
