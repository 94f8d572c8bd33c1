// bench:assistant's platform floors: a plain `ai` streamText client in workerd
// (baseline/plain-stream.ts, under its own wrangler dev, the room's own SDK build), its
// sockets on workerd directly like the room's. Same SDK, same runtime, same hops (model →
// workerd → socket → this process) as the room's reply, without the room: once served by
// the Worker itself, once by a Durable Object holding its socket the way the room does.
// A third floor runs the same client in a Node process of its own (baseline/node-floor.mjs)
// on the plain npm packages, as this process's client does: the process and socket hop
// without workerd (and without the room's SDK build, which the workerd floors run).
import { spawn } from "node:child_process";
import { join } from "node:path";
import WebSocket from "ws";
import { freePort, ROOT } from "../dev/server.mjs";
import { BASELINE_PROBE, startBaseline } from "./baseline/start.mjs";
import { benchTarget } from "./workerd-direct.mjs";

/** One socket to a floor; `round(rec, text)` resolves with `rec` once the reply is done, each delta pushed to `rec.deltas` as `{length, at}` on arrival (`now()`). */
async function floorSocket(url, { baseURL, model, now, timeoutMs }) {
  const socket = new WebSocket(url);
  await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
  const round = (rec, text) =>
    new Promise((resolve, reject) => {
      const finish = (error) => {
        clearTimeout(timer);
        socket.off("message", onMessage).off("error", finish).off("close", onClose);
        if (error) reject(error);
        else resolve(rec);
      };
      const onClose = () => finish(new Error(`the floor at ${url} closed its socket mid-reply`));
      const onMessage = (data) => {
        const at = now();
        const m = JSON.parse(data.toString());
        if (m.error) return finish(new Error(`the floor at ${url} failed: ${m.error}`));
        if (m.done) return finish(null);
        rec.deltas.push({ length: m.offset + m.text.length, at });
      };
      const timer = setTimeout(() => finish(new Error(`the floor at ${url} did not finish in ${timeoutMs} ms`)), timeoutMs);
      socket.on("message", onMessage).on("error", finish).on("close", onClose);
      rec.sentAt = now();
      socket.send(JSON.stringify({ baseURL, model, text }));
    });
  return { round, close: () => socket.close() };
}

/** Starts node-floor.mjs; resolves with its socket's url and a stop. */
async function startNodeFloor() {
  const child = spawn(process.execPath, [join(ROOT, "party", "bench", "baseline", "node-floor.mjs")], { stdio: ["pipe", "pipe", "inherit"] });
  const stop = () => child.stdin.end();
  const port = await new Promise((resolve, reject) => {
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (chunk) => {
      out += chunk;
      const m = /listening (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`the Node floor exited (${code}) before listening`)));
  });
  return { url: `ws://127.0.0.1:${port}`, stop };
}

/** Starts the floors and opens a socket to each: `worker.round`, `object.round` (workerd) and `node.round` (a Node process). */
export async function startFloorClients({ dir, baseURL, model, now, timeoutMs = 60_000 }) {
  const server = await startBaseline({ port: await freePort(), persistDir: join(dir, "baseline-state") });
  const sockets = [];
  let nodeFloor;
  const stop = async () => {
    for (const s of sockets) s.close();
    nodeFloor?.stop();
    await server.stop();
  };
  try {
    const base = `${(await benchTarget(server, BASELINE_PROBE)).url.replace(/^http/, "ws")}/plain-stream`;
    nodeFloor = await startNodeFloor();
    for (const url of [base, `${base}?in=object`, nodeFloor.url]) sockets.push(await floorSocket(url, { baseURL, model, now, timeoutMs }));
  } catch (error) {
    await stop();
    throw error;
  }
  const [worker, object, node] = sockets;
  return { worker, object, node, stop };
}
