import { describe, expect, it } from "vitest";
import type { Sql } from "./sql";
import { CommittedMemo } from "./turn-memo";

const turnEnds = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** A stand-in for one room's storage: a value per key and how often it was read. */
function storage() {
  const values = new Map<string, number>();
  let loads = 0;
  return {
    sql: {} as Sql,
    values,
    load: (key: string) => () => {
      loads += 1;
      return values.get(key) ?? 0;
    },
    loads: () => loads,
  };
}

describe("what a room keeps between turns until it is written", () => {
  it("reads storage once, then answers from memory in later turns", async () => {
    const memo = new CommittedMemo<string, number>(8);
    const s = storage();
    s.values.set("seq", 7);
    expect(memo.read(s.sql, "seq", s.load("seq"))).toBe(7);
    await turnEnds();
    expect(memo.read(s.sql, "seq", s.load("seq"))).toBe(7);
    expect(s.loads()).toBe(1);
  });

  it("reads storage again after a write, and keeps nothing the writing turn read", async () => {
    const memo = new CommittedMemo<string, number>(8);
    const s = storage();
    memo.read(s.sql, "seq", s.load("seq"));
    memo.written(s.sql, "seq");
    s.values.set("seq", 8);
    // The write's transaction may still roll back: the same turn reads storage every time.
    expect(memo.read(s.sql, "seq", s.load("seq"))).toBe(8);
    s.values.set("seq", 0); // it rolled back
    expect(memo.read(s.sql, "seq", s.load("seq"))).toBe(0);
    expect(memo.read(s.sql, "other", s.load("other"))).toBe(0);
    expect(s.loads()).toBe(4);
    await turnEnds();
    expect(memo.read(s.sql, "seq", s.load("seq"))).toBe(0);
    expect(memo.read(s.sql, "seq", s.load("seq"))).toBe(0);
    expect(s.loads()).toBe(5);
  });

  it("keeps each room apart, and at most `max` keys per room", async () => {
    const memo = new CommittedMemo<string, number>(2);
    const a = storage();
    const b = storage();
    a.values.set("k", 1);
    b.values.set("k", 2);
    expect(memo.read(a.sql, "k", a.load("k"))).toBe(1);
    expect(memo.read(b.sql, "k", b.load("k"))).toBe(2);
    memo.written(b.sql, "k");
    await turnEnds();
    expect(memo.read(a.sql, "k", a.load("k"))).toBe(1);
    expect(a.loads()).toBe(1);
    memo.read(a.sql, "x", a.load("x"));
    memo.read(a.sql, "y", a.load("y"));
    // "k" was loaded longest ago: it went when "y" came.
    memo.read(a.sql, "k", a.load("k"));
    expect(a.loads()).toBe(4);
  });

  it("keeps what a committed write wrote, unless it was told of a write since", async () => {
    const memo = new CommittedMemo<string, number>(8);
    const s = storage();
    const first = memo.written(s.sql, "seq");
    s.values.set("seq", 8);
    memo.committed(s.sql, "seq", 8, first);
    // The same turn, and the next ones, read it from memory.
    expect(memo.read(s.sql, "seq", s.load("seq"))).toBe(8);
    await turnEnds();
    expect(memo.read(s.sql, "seq", s.load("seq"))).toBe(8);
    expect(s.loads()).toBe(0);
    // Written again before the first write's commit was kept (what reacted to it wrote): not kept.
    const second = memo.written(s.sql, "seq");
    const third = memo.written(s.sql, "seq");
    s.values.set("seq", 10);
    memo.committed(s.sql, "seq", 9, second);
    expect(memo.read(s.sql, "seq", s.load("seq"))).toBe(10);
    memo.committed(s.sql, "seq", 10, third);
    await turnEnds();
    expect(memo.read(s.sql, "seq", s.load("seq"))).toBe(10);
    expect(s.loads()).toBe(1);
  });
});
