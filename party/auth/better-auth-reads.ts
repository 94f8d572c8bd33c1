import type { ApiKey } from "@better-auth/api-key";
import type { User } from "better-auth";
import type { Member, Organization } from "better-auth/plugins";
import { Role } from "../../shared/protocol/principal";
import type { Auth } from "./auth";

/**
 * Reads of better-auth's tables off the hot path (the auth API's lists and lookups, access
 * changes), through better-auth's own adapter: its models and field names, its types, and
 * no SQL of ours on its tables. The reads on every socket upgrade are in
 * db/better-auth-tables.ts instead (one indexed query each).
 */

export type AuthAdapter = Awaited<Auth["$context"]>["adapter"];
type FindMany = Omit<Parameters<AuthAdapter["findMany"]>[0], "limit" | "offset">;

export const adapterOf = async (auth: Auth): Promise<AuthAdapter> => (await auth.$context).adapter;

/** better-auth's findMany returns at most 100 rows unless told how many: lists read page by page. */
const PAGE = 1000;
/** D1 binds at most 100 parameters a statement: an `in` list goes in batches, with room for the query's others. */
const IN_BATCH = 90;

/** Every row the query matches. */
export async function findAll<T>(adapter: AuthAdapter, query: FindMany): Promise<T[]> {
  const rows: T[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = await adapter.findMany<T>({ ...query, limit: PAGE, offset });
    rows.push(...page);
    if (page.length < PAGE) return rows;
  }
}

/** Every row the query matches whose `field` is one of `values` (order within the query's, per batch). */
export async function findAllIn<T>(
  adapter: AuthAdapter,
  query: FindMany,
  field: string,
  values: readonly string[],
): Promise<T[]> {
  const rows: T[] = [];
  for (let i = 0; i < values.length; i += IN_BATCH) {
    rows.push(
      ...(await findAll<T>(adapter, {
        ...query,
        where: [...(query.where ?? []), { field, operator: "in", value: values.slice(i, i + IN_BATCH) }],
      })),
    );
  }
  return rows;
}

/** A person's membership of a workspace: better-auth's member id and role (null: not a member, or a role we do not know). */
export async function membershipOf(
  auth: Auth,
  workspaceId: string,
  userId: string,
): Promise<{ id: string; role: Role } | null> {
  const member = await (await adapterOf(auth)).findOne<Member>({
    model: "member",
    where: [
      { field: "organizationId", value: workspaceId },
      { field: "userId", value: userId },
    ],
  });
  const role = Role.safeParse(member?.role);
  return member && role.success ? { id: member.id, role: role.data } : null;
}

export async function ownerCount(auth: Auth, workspaceId: string): Promise<number> {
  return (await adapterOf(auth)).count({
    model: "member",
    where: [
      { field: "organizationId", value: workspaceId },
      { field: "role", value: "owner" },
    ],
  });
}

/** Every workspace a person belongs to. */
export async function workspaceIdsOf(auth: Auth, userId: string): Promise<string[]> {
  const members = await findAll<Member>(await adapterOf(auth), {
    model: "member",
    where: [{ field: "userId", value: userId }],
  });
  return members.map((m) => m.organizationId);
}

/** A person's workspaces with their role in each, oldest workspace first. */
export async function workspacesOf(
  auth: Auth,
  userId: string,
): Promise<{ id: string; name: string; slug: string; role: Role }[]> {
  const adapter = await adapterOf(auth);
  const members = await findAll<Member>(adapter, { model: "member", where: [{ field: "userId", value: userId }] });
  if (members.length === 0) return [];
  const organizations = (
    await findAllIn<Organization>(
      adapter,
      { model: "organization" },
      "id",
      members.map((m) => m.organizationId),
    )
  ).sort((a, b) => new Date(a.createdAt).getTime() - new Date(b.createdAt).getTime());
  const roles = new Map(members.map((m) => [m.organizationId, Role.safeParse(m.role)]));
  return organizations.flatMap((o) => {
    const role = roles.get(o.id);
    return role?.success ? [{ id: o.id, name: o.name, slug: o.slug, role: role.data }] : [];
  });
}

