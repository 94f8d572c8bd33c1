// The method every row of `npm run bench` shares: the servers under comparison are all up
// and connected at once and take turns in rotating blocks (block b runs them starting at
// side b mod n), so a drift in the machine's load reaches all alike. A fixed number of
// warm-up blocks runs first and is not counted. Each block reads the serving process's CPU
// time before and after, and divides by the operations the block performed.

/**
 * @typedef {{ops: number, bytes?: Record<string, number>, latencies?: number[]}} BlockResult
 * `bytes`: byte counts of the block by kind (each divided by `ops` in the result).
 * @typedef {{cpu: () => number | null, block: (index: number) => Promise<BlockResult>}} Side
 */

/**
 * Runs `warmup` + `blocks` blocks of every side. Returns per side the per-block CPU ms per
 * operation, bytes per operation by kind, and all latencies of the measured blocks.
 * `profile(name)`: optionally, after the measured blocks, one more block of that side
 * under a profiler (not counted): it returns an object with `stop()`.
 * @param {Record<string, Side>} sides
 */
export async function rotate(sides, { warmup, blocks, profile }) {
  const names = Object.keys(sides);
  const out = Object.fromEntries(
    names.map((name) => [name, { cpuPerOp: [], cpuMs: 0, ops: 0, bytes: {}, latencies: [] }]),
  );
  for (let b = 0; b < warmup + blocks; b++) {
    for (let s = 0; s < names.length; s++) {
      const name = names[(b + s) % names.length];
      const side = sides[name];
      const cpu0 = side.cpu();
      const result = await side.block(b);
      const cpu1 = side.cpu();
      if (b < warmup) continue;
      const record = out[name];
      if (cpu0 !== null && cpu1 !== null) {
        record.cpuPerOp.push((cpu1 - cpu0) / result.ops);
        record.cpuMs += cpu1 - cpu0;
      }
      record.ops += result.ops;
      for (const [kind, bytes] of Object.entries(result.bytes ?? {}))
        record.bytes[kind] = (record.bytes[kind] ?? 0) + bytes;
      record.latencies.push(...(result.latencies ?? []));
    }
  }
  for (const name of names) {
    const record = out[name];
    record.cpuMsPerOp = record.cpuPerOp.length ? record.cpuMs / record.ops : null;
    record.bytesPerOp = Object.fromEntries(
      Object.entries(record.bytes).map(([kind, bytes]) => [kind, bytes / record.ops]),
    );
    const profiler = profile ? await profile(name) : null;
    if (profiler) {
      await sides[name].block(warmup + blocks);
      record.profile = await profiler.stop();
    }
  }
  return out;
}

/**
 * A's CPU per operation as a ratio to B's: over all measured blocks (total over total), and
 * the spread of the per-block ratios (block b of A against block b of B, run next to it).
 */
export function cpuRatio(a, b) {
  const per = a.cpuPerOp.map((x, i) => x / b.cpuPerOp[i]).filter(Number.isFinite);
  return { value: a.cpuMsPerOp / b.cpuMsPerOp, min: Math.min(...per), max: Math.max(...per) };
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

/** p50 / p99 / max of a list of ms. */
export function percentiles(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return { n: s.length, p50: percentile(s, 50), p99: percentile(s, 99), max: s.at(-1) };
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves when `check()` is truthy (polled every 10 ms); rejects after `timeoutMs`. */
export async function until(check, what, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** A process is quiet when it spends at most this much CPU in each second… */
const QUIET_MS_PER_S = 5;
/**
 * …for this many seconds in a row: longer than workerd's wait before it lets go of an object
 * that has nothing left to do (its collection a burst of CPU well after the suite's last event).
 */
export const QUIET_FOR_S = 15;

/**
 * Waits until every server's process is quiet: what a suite set off (thousands of sockets'
 * closes, their presence, the objects let go of and collected) is not counted in the next
 * suite's blocks, where a side whose blocks last longer (the traced sides wait for their
 * collector) would collect more of it than the others. `servers`: name → a CPU reader in ms
 * (`Side.cpu`). Returns each one's seconds waited and, for one still busy at `timeoutMs`, its
 * last second's CPU (the run goes on; the output says so).
 */
export async function quiet(servers, timeoutMs = 180_000) {
  const started = Date.now();
  const busy = new Map(Object.entries(servers).map(([name, cpu]) => [name, { cpu, quietFor: 0 }]));
  const out = {};
  while (busy.size > 0) {
    const before = new Map([...busy].map(([name, s]) => [name, s.cpu()]));
    await sleep(1000);
    const seconds = (Date.now() - started) / 1000;
    for (const [name, s] of busy) {
      const spent = s.cpu() - before.get(name);
      s.quietFor = spent > QUIET_MS_PER_S ? 0 : s.quietFor + 1;
      if (s.quietFor >= QUIET_FOR_S) out[name] = { seconds };
      else if (Date.now() - started > timeoutMs) out[name] = { seconds, stillMsPerS: spent };
      else continue;
      busy.delete(name);
    }
  }
  return out;
}
