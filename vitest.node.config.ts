import { readdirSync, readFileSync } from "node:fs";
import { defineConfig } from "vitest/config";

// End-to-end tests in Node: the `e2e-*` files of client/test/, which start the real server
// (wrangler dev), the runtime, the OpenClaw stack or a browser, and drive them through the
// client and the CLI; and a feature's own, beside its code (`*.e2e.test.ts` under
// party/rooms/, in the plain lane). Every other test file of client/ is a unit (vitest.unit.config.ts).
//
// Two lanes, which `npm test` runs side by side (party/dev/test.mjs): E2E_LANE=gateway takes
// the files that start real OpenClaw gateways (startsGateways below) and a few plain ones to
// even the lanes out, one at a time; E2E_LANE=plain the rest, one at a time. Never two files
// with gateways at once: two gateways starting beside a third's restart took it past its 90 s.
// Unset: every file.

const DIR = "client/test";
/**
 * What starts real gateways: the OpenClaw stack, or the runtime with an instance provisioned
 * on it (a file that starts only the runtime, as `npm start` on a fresh machine does, starts none).
 */
const startsGateways = (source: string): boolean =>
  /withOpenClawStack|\/openclaw-stack"/.test(source) ||
  (/\/party\/dev\/runtime\.mjs"/.test(source) && /instances\.provision|provisionConnected/.test(source));

/**
 * Files without gateways that run in the gateway lane: the plain lane follows the room tests
 * in workerd, the gateway lane the shorter runtime tests, so these even out when the two
 * lanes end (CI's time is the later of the two).
 */
const PLAIN_IN_GATEWAY_LANE = [
  "e2e-daily-browser.test.ts",
  "e2e-tasks-browser.test.ts",
  "e2e-schedules.test.ts",
  "e2e-server.test.ts",
  "e2e-chats.test.ts",
];

function laneFiles(lane: string | undefined): string[] {
  const names = readdirSync(DIR).filter((name) => /^e2e-.*\.test\.ts$/.test(name));
  const missing = PLAIN_IN_GATEWAY_LANE.filter((name) => !names.includes(name));
  if (missing.length) throw new Error(`PLAIN_IN_GATEWAY_LANE names files that are gone: ${missing.join(", ")}`);
  if (!lane) return names.map((name) => `${DIR}/${name}`);
  if (lane !== "gateway" && lane !== "plain") throw new Error(`E2E_LANE is gateway or plain, not ${lane}`);
  const inGatewayLane = (name: string) =>
    PLAIN_IN_GATEWAY_LANE.includes(name) || startsGateways(readFileSync(`${DIR}/${name}`, "utf8"));
  return names.filter((name) => inGatewayLane(name) === (lane === "gateway")).map((name) => `${DIR}/${name}`);
}

/** A feature's own end-to-end tests (`*.e2e.test.ts` under party/rooms/): none starts a gateway. */
function featureFiles(dir = "party/rooms"): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) return featureFiles(path);
      return entry.name.endsWith(".e2e.test.ts") ? [path] : [];
    })
    .sort();
}

export default defineConfig({
  test: {
    include: [...laneFiles(process.env.E2E_LANE), ...(process.env.E2E_LANE === "gateway" ? [] : featureFiles())],
    // One server for the files that need only its API (withSharedServer), started on first use.
    globalSetup: ["client/test/e2e-shared.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
