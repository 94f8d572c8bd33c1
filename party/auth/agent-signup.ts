import type { Organization } from "better-auth/plugins";
import type { Scope } from "../../shared/protocol/principal";
import type { AccountStatus } from "../../shared/api/admin";
import { accountStatus } from "./account-status";
import type { Auth } from "./auth";
import { adapterOf } from "./better-auth-reads";
import { createPersonalWorkspace, personalWorkspaceSlug } from "./auth";
import { randomToken } from "./tokens";
import { AGENT_ACCOUNT_DOMAIN, isAgentAccountEmail } from "./agent-account";

/**
 * An agent's own account (`POST /api/agent/signup` without an invitation): a better-auth
 * user with no password and an address under `.invalid` (a name reserved never to
 * resolve: no mail goes to an agent, and nobody can verify it, so nobody can add it to a
 * workspace as a person), the workspace it owns, and the one key it signs in with.
 *
 * The account goes through the same sign-up policy as a person's (the user hooks in
 * auth.ts): in waitlist mode it waits for an operator in `/admin`, and until then its
 * key opens nothing (current-access.ts `agentAccountRefusal`). Its workspace and key
 * exist from the start so the agent holds a key it can keep using once approved.
 */

/**
 * The agent owns its workspace and may manage it (invite other agents, add people), so its
 * key holds `admin`. Approvals that let the room act still need a person, and no agent
 * decides its own request (shared/approval-policy.ts).
 */
export const OWN_WORKSPACE_SCOPES: Scope[] = ["read", "write", "admin"];

export interface SignedUpAgent {
  status: AccountStatus;
  accountId: string;
  workspace: { id: string; name: string };
  key: { id: string; key: string; scopes: Scope[] };
}

export async function signUpAgent(auth: Auth, name: string): Promise<SignedUpAgent> {
  const context = await auth.$context;
  const email = `agent-${randomToken().slice(0, 20)}@${AGENT_ACCOUNT_DOMAIN}`;
  // The internal adapter runs the user hooks (auth.ts): the sign-up policy decides whether
  // it waits, and an active account gets its workspace there, as a person's does.
  const user = await context.internalAdapter.createUser(
    { name, email, emailVerified: false },
    { method: "agent-signup" },
  );
  const slug = personalWorkspaceSlug(user.id);
  const find = async () =>
    (await adapterOf(auth)).findOne<Organization>({ model: "organization", where: [{ field: "slug", value: slug }] });
  let workspace = await find();
  if (!workspace) {
    await createPersonalWorkspace(auth, user);
    workspace = await find();
  }
  if (!workspace) throw new Error("the agent's workspace was not created");
  // Server-side (no headers): the plugin takes `userId` and checks that user's permission in the workspace.
  const created = await auth.api.createApiKey({
    body: {
      name,
      organizationId: workspace.id,
      userId: user.id,
      metadata: { scopes: OWN_WORKSPACE_SCOPES, createdBy: user.id, account: user.id },
    },
  });
  const status = accountStatus(user as { waitlisted?: boolean });
  return {
    status,
    accountId: user.id,
    workspace: { id: workspace.id, name: workspace.name },
    key: { id: created.id, key: created.key, scopes: OWN_WORKSPACE_SCOPES },
  };
}

/**
 * The agent account a new key belongs to, if any: the old key's (a rotation), else its
 * issuer when the issuer is an agent's own account. Carried in the key's metadata, so
 * that every key an agent makes stops when an operator waitlists or disables the agent
 * (current-access.ts `agentAccountRefusal`), not only the one it signed up with.
 */
export async function agentAccountOf(auth: Auth, issuer: string, inherited?: unknown): Promise<string | undefined> {
  if (typeof inherited === "string") return inherited;
  const user = await (await adapterOf(auth)).findOne<{ email: string }>({
    model: "user",
    where: [{ field: "id", value: issuer }],
  });
  return user && isAgentAccountEmail(user.email) ? issuer : undefined;
}
