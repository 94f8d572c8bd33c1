/**
 * Where a socket upgrade's time goes, for `npm run bench:storm` only: with the var
 * `BENCH_UPGRADE_TIMING=1` the Worker counts the D1 queries the gate made and times its
 * steps, and hands both back on the 101 as a standard `Server-Timing` header (nothing is
 * logged, and without the var nothing is measured).
 *
 * workerd's clock stands still while JavaScript runs and moves on I/O, so a step's time is
 * the I/O it waited for plus the CPU since the previous step ran up to that I/O.
 */
export interface UpgradeTiming {
  /** The D1 binding to hand the gate: counts every statement prepared through it. */
  db: D1Database;
  mark(step: string): void;
  /** The Server-Timing header value: `q;desc=<queries>`, then one entry per step in ms. */
  header(): string;
}

export function upgradeTiming(db: D1Database): UpgradeTiming {
  let queries = 0;
  let last = Date.now();
  const steps: string[] = [];
  const counted = new Proxy(db, {
    get(target, key) {
      if (key === "prepare")
        return (query: string) => {
          queries++;
          return target.prepare(query);
        };
      if (key === "exec")
        return (query: string) => {
          queries++;
          return target.exec(query);
        };
      const value = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return {
    db: counted,
    mark(step) {
      const now = Date.now();
      steps.push(`${step};dur=${now - last}`);
      last = now;
    },
    header: () => [`q;desc=${queries}`, ...steps].join(", "),
  };
}

/** The room's 101 with the timing header added (a 101 carrying a socket cannot be modified in place). */
export function withTimingHeader(response: Response, timing: UpgradeTiming): Response {
  if (!response.webSocket) return response;
  const headers = new Headers(response.headers);
  headers.set("server-timing", timing.header());
  return new Response(null, { status: response.status, statusText: response.statusText, webSocket: response.webSocket, headers });
}
