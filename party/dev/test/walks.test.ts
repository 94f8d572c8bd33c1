// docs/architecture.md's walks stay exact (party/dev/walks.mjs): each states its count under
// the doc's one rule and lists the files it counts; the counts are the lists', the prose names
// no room file the list leaves out, and every file is there, reached by the Worker's imports,
// with the walk's method handled in one of them.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ROOT } from "../server.mjs";
import { importClosure, walkProblems } from "../walks.mjs";

const doc = readFileSync(`${ROOT}/docs/architecture.md`, "utf8");

/** The real doc with one text replaced (each must be there). */
const changed = (from: string, to: string) => {
  expect(doc).toContain(from);
  return doc.replace(from, to);
};

describe("docs/architecture.md's walks", () => {
  it("hold against the code", () => {
    expect(walkProblems(ROOT, doc)).toEqual([]);
  });

  it("find a count that is not its list's, a file named but not listed, and a file that went", () => {
    expect(walkProblems(ROOT, changed("(28 files in 11 folders", "(26 files in 10 folders"))).toEqual([
      "walk approvals.resolve: says 26 files, lists 28",
      "walk approvals.resolve: says 10 folders, lists files in 11",
    ]);
    expect(
      walkProblems(
        ROOT,
        changed("`features/jobs/jobs.ts`, `features/billing/billing.ts`", "`features/billing/billing.ts`"),
      ),
    ).toEqual([
      "walk approvals.resolve: says 28 files, lists 27",
      "walk approvals.resolve: says 11 folders, lists files in 10",
      "walk approvals.resolve: names party/rooms/autopilot/features/jobs/jobs.ts, which its list leaves out",
    ]);
    const gone = doc.replaceAll("features/threads/reads.ts", "features/threads/gone.ts");
    expect(walkProblems(ROOT, gone)).toEqual([
      "walk chat.send: party/rooms/autopilot/features/threads/gone.ts is not there",
    ]);
  });

  it("find a file beside a walk that its count leaves out, and a walk whose method no listed file handles", () => {
    expect(walkProblems(ROOT, changed("(5 files in 3 more folders)", "(4 files in 3 more folders)"))).toEqual([
      "walk chat.send: beside it says 4 files in 3 more folders, names 5 in 3",
    ]);
    expect(walkProblems(ROOT, changed("**`chat.send`, from the frame", "**`chat.sent`, from the frame"))).toEqual([
      "walk chat.sent: no listed file declares the handler of chat.sent",
    ]);
  });

  it("follow value imports only: a file reached by types alone is not reached", () => {
    const reached = importClosure(ROOT, ["party/rooms/autopilot/features/instances/details.ts"]);
    expect(reached.has("party/rooms/autopilot/features/instance-store/instances.ts")).toBe(true);
    // details.ts imports BackupPolicy as a type only.
    expect(reached.has("party/rooms/autopilot/features/instances/backup-policy.ts")).toBe(false);
  });
});
