// A CPU profile of workerd while a bench runs, through wrangler dev's DevTools endpoint
// (`startServer({ inspectorPort })`): one per isolate workerd lists (locally the Worker and
// both rooms share one; miniflare's own services, D1's among them, have theirs). Writes each
// `.cpuprofile` (open it in Chrome DevTools) and returns the profiles, which
// profile-packages.mjs maps through the bundle's source map and summarizes.
//
// Time is counted as samples x the sampling interval, not from the profile's time deltas:
// while the thread runs outside JavaScript (workerd's own socket and storage work) the
// sampler records nothing, and the next sample's delta carries the whole gap, so deltas
// pinned seconds on whatever ran next (a timer, a getter). `sampledMs` against the wall
// time shows how much of it was JavaScript at all.
import { writeFileSync } from "node:fs";
import { inspectorSession, inspectorTargets } from "./inspector.mjs";

const INTERVAL_US = 200;

/** Starts the profiler in every isolate workerd lists; `stop()` writes `<file>.<i>.cpuprofile` and returns each profile. */
export async function startCpuProfile(inspectorPort, file) {
  const sessions = [];
  for (const target of await inspectorTargets(inspectorPort)) {
    const session = await inspectorSession(target);
    await session.call("Profiler.enable");
    await session.call("Profiler.setSamplingInterval", { interval: INTERVAL_US });
    await session.call("Profiler.start");
    sessions.push(session);
  }
  const started = Date.now();
  return {
    async stop() {
      const wallMs = Date.now() - started;
      const out = [];
      for (const [i, { ws, call, title }] of sessions.entries()) {
        const { result } = await call("Profiler.stop");
        ws.close();
        writeFileSync(file.replace(/(\.cpuprofile)?$/, `.${i}.cpuprofile`), JSON.stringify(result.profile));
        const sampledMs = (result.profile.samples.length * INTERVAL_US) / 1000;
        out.push({
          title,
          profile: result.profile,
          sampleMs: INTERVAL_US / 1000,
          wallMs,
          sampledMs,
        });
      }
      return out;
    },
  };
}
