// The lint step that keeps the repository standing alone (party/dev/outside-refs.mjs).
import { describe, expect, it } from "vitest";
import { outsideReferences } from "../outside-refs.mjs";

const ROOT = "/checkout";

describe("references outside the repository", () => {
  it("finds a relative path that climbs out, and a path on one machine", () => {
    const found = outsideReferences(ROOT, [
      { path: "README.md", text: "See [the plan](../elsewhere/plan.md).\nFine: [ops](docs/operations.md)" },
      { path: "party/rooms/x.ts", text: 'import { a } from "../../shared/protocol/frames";' },
      { path: "party/y.ts", text: "// fine: https://example.com/a/b\n// cwd /home/someone/checkout" },
    ]);
    expect(found).toEqual([
      "README.md:1: ../elsewhere/plan.md leaves the repository",
      "party/y.ts:2: /home/someone is a path on one machine",
    ]);
  });

  it("passes paths that stay inside, however deep", () => {
    expect(
      outsideReferences(ROOT, [{ path: "a/b/c/d.ts", text: 'import "../../../shared/x";\n"../../e.json"' }]),
    ).toEqual([]);
  });
});
