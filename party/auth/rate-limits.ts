import type { BetterAuthOptions } from "better-auth";
import type { Env } from "../env";

/** Sign-in and sign-up attempts per client IP in one window; tickets per principal. */
export const SIGN_IN_MAX = 10;
export const SIGN_UP_MAX = 10;
export const TICKET_MAX = 30;
const DEFAULT_WINDOW_S = 60;

/** The window in seconds (AUTH_RATE_LIMIT_WINDOW_S; tests shorten it to see it pass). */
export function rateLimitWindow(env: Pick<Env, "AUTH_RATE_LIMIT_WINDOW_S">): number {
  const parsed = Number(env.AUTH_RATE_LIMIT_WINDOW_S);
  return Number.isInteger(parsed) && parsed > 0 ? parsed : DEFAULT_WINDOW_S;
}

/**
 * better-auth's rate limiter, on for every environment (its default is production only,
 * judged by NODE_ENV, which workerd does not set). Counters live in D1 (`rateLimit`
 * table), so every isolate sees the same ones. Keys are client IP + path; the IP is
 * `cf-connecting-ip`, which Cloudflare sets and overwrites at the edge (wrangler dev sets
 * it to 127.0.0.1, but passes a client's own value through: locally it is spoofable).
 */
export function authRateLimit(window: number) {
  return {
    rateLimit: {
      enabled: true,
      storage: "database",
      window,
      max: 100,
      customRules: {
        "/sign-in/*": { window, max: SIGN_IN_MAX },
        "/sign-up/*": { window, max: SIGN_UP_MAX },
      },
    },
    advanced: { ipAddress: { ipAddressHeaders: ["cf-connecting-ip"] } },
  } satisfies Partial<BetterAuthOptions>;
}

/**
 * One connect ticket minted by `principalId`, counted in the same D1 table as
 * better-auth's limits and by the same rule (at most TICKET_MAX, the window running from
 * the last allowed one; key `ticket|<principal>`, which no IP|path key can collide with):
 * null when allowed, else the seconds until the window ends. The upsert decides in one
 * statement, so concurrent mints cannot all slip past a stale count; when its WHERE
 * refuses the update, RETURNING returns no row: that is the refusal.
 */
export async function consumeTicketQuota(env: Env, principalId: string): Promise<number | null> {
  const windowMs = rateLimitWindow(env) * 1000;
  const now = Date.now();
  const key = `ticket|${principalId}`;
  const allowed = await env.DB.prepare(
    `insert into "rateLimit" ("id", "key", "count", "lastRequest") values (?1, ?2, 1, ?3)
     on conflict ("key") do update set
       "count" = case when ?3 - "rateLimit"."lastRequest" >= ?4 then 1 else "rateLimit"."count" + 1 end,
       "lastRequest" = ?3
     where ?3 - "rateLimit"."lastRequest" >= ?4 or "rateLimit"."count" < ?5
     returning "count"`,
  )
    .bind(crypto.randomUUID(), key, now, windowMs, TICKET_MAX)
    .first();
  if (allowed) return null;
  const row = await env.DB.prepare(`select "lastRequest" from "rateLimit" where "key" = ?`).bind(key).first<{ lastRequest: number }>();
  return Math.max(1, Math.ceil(((row?.lastRequest ?? now) + windowMs - now) / 1000));
}
