import { noSeatWords, peopleIn } from "../auth/seats";
import { type ApiContext, httpError } from "./context";
import { roomCall } from "../room-rpc";

/**
 * Whether the workspace's plan has a seat for one more person (docs/billing.md): its people
 * (agent accounts are keys, not seats), and with `invited` the invitations still pending, below
 * the plan's `maxSeats`. The refusal says what frees one. Asked before anything is written, so
 * a join through a link makes no account for a workspace without a seat; the organization
 * plugin's hooks hold the seats again as the membership is written (party/auth/seats.ts).
 */
export async function seatRefusal(c: ApiContext, workspaceId: string, invited = 0): Promise<Response | null> {
  const plan = await roomCall(c.env.Autopilot.getByName(workspaceId), "planOf");
  if (plan.maxSeats === null) return null;
  const people = await peopleIn(c.env.DB, workspaceId);
  if (people + invited < plan.maxSeats) return null;
  return httpError(c, "conflict", noSeatWords(plan, invited > 0));
}
