import type { AccountStatus } from "../../shared/api/admin";
import type { Env } from "../env";
import { accountStatus } from "./account-status";
import { accountFlags } from "./current-access";

export const STATUS_WATCH_MAX_MS = 25_000;
const STATUS_WATCH_EVERY_MS = 1_000;

/**
 * The waiting screen's long poll: resolves as soon as the account's status differs from
 * `current` (null: the account is gone), or with `current` after `maxMs`. It reads one
 * D1 row a second while it waits: account status is auth data that changes once per
 * account, read only by the few tabs sitting on the waiting screen, which is why this is
 * a long poll and not a socket (the rooms' sockets are for workspace data, and a
 * waitlisted account has no workspace). Kept under ~30 s so proxies do not cut it.
 */
export async function waitForStatusChange(
  env: Env,
  userId: string,
  current: AccountStatus,
  maxMs = STATUS_WATCH_MAX_MS,
  everyMs = STATUS_WATCH_EVERY_MS,
): Promise<AccountStatus | null> {
  const deadline = Date.now() + maxMs;
  for (;;) {
    const status = await accountStatusOf(env, userId);
    if (status !== current || Date.now() >= deadline) return status;
    await new Promise((resolve) => setTimeout(resolve, Math.min(everyMs, Math.max(0, deadline - Date.now()))));
  }
}

/** An account's status read from D1 (null: no such account), for principals that carry no fresh user row (tickets, the status watch). */
export async function accountStatusOf(env: Env, userId: string): Promise<AccountStatus | null> {
  const row = await accountFlags(env.DB, userId);
  return row ? accountStatus(row) : null;
}
