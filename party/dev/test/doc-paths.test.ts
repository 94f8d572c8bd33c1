// The docs name only paths that exist (party/dev/doc-paths.mjs): every tracked Markdown file
// is read, and a file or folder it cites that moved or went fails here with where it is cited;
// so are the comments of the parts' source files.
import { describe, expect, it } from "vitest";
import {
  missingCommentPaths,
  missingDocPaths,
  repositoryCommentProblems,
  repositoryDocProblems,
  sourceComments,
} from "../doc-paths.mjs";

const FILES = [
  "README.md",
  "docs/inbox.md",
  "docs/access.md",
  "party/rooms/autopilot/features/inbox/derive.ts",
  "party/rooms/autopilot/kernel/host.ts",
  "shared/approval-policy.ts",
  "runtime/README.md",
  "runtime/src/host.ts",
];
/** What .gitignore keeps out in these cases: the client's build. */
const ignored = (paths: string[]) => new Set(paths.filter((p) => p.startsWith("client/dist")));

describe("paths the docs name", () => {
  it("finds a cited file or folder that is not there, in code spans and links, relative ones resolved", () => {
    const text = [
      "The rules: `party/access/approval-deciders.ts` (gone), now `shared/approval-policy.ts`.",
      "Items: `features/inbox/derive.ts`, `derive.ts`, `kernel/host.ts`, `kernel/execute.ts`, `kernel/`, `features/relay/`.",
      "See [access](access.md), [the room](../party/rooms/autopilot/kernel/host.ts), [gone](mentions.md#rule),",
      "[the readme](../README.md#start), [a site](https://example.com/x.md), [here](#read-state).",
      "Built: `client/dist`. Not paths: `inbox.get`, `nostr-tools/pure`, `@cloudflare/vitest-plugin`, `npm run lint`,",
      "`party/domain/db/migrations/<room>/`, `client/test/e2e-*.test.ts`, `/sw.js`, `text/plain`, `.sql`.",
      "```sh",
      "cat party/nothing-here.ts `party/nor-this.ts`",
      "```",
    ].join("\n");
    const runtime = "The host: `src/host.ts`, `src/gone.ts`, [the bridge](BRIDGE.md).";
    expect(
      missingDocPaths(
        [
          { path: "docs/inbox.md", text },
          { path: "runtime/README.md", text: runtime },
        ],
        FILES,
        ignored,
      ),
    ).toEqual([
      "docs/inbox.md:1: party/access/approval-deciders.ts",
      "docs/inbox.md:2: docs/kernel/execute.ts",
      "docs/inbox.md:2: docs/features/relay/",
      "docs/inbox.md:3: docs/mentions.md",
      "runtime/README.md:1: runtime/src/gone.ts",
      "runtime/README.md:1: runtime/BRIDGE.md",
    ]);
  });

  it("README.md, docs/ and every other Markdown file of the repository name only paths it has", () => {
    expect(repositoryDocProblems()).toEqual([]);
  });
});

describe("paths the source's comments name", () => {
  it("reads comments, not strings, templates or regular expressions", () => {
    const text = [
      'const url = "https://example.com/party/gone.ts"; // one',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a template literal's source, as the scanner reads it
      "const t = `a ${b /* two */} // not a comment ${`nested // no`}`;",
      "const r = /\\/\\/x/g.test(s) ? 1 : 2; // three",
      "const d = a / b; /* four",
      "   still four */",
      "return /[/]/.test(s); // five",
    ].join("\n");
    expect(sourceComments(text)).toEqual([
      { line: 1, text: " one" },
      { line: 2, text: " two " },
      { line: 3, text: " three" },
      { line: 4, text: " four\n   still four " },
      { line: 6, text: " five" },
    ]);
  });

  it("finds a path that moved or went: from the top, relative to the file, or named from inside a part", () => {
    const source = [
      "// The rules (shared/approval-policy.ts; party/access/approval-deciders.ts before),",
      "// the host (kernel/host.ts, ../kernel/gone.ts, ./derive.ts, ./derive), features/inbox/gone.ts.",
      "/**",
      " * Not paths: read/write, and/or, https://example.com/party/x.ts, `client/test/e2e-*.test.ts`,",
      " * `party/domain/db/migrations/<room>/`, /api/workspaces/x.ts, nostr-tools/pure, text/plain,",
      ' * import("./sdk"), docs/gateway/protocol/auth.md (OpenClaw\'s), client/dist/app.js (built).',
      " */",
    ].join("\n");
    expect(
      missingCommentPaths([{ path: "party/rooms/autopilot/features/inbox/items.ts", text: source }], FILES, ignored),
    ).toEqual([
      "party/rooms/autopilot/features/inbox/items.ts:1: party/access/approval-deciders.ts",
      "party/rooms/autopilot/features/inbox/items.ts:2: ../kernel/gone.ts",
      "party/rooms/autopilot/features/inbox/items.ts:2: features/inbox/gone.ts",
    ]);
  });

  it("every comment of party/, client/, shared/ and runtime/ names only paths the repository has", () => {
    expect(repositoryCommentProblems()).toEqual([]);
  });
});
