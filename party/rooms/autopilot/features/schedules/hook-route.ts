// The schedules' route in the Worker, which the feature declares (`workerRoutes`): a call of
// a schedule's webhook reaches the workspace's room, which believes it by the URL's token.
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { MAX_HOOK_PAYLOAD_BYTES } from "../../../../../shared/protocol/schedules";
import { type ApiEnv, authOf, httpError, internalError } from "../../../../api/context";
import { workspaceById } from "../../../../auth/better-auth-reads";
import { roomCall } from "../../../../room-rpc";
import { type WorkerRoute, under } from "../../../../worker-route";
import { HOOK_PREFIX } from "./hooks";

/** What an `Idempotency-Key` header may be: what a CI system puts there (a run id, a UUID). */
const KEY = /^[\x21-\x7e]{1,200}$/;
/** A token as hooks.ts makes them: 32 bytes, base64url. */
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

const NOT_FOUND = "no such webhook: ask the schedule's owner for its current URL";

/**
 * A schedule's webhook (features/schedules/hooks.ts): open to anyone, believed only with the token its URL holds.
 * The body (text, at most MAX_HOOK_PAYLOAD_BYTES) goes to the run as untrusted text. 202 with
 * the run it started; 200 with the same run for a repeated `Idempotency-Key`; 404 for a URL
 * that is not one (whatever is wrong with it), 409 for a schedule that does not run now, 429
 * (with `retry-after`) for a call sooner than the workspace lets a schedule run again.
 */
const scheduleHookApi = new Hono<ApiEnv>()
  .use(async (c, next) => {
    await next();
    c.header("cache-control", "no-store");
  })
  .post(
    `${HOOK_PREFIX}/:ws/:schedule/:token`,
    bodyLimit({
      maxSize: MAX_HOOK_PAYLOAD_BYTES,
      onError: (c) => httpError(c, "bad_request", `a webhook's body is at most ${MAX_HOOK_PAYLOAD_BYTES / 1024} KiB`),
    }),
    async (c) => {
      const { ws, schedule, token } = c.req.param();
      if (!TOKEN.test(token) || ws.length > 100 || schedule.length > 64) return httpError(c, "not_found", NOT_FOUND);
      const key = c.req.header("idempotency-key") ?? null;
      if (key !== null && !KEY.test(key))
        return httpError(c, "bad_request", "Idempotency-Key must be 1 to 200 visible ASCII characters");
      // Never a room for an id nobody made.
      if (!(await workspaceById(authOf(c), ws))) return httpError(c, "not_found", NOT_FOUND);
      const payload = await c.req.text();
      const outcome = await roomCall(c.env.Autopilot.getByName(ws), "callScheduleHook", {
        scheduleId: schedule,
        token,
        payload,
        key,
      });
      if (outcome.ok) return c.json({ run: outcome.run }, outcome.repeated ? 200 : 202);
      if (outcome.status === 429 && outcome.retryAfterMs !== undefined)
        c.header("retry-after", String(Math.ceil(outcome.retryAfterMs / 1000)));
      const code = outcome.status === 404 ? "not_found" : outcome.status === 409 ? "conflict" : "rate_limited";
      return httpError(c, code, outcome.status === 404 ? NOT_FOUND : outcome.message);
    },
  )
  .notFound((c) => httpError(c, "not_found", NOT_FOUND))
  .onError((error, c) => internalError(c.req.path, error));

/** Schedules' webhooks: no session, believed by their URL's token alone; never stored by a cache. */
export const scheduleHookRoute = (): WorkerRoute => ({
  name: "schedule webhooks",
  matches: under(`${HOOK_PREFIX}/`),
  handle: (request, env, ctx) => scheduleHookApi.fetch(request, env, ctx),
});
