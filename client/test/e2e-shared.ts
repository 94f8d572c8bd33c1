// The end-to-end run's shared server: vitest's globalSetup for vitest.node.config.ts. Files
// that need nothing of a server but its API (no Worker vars of their own, no restart, no
// log) use one server per run (`withSharedServer` in e2e-helpers.ts) instead of starting
// their own: a wrangler dev start costs seconds of CPU, and the run is CPU-bound. Each such
// file signs up people and workspaces of its own, so files do not see each other's data.
//
// Started on first use, not here: a run of files that all start their own pays nothing. The
// test files run in other processes, so they ask for it over loopback HTTP (`provide` can
// pass only values).
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { freePort, type RunningServer, startServer } from "../../party/dev/server.mjs";

declare module "vitest" {
  export interface ProvidedContext {
    /** Where a test file asks for the run's shared server (GET answers `{ url }`). */
    e2eSharedServer: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let starting: Promise<RunningServer> | undefined;
  const persistDir = mkdtempSync(join(tmpdir(), "autopilot-e2e-shared-"));
  const control: Server = createServer((_, res) => {
    // Sign-ups are limited per address and window, and every file signs up from loopback: a
    // one-second window keeps the limit on without one file's sign-ups refusing the next's.
    starting ??= freePort().then((port) => startServer({ port, persistDir, vars: { AUTH_RATE_LIMIT_WINDOW_S: "1" } }));
    starting.then(
      (server) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ url: server.url })),
      (error: Error) => res.writeHead(500).end(error.message),
    );
  });
  await new Promise<void>((resolve) => control.listen(0, "127.0.0.1", resolve));
  project.provide("e2eSharedServer", `http://127.0.0.1:${(control.address() as AddressInfo).port}`);
  return async () => {
    control.close();
    const server = await starting?.catch(() => undefined);
    await server?.stop();
    rmSync(persistDir, { recursive: true, force: true });
  };
}
