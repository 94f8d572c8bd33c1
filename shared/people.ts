import type { Principal } from "./protocol/principal";

/**
 * Whether an actor is a person: a user whose id is an account's, not an agent's key and
 * not one of the room's own actors (the Autopilot, an instance's gateway, a gateway's
 * outside user `gateway-user:<instance>`, whose ids hold a ":"). What people-only work
 * checks, deciding approvals that let the room act among it (approval-policy.ts).
 */
export const isPerson = (actor: Pick<Principal, "id" | "kind">): boolean =>
  actor.kind === "user" && !actor.id.includes(":");

/** The Autopilot's own actor id: its posts, its runs and its usage carry it. */
export const AUTOPILOT_ID = "autopilot";
