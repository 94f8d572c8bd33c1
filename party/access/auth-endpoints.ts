import { z } from "zod";
import type { Actor } from "../../shared/protocol/principal";
import type { Auth } from "../auth/auth";
import { memberByIdOrEmail } from "../auth/better-auth-reads";
import type { Env } from "../env";
import { apiKeyById } from "../auth/better-auth-reads";
import { deleteWorkspaceFiles } from "../files/storage";
import { revalidateWorkspace } from "./revalidate";

/**
 * Which of better-auth's own endpoints (under /api/auth) stay exposed, and what follows
 * the ones that change access. The rest of /api/auth (sign-up/in/out, sessions, reading
 * organizations and keys, creating organizations, invitations) passes through unchanged.
 *
 * - Blocked (404): `/api-key/create` — keys are created through our route, which checks
 *   the scopes granted and records who created the key.
 * - Hooked: each of ACCESS_ENDPOINTS runs as better-auth answers it; when it succeeded,
 *   the affected workspace's rooms re-check their sockets and the Autopilot records the
 *   action in the audit log (party/access/revalidate.ts). The workspace is looked up
 *   *before* the call: a deleted key or a removed member cannot say where they were.
 */
const BLOCKED = new Set(["/api-key/create"]);

const ACCESS_ENDPOINTS: Record<string, string> = {
  "/api-key/update": "key.updated",
  "/api-key/delete": "key.revoked",
  "/organization/remove-member": "member.removed",
  "/organization/update-member-role": "member.role_changed",
  "/organization/leave": "member.left",
  "/organization/delete": "workspace.deleted",
};

const Id = z.string().min(1).max(200);
/** Only what we need to find the workspace and target; better-auth validates the rest itself. */
const AccessBody = z
  .object({
    keyId: Id.optional(),
    organizationId: Id.optional(),
    memberId: Id.optional(),
    memberIdOrEmail: Id.optional(),
    role: z.union([z.string().max(40), z.array(z.string().max(40)).max(8)]).optional(),
    enabled: z.boolean().optional(),
  })
  .catch({});

interface Target {
  workspaceId: string | null;
  targetId: string;
  details: Record<string, unknown>;
}

async function findTarget(
  auth: Auth,
  action: string,
  body: z.output<typeof AccessBody>,
  userId: string,
  activeWorkspace: string | null,
): Promise<Target> {
  if (body.keyId) {
    const details = body.enabled !== undefined ? { enabled: body.enabled } : {};
    return { workspaceId: (await apiKeyById(auth, body.keyId))?.referenceId ?? null, targetId: body.keyId, details };
  }
  const memberRef = body.memberId ?? body.memberIdOrEmail;
  if (memberRef) {
    const member = await memberByIdOrEmail(auth, memberRef, body.organizationId ?? activeWorkspace ?? "");
    const details = { ...(member && { email: member.email }), ...(body.role !== undefined && { role: body.role }) };
    return {
      workspaceId: member?.organizationId ?? body.organizationId ?? activeWorkspace,
      targetId: member?.userId ?? memberRef.slice(0, 64),
      details,
    };
  }
  const workspaceId = body.organizationId ?? activeWorkspace;
  return { workspaceId, targetId: action === "member.left" ? userId : (workspaceId ?? userId), details: {} };
}

/**
 * /api/auth/* as exposed: blocked, hooked, or straight to better-auth. `makeAuth` is called
 * only when better-auth answers: an instance made and left with its initialisation pending
 * (as a blocked request would) stalls the next request (see routes.ts, authOf).
 */
export async function handleAuthEndpoint(env: Env, makeAuth: () => Auth, request: Request): Promise<Response> {
  const path = new URL(request.url).pathname.replace(/^\/api\/auth/, "");
  if (BLOCKED.has(path))
    return Response.json(
      { error: { code: "not_found", message: `${path} is not available: use the workspace's keys route` } },
      { status: 404 },
    );
  const auth = makeAuth();
  const action = ACCESS_ENDPOINTS[path];
  if (!action || request.method !== "POST") return auth.handler(request);

  const session = await auth.api.getSession({ headers: request.headers });
  if (!session) return auth.handler(request); // better-auth refuses it with its own error
  const body = AccessBody.parse(
    await request
      .clone()
      .json()
      .catch(() => ({})),
  );
  const activeWorkspace = (session.session as { activeOrganizationId?: string | null }).activeOrganizationId ?? null;
  const target = await findTarget(auth, action, body, session.user.id, activeWorkspace);
  const response = await auth.handler(request);
  if (!response.ok || !target.workspaceId) return response;
  const actor: Actor = { id: session.user.id, kind: "user", name: session.user.name || session.user.email };
  await revalidateWorkspace(env, target.workspaceId, {
    reason: action,
    audit: { actor, action, targetId: target.targetId, details: target.details },
  });
  // A deleted workspace's files go with it (its rooms keep the rest of their data).
  if (action === "workspace.deleted") await deleteWorkspaceFiles(env.FILES, target.workspaceId);
  return response;
}
