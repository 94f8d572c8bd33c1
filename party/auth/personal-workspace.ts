import type { Auth } from "./auth";

export const personalWorkspaceSlug = (userId: string) => `personal-${userId.toLowerCase()}`;

/**
 * The workspace every active person owns: made at sign-up, or, for an account that waited
 * on the waitlist, when an operator approves it (a waitlisted account owns nothing).
 */
export async function createPersonalWorkspace(auth: Auth, user: { id: string; name: string; email: string }): Promise<void> {
  await auth.api.createOrganization({
    body: { name: `${user.name || user.email.split("@")[0]}'s workspace`, slug: personalWorkspaceSlug(user.id), userId: user.id },
  });
}
