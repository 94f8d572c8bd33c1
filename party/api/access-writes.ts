import type { Role } from "../../shared/protocol/principal";
import { adapterOf } from "../auth/better-auth-reads";
import type { ApiContext } from "./context";
import { authOf } from "./context";

/**
 * Changes to who may do what, made for whoever calls. A person's go through better-auth's
 * own endpoints with their session (which check that session's permission once more). An
 * agent's key session is not a better-auth session, so for an admin key the same rows are
 * written through better-auth's adapter, after our checks (requireManager,
 * memberChangeRefusal) have allowed it: the change is the same either way.
 */

export async function deleteKey(c: ApiContext, keyId: string): Promise<void> {
  if (c.var.caller.kind === "user") {
    await authOf(c).api.deleteApiKey({ body: { keyId }, headers: c.req.raw.headers });
    return;
  }
  await (await adapterOf(authOf(c))).delete({ model: "apikey", where: [{ field: "id", value: keyId }] });
}

/** A member's row in better-auth's table, by the workspace it belongs to. */
const memberRow = (workspaceId: string, memberId: string) => [
  { field: "id", value: memberId },
  { field: "organizationId", value: workspaceId },
];

export async function setMemberRole(c: ApiContext, workspaceId: string, memberId: string, role: Role): Promise<void> {
  if (c.var.caller.kind === "user") {
    await authOf(c).api.updateMemberRole({
      body: { memberId, role, organizationId: workspaceId },
      headers: c.req.raw.headers,
    });
    return;
  }
  await (await adapterOf(authOf(c))).update({
    model: "member",
    where: memberRow(workspaceId, memberId),
    update: { role },
  });
}

export async function removeMember(c: ApiContext, workspaceId: string, memberId: string): Promise<void> {
  if (c.var.caller.kind === "user") {
    await authOf(c).api.removeMember({
      body: { memberIdOrEmail: memberId, organizationId: workspaceId },
      headers: c.req.raw.headers,
    });
    return;
  }
  await (await adapterOf(authOf(c))).delete({
    model: "member",
    where: memberRow(workspaceId, memberId),
  });
}
