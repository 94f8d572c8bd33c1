import type { AccountStatus } from "../../shared/api/admin";
import type { Env } from "../env";
import { accountStatus } from "./account-status";
import { accountFlags } from "./current-access";

/** An account's status read from D1 (null: no such account), for principals that carry no fresh user row (tickets, the status watch). */
export async function accountStatusOf(env: Env, userId: string): Promise<AccountStatus | null> {
  const row = await accountFlags(env.DB, userId);
  return row ? accountStatus(row) : null;
}
