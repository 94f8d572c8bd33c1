import { eq } from "drizzle-orm";
import { deciderRefusal } from "../../../../../shared/approval-policy";
import type { Approval } from "../../../../../shared/protocol/approvals";
import { Role } from "../../../../../shared/protocol/principal";
import type { ApprovalPolicy } from "../../../../../shared/protocol/settings";
import { hasScope, scopesForRole } from "../../../../../shared/scopes";
import { baMember, baUser } from "../../../../auth/db/better-auth-tables";
import { authDb } from "../../../../auth/db/client";

/** A member of the workspace as D1 has them now. */
export interface Member {
  id: string;
  name: string;
  role: Role;
}

/** The workspace's members, read from D1 (better-auth's tables) now: access is D1's, never a copy. */
export async function membersOf(db: D1Database, workspaceId: string): Promise<Member[]> {
  const rows = await authDb(db)
    .select({ id: baMember.userId, role: baMember.role, name: baUser.name })
    .from(baMember)
    .innerJoin(baUser, eq(baUser.id, baMember.userId))
    .where(eq(baMember.organizationId, workspaceId))
    .all();
  return rows.flatMap((row) => {
    const role = Role.safeParse(row.role);
    return role.success ? [{ id: row.id, name: row.name, role: role.data }] : [];
  });
}

/**
 * Who may decide this approval under the workspace's policy (shared/approval-policy.ts): people
 * whose role holds `approve` and whom the deciding rules let decide it (the two-person rule
 * leaves out whoever asked and for whom; confirm-own lets them confirm their own otherwise).
 */
export const mayDecide = (members: readonly Member[], approval: Approval, policy: ApprovalPolicy): Member[] =>
  members.filter(
    (m) =>
      hasScope(scopesForRole(m.role), "approve") &&
      deciderRefusal(approval, { id: m.id, kind: "user" }, policy) === null,
  );
