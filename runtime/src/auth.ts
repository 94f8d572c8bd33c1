// Who may call: the service token (the operator: every route) or a workspace's tenant
// credential (the rooms' Worker: that workspace's routes only, and health). HTTP and
// WebSocket upgrades go through the same check.
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { credentialWorkspace, MIN_TENANT_KEY_LENGTH, tenantCredential } from "../../shared/runtime/tenant";
import { errResult, okResult, type Result, runtimeError } from "./errors";

const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();

/**
 * Constant time: both sides are hashed first, so neither the content nor the length of the
 * expected token leaks through timing.
 */
export function tokenMatches(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}

/** `Bearer <token>` → the token; nothing else is accepted (no query parameter: URLs end up in logs). */
function bearerOf(header: string | undefined): string | null {
  if (typeof header !== "string") return null;
  return /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] ?? null;
}

/** `Authorization: Bearer <service token>`. */
export function isAuthorized(headers: IncomingHttpHeaders, serviceToken: string): boolean {
  const token = bearerOf(headers.authorization);
  return token !== null && tokenMatches(token, serviceToken);
}

/** What a runtime accepts: its service token, and credentials derived from its tenant keys (current, then previous). */
export interface RuntimeAuth {
  serviceToken: string;
  tenantKeys?: readonly string[];
}

/** A string is the service token alone (no tenant credentials), as the runtime's tests build it. */
export const runtimeAuthOf = (auth: string | RuntimeAuth): RuntimeAuth =>
  typeof auth === "string" ? { serviceToken: auth } : auth;

/** The workspace a path is under (`/v1/workspaces/<id>/…`, decoded), null for one under none, or undefined when it cannot be read. */
function pathWorkspace(pathname: string): string | null | undefined {
  const segment = /^\/v1\/workspaces\/([^/]*)/.exec(pathname)?.[1];
  if (segment === undefined) return null;
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

export type Access = "granted" | "unauthenticated" | "other_workspace";

/**
 * A tenant credential is recomputed from the workspace it names, which must be the one the
 * path is under (a path under none, such as health, takes any workspace's).
 */
export async function authorize(
  authorization: string | undefined,
  pathname: string,
  auth: RuntimeAuth,
): Promise<Access> {
  const token = bearerOf(authorization);
  if (token === null) return "unauthenticated";
  if (tokenMatches(token, auth.serviceToken)) return "granted";
  const claimed = credentialWorkspace(token);
  if (claimed === null || !auth.tenantKeys?.length) return "unauthenticated";
  let valid = false;
  // Every key is tried (no early exit): the time taken does not say which one matched.
  for (const key of auth.tenantKeys) if (tokenMatches(token, await tenantCredential(key, claimed))) valid = true;
  if (!valid) return "unauthenticated";
  const target = pathWorkspace(pathname);
  return target === null || target === claimed ? "granted" : "other_workspace";
}

export interface TenantKeyEnv {
  /** Secret, the rooms' Worker holds the same: their calls' credentials are derived from it. */
  RUNTIME_TENANT_KEY?: string | undefined;
  /** Secret, during a rotation only: the key before, still accepted until the Worker has the new one. */
  RUNTIME_TENANT_KEY_PREVIOUS?: string | undefined;
}

/** The tenant keys, current first; none set means the service token alone is accepted. */
export function readTenantKeys(env: TenantKeyEnv): Result<string[]> {
  const current = env.RUNTIME_TENANT_KEY || undefined;
  const previous = env.RUNTIME_TENANT_KEY_PREVIOUS || undefined;
  if (previous !== undefined && current === undefined)
    return errResult(runtimeError("invalid_request", "RUNTIME_TENANT_KEY_PREVIOUS is set without RUNTIME_TENANT_KEY"));
  const keys = [current, previous].filter((key) => key !== undefined);
  for (const [i, key] of keys.entries())
    if (key.length < MIN_TENANT_KEY_LENGTH)
      return errResult(
        runtimeError(
          "invalid_request",
          `${i === 0 ? "RUNTIME_TENANT_KEY" : "RUNTIME_TENANT_KEY_PREVIOUS"} must be at least ${MIN_TENANT_KEY_LENGTH} characters`,
        ),
      );
  return okResult(keys);
}
