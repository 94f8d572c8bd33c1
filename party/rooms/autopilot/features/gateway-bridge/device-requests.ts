import { z } from "zod";
import type { PairedDevice, PairedNode } from "../../../../../shared/protocol/instances";
import type { BridgeLink } from "./bridge-link";
import { cutText } from "../../../../../shared/clip";

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
    approvedAt:
      d.approvedAtMs !== undefined && Number.isFinite(d.approvedAtMs) && d.approvedAtMs >= 0
        ? Math.floor(d.approvedAtMs)
        : null,
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

const SetupCodeAnswer = z.looseObject({
  setupCode: z.string().regex(/^[A-Za-z0-9_-]{1,4096}$/),
  expiresAtMs: z.number().int().positive(),
  // A remote value shown as an image: only a PNG data URL of bounded size, else no QR.
  qrDataUrl: z
    .string()
    .max(200_000)
    .regex(/^data:image\/png;base64,[A-Za-z0-9+/]+={0,2}$/)
    .optional()
    .catch(undefined),
});

/**
 * A setup code from the gateway (`device.pair.setupCode`, operator.admin) naming `publicUrl`
 * (the device entry), with its QR. Profile `limited` (decision 36): a node host's bootstrap is
 * not approved by the gateway on its own, so its pairing request waits in the approval queue
 * for a person (the `node` profile would pair it at once); the official mobile apps are
 * admitted by the gateway's trusted handoff, without operator.admin.
 */
export async function deviceSetupCode(
  link: BridgeLink,
  publicUrl: string,
): Promise<{ setupCode: string; expiresAtMs: number; qr: string | null }> {
  const answer = SetupCodeAnswer.safeParse(
    await link.open().request("device.pair.setupCode", { publicUrl, bootstrapProfile: "limited", includeQr: true }),
  );
  if (!answer.success) throw new Error("the gateway's setup code answer is not readable");
  return { setupCode: answer.data.setupCode, expiresAtMs: answer.data.expiresAtMs, qr: answer.data.qrDataUrl ?? null };
}

const list = z.array(z.string().max(200)).catch([]);
const NodeRow = z.looseObject({
  nodeId: z.string().min(1).max(200),
  displayName: text,
  platform: text,
  version: text,
  caps: list,
  commands: list,
  connected: z.boolean().catch(false),
  lastSeenAtMs: z.number().optional().catch(undefined),
});
const NodeList = z.looseObject({ nodes: z.array(z.unknown()).max(1000).default([]) });

const cut = (value: string | undefined, max: number): string | null =>
  value === undefined ? null : cutText(value, max);

/** One gateway row as the protocol's PairedNode, or null when it names no node. */
export function toPairedNode(raw: unknown): PairedNode | null {
  const row = NodeRow.safeParse(raw);
  if (!row.success) return null;
  const n = row.data;
  return {
    nodeId: n.nodeId,
    displayName: cut(n.displayName, 200),
    platform: cut(n.platform, 100),
    version: cut(n.version, 100),
    caps: n.caps.slice(0, 64).map((c) => cutText(c, 100)),
    commands: n.commands.slice(0, 128),
    connected: n.connected,
    lastSeenAt:
      n.lastSeenAtMs !== undefined && Number.isFinite(n.lastSeenAtMs) && n.lastSeenAtMs >= 0
        ? Math.floor(n.lastSeenAtMs)
        : null,
  };
}

/** The nodes the gateway knows (`node.list`, operator.read): paired ones, connected or not. */
export async function pairedNodes(link: BridgeLink): Promise<PairedNode[]> {
  const answer = NodeList.parse(await link.open().request("node.list", {}));
  return answer.nodes.flatMap((raw) => {
    const node = toPairedNode(raw);
    return node ? [node] : [];
  });
}

/** What the room keeps of a node's answer: enough to read, bounded for a message and a model. */
export const NODE_OUTPUT_CHARS = 16_000;
/** The gateway waits up to the command's timeout for the node; the request allows a margin over it. */
const INVOKE_MARGIN_MS = 5_000;

const InvokeAnswer = z.looseObject({
  ok: z.boolean().optional(),
  payload: z.unknown().optional(),
  payloadJSON: z.string().optional().catch(undefined),
});

/**
 * One command on a node (`node.invoke`, operator.write). The gateway checks the command
 * against the node's approved surface and its own command policy; the node's own exec
 * approvals apply on the node. The answer is the node's payload as text, bounded.
 */
export async function invokeNode(
  link: BridgeLink,
  call: { nodeId: string; command: string; params: Record<string, unknown>; timeoutMs: number; idempotencyKey: string },
): Promise<{ ok: boolean; output: string }> {
  const raw = await link.open().request("node.invoke", call, call.timeoutMs + INVOKE_MARGIN_MS);
  const answer = InvokeAnswer.safeParse(raw);
  if (!answer.success) return { ok: false, output: "the gateway's answer is not readable" };
  const text = answer.data.payloadJSON ?? JSON.stringify(answer.data.payload ?? null) ?? "null";
  return { ok: answer.data.ok !== false, output: cutText(text, NODE_OUTPUT_CHARS) };
}
