import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { platformBranches } from "../platform-names.mjs";

const CHATS = "party/rooms/autopilot/features/chats";
const names = ["telegram", "slack"];

describe("no code outside a chat platform's module branches on its name", () => {
  it("finds a comparison or a case on a platform's name, where it is", () => {
    expect(
      platformBranches(
        [
          { path: `${CHATS}/inbound.ts`, text: 'const a = 1;\nif (c.platform === "telegram") x();' },
          { path: "party/api/x.ts", text: "switch (p) {\n  case 'slack':\n}" },
          { path: "party/rooms/autopilot/features/threads/index.ts", text: '"slack" !== via' },
        ],
        names,
      ),
    ).toEqual([
      `${CHATS}/inbound.ts:2: if (c.platform === "telegram") x();`,
      "party/api/x.ts:2: case 'slack':",
      'party/rooms/autopilot/features/threads/index.ts:1: "slack" !== via',
    ]);
  });

  it("lets a platform's own module (or feature folder), the tests and the gateway's channels name it", () => {
    expect(
      platformBranches(
        [
          { path: `${CHATS}/telegram.ts`, text: 'if (x === "telegram") y();' },
          // A platform that is a feature of its own: its folder is its module.
          { path: "party/rooms/autopilot/features/slack/api.ts", text: 'if (x === "slack") y();' },
          { path: "party/test/chats.test.ts", text: 'if (x === "slack") y();' },
          { path: "party/rooms/autopilot/features/gateway-channels/gateway.ts", text: 'case "slack":' },
          { path: `${CHATS}/platforms.ts`, text: "export const PLATFORMS = { telegram, slack };" },
        ],
        names,
      ),
    ).toEqual([]);
  });

  it("holds for the chats feature and the Worker as they are", () => {
    const root = join(__dirname, "../../..");
    const paths = [
      ...[
        "index.ts",
        "inbound.ts",
        "conversations.ts",
        "bot.ts",
        "outbox.ts",
        "approval-messages.ts",
        "platforms.ts",
      ].map((f) => `${CHATS}/${f}`),
      `${CHATS}/webhook-route.ts`,
      "party/rooms/autopilot/features/approvals/approvals.ts",
      "party/rooms/autopilot/features/threads/index.ts",
      "party/rooms/autopilot/kernel/feature.ts",
    ];
    const files = paths.map((path) => ({ path, text: readFileSync(join(root, path), "utf8") }));
    expect(platformBranches(files, names)).toEqual([]);
  });
});
