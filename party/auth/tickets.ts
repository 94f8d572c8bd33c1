import { Principal } from "../../shared/protocol/principal";
import { eq, lt } from "drizzle-orm";
import type { Env } from "../env";
import { authDb } from "./db/client";
import { connectTicket } from "./db/schema";
import { randomToken, sha256Hex } from "./tokens";

export const TICKET_TTL_MS = 60_000;

export async function issueTicket(
  env: Env,
  workspaceId: string,
  principal: Principal,
): Promise<{ ticket: string; expiresAt: number }> {
  const ticket = `tk_${randomToken()}`;
  const expiresAt = Date.now() + TICKET_TTL_MS;
  await authDb(env.DB)
    .insert(connectTicket)
    .values({ hash: await sha256Hex(ticket), workspaceId, principal: JSON.stringify(principal), expiresAt })
    .run();
  return { ticket, expiresAt };
}

/**
 * Retention of connect tickets, run by the Worker's cron (wrangler.toml `[triggers]`): an
 * unused ticket is deleted once expired, whether or not anyone asks for another.
 */
export async function deleteExpiredTickets(env: Env, now: number): Promise<number> {
  const result = await authDb(env.DB).delete(connectTicket).where(lt(connectTicket.expiresAt, now)).run();
  return result.meta.changes ?? 0;
}

/** Single use: the delete-returning claims it atomically, so a replay finds nothing. */
export async function consumeTicket(
  env: Env,
  ticket: string,
): Promise<{ workspaceId: string; principal: Principal } | null> {
  if (ticket.length > 200) return null;
  const row = await authDb(env.DB)
    .delete(connectTicket)
    .where(eq(connectTicket.hash, await sha256Hex(ticket)))
    .returning({
      workspaceId: connectTicket.workspaceId,
      principal: connectTicket.principal,
      expiresAt: connectTicket.expiresAt,
    })
    .get();
  if (!row || row.expiresAt < Date.now()) return null;
  const principal = Principal.safeParse(JSON.parse(row.principal));
  return principal.success ? { workspaceId: row.workspaceId, principal: principal.data } : null;
}
