import type { Role } from "../../shared/protocol/principal";

export type Refusal = { code: "forbidden" | "conflict"; message: string };

/**
 * Whether an owner or admin (`caller`) may remove a member (`to: null`) or give them
 * another role: only owners touch owners or make new ones, and a workspace never loses
 * its last owner. better-auth checks the same again; this is the sentence people read.
 */
export function memberChangeRefusal(caller: Role, target: Role, to: Role | null, ownerCount: number): Refusal | null {
  if (caller !== "owner" && caller !== "admin")
    return { code: "forbidden", message: "only owners and admins can do this" };
  if ((target === "owner" || to === "owner") && caller !== "owner")
    return { code: "forbidden", message: "only owners can change owners" };
  if (target === "owner" && to !== "owner" && ownerCount <= 1)
    return { code: "conflict", message: "a workspace needs an owner: make someone else owner first" };
  return null;
}
