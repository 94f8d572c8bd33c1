import type { BetterAuthOptions } from "better-auth";
import { eq, sql } from "drizzle-orm";
import { parseV6 } from "../../shared/ip-address";
import type { Env } from "../env";
import { authDb } from "./db/client";
import { requestQuota } from "./db/schema";

/** Sign-in and sign-up attempts per client IP in one window (people and agents alike); tickets per principal. */
export const SIGN_IN_MAX = 10;
export const SIGN_UP_MAX = 10;
export const TICKET_MAX = 30;
export const AGENT_AUTH_MAX = 10;
/** Device entry connections per client address in one window (party/rooms/autopilot/features/devices/): a node backs off to one every 30 s. */
export const DEVICE_CONNECT_MAX = 60;
/** Invitation landing page reads and sign-ups per client address in one window (party/api/invitation-routes.ts). */
export const INVITATION_LINK_MAX = 30;
/** File uploads per principal in one window (party/files/). */
export const UPLOAD_MAX = 30;
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
 * One request counted in `bucket`, by the same rule as better-auth's limits (at most `max`,
 * the window running from the last allowed one) in a table of our own (`request_quota`;
 * better-auth's `rateLimit` is written by better-auth alone): null when allowed, else the
 * seconds until the window ends. The upsert decides in one statement, so concurrent
 * requests cannot all slip past a stale count; when its WHERE refuses the update,
 * RETURNING returns no row: that is the refusal.
 */
async function consumeQuota(env: Env, bucket: string, max: number): Promise<number | null> {
  const windowMs = rateLimitWindow(env) * 1000;
  const now = Date.now();
  const db = authDb(env.DB);
  const allowed = await db
    .insert(requestQuota)
    .values({ bucket, count: 1, lastRequest: now })
    .onConflictDoUpdate({
      target: requestQuota.bucket,
      set: {
        count: sql`case when ${now} - ${requestQuota.lastRequest} >= ${windowMs} then 1 else ${requestQuota.count} + 1 end`,
        lastRequest: now,
      },
      setWhere: sql`${now} - ${requestQuota.lastRequest} >= ${windowMs} or ${requestQuota.count} < ${max}`,
    })
    .returning({ count: requestQuota.count })
    .get();
  if (allowed) return null;
  const row = await db
    .select({ lastRequest: requestQuota.lastRequest })
    .from(requestQuota)
    .where(eq(requestQuota.bucket, bucket))
    .get();
  return Math.max(1, Math.ceil(((row?.lastRequest ?? now) + windowMs - now) / 1000));
}

/** One connect ticket minted by `principalId` (at most TICKET_MAX a window). */
export const consumeTicketQuota = (env: Env, principalId: string) => consumeQuota(env, principalId, TICKET_MAX);

/**
 * One agent sign-up or key sign-in from a client address (at most AGENT_AUTH_MAX a window
 * for each). The address is `cf-connecting-ip`, as for better-auth's own limits.
 */
export const consumeAgentAuthQuota = (env: Env, request: Request, what: "signup" | "sign-in") =>
  consumeQuota(env, `${what}|${addressBucket(request.headers.get("cf-connecting-ip"))}`, AGENT_AUTH_MAX);

/** One file upload by `principalId` in its workspace (at most UPLOAD_MAX a window). */
export const consumeUploadQuota = (env: Env, workspaceId: string, principalId: string) =>
  consumeQuota(env, `upload|${workspaceId}|${principalId}`, UPLOAD_MAX);

/**
 * The bucket of a client address: an IPv4 address itself, an IPv6 one its /64 (one subscriber
 * holds a whole /64, so per-address buckets would be endless for them).
 */
export function addressBucket(address: string | null): string {
  if (!address) return "unknown";
  const groups = address.includes(":") ? parseV6(address) : null;
  return groups
    ? `${groups
        .slice(0, 4)
        .map((g) => g.toString(16))
        .join(":")}::/64`
    : address;
}

/**
 * One connection to the device entry from a client address (at most DEVICE_CONNECT_MAX a
 * window): the entry is public, and each connection opens a socket to a gateway.
 */
export const consumeDeviceConnectQuota = (env: Env, request: Request) =>
  consumeQuota(env, `device|${addressBucket(request.headers.get("cf-connecting-ip"))}`, DEVICE_CONNECT_MAX);

/** One read or use of an invitation's link from a client address (at most INVITATION_LINK_MAX a window). */
export const consumeInvitationLinkQuota = (env: Env, request: Request) =>
  consumeQuota(env, `invitation|${addressBucket(request.headers.get("cf-connecting-ip"))}`, INVITATION_LINK_MAX);
