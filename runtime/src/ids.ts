// Identifiers arrive in URLs and end up in file paths: validate them before anything else.
// Both patterns exclude "." and "/" so a valid id can never climb out of its directory.
import { errResult, okResult, runtimeError, type Result } from "./errors";

/** Instance ids are lower-case slugs: they name directories, ports and log lines. */
const INSTANCE_ID = /^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/;
/** Workspace ids come from the auth layer (better-auth organization ids are mixed case). */
const WORKSPACE_ID = /^[A-Za-z0-9](?:[A-Za-z0-9_-]{0,62}[A-Za-z0-9])?$/;

export interface InstanceRef {
  workspaceId: string;
  instanceId: string;
}

export function validateInstanceId(value: string): Result<string> {
  return INSTANCE_ID.test(value)
    ? okResult(value)
    : errResult(runtimeError("invalid_request", "instance id must be a lower-case slug: a-z, 0-9 and inner '-', 1 to 48 characters", { details: { field: "instanceId" } }));
}

export function validateWorkspaceId(value: string): Result<string> {
  return WORKSPACE_ID.test(value)
    ? okResult(value)
    : errResult(runtimeError("invalid_request", "workspace id must be 1 to 64 characters: letters, digits, inner '-' or '_'", { details: { field: "workspaceId" } }));
}

export function validateRef(workspaceId: string, instanceId: string): Result<InstanceRef> {
  const ws = validateWorkspaceId(workspaceId);
  if (!ws.ok) return ws;
  const id = validateInstanceId(instanceId);
  if (!id.ok) return id;
  return okResult({ workspaceId: ws.value, instanceId: id.value });
}

export const refKey = (ref: InstanceRef): string => `${ref.workspaceId}/${ref.instanceId}`;
