import type { AdminUser, AdminWorkspace } from "../../shared/api/admin";
import type { Member, Organization, UserWithRole } from "better-auth/plugins";
import { accountStatus, isOperatorRole } from "../auth/account-status";
import { timeText } from "../auth/d1-time";
import type { Auth } from "../auth/auth";
import { adapterOf, findAllIn } from "../auth/better-auth-reads";

/** Lists are capped: `/admin` is a page, not an export (newest first). */
export const ADMIN_LIST_LIMIT = 1000;

/** better-auth's user row as its adapter hands it out, with the admin plugin's and our waitlist plugin's fields. */
type UserRow = UserWithRole & { waitlisted?: boolean | null };

function toAdminUser(row: UserRow): AdminUser {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    emailVerified: Boolean(row.emailVerified),
    status: accountStatus(row),
    operator: isOperatorRole(row.role),
    createdAt: timeText(row.createdAt),
  };
}

// Everything here reads better-auth's tables through its own adapter (`/admin` is no hot path).

export async function listUsers(auth: Auth): Promise<AdminUser[]> {
  const users = await (await adapterOf(auth)).findMany<UserRow>({
    model: "user",
    sortBy: { field: "createdAt", direction: "desc" },
    limit: ADMIN_LIST_LIMIT,
  });
  return users.map(toAdminUser);
}

export async function findUser(auth: Auth, userId: string): Promise<AdminUser | null> {
  const user = await (await adapterOf(auth)).findOne<UserRow>({
    model: "user",
    where: [{ field: "id", value: userId }],
  });
  return user ? toAdminUser(user) : null;
}

export async function listWorkspaces(auth: Auth): Promise<AdminWorkspace[]> {
  const adapter = await adapterOf(auth);
  const organizations = await adapter.findMany<Organization>({
    model: "organization",
    sortBy: { field: "createdAt", direction: "desc" },
    limit: ADMIN_LIST_LIMIT,
  });
  if (organizations.length === 0) return [];
  const members = await findAllIn<Pick<Member, "organizationId">>(
    adapter,
    { model: "member", select: ["organizationId"] },
    "organizationId",
    organizations.map((o) => o.id),
  );
  const counts = new Map<string, number>();
  for (const m of members) counts.set(m.organizationId, (counts.get(m.organizationId) ?? 0) + 1);
  return organizations.map((o) => ({
    id: o.id,
    name: o.name,
    slug: o.slug,
    createdAt: timeText(o.createdAt),
    members: counts.get(o.id) ?? 0,
  }));
}

export async function hasWorkspaceWithSlug(auth: Auth, slug: string): Promise<boolean> {
  return (
    (await (
      await adapterOf(auth)
    ).findOne<Organization>({ model: "organization", where: [{ field: "slug", value: slug }] })) !== null
  );
}

/** Which of these workspace ids exist (a room is woken for none that does not). */
export async function existingWorkspaceIds(auth: Auth, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await findAllIn<Pick<Organization, "id">>(
    await adapterOf(auth),
    { model: "organization", select: ["id"] },
    "id",
    ids,
  );
  return new Set(rows.map((row) => row.id));
}
