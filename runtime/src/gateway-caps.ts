// The caps on gateways, pure, for both hosts (the process host over its in-memory records,
// the sandbox host inside its registry's claim): the runtime's global one (each gateway
// needs about 1 GB) and the per-workspace one (one workspace cannot take every slot of a
// shared runtime). Both refuse with the same error, and count the same states as active.
import { ACTIVE_STATES, type InstanceState } from "../../shared/runtime/phases";
import type { InstanceRef } from "../../shared/runtime/requests";
import { errResult, okResult, type Result, runtimeError } from "./errors";

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

/** The caps and a gateway's start and stop timeouts, as a host reads them from its environment. */
export interface GatewayLimits extends GatewayCaps {
  startTimeoutMs: number;
  stopTimeoutMs: number;
}

/**
 * Both hosts' gateway limits: `read` takes a variable's whole number (its fallback when
 * unset, the host's own refusal when it is no number) and `defaults` are the host's own.
 */
export function readGatewayLimits(
  read: (name: string, fallback: number) => Result<number>,
  defaults: { maxGateways: number; startTimeoutMs: number },
): Result<GatewayLimits> {
  const maxGateways = read("RUNTIME_MAX_GATEWAYS", defaults.maxGateways);
  if (!maxGateways.ok) return maxGateways;
  const maxGatewaysPerWorkspace = read("RUNTIME_MAX_GATEWAYS_PER_WORKSPACE", DEFAULT_MAX_GATEWAYS_PER_WORKSPACE);
  if (!maxGatewaysPerWorkspace.ok) return maxGatewaysPerWorkspace;
  const startTimeoutMs = read("RUNTIME_START_TIMEOUT_MS", defaults.startTimeoutMs);
  if (!startTimeoutMs.ok) return startTimeoutMs;
  const stopTimeoutMs = read("RUNTIME_STOP_TIMEOUT_MS", 10_000);
  if (!stopTimeoutMs.ok) return stopTimeoutMs;
  return okResult({
    maxGateways: maxGateways.value,
    maxGatewaysPerWorkspace: maxGatewaysPerWorkspace.value,
    startTimeoutMs: startTimeoutMs.value,
    stopTimeoutMs: stopTimeoutMs.value,
  });
}
