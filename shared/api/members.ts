import { z } from "zod";
import { Role } from "../protocol/principal";

/** `agent`: an agent's own account (it signed up), whose address is a placeholder nobody reads. */
export const Member = z.object({
  userId: z.string(),
  name: z.string(),
  email: z.string(),
  role: Role,
  agent: z.boolean(),
});
export type Member = z.infer<typeof Member>;

/** `GET /api/workspaces/:ws/members` */
export const MembersResponse = z.object({ members: z.array(Member) });

/** `POST /api/workspaces/:ws/members`: adds someone who already has an account with a verified address. */
export const AddMemberBody = z.object({ email: z.string().email(), role: Role.default("member") });
export type AddMemberBody = z.input<typeof AddMemberBody>;
export const AddMemberResponse = z.object({ member: z.object({ userId: z.string(), email: z.string(), role: Role }) });

/** `PATCH /api/workspaces/:ws/members/:userId` */
export const UpdateMemberBody = z.object({ role: Role });
export type UpdateMemberBody = z.input<typeof UpdateMemberBody>;
export const UpdatedMemberResponse = z.object({ member: z.object({ userId: z.string(), role: Role }) });

/** `DELETE /api/workspaces/:ws/members/:userId` */
export const RemovedMemberResponse = z.object({ removed: z.string() });
