// `npm run typecheck`: each part against its own tsconfig, so shared/ is checked with no
// DOM and no Node types, party/ with Workers types, client/ with DOM (+ Node for the CLI
// and tests), runtime/ with Node and runtime/sandbox/ with Workers types; the Node tests of the
// agent, the model and the toolset (their test/ folders) with both.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "./server.mjs";

const PROJECTS = [
  "shared",
  "party",
  "party/rooms/autopilot/features/agent/test",
  "party/rooms/autopilot/features/model/test",
  "party/rooms/autopilot/features/toolset/test",
  "client",
  "runtime",
  "runtime/sandbox",
  ".",
];
const tsc = join(ROOT, "node_modules", ".bin", "tsc");
let failed = 0;
for (const project of PROJECTS) {
  const result = spawnSync(tsc, ["-p", join(ROOT, project, "tsconfig.json"), "--noEmit"], {
    cwd: ROOT,
    stdio: "inherit",
  });
  if (result.status !== 0) {
    failed++;
    console.error(`type check failed: ${project}/tsconfig.json`);
  }
}
process.exit(failed ? 1 : 0);
