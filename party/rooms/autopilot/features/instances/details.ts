import { BackupId, type InstanceDetails } from "../../../../../shared/protocol/instances";
import type { InstanceBridge } from "../gateway-bridge";
import type { BackupPolicy } from "./backup-policy";
import { RoomError } from "../../../../domain/errors";
import { requireInstance, type RuntimeClient } from "../instance-store";
import type { Sql } from "../../../../domain/sql";

export interface DetailsDeps {
  sql: Sql;
  workspaceId: string;
  runtime: RuntimeClient | null;
  bridge: InstanceBridge | undefined;
  policy: BackupPolicy;
}

const at = (iso: string | null | undefined): number | null => {
  const ms = iso ? Date.parse(iso) : Number.NaN;
  return Number.isFinite(ms) && ms >= 0 ? ms : null;
};

/**
 * `instances.details`: the room asks the runtime (status, backups, model) and the gateway
 * (paired devices) at once; clients never reach either themselves. A gateway that cannot
 * answer leaves the devices empty with the reason, not the whole answer failed.
 */
export async function instanceDetails(deps: DetailsDeps, instanceId: string): Promise<{ details: InstanceDetails }> {
  const instance = requireInstance(deps.sql, instanceId);
  const { runtime } = deps;
  if (instance.kind === "linked") return { details: linkedDetails(deps, instanceId, await devicesOf(deps)) };
  if (!runtime)
    throw new RoomError("unavailable", "no OpenClaw runtime is configured: set RUNTIME_URL and RUNTIME_TENANT_KEY");
  const [status, backups, health, paired] = await Promise.all([
    runtime.current(deps.workspaceId, instanceId),
    runtime.listBackups(deps.workspaceId, instanceId),
    runtime.health(deps.workspaceId),
    devicesOf(deps),
  ]);
  return {
    details: {
      instanceId,
      gatewayVersion: status.gatewayVersion,
      model: health.model?.id ?? null,
      readyAt: status.state === "ready" ? at(status.readyAt) : null,
      restarts: status.restarts,
      // Names are ids on the wire only if they have the runtime's form (the runtime is remote).
      restoredFrom: BackupId.safeParse(status.restoredFrom).success ? status.restoredFrom : null,
      backups: backups
        .filter((b) => BackupId.safeParse(b.name).success)
        .map((b) => ({ id: b.name, sizeBytes: b.sizeBytes, createdAt: at(b.createdAt) ?? 0 })),
      devices: paired.list,
      devicesError: paired.error,
      nodes: paired.nodes,
      schedule: { intervalSeconds: deps.policy.intervalSeconds, keep: deps.policy.keep },
    },
  };
}

type Devices = { list: InstanceDetails["devices"]; nodes: InstanceDetails["nodes"]; error: string | null };

function devicesOf(deps: DetailsDeps): Promise<Devices> {
  const { bridge } = deps;
  if (!bridge?.connected) return Promise.resolve({ list: null, nodes: null, error: "the gateway is not connected" });
  return Promise.all([bridge.pairedDevices(), bridge.pairedNodes()]).then(
    ([list, nodes]) => ({ list, nodes, error: null }),
    (error: unknown) => ({
      list: null,
      nodes: null,
      error: `the gateway did not list its devices: ${error instanceof Error ? error.message : String(error)}`,
    }),
  );
}

/**
 * A linked gateway: only the gateway can be asked. Its version is what it said in its hello
 * and readyAt is since when the bridge is connected; its model is set on the gateway (the
 * hello does not name it), and restarts and backups are its owner's.
 */
function linkedDetails(deps: DetailsDeps, instanceId: string, paired: Devices): InstanceDetails {
  const gateway = deps.bridge?.gateway ?? null;
  return {
    instanceId,
    gatewayVersion: gateway?.version ?? null,
    model: null,
    readyAt: gateway?.connectedAt ?? null,
    restarts: 0,
    restoredFrom: null,
    backups: [],
    devices: paired.list,
    devicesError: paired.error,
    nodes: paired.nodes,
    schedule: { intervalSeconds: 0, keep: deps.policy.keep },
  };
}
