// The CLI against a scripted FakeRoom, two ways: run in the test's own process (cli/main.ts,
// the code the bin runs, with its streams captured), and spawned as the bundled bin on Node,
// as agents run it, for what only a process shows: that the bundle starts on their Node, its
// exit status, real stdin and signals.
import { spawn } from "node:child_process";
import { afterEach, beforeEach, inject } from "vitest";
import { runCli } from "../src/cli/main";
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
}

export interface SpawnOptions extends CliOptions {
  onStdout?: (text: string, signal: (s: NodeJS.Signals) => void) => void;
}

export interface Cli {
  /** Runs the CLI in this process. */
  cli: (args: string[], options?: CliOptions) => Promise<Run>;
  /** Spawns the CLI bundle built once per run (cli-bundle-setup.ts). */
  spawnCli: (args: string[], options?: SpawnOptions) => Promise<Run>;
}

/** Registers the hooks a CLI test file needs: a fresh FakeRoom per test, handed to `onRoom`. */
export function setUpCli(onRoom: (room: FakeRoom) => void): Cli {
  const { file: cliBundle, compileCache } = inject("cliBundle");
  let room: FakeRoom;
  beforeEach(async () => {
    room = await FakeRoom.start();
    onRoom(room);
  });
  afterEach(async () => {
    await room.close();
  });
  /** The connection a test's CLI is given, as an agent would set it in its environment. */
  const connection = (options: CliOptions) => ({
    AUTOPILOT_URL: room.url,
    AUTOPILOT_WORKSPACE: "ws_1",
    AUTOPILOT_KEY: "key_secret",
    ...options.env,
  });

  const cli: Cli["cli"] = async (args, options = {}) => {
    let stdout = "";
    let stderr = "";
    const code = await runCli(args, {
      env: connection(options),
      stdout: (text) => (stdout += text),
      stderr: (text) => (stderr += text),
      readStdin: async () => options.stdin ?? "",
      // No test stops a run in this process: SIGINT is shown on a spawned one (spawnCli).
      onInterrupt: () => {},
    });
    return { code, stdout, stderr };
  };

  const spawnCli: Cli["spawnCli"] = (args, options = {}) =>
    new Promise((resolve, reject) => {
      const child = spawn(nodeBinary, [cliBundle, ...args], {
        env: {
          PATH: process.env.PATH ?? "",
          // Node 22.1+ compiles the bundle once for every spawn of the run (older ones ignore this).
          NODE_COMPILE_CACHE: compileCache,
          ...connection(options),
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

  return { cli, spawnCli };
}
