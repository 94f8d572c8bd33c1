import { DevClockBody, type DevClockResponse } from "../../shared/api/dev-clock";
import { setTestClock, testClockOffset, testClockOn } from "../domain/test-clock";
import type { WorkerRoute } from "../worker-route";

/** Names only this machine answers to (the dev server listens on loopback only). */
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);
const PATH = "/api/dev/clock";

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", "cache-control": "no-store" },
  });
const notFound = (request: Request) =>
  json(
    { error: { code: "not_found", message: `no route for ${request.method} ${new URL(request.url).pathname}` } },
    404,
  );

/**
 * The end-to-end tests' clock (party/domain/test-clock.ts, decision 85): GET reads it, POST
 * `{offsetMs}` moves it. Only with DEV_TEST_CLOCK=1 (a test's own server) and only on a loopback
 * address; anything else is the 404 of a route that does not exist. No session: the var is the
 * gate, and the tests move the clock before or between their people's requests.
 */
export const devClockRoute: WorkerRoute = {
  name: "dev clock",
  matches: (pathname) => pathname === PATH,
  async handle(request, env) {
    if (!testClockOn(env) || !LOOPBACK.has(new URL(request.url).hostname)) return notFound(request);
    if (request.method === "POST") {
      let body: unknown;
      try {
        body = await request.json();
      } catch {
        body = null;
      }
      const parsed = DevClockBody.safeParse(body);
      if (!parsed.success)
        return json({ error: { code: "bad_request", message: "expected {offsetMs}: whole ms within ±31 days" } }, 400);
      setTestClock(parsed.data.offsetMs);
    } else if (request.method !== "GET") return notFound(request);
    return json({ offsetMs: testClockOffset(), now: Date.now() } satisfies DevClockResponse);
  },
};
