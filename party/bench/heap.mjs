// `npm run bench:heap`: what the room's isolate holds once it has served a person — a heap
// snapshot of workerd's isolate (the Worker and both rooms share it locally) after a
// sign-up, a socket, a thread and a message, read back with the bundle's source map:
// functions alive by the package that defined them, objects by their constructor's
// package, zod schema objects, the bundle's source string, bytes by node type. A full collection marks all of it, and in workerd
// it runs in one pause (MINIFLARE_WORKERD_V8_FLAGS=--trace-gc shows them): the more the
// isolate holds, the longer every such pause holds every frame.
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import WebSocket from "ws";
import { PROTOCOL_VERSION } from "../../shared/protocol/version.ts";
import { freePort, ROOT, startServer } from "../dev/server.mjs";
import { printHeapSummary, summarizeHeapSnapshot, takeHeapSnapshot } from "./heap-snapshot.mjs";
import { signUpPerson } from "./bench-person.mjs";

/** wrangler dev's bundle of this run: the newest `.wrangler/tmp/dev-*` with a source map. */
function devBundleMap() {
  const tmp = join(ROOT, ".wrangler", "tmp");
  const maps = readdirSync(tmp)
    .filter((d) => d.startsWith("dev-"))
    .map((d) => join(tmp, d, "index.js.map"))
    .filter((f) => {
      try {
        return statSync(f).isFile();
      } catch {
        return false;
      }
    });
  return maps.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
}

const dir = mkdtempSync(join(tmpdir(), "autopilot-bench-heap-"));
const inspectorPort = await freePort();
const server = await startServer({
  port: await freePort(),
  persistDir: join(dir, "state"),
  inspectorPort,
  localObservability: false,
});
try {
  const person = await signUpPerson(server.url, "heap");
  const { workspace } = person;
  const key = await person.createKey("heap");
  const ws = new WebSocket(
    `${server.url.replace(/^http/, "ws")}/agents/autopilot/${workspace}?protocol=${PROTOCOL_VERSION}&device=heap`,
    { headers: { "x-api-key": key } },
  );
  await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
  const answers = new Map();
  ws.on("message", (data) => {
    const f = JSON.parse(data.toString());
    if (f.type === "res") answers.get(f.id)?.(f);
  });
  const call = (id, method, params) =>
    new Promise((resolve) => {
      answers.set(id, resolve);
      ws.send(JSON.stringify({ type: "req", id, method, params }));
    });
  const created = await call("1", "threads.create", { title: "heap", idempotencyKey: `heap-${Date.now()}` });
  const sent = await call("2", "chat.send", {
    threadId: created.payload.thread.id,
    text: "hello",
    idempotencyKey: `heap-m-${Date.now()}`,
  });
  if (!sent.ok) throw new Error(`chat.send: ${JSON.stringify(sent)}`);
  // The Hatchery follows the Autopilot's commits: let it catch up before the snapshot.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const map = devBundleMap();
  console.log(`snapshot of workerd's isolate; bundle map ${map}`);
  printHeapSummary(summarizeHeapSnapshot(await takeHeapSnapshot(inspectorPort), map));
  ws.close();
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
