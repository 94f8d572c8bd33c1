// The CLI as agents run it: bundled, spawned on Node, against a scripted FakeRoom.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { afterEach, beforeAll, beforeEach } from "vitest";
import { FakeRoom } from "./fake-room";

/** `AUTOPILOT_TEST_NODE=/path/to/node20` checks the bundle on the oldest supported Node. */
const nodeBinary = process.env.AUTOPILOT_TEST_NODE ?? process.execPath;

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: Record<string, string>;
  stdin?: string;
  onStdout?: (text: string, signal: (s: NodeJS.Signals) => void) => void;
}

/**
 * Registers the hooks a CLI test file needs: the bundle (built once per file, under its own
 * name so files running in parallel do not overwrite each other's) and a fresh FakeRoom per
 * test, handed to `onRoom`. Returns the runner.
 */
export function setUpCli(name: string, onRoom: (room: FakeRoom) => void): (args: string[], options?: CliOptions) => Promise<Run> {
  // Bundled next to node_modules so the externals (`ws`, `commander`) resolve as they do for client/dist.
  const cliBundle = fileURLToPath(new URL(`../../node_modules/.cache/autopilot-cli-test/${name}.mjs`, import.meta.url));
  let room: FakeRoom;
  beforeAll(async () => {
    await build({
      entryPoints: [fileURLToPath(new URL("../src/cli.ts", import.meta.url))],
      outfile: cliBundle,
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      external: ["ws", "commander"],
      logLevel: "warning",
    });
  });
  beforeEach(async () => {
    room = await FakeRoom.start();
    onRoom(room);
  });
  afterEach(async () => {
    await room.close();
  });

  return (args, options = {}) =>
    new Promise((resolve, reject) => {
      const child = spawn(nodeBinary, [cliBundle, ...args], {
        env: { PATH: process.env.PATH ?? "", AUTOPILOT_URL: room.url, AUTOPILOT_WORKSPACE: "ws_1", AUTOPILOT_KEY: "key_secret", ...options.env },
        stdio: ["pipe", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
        options.onStdout?.(stdout, (s) => child.kill(s));
      });
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      child.on("error", reject);
      child.on("close", (code) => resolve({ code, stdout, stderr }));
      child.stdin.end(options.stdin);
    });
}
