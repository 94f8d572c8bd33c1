import { describe, expect, it } from "vitest";
import { KeptEvents } from "./kept-events";

const seqs = (events: { seq: number }[] | null) => events?.map((e) => e.seq) ?? null;

function keptFrom(from: number, to: number, kept = new KeptEvents(8, 1000)): KeptEvents {
  for (let seq = from; seq <= to; seq++) kept.add(seq, `e${seq}`, seq % 2 === 0 ? "t-even" : null);
  return kept;
}

describe("the events a delivery object keeps for its sockets' resumes", () => {
  it("gives the events after a seq up to another when it holds every one of them", () => {
    const kept = keptFrom(10, 14);
    expect(kept.span()).toEqual({ from: 10, to: 14 });
    expect(seqs(kept.between(11, 14))).toEqual([12, 13, 14]);
    expect(kept.between(11, 14)!.map((e) => [e.text, e.thread])).toEqual([
      ["e12", "t-even"],
      ["e13", null],
      ["e14", "t-even"],
    ]);
    expect(seqs(kept.between(9, 12))).toEqual([10, 11, 12]);
    expect(kept.between(14, 14)).toEqual([]);
  });

  it("says null when any of them is not held: before its first, past its last", () => {
    const kept = keptFrom(10, 14);
    expect(kept.between(8, 12)).toBeNull();
    expect(kept.between(12, 15)).toBeNull();
    expect(new KeptEvents().between(0, 1)).toBeNull();
    expect(new KeptEvents().span()).toBeNull();
  });

  it("starts again after a gap, and ignores an event it already has", () => {
    const kept = keptFrom(10, 14);
    kept.add(13, "again", null);
    expect(kept.span()).toEqual({ from: 10, to: 14 });
    kept.add(17, "e17", null);
    expect(kept.span()).toEqual({ from: 17, to: 17 });
    expect(kept.between(14, 17)).toBeNull();
    expect(seqs(kept.between(16, 17))).toEqual([17]);
  });

  it("keeps the newest within its bounds of events and characters", () => {
    const kept = keptFrom(1, 30);
    expect(kept.span()).toEqual({ from: 23, to: 30 });
    expect(seqs(kept.between(22, 30))).toEqual([23, 24, 25, 26, 27, 28, 29, 30]);
    const small = new KeptEvents(100, 10);
    small.add(1, "12345", null);
    small.add(2, "12345", null);
    small.add(3, "12345", null);
    expect(small.span()).toEqual({ from: 2, to: 3 });
    // One event over the bound whole is still kept alone.
    small.add(4, "x".repeat(50), null);
    expect(small.span()).toEqual({ from: 4, to: 4 });
  });
});
