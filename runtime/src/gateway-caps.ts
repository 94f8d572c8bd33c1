// The caps on gateways, pure, for both hosts (the process host over its in-memory records,
// the sandbox host inside its registry's claim): the runtime's global one (each gateway
// needs about 1 GB) and the per-workspace one (one workspace cannot take every slot of a
// shared runtime). Both refuse with the same error, and count the same states as active.
import { ACTIVE_STATES, type InstanceState } from "../../shared/runtime/phases";
import type { InstanceRef } from "../../shared/runtime/requests";
import { errResult, type Result, runtimeError } from "./errors";

/** A workspace's share of a runtime: enough for a main and a second (test, staging) gateway. */
export const DEFAULT_MAX_GATEWAYS_PER_WORKSPACE = 2;

export interface GatewayCaps {
  maxGateways: number;
  maxGatewaysPerWorkspace: number;
}

type CappedRecord = { ref: InstanceRef; state: InstanceState };

export function checkGatewayCaps(
  workspaceId: string,
  records: Iterable<CappedRecord>,
  caps: GatewayCaps,
): Result<never> | { ok: true } {
  const all = [...records];
  const active = all.filter((r) => ACTIVE_STATES.has(r.state)).length;
  if (active >= caps.maxGateways) {
    return errResult(
      runtimeError(
        "capacity_exceeded",
        `this runtime already runs ${active} of at most ${caps.maxGateways} gateways (each needs about 1 GB of memory); delete or stop an instance first`,
        {
          retryable: false,
          details: { maxGateways: caps.maxGateways, activeGateways: active },
        },
      ),
    );
  }
  return checkWorkspaceCap(workspaceId, all, caps.maxGatewaysPerWorkspace);
}

export function checkWorkspaceCap(
  workspaceId: string,
  records: Iterable<CappedRecord>,
  maxPerWorkspace: number,
): Result<never> | { ok: true } {
  let active = 0;
  for (const record of records) if (record.ref.workspaceId === workspaceId && ACTIVE_STATES.has(record.state)) active++;
  if (active < maxPerWorkspace) return { ok: true };
  return errResult(
    runtimeError(
      "capacity_exceeded",
      `workspace ${workspaceId} already runs ${active} of at most ${maxPerWorkspace} gateways per workspace; delete or stop one of its instances first`,
      {
        retryable: false,
        details: { scope: "workspace", maxGatewaysPerWorkspace: maxPerWorkspace, activeInWorkspace: active },
      },
    ),
  );
}
