// The client library as a bench loads it: from its source. `client/src` imports without
// file extensions, which Node's type stripping cannot follow, so it is bundled like
// `client/build.mjs` bundles it (always current, unlike a possibly stale `client/dist`).
// `ws` stays out: the bench hands the client its WebSocket constructor, as any caller may.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import WebSocket from "ws";
import { ROOT } from "../dev/server.mjs";
import { signUpPerson } from "./bench-person.mjs";

/** Bundles the library into `dir` and imports it. */
export async function loadClientLibrary(dir) {
  const outfile = join(dir, "autopilot-client.mjs");
  await build({
    absWorkingDir: ROOT,
    entryPoints: ["client/src/index.ts"],
    outfile,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node22",
    external: ["ws"],
    logLevel: "warning",
  });
  return import(outfile);
}

/**
 * A new person signed up on the room's server and their client (the library, signed in
 * through a connect ticket as the app is), ready. `bytes.frames` counts what its socket
 * receives, before the library parses it. Its socket declines permessage-deflate, as every
 * floor's client and every other bench's socket does: a browser offers it and workerd
 * accepts, and compressing each frame would be measured on the room's side only.
 */
export async function personClient(room, label) {
  const dir = mkdtempSync(join(tmpdir(), "autopilot-bench-client-"));
  const library = await loadClientLibrary(dir);
  rmSync(dir, { recursive: true, force: true });
  const person = await signUpPerson(room.server.url, label);
  const bytes = { frames: 0 };
  class CountingWebSocket extends WebSocket {
    constructor(url, protocols) {
      super(url, protocols, { perMessageDeflate: false });
      this.on("message", (data) => (bytes.frames += data.length));
    }
  }
  const client = new library.AutopilotClient({
    url: room.target.url,
    workspace: person.workspace,
    device: "bench",
    WebSocket: CountingWebSocket,
    ticket: async () =>
      (
        await (
          await person.api("/api/connect-ticket", {
            method: "POST",
            body: JSON.stringify({ workspaceId: person.workspace }),
          })
        ).json()
      ).ticket,
  });
  await client.ready({ timeoutMs: 30_000 });
  return { client, bytes, person };
}
