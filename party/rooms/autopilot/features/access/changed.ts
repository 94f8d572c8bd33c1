import { AccessChange } from "../../../../access/access-change";
import type { CurrentAccess } from "../agent/run-access";
import { appendAudit } from "../../kernel/audit";
import type { Commit } from "../../kernel/op-context";
import type { Sql } from "../../../../domain/sql";
import { type GuardedSocket, revalidateSockets } from "../../../shared/connection-access";
import { withdrawForLostAccess } from "../approvals/withdrawals";

export interface AccessChangeRoom {
  sql: Sql;
  db: D1Database;
  workspaceId: string;
  commit: Commit;
  currentAccess: CurrentAccess;
  /** The room's open sockets, as access-checked sockets. */
  sockets: GuardedSocket[];
  /** Stops the Autopilot's runs streaming for someone whose access is gone. */
  recheckRuns(): Promise<void>;
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
  await Promise.all([withdrawForLostAccess(room), room.recheckRuns()]);
}
