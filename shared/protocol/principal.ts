import { z } from "zod";

export const Scope = z.enum(["read", "write", "approve", "admin"]);
export type Scope = z.infer<typeof Scope>;

export const Role = z.enum(["owner", "admin", "member", "viewer"]);
export type Role = z.infer<typeof Role>;

export const PrincipalKind = z.enum(["user", "agent"]);
export type PrincipalKind = z.infer<typeof PrincipalKind>;

/** Who did something; carried on messages, approvals, jobs and audit entries. */
export const Actor = z.object({
  id: z.string(),
  kind: PrincipalKind,
  name: z.string(),
});
export type Actor = z.infer<typeof Actor>;

export const Principal = Actor.extend({
  scopes: z.array(Scope),
  role: Role.optional(),
});
export type Principal = z.infer<typeof Principal>;
