import type { Actor } from "../../shared/protocol/principal";
import { revalidateUser } from "../access/revalidate";
import type { Auth } from "../auth/auth";
import type { Env } from "../env";

export type AccountAction = "approve" | "disable" | "enable";

const ACTION: Record<AccountAction, string> = {
  approve: "account.approved",
  disable: "account.disabled",
  enable: "account.enabled",
};

const REASON: Record<AccountAction, string> = {
  approve: "an operator approved this account",
  disable: "this account is disabled",
  enable: "an operator enabled this account",
};

/**
 * Called after an operator changes what an account may do. New sockets and API calls see
 * the change at once (principal resolution reads the account's status); open sockets of
 * the person in every workspace they belong to are re-checked here (party/access/
 * revalidate.ts: a disabled account's sockets close with 4003), and each of those
 * workspaces' audit log records the operator's action.
 */
export async function onUserAccessChanged(
  env: Env,
  auth: Auth,
  userId: string,
  action: AccountAction,
  operator: Actor,
): Promise<void> {
  await revalidateUser(env, auth, userId, {
    reason: REASON[action],
    audit: { actor: operator, action: ACTION[action], targetId: userId, details: {} },
  });
}
