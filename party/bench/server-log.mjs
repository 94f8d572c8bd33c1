// BENCH_SERVER_LOG=<file>: a bench keeps the room's wrangler output there, each line stamped
// with the bench's clock (performance.now, ms). With MINIFLARE_WORKERD_V8_FLAGS=--trace-gc
// that is the room's collections, to line up with the bench's numbers. Buffered: a
// synchronous write per line would stall the loop that times the bench.
import { createWriteStream } from "node:fs";
import { performance } from "node:perf_hooks";

/** `{write(line), end()}`, or null when BENCH_SERVER_LOG is unset. */
export function serverLogFromEnv() {
  const file = process.env.BENCH_SERVER_LOG;
  if (!file) return null;
  const stream = createWriteStream(file);
  return {
    write: (line) => stream.write(`${performance.now().toFixed(1)} ${line}\n`),
    end: () => stream.end(),
  };
}
