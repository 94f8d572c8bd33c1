// The per-workspace cap on gateways (next to the runtime's global one): one workspace cannot
// take every gateway slot of a shared runtime. Pure, for the process host.
import { ACTIVE_STATES, type InstanceState } from "../../shared/runtime/phases";
import type { InstanceRef } from "../../shared/runtime/requests";
import { errResult, type Result, runtimeError } from "./errors";

export function checkWorkspaceCap(workspaceId: string, records: Iterable<{ ref: InstanceRef; state: InstanceState }>, maxPerWorkspace: number): Result<never> | { ok: true } {
  let active = 0;
  for (const record of records) if (record.ref.workspaceId === workspaceId && ACTIVE_STATES.has(record.state)) active++;
  if (active < maxPerWorkspace) return { ok: true };
  return errResult(
    runtimeError("capacity_exceeded", `workspace ${workspaceId} already runs ${active} of at most ${maxPerWorkspace} gateways per workspace; delete or stop one of its instances first`, {
      retryable: false,
      details: { scope: "workspace", maxGatewaysPerWorkspace: maxPerWorkspace, activeInWorkspace: active },
    }),
  );
}
