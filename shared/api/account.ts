import { z } from "zod";
import { Role } from "../protocol/principal";

export const WorkspaceInfo = z.object({ id: z.string(), name: z.string(), slug: z.string(), role: Role });
export type WorkspaceInfo = z.infer<typeof WorkspaceInfo>;

/** `GET /api/me`: the signed-in person and the workspaces they belong to, oldest first. */
export const MeResponse = z.object({
  user: z.object({ id: z.string(), name: z.string(), email: z.string(), emailVerified: z.boolean() }),
  workspaces: z.array(WorkspaceInfo),
});
export type MeResponse = z.infer<typeof MeResponse>;
