import { AccessChange } from "../../../../access/access-change";
import { appendAudit } from "../../kernel/commit";
import type { Sql } from "../../../../domain/sql";
import { type GuardedSocket, revalidateSockets } from "../../../shared/connection-access";

export interface AccessChangeRoom {
  sql: Sql;
  db: D1Database;
  workspaceId: string;
  /** The room's open sockets, as access-checked sockets. */
  sockets: GuardedSocket[];
  /** Stops the Autopilot's runs streaming for someone whose access is gone. */
  recheckRuns(): Promise<void>;
  /** Withdraws the pending approvals whose principal lost access (the approvals' api). */
  withdrawForLostAccess(): Promise<unknown>;
}

/**
 * The Autopilot's side of an access change (party/access/revalidate.ts): the audit entry,
 * then every open socket re-checked, then the work that acts for someone — approvals
 * waiting for a decision and runs under way — re-checked the same way (deferred-access.ts).
 */
export async function applyAccessChange(room: AccessChangeRoom, message: AccessChange): Promise<void> {
  const { reason, audit } = AccessChange.parse(message);
  if (audit) appendAudit(room.sql, audit.actor, audit.action, audit.targetId, audit.details, Date.now());
  await revalidateSockets(room.db, room.workspaceId, room.sockets, reason);
  await Promise.all([room.withdrawForLostAccess(), room.recheckRuns()]);
}
