import { APIError } from "better-auth/api";
import { and, eq, sql } from "drizzle-orm";
import { isAgentAccountEmail } from "./agent-account";
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

/**
 * The workspace's people (agents' accounts left out), in the order their memberships were
 * written: SQLite's rowid, which a new row always gets above every row there is, so each
 * membership sees every one written before it.
 */
export async function peopleInJoinOrder(db: D1Database, workspaceId: string): Promise<string[]> {
  const rows = await authDb(db)
    .select({ userId: baMember.userId, email: baUser.email })
    .from(baMember)
    .innerJoin(baUser, eq(baUser.id, baMember.userId))
    .where(eq(baMember.organizationId, workspaceId))
    .orderBy(sql`${baMember}.rowid`)
    .all();
  return rows.filter((row) => !isAgentAccountEmail(row.email)).map((row) => row.userId);
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
    const people = await peopleInJoinOrder(db, workspaceId);
    if (people.length === 0) return;
    const plan = await planOf(workspaceId);
    if (plan.maxSeats !== null && people.length >= plan.maxSeats) throw refusal(plan);
  };
  const after = async (workspaceId: string, user: { id: string; email: string }, invitationId?: string) => {
    if (isAgentAccountEmail(user.email)) return;
    const people = await peopleInJoinOrder(db, workspaceId);
    const place = people.indexOf(user.id);
    if (place <= 0) return;
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
