// Identifier checks at the edge, over the contract's id schemas (shared/runtime/requests.ts),
// for the places that validate outside the router (the WebSocket upgrade paths).
import { instanceIdSchema, workspaceIdSchema, type InstanceRef } from "../../shared/runtime/requests";
import { errResult, okResult, runtimeError, type Result } from "./errors";

function check(schema: typeof instanceIdSchema, field: "workspaceId" | "instanceId", value: string): Result<string> {
  const parsed = schema.safeParse(value);
  return parsed.success
    ? okResult(parsed.data)
    : errResult(
        runtimeError("invalid_request", parsed.error.issues[0]?.message ?? `bad ${field}`, { details: { field } }),
      );
}

export const validateInstanceId = (value: string): Result<string> => check(instanceIdSchema, "instanceId", value);
export const validateWorkspaceId = (value: string): Result<string> => check(workspaceIdSchema, "workspaceId", value);

export function validateRef(workspaceId: string, instanceId: string): Result<InstanceRef> {
  const ws = validateWorkspaceId(workspaceId);
  if (!ws.ok) return ws;
  const id = validateInstanceId(instanceId);
  if (!id.ok) return id;
  return okResult({ workspaceId: ws.value, instanceId: id.value });
}

export const refKey = (ref: InstanceRef): string => `${ref.workspaceId}/${ref.instanceId}`;
