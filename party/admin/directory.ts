import type { AdminUser, AdminWorkspace } from "../../shared/api/admin";
import { type AccountFlags, accountStatus, isOperatorRole } from "../auth/account-status";
import type { Env } from "../env";

/** Lists are capped: `/admin` is a page, not an export (newest first). */
export const ADMIN_LIST_LIMIT = 1000;

type UserRow = AccountFlags & { id: string; name: string; email: string; emailVerified: number | boolean; role: string | null; createdAt: string | number };

const USER_COLUMNS = `"id", "name", "email", "emailVerified", "role", "banned", "banExpires", "waitlisted", "createdAt"`;

function toAdminUser(row: UserRow): AdminUser {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    emailVerified: Boolean(row.emailVerified),
    status: accountStatus(row),
    operator: isOperatorRole(row.role),
    createdAt: row.createdAt,
  };
}

export async function listUsers(env: Env): Promise<AdminUser[]> {
  const { results } = await env.DB.prepare(`select ${USER_COLUMNS} from "user" order by "createdAt" desc limit ?`).bind(ADMIN_LIST_LIMIT).all<UserRow>();
  return results.map(toAdminUser);
}

export async function findUser(env: Env, userId: string): Promise<AdminUser | null> {
  const row = await env.DB.prepare(`select ${USER_COLUMNS} from "user" where "id" = ?`).bind(userId).first<UserRow>();
  return row ? toAdminUser(row) : null;
}

export async function listWorkspaces(env: Env): Promise<AdminWorkspace[]> {
  const { results } = await env.DB.prepare(
    `select o."id", o."name", o."slug", o."createdAt", count(m."id") as "members" from "organization" o
     left join "member" m on m."organizationId" = o."id" group by o."id" order by o."createdAt" desc limit ?`,
  )
    .bind(ADMIN_LIST_LIMIT)
    .all<AdminWorkspace>();
  return results;
}

export async function hasWorkspaceWithSlug(env: Env, slug: string): Promise<boolean> {
  return (await env.DB.prepare(`select 1 as "found" from "organization" where "slug" = ?`).bind(slug).first()) !== null;
}
