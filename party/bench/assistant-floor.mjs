// bench:assistant's platform floor: a plain `ai` streamText client in workerd
// (baseline/plain-stream.ts, under its own wrangler dev), its socket on workerd directly
// like the room's. Same SDK, same runtime, same hops (model → workerd → socket → this
// process) as the room's reply, without the room.
import { join } from "node:path";
import WebSocket from "ws";
import { freePort } from "../dev/server.mjs";
import { BASELINE_PROBE, startBaseline } from "./baseline/start.mjs";
import { benchTarget } from "./workerd-direct.mjs";

/**
 * Starts the floor's Worker and opens its socket. `round(rec, text)` sends one request and
 * resolves with `rec` once the reply is done, each delta pushed to `rec.deltas` as
 * `{length, at}` on arrival (`now()`).
 */
export async function startFloorClient({ dir, baseURL, model, now, timeoutMs = 60_000 }) {
  const server = await startBaseline({ port: await freePort(), persistDir: join(dir, "baseline-state") });
  let socket;
  try {
    const target = await benchTarget(server, BASELINE_PROBE);
    socket = new WebSocket(`${target.url.replace(/^http/, "ws")}/plain-stream`);
    await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
  } catch (error) {
    await server.stop();
    throw error;
  }
  const round = (rec, text) =>
    new Promise((resolve, reject) => {
      const finish = (error) => {
        clearTimeout(timer);
        socket.off("message", onMessage).off("error", finish).off("close", onClose);
        if (error) reject(error);
        else resolve(rec);
      };
      const onClose = () => finish(new Error("the plain client in workerd closed its socket mid-reply"));
      const onMessage = (data) => {
        const at = now();
        const m = JSON.parse(data.toString());
        if (m.error) return finish(new Error(`the plain client in workerd failed: ${m.error}`));
        if (m.done) return finish(null);
        rec.deltas.push({ length: m.offset + m.text.length, at });
      };
      const timer = setTimeout(() => finish(new Error(`the plain client in workerd did not finish in ${timeoutMs} ms`)), timeoutMs);
      socket.on("message", onMessage).on("error", finish).on("close", onClose);
      rec.sentAt = now();
      socket.send(JSON.stringify({ baseURL, model, text }));
    });
  const stop = async () => {
    socket.close();
    await server.stop();
  };
  return { round, stop };
}
