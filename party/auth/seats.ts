import { APIError } from "better-auth/api";
import { and, count, eq, lt, notLike, sql } from "drizzle-orm";
import { AGENT_ACCOUNT_DOMAIN, isAgentAccountEmail } from "./agent-account";
import { authDb } from "./db/client";
import { baInvitation, baMember, baUser } from "./db/better-auth-tables";

/**
 * A workspace's seats (docs/billing.md): its plan's `maxSeats` people, agents' accounts not
 * counted (they are keys). Held at every way in, better-auth's own endpoints included, by the
 * organization plugin's hooks (`seatHooks`): before a membership is written, and again after,
 * since two people joining at once both pass the check before either is written.
 */
export interface SeatPlan {
  maxSeats: number | null;
  planName: string;
}

/** better-auth's error code for a refusal with our words (party/api/better-auth-errors.ts keeps them as written). */
export const NO_SEAT = "NO_SEAT";

/** What a refusal for want of a seat says, and what frees one (`invited`: pending invitations were counted). */
export function noSeatWords({ maxSeats, planName }: SeatPlan, invited: boolean): string {
  const seats = `${maxSeats} ${maxSeats === 1 ? "seat" : "seats"}`;
  const taken = invited ? "all taken or invited" : "all taken";
  const free = invited ? "remove a member or cancel an invitation" : "remove a member";
  return `the ${planName} plan has ${seats}, ${taken}: ${free}, or an owner or admin chooses a larger plan in Billing`;
}

/** A person's row, not an agent account's (isAgentAccountEmail: SQLite's LIKE ignores ASCII case as it does). */
const personRow = notLike(baUser.email, `%@${AGENT_ACCOUNT_DOMAIN}`);
const rowid = sql<number>`${baMember}.rowid`;

/**
 * How many people the workspace has (agents' accounts left out); with `below`, only those whose
 * membership was written before that row. SQLite's rowid is the order they were written in: a
 * new row always gets one above every row there is, so each membership counts every one written
 * before it.
 */
export async function peopleIn(db: D1Database, workspaceId: string, below?: number): Promise<number> {
  const row = await authDb(db)
    .select({ n: count() })
    .from(baMember)
    .innerJoin(baUser, eq(baUser.id, baMember.userId))
    .where(and(eq(baMember.organizationId, workspaceId), personRow, below === undefined ? undefined : lt(rowid, below)))
    .get();
  return row?.n ?? 0;
}

/** Where a membership sits in the order memberships were written (null: no such member). */
async function membershipRow(db: D1Database, workspaceId: string, userId: string): Promise<number | null> {
  const row = await authDb(db)
    .select({ rowid })
    .from(baMember)
    .where(and(eq(baMember.organizationId, workspaceId), eq(baMember.userId, userId)))
    .get();
  return row?.rowid ?? null;
}

const refusal = (plan: SeatPlan) => new APIError("CONFLICT", { code: NO_SEAT, message: noSeatWords(plan, false) });

/**
 * The organization plugin's hooks that hold the seats. Before: a person joins only while a
 * seat is free. After: the membership just written keeps its seat only if fewer than
 * `maxSeats` people joined before it; otherwise it is taken back (and an accepted invitation
 * is pending again), so of people joining at once exactly as many as there were seats stay.
 * A workspace's first person (its creator) is never asked about: it has no plan to read yet.
 */
export function seatHooks(db: D1Database, planOf: (workspaceId: string) => Promise<SeatPlan>) {
  const before = async (workspaceId: string, user: { email: string }): Promise<void> => {
    if (isAgentAccountEmail(user.email)) return;
    const people = await peopleIn(db, workspaceId);
    if (people === 0) return;
    const plan = await planOf(workspaceId);
    if (plan.maxSeats !== null && people >= plan.maxSeats) throw refusal(plan);
  };
  const after = async (workspaceId: string, user: { id: string; email: string }, invitationId?: string) => {
    if (isAgentAccountEmail(user.email)) return;
    const row = await membershipRow(db, workspaceId, user.id);
    const place = row === null ? 0 : await peopleIn(db, workspaceId, row);
    if (place === 0) return;
    const plan = await planOf(workspaceId);
    if (plan.maxSeats === null || place < plan.maxSeats) return;
    const auth = authDb(db);
    const takeBack = auth
      .delete(baMember)
      .where(and(eq(baMember.organizationId, workspaceId), eq(baMember.userId, user.id)));
    if (invitationId)
      await auth.batch([
        takeBack,
        auth
          .update(baInvitation)
          .set({ status: "pending" })
          .where(and(eq(baInvitation.id, invitationId), eq(baInvitation.status, "accepted"))),
      ]);
    else await takeBack.run();
    throw refusal(plan);
  };
  return {
    beforeAddMember: async ({ user, organization }: { user: { email: string }; organization: { id: string } }) =>
      before(organization.id, user),
    beforeAcceptInvitation: async ({ user, organization }: { user: { email: string }; organization: { id: string } }) =>
      before(organization.id, user),
    afterAddMember: async ({
      user,
      organization,
    }: {
      user: { id: string; email: string };
      organization: { id: string };
    }) => after(organization.id, user),
    afterAcceptInvitation: async ({
      invitation,
      user,
      organization,
    }: {
      invitation: { id: string };
      user: { id: string; email: string };
      organization: { id: string };
    }) => after(organization.id, user, invitation.id),
  };
}
