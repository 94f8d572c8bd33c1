// The ⌘K palette's rows by name (palette/items.ts byName): which threads, instances and
// approvals a query finds, how many of each, and what Enter on a row opens.
import { describe, expect, it } from "vitest";
import { byName } from "../app/palette/items";
import { approval, instance, thread } from "./fixtures";

const opened: string[] = [];
const open = (selection: string) => opened.push(selection);

describe("the palette's rows by name", () => {
  it("finds threads (newest first, archived ones left out), instances by name or id, and pending approvals by title or summary", () => {
    const rows = byName(
      {
        threads: [
          thread("t1", { title: "Release notes", lastMessageAt: 5 }),
          thread("t2", { title: "Old RELEASE", archived: true }),
          thread("t3", { title: "release day", lastMessageAt: 9 }),
        ],
        instances: [instance("release-box", { name: "Box" }), instance("work", { name: "Work" })],
        approvals: [
          approval("a1", { title: "Deploy", summary: "the release to prod" }),
          approval("a2", { title: "Release 1.4", status: "approved" }),
        ],
      },
      "  Release ",
      open,
    );
    expect(rows.map((r) => [r.group, r.id, r.label, r.detail?.text])).toEqual([
      ["Threads", "thread:t3", "release day", undefined],
      ["Threads", "thread:t1", "Release notes", undefined],
      ["Instances", "instance:release-box", "Box", "ready"],
      ["Approvals", "approval:a1", "Deploy", "the release to prod"],
    ]);
    opened.length = 0;
    for (const row of rows) row.run();
    expect(opened).toEqual(["thread:t3", "thread:t1", "instance:release-box", "approval:a1"]);
  });

  it("shows at most six of a group; an empty query finds them all", () => {
    const threads = Array.from({ length: 8 }, (_, i) => thread(`t${i}`, { lastMessageAt: i }));
    const rows = byName({ threads, instances: [], approvals: [] }, "", open);
    expect(rows.map((r) => r.id)).toEqual([
      "thread:t7",
      "thread:t6",
      "thread:t5",
      "thread:t4",
      "thread:t3",
      "thread:t2",
    ]);
  });
});
