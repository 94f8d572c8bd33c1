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
export async function startFloorClient({ dir, baseURL, model, now }) {
  const server = await startBaseline({ port: await freePort(), persistDir: join(dir, "baseline-state") });
  const target = await benchTarget(server, BASELINE_PROBE);
  const socket = new WebSocket(`${target.url.replace(/^http/, "ws")}/plain-stream`);
  await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
  const round = (rec, text) =>
    new Promise((resolve, reject) => {
      const finish = (error) => {
        socket.off("message", onMessage);
        if (error) reject(error);
        else resolve(rec);
      };
      const onMessage = (data) => {
        const at = now();
        const m = JSON.parse(data.toString());
        if (m.error) return finish(new Error(`the plain client in workerd failed: ${m.error}`));
        if (m.done) return finish(null);
        rec.deltas.push({ length: m.offset + m.text.length, at });
      };
      socket.on("message", onMessage);
      rec.sentAt = now();
      socket.send(JSON.stringify({ baseURL, model, text }));
    });
  const stop = async () => {
    socket.close();
    await server.stop();
  };
  return { round, stop, direct: target.direct };
}