/** The workspace's members with their names and addresses, in the order they joined. */
export async function membersOf(
  auth: Auth,
  workspaceId: string,
): Promise<{ userId: string; name: string; email: string; role: Role }[]> {
  const adapter = await adapterOf(auth);
  const members = await findAll<Member>(adapter, {
    model: "member",
    where: [{ field: "organizationId", value: workspaceId }],
    sortBy: { field: "createdAt", direction: "asc" },
  });
  if (members.length === 0) return [];
  const users = new Map(
    (
      await findAllIn<User>(
        adapter,
        { model: "user" },
        "id",
        members.map((m) => m.userId),
      )
    ).map((u) => [u.id, u]),
  );
  return members.flatMap((m) => {
    const user = users.get(m.userId);
    const role = Role.safeParse(m.role);
    return user && role.success ? [{ userId: user.id, name: user.name, email: user.email, role: role.data }] : [];
  });
}

/** The account with this address (better-auth keeps addresses lower-cased and finds them so). */
export async function userByEmail(auth: Auth, email: string): Promise<{ id: string; emailVerified: boolean } | null> {
  const found = await (await auth.$context).internalAdapter.findUserByEmail(email);
  return found ? { id: found.user.id, emailVerified: found.user.emailVerified } : null;
}

/** An agent key's row as better-auth's api-key plugin keeps it (null: no such key). */
export async function apiKeyById(auth: Auth, keyId: string): Promise<ApiKey | null> {
  return (await adapterOf(auth)).findOne<ApiKey>({ model: "apikey", where: [{ field: "id", value: keyId }] });
}

/** A workspace by id (null: none). */
export async function workspaceById(
  auth: Auth,
  workspaceId: string,
): Promise<{ id: string; name: string; slug: string } | null> {
  const org = await (await adapterOf(auth)).findOne<Organization>({
    model: "organization",
    where: [{ field: "id", value: workspaceId }],
  });
  return org ? { id: org.id, name: org.name, slug: org.slug } : null;
}

/** A workspace's agent keys, newest first. */
export async function apiKeysOf(auth: Auth, workspaceId: string): Promise<ApiKey[]> {
  return findAll<ApiKey>(await adapterOf(auth), {
    model: "apikey",
    where: [{ field: "referenceId", value: workspaceId }],
    sortBy: { field: "createdAt", direction: "desc" },
  });
}

/** A member named by better-auth's member id, or by a person's address within `workspaceId` (what its member endpoints accept). */
export async function memberByIdOrEmail(
  auth: Auth,
  ref: string,
  workspaceId: string,
): Promise<{ organizationId: string; userId: string; email: string } | null> {
  const ctx = await auth.$context;
  const byId = await ctx.adapter.findOne<Member>({ model: "member", where: [{ field: "id", value: ref }] });
  if (byId) {
    const user = await ctx.internalAdapter.findUserById(byId.userId);
    return user ? { organizationId: byId.organizationId, userId: byId.userId, email: user.email } : null;
  }
  const user = (await ctx.internalAdapter.findUserByEmail(ref))?.user;
  if (!user) return null;
  const member = await ctx.adapter.findOne<Member>({
    model: "member",
    where: [
      { field: "organizationId", value: workspaceId },
      { field: "userId", value: user.id },
    ],
  });
  return member ? { organizationId: member.organizationId, userId: member.userId, email: user.email } : null;
}

/** An invitation by id with the names its landing page shows (null: none). */
export async function invitationById(
  auth: Auth,
  invitationId: string,
): Promise<{
  id: string;
  email: string;
  role: string;
  status: string;
  expiresAt: Date;
  workspaceId: string;
  workspaceName: string;
  inviterName: string;
} | null> {
  const ctx = await auth.$context;
  const invitation = await ctx.adapter.findOne<{
    id: string;
    email: string;
    role: string | null;
    status: string;
    expiresAt: Date | string | number;
    organizationId: string;
    inviterId: string;
  }>({ model: "invitation", where: [{ field: "id", value: invitationId }] });
  if (!invitation) return null;
  const [workspace, inviter] = await Promise.all([
    workspaceById(auth, invitation.organizationId),
    ctx.internalAdapter.findUserById(invitation.inviterId),
  ]);
  if (!workspace) return null;
  return {
    id: invitation.id,
    email: invitation.email,
    role: invitation.role ?? "member",
    status: invitation.status,
    expiresAt: new Date(invitation.expiresAt),
    workspaceId: workspace.id,
    workspaceName: workspace.name,
    inviterName: inviter?.name || inviter?.email || "Someone",
  };
}
