import type { Role, Scope } from "./protocol/principal";

/** docs/access.md: owner/admin → all; member → read, write, approve; viewer → read. */
const ROLE_SCOPES: Record<Role, readonly Scope[]> = {
  owner: ["read", "write", "approve", "admin"],
  admin: ["read", "write", "approve", "admin"],
  member: ["read", "write", "approve"],
  viewer: ["read"],
};

/** Agent keys get read + write unless scopes are granted explicitly. */
export const DEFAULT_AGENT_SCOPES: readonly Scope[] = ["read", "write"];

export function scopesForRole(role: Role): Scope[] {
  return [...ROLE_SCOPES[role]];
}

/** `admin` satisfies every scope, like the gateway's operator.admin. */
export function hasScope(scopes: readonly Scope[], needed: Scope): boolean {
  return scopes.includes(needed) || scopes.includes("admin");
}
