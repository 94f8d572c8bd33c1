import { isAgentAccountEmail } from "../auth/agent-signup";
import { membersOf } from "../auth/better-auth-reads";
import { type ApiContext, authOf, httpError } from "./context";

/**
 * Whether the workspace's plan has a seat for one more person (docs/billing.md): its people
 * (agent accounts are keys, not seats), and with `invited` the invitations still pending, below
 * the plan's `maxSeats`. The refusal says what frees one.
 */
export async function seatRefusal(c: ApiContext, workspaceId: string, invited = 0): Promise<Response | null> {
  const { maxSeats, planName } = await c.env.Autopilot.getByName(workspaceId).planOf();
  if (maxSeats === null) return null;
  const people = (await membersOf(authOf(c), workspaceId)).filter((m) => !isAgentAccountEmail(m.email)).length;
  if (people + invited < maxSeats) return null;
  const seats = `${maxSeats} ${maxSeats === 1 ? "seat" : "seats"}`;
  const taken = invited > 0 ? "all taken or invited" : "all taken";
  const free = invited > 0 ? "remove a member or cancel an invitation" : "remove a member";
  return httpError(
    c,
    "conflict",
    `the ${planName} plan has ${seats}, ${taken}: ${free}, or an owner or admin chooses a larger plan in Billing`,
  );
}
