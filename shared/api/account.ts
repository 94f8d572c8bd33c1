import { z } from "zod";
import { Role, Scope } from "../protocol/principal";
import { AccountStatus } from "./admin";

/** A workspace as its signed-in caller sees it: a person's role (null for an agent's key), and what they may do there. */
export const WorkspaceInfo = z.object({
  id: z.string(),
  name: z.string(),
  slug: z.string(),
  role: Role.nullable(),
  scopes: z.array(Scope),
});
export type WorkspaceInfo = z.infer<typeof WorkspaceInfo>;

/** Where the signed-in account stands, and whether it may open `/admin`. */
export const AccountInfo = z.object({ status: AccountStatus, operator: z.boolean() });
export type AccountInfo = z.infer<typeof AccountInfo>;

/**
 * `GET /api/me`: who is signed in and the workspaces they belong to, oldest first. An agent
 * signed in with its key (`kind: "agent"`) is the key's principal (`agent_<key id>`), in
 * the key's one workspace, with no address.
 */
export const MeResponse = z.object({
  kind: z.enum(["user", "agent"]),
  user: z.object({ id: z.string(), name: z.string(), email: z.string(), emailVerified: z.boolean() }),
  workspaces: z.array(WorkspaceInfo),
  account: AccountInfo,
});
export type MeResponse = z.infer<typeof MeResponse>;

/**
 * `GET /api/me/status?while=<status>`: answers as soon as the account's status is no
 * longer `while`, or with the unchanged status after at most ~25 s (a long poll: the
 * waiting screen's only way to learn it was approved; see docs/access.md, "Waitlist and operators").
 */
export const AccountStatusQuery = z.object({ while: AccountStatus.optional() });
export const AccountStatusResponse = z.object({ status: AccountStatus });
