// bench:assistant's platform floors: a plain `ai` streamText client in workerd
// (baseline/plain-stream.ts, under its own wrangler dev, the room's own SDK build), its
// sockets on workerd directly like the room's. Same SDK, same runtime, same hops (model →
// workerd → socket → this process) as the room's reply, without the room: once served by
// the Worker itself, once by a Durable Object holding its socket the way the room does.
import { join } from "node:path";
import WebSocket from "ws";
import { freePort } from "../dev/server.mjs";
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

/** Starts the floors' Worker and opens a socket to each: `worker.round` and `object.round`. */
export async function startFloorClients({ dir, baseURL, model, now, timeoutMs = 60_000 }) {
  const server = await startBaseline({ port: await freePort(), persistDir: join(dir, "baseline-state") });
  const sockets = [];
  try {
    const base = `${(await benchTarget(server, BASELINE_PROBE)).url.replace(/^http/, "ws")}/plain-stream`;
    for (const url of [base, `${base}?in=object`]) sockets.push(await floorSocket(url, { baseURL, model, now, timeoutMs }));
  } catch (error) {
    for (const s of sockets) s.close();
    await server.stop();
    throw error;
  }
  const [worker, object] = sockets;
  const stop = async () => {
    for (const s of sockets) s.close();
    await server.stop();
  };
  return { worker, object, stop };
}
