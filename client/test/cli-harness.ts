// The CLI as agents run it: bundled, spawned on Node, against a scripted FakeRoom.
import { spawn } from "node:child_process";
import { afterEach, beforeEach, inject } from "vitest";
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
 * Registers the hooks a CLI test file needs: a fresh FakeRoom per test, handed to `onRoom`.
 * Returns the runner, which spawns the CLI bundle built once per run (cli-bundle-setup.ts).
 */
export function setUpCli(onRoom: (room: FakeRoom) => void): (args: string[], options?: CliOptions) => Promise<Run> {
  const { file: cliBundle, compileCache } = inject("cliBundle");
  let room: FakeRoom;
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
        env: {
          PATH: process.env.PATH ?? "",
          // Every test spawns the same bundle: Node 22.1+ compiles it once for them all (older ones ignore this).
          NODE_COMPILE_CACHE: compileCache,
          AUTOPILOT_URL: room.url,
          AUTOPILOT_WORKSPACE: "ws_1",
          AUTOPILOT_KEY: "key_secret",
          ...options.env,
        },
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
