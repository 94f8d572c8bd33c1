import { z } from "zod";
import type { PairedDevice } from "../../shared/protocol/instances";
import type { BridgeLink } from "./bridge-link";

// The gateway's paired devices (`device.pair.list`, operator.pairing), for the instance
// details. Validated leniently, as every gateway answer: the 2026.9.6 gateway sends fields
// its published schema lacks, and a row we cannot read is left out rather than failing all.

const text = z.string().optional().catch(undefined);
const PairedRow = z.looseObject({
  deviceId: z.string(),
  displayName: text,
  label: text,
  platform: text,
  clientId: text,
  role: text,
  roles: z.array(z.string()).optional().catch(undefined),
  scopes: z.array(z.string()).optional().catch(undefined),
  approvedAtMs: z.number().optional().catch(undefined),
});
const PairedList = z.looseObject({ paired: z.array(z.unknown()).default([]) });

/** One gateway row as the protocol's PairedDevice, or null when it names no device. */
export function toPairedDevice(raw: unknown, ownDeviceId: string | null = null): PairedDevice | null {
  const row = PairedRow.safeParse(raw);
  if (!row.success) return null;
  const d = row.data;
  return {
    deviceId: d.deviceId,
    // The operator's label wins over what the device calls itself (as in the gateway's own UI).
    displayName: d.label ?? d.displayName ?? null,
    platform: d.platform ?? null,
    clientId: d.clientId ?? null,
    role: d.role ?? d.roles?.[0] ?? null,
    scopes: d.scopes ?? [],
    approvedAt: d.approvedAtMs !== undefined && Number.isFinite(d.approvedAtMs) && d.approvedAtMs >= 0 ? Math.floor(d.approvedAtMs) : null,
    self: d.deviceId === ownDeviceId,
  };
}

/** The devices paired with the gateway (approved ones; pending requests are approvals in the room). */
export async function pairedDevices(link: BridgeLink, ownDeviceId: string | null): Promise<PairedDevice[]> {
  const list = PairedList.parse(await link.open().request("device.pair.list", {}));
  return list.paired.flatMap((raw) => {
    const device = toPairedDevice(raw, ownDeviceId);
    return device ? [device] : [];
  });
}

/** Removes a device's pairing (`device.pair.remove`, operator.pairing): its tokens stop working. */
export async function unpairDevice(link: BridgeLink, deviceId: string): Promise<void> {
  await link.open().request("device.pair.remove", { deviceId });
}

const SetupCodeAnswer = z.looseObject({ setupCode: z.string().regex(/^[A-Za-z0-9_-]{1,4096}$/), expiresAtMs: z.number().int().positive() });

/**
 * A setup code from the gateway (`device.pair.setupCode`, operator.admin) for a node, naming
 * `publicUrl` (the device entry). Profile `node`: the bootstrap pairs a node role and nothing
 * else (the default profile would hand whoever holds the code full operator access).
 */
export async function deviceSetupCode(link: BridgeLink, publicUrl: string): Promise<{ setupCode: string; expiresAtMs: number }> {
  const answer = SetupCodeAnswer.safeParse(await link.open().request("device.pair.setupCode", { publicUrl, bootstrapProfile: "node" }));
  if (!answer.success) throw new Error("the gateway's setup code answer is not readable");
  return { setupCode: answer.data.setupCode, expiresAtMs: answer.data.expiresAtMs };
}
