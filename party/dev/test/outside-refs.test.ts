// The lint step that keeps the repository standing alone (party/dev/outside-refs.mjs).
import { describe, expect, it } from "vitest";
import { outsideReferences } from "../outside-refs.mjs";

const ROOT = "/checkout";

describe("references outside the repository", () => {
  it("finds a relative path that climbs out, and the names of documents a clone does not have", () => {
    const found = outsideReferences(ROOT, [
      { path: "README.md", text: "See [the design](../shared/DESIGN.md).\nFine: [ops](docs/operations.md)" },
      { path: "party/rooms/x.ts", text: 'import { a } from "../../shared/protocol/frames";\n// per notes/../../../seeds/plan.md' },
      { path: "party/y.ts", text: "// verified in shared/notes/openclaw-gateway.md\n// cwd /work/main/party" },
    ]);
    expect(found).toEqual([
      "README.md:1: ../shared/DESIGN.md leaves the repository",
      "README.md:1: DESIGN.md is not in the repository",
      "party/y.ts:1: shared/notes/ is not in the repository",
      "party/y.ts:2: /work/ is not in the repository",
    ]);
  });

  it("passes paths that stay inside, however deep", () => {
    expect(outsideReferences(ROOT, [{ path: "a/b/c/d.ts", text: 'import "../../../shared/x";\n"../../e.json"' }])).toEqual([]);
  });
});
