// What the Autopilot room says about the device entry: whether an instance takes devices
// (the Worker asks before it pipes a socket), and `instances.deviceSetup`, a node's setup
// code from the instance's gateway naming the entry's public URL.
import type { z } from "zod";
import type { InstancesDeviceSetupResult } from "../../../../../shared/protocol/instances";
import type { Principal } from "../../../../../shared/protocol/principal";
import { isPerson } from "../../../../auth/current-access";
import { gatewayNotConnected, getInstance } from "../instance-store";
import { RoomError } from "../../../../domain/errors";
import type { Sql } from "../../../../domain/sql";
import type { DeviceEntryState } from "./pipe";

/** Only a hosted instance takes devices through the entry; a linked gateway is reached elsewhere. */
export function deviceEntryState(sql: Sql, instanceId: string): DeviceEntryState {
  const instance = getInstance(sql, instanceId);
  if (!instance || instance.kind === "linked" || instance.status === "stopped") return "not_found";
  return instance.status === "ready" ? "ready" : "not_ready";
}

/** The entry's URL for one instance, from the configured origin; null when none (or not a ws/wss origin) is set. */
export function deviceEntryUrl(origin: string | undefined, workspaceId: string, instanceId: string): string | null {
  if (!origin) return null;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return null;
  }
  if (
    (url.protocol !== "wss:" && url.protocol !== "ws:") ||
    url.pathname !== "/" ||
    url.search ||
    url.hash ||
    url.username ||
    url.password
  )
    return null;
  return `${url.origin}/devices/${encodeURIComponent(workspaceId)}/${encodeURIComponent(instanceId)}`;
}

export interface DeviceSetupDeps {
  sql: Sql;
  workspaceId: string;
  entryOrigin: string | undefined;
  bridge:
    | {
        connected: boolean;
        deviceSetupCode(publicUrl: string): Promise<{ setupCode: string; expiresAtMs: number; qr: string | null }>;
      }
    | undefined;
}

/**
 * People only: whoever holds a code can pair a device, and the gateway admits the official
 * mobile apps on the code alone (its trusted handoff, an operator without admin), so an
 * agent's key holding one could make itself a gateway operator past the approval queue.
 */
export async function deviceSetup(
  deps: DeviceSetupDeps,
  principal: Pick<Principal, "id" | "kind">,
  instanceId: string,
): Promise<z.output<typeof InstancesDeviceSetupResult>> {
  if (!isPerson(principal))
    throw new RoomError("forbidden", "a person adds devices: ask a workspace admin to open Add a device");
  const state = deviceEntryState(deps.sql, instanceId);
  if (state === "not_found") throw new RoomError("not_found", `no hosted instance ${instanceId}`, { instanceId });
  if (state === "not_ready") throw new RoomError("unavailable", `instance ${instanceId} is not ready`, { instanceId });
  const publicUrl = deviceEntryUrl(deps.entryOrigin, deps.workspaceId, instanceId);
  if (!publicUrl)
    throw new RoomError("unavailable", "devices cannot reach this deployment: set DEVICE_ENTRY_ORIGIN (wss://host)");
  if (!deps.bridge?.connected) throw gatewayNotConnected(getInstance(deps.sql, instanceId) ?? { id: instanceId });
  let code: { setupCode: string; expiresAtMs: number; qr: string | null };
  try {
    code = await deps.bridge.deviceSetupCode(publicUrl);
  } catch (error) {
    throw new RoomError(
      "unavailable",
      `the gateway gave no setup code: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return {
    code: code.setupCode,
    command: `openclaw node run --pair ${code.setupCode}`,
    qr: code.qr,
    expiresAt: code.expiresAtMs,
  };
}
