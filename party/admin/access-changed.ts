import type { Env } from "../env";

/**
 * Called after an operator changes what an account may do (approve, disable, enable).
 * New sockets and API calls already see the change (principal resolution reads the
 * account's status on every connect and request). Open sockets do not: the live-access
 * revalidation (branch `live`, `party/access/…`: close or re-scope every open socket of
 * the user in both rooms) plugs in here when the branches are merged.
 */
export async function onUserAccessChanged(_env: Env, _userId: string): Promise<void> {}
