// docs/architecture.md's layout tables follow the tree: every folder of party/, of
// party/rooms/ and of the Autopilot room is in "Repository layout", and every feature folder
// is a row of the features' table (and every row a folder).
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ROOT } from "../server.mjs";

const doc = readFileSync(`${ROOT}/docs/architecture.md`, "utf8");
const folders = (path: string) =>
  readdirSync(`${ROOT}/${path}`, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && entry.name !== "node_modules" && !entry.name.startsWith("."))
    .map((entry) => `${path}/${entry.name}/`);

/** The first column of a table's rows after its header line, code spans only. */
function firstColumn(header: string): string[] {
  const at = doc.indexOf(header);
  expect(at, `docs/architecture.md has no table headed ${header}`).toBeGreaterThanOrEqual(0);
  const rows = doc
    .slice(at)
    .split("\n")
    .slice(2)
    .map((line) => line.trim());
  const table = rows.slice(
    0,
    rows.findIndex((line) => !line.startsWith("|")),
  );
  return table.flatMap((row) => [...row.split("|")[1]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!));
}

describe("docs/architecture.md's layout", () => {
  it("names every folder of party/, its rooms and the Autopilot room in the repository layout", () => {
    const named = new Set(firstColumn("| path | what |"));
    const tree = [
      ...folders("party"),
      ...folders("party/rooms"),
      ...folders("party/rooms/autopilot"),
      "party/domain/db/",
      "party/auth/db/",
    ];
    expect(tree.filter((folder) => !named.has(folder))).toEqual([]);
  });

  it("has a row for every feature folder, and a folder for every row", () => {
    const rows = firstColumn("| Folder (`party/rooms/autopilot/features/`)").filter((name) => !name.includes("/"));
    const features = folders("party/rooms/autopilot/features").map((path) => path.split("/").at(-2)!);
    expect(rows.sort()).toEqual(features.sort());
  });
});
