import type { AccountStatus } from "../../shared/api/admin";
import type { Env } from "../env";
import { type AccountFlags, accountStatus } from "./account-status";

/** An account's status read from D1 (null: no such account), for principals that carry no fresh user row (tickets, the status watch). */
export async function accountStatusOf(env: Env, userId: string): Promise<AccountStatus | null> {
  const row = await env.DB.prepare(`select "banned", "banExpires", "waitlisted" from "user" where "id" = ?`).bind(userId).first<AccountFlags>();
  return row ? accountStatus(row) : null;
}
