import { isOperatorEmail, type SignupPolicy } from "./signup-policy";

/** What promoting a listed operator at sign-in needs of better-auth (its own adapter does the writes). */
export interface OperatorAccounts {
  findUser(id: string): Promise<{
    id: string;
    name: string;
    email: string;
    emailVerified: boolean;
    role?: unknown;
    waitlisted?: unknown;
  } | null>;
  promote(id: string): Promise<void>;
  /** The personal workspace a waitlisted account never got. */
  createPersonalWorkspace(user: { id: string; name: string; email: string }): Promise<void>;
}

/**
 * `ADMIN_EMAILS` counts for accounts made before their address was listed too: whoever signs
 * in (or verifies, which signs them in) with a listed address that is verified becomes an
 * operator, and one waiting on the waitlist is let in with its personal workspace. An
 * unverified address could belong to anyone who registered it first, so it is left as it is.
 * Taking an address off the list changes no one: operators are demoted in /admin.
 */
export async function promoteListedOperator(
  policy: SignupPolicy,
  userId: string,
  accounts: OperatorAccounts,
): Promise<boolean> {
  if (policy.operatorEmails.size === 0) return false;
  const user = await accounts.findUser(userId);
  if (!user?.emailVerified || user.role === "admin" || !isOperatorEmail(policy, user.email)) return false;
  await accounts.promote(user.id);
  if (user.waitlisted) await accounts.createPersonalWorkspace(user);
  return true;
}
