import { z } from "zod";
import { EntityId, mutatingParams, Timestamp } from "./common";
import { Actor } from "./principal";

/** Lower-case slug, as the runtime requires (it derives process and sandbox names from it). */
export const InstanceId = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/, "lower-case letters, digits and inner dashes, 1-48 characters");

export const InstanceStatus = z.enum(["provisioning", "starting", "ready", "error", "stopped"]);
export type InstanceStatus = z.infer<typeof InstanceStatus>;

/** Protocol 7: `hosted` runs in our runtime; `linked` is a gateway its users run elsewhere (instances.link). */
export const InstanceKind = z.enum(["hosted", "linked"]);
export type InstanceKind = z.infer<typeof InstanceKind>;

/** Risky instance operations wait for a person with the approve scope (`link`: protocol 7; the channel ones: 8). */
export const InstanceOperation = z.enum([
  "provision",
  "restart",
  "backup",
  "restore",
  "unpair",
  "delete",
  "link",
  "configureChannel",
  "disconnectChannel",
  "channelAccess",
  "installSkill",
  "configureSkill",
  "removeSkill",
  "invokeTool",
  "patchConfig",
]);
/** Protocol 8: the operations on an instance's channels (shared/protocol/channels.ts). */
export const CHANNEL_OPERATIONS: ReadonlySet<InstanceOperation> = new Set([
  "configureChannel",
  "disconnectChannel",
  "channelAccess",
]);
/** Capability `instances.skills`: the operations on an instance's skills (shared/protocol/skills.ts). */
export const SKILL_OPERATIONS: ReadonlySet<InstanceOperation> = new Set([
  "installSkill",
  "configureSkill",
  "removeSkill",
]);
/** Capability `instances.tools`: a gateway tool run once a person approved it (shared/protocol/instance-tools.ts). */
export const TOOL_OPERATIONS: ReadonlySet<InstanceOperation> = new Set(["invokeTool"]);
/** Capability `instances.config`: a change of the gateway's config a person approved (shared/protocol/instance-config.ts). */
export const CONFIG_OPERATIONS: ReadonlySet<InstanceOperation> = new Set(["patchConfig"]);
export type InstanceOperation = z.infer<typeof InstanceOperation>;

/**
 * One of an instance's chat channels as the room last read it from the gateway (when the
 * bridge connected, when someone read the channels, when a channel change ran): `connected`
 * when every account it has set up is connected, `attention` when one is not (offline, an
 * error, turned off); channels with nothing set up are left out.
 */
export const InstanceChannel = z.object({
  channel: z.string().max(64),
  label: z.string().max(100),
  state: z.enum(["connected", "attention"]),
});
export type InstanceChannel = z.infer<typeof InstanceChannel>;

/** At most this many channels are kept on an instance. */
export const MAX_INSTANCE_CHANNELS = 20;

/**
 * A hosted instance's sleep (decision 78): its gateway stops while nobody needs it and wakes
 * on traffic. Absent on instances that never slept and on linked ones (not ours to stop).
 */
export const InstanceSleep = z.object({
  state: z.enum(["awake", "asleep", "waking"]),
  /** Since when it is in this state. */
  since: Timestamp,
  /** About how long its gateway takes to start (ms, its last start's), for "waking… (about N s)"; null: not known. */
  wakeMs: z.number().int().min(0).max(3_600_000).nullable(),
  /** What the room found keeping it awake when it last looked (beyond its channels), in words; null: nothing. */
  keptAwakeBy: z.string().max(200).nullable(),
  /**
   * Asleep only: why its last wake was refused (its workspace over its plan's limit of running
   * instances, or the runtime's of gateways), in words; absent or null once a wake goes through.
   */
  refused: z.string().max(500).nullable().optional(),
});
export type InstanceSleep = z.infer<typeof InstanceSleep>;

export const Instance = z.object({
  id: InstanceId,
  name: z.string(),
  status: InstanceStatus,
  /** The runtime's current phase, e.g. "waiting for gateway handshake". */
  phase: z.string(),
  progress: z.number().min(0).max(100),
  error: z.string().nullable(),
  threadIds: z.array(EntityId),
  /** The job reporting the operation in progress (or the last one). */
  jobId: EntityId.nullable(),
  /** The Autopilot's live link to the gateway (protocol 4); `bridgeError` says why it is down. */
  bridge: z.enum(["connecting", "connected", "offline"]).optional(),
  bridgeError: z.string().nullable().optional(),
  /** Protocol 7: absent on instances from before it (hosted). */
  kind: InstanceKind.optional(),
  /** Linked only: the gateway's address as linked (never its token). */
  url: z.string().optional(),
  /** Its channels that are set up, and whether each is connected (absent until the room read them; left out for 18). */
  channels: z.array(InstanceChannel).max(MAX_INSTANCE_CHANNELS).optional(),
  /** Decision 78: asleep, waking or awake (and what keeps it awake); absent until it first slept. */
  sleep: InstanceSleep.optional(),
  createdBy: Actor,
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Instance = z.infer<typeof Instance>;

export const InstancesProvisionParams = mutatingParams({
  instanceId: InstanceId,
  name: z.string().trim().min(1).max(80).optional(),
});
export const InstanceOperationParams = mutatingParams({ instanceId: InstanceId });
/** A backup's id is its name in the runtime: a timestamp, never a path. */
export const BackupId = z
  .string()
  .regex(/^\d{4}-\d\d-\d\dT[\d-]+Z\.tar\.gz$/, "a backup id as instances.details lists it");
/** Protocol 6: the gateway restarts from the chosen backup (gated like the others). */
export const InstancesRestoreParams = mutatingParams({
  instanceId: InstanceId,
  backupId: BackupId,
});
/** A paired device's id as the gateway lists it. */
export const DeviceId = z.string().min(1).max(200);
/** Protocol 6: remove a device's pairing from the gateway (gated): its tokens stop working. */
export const InstancesUnpairParams = mutatingParams({
  instanceId: InstanceId,
  deviceId: DeviceId,
});
export const InstancesAttachParams = mutatingParams({
  instanceId: InstanceId,
  threadId: EntityId,
});
/** A model's id as the runtime offers it (OPENCLAW_MODEL_IDS; the gateway names it `runtime/<id>`). */
export const ModelId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/, "a model id the runtime offers");

/**
 * Renames an instance (the name people and the Autopilot see; its id stays) and/or sets its
 * own model (a hosted instance's, one `instances.models` lists: decision 74).
 */
export const InstancesUpdateParams = mutatingParams({
  instanceId: InstanceId,
  name: z.string().trim().min(1).max(80).optional(),
  model: ModelId.optional(),
});

/** Decision 73: the model an instance's agent runs on, and the others it may be given. */
export const InstancesModelsParams = z.object({ instanceId: InstanceId });
export const InstancesModelsResult = z.object({
  /** Its model now (null while its gateway cannot be asked, or for a linked gateway). */
  model: ModelId.nullable(),
  /** What `instances.update` may set: the models the runtime offers (empty for a linked gateway). */
  offered: z.array(ModelId).max(20),
  /** Why it cannot be set here, in words (a linked gateway's is set on its own machine), or null. */
  note: z.string().max(500).nullable(),
});
export const InstanceResult = z.object({ instance: Instance });
export const InstancesListParams = z.object({}).default({});
export const InstancesListResult = z.object({ instances: z.array(Instance) });

export const InstanceEventPayload = z.object({ instance: Instance });
export const InstanceDeletedPayload = z.object({ instanceId: InstanceId });
/**
 * Protocol 8: what the instance's gateway says of its devices and nodes changed (a pairing
 * decided, a device or node connected or dropped): re-read `instances.details` for the lists.
 */
export const InstanceDevicesPayload = z.object({ instanceId: InstanceId });

export const InstanceBackup = z.object({
  id: BackupId,
  sizeBytes: z.number().int().nonnegative(),
  createdAt: Timestamp,
});
export type InstanceBackup = z.infer<typeof InstanceBackup>;

/** A device paired with the gateway (`device.pair.list`), as the gateway reports it. */
export const PairedDevice = z.object({
  deviceId: z.string(),
  displayName: z.string().nullable(),
  platform: z.string().nullable(),
  clientId: z.string().nullable(),
  role: z.string().nullable(),
  scopes: z.array(z.string()),
  approvedAt: Timestamp.nullable(),
  /** The Autopilot's own link to the gateway: unpairing it would cut the room off. */
  self: z.boolean(),
});
export type PairedDevice = z.infer<typeof PairedDevice>;

/**
 * Protocol 8: a node paired with the gateway (`node.list`): a machine that runs commands for
 * it. `commands` is what the gateway lets it run now (its approved surface, after policy).
 */
export const PairedNode = z.object({
  nodeId: z.string().max(200),
  displayName: z.string().max(200).nullable(),
  platform: z.string().max(100).nullable(),
  version: z.string().max(100).nullable(),
  caps: z.array(z.string().max(100)).max(64),
  commands: z.array(z.string().max(200)).max(128),
  connected: z.boolean(),
  lastSeenAt: Timestamp.nullable(),
});
export type PairedNode = z.infer<typeof PairedNode>;

/** Protocol 6: what the room learns from the runtime and the gateway about one instance. */
export const InstancesDetailsParams = z.object({ instanceId: InstanceId });
export const InstanceDetails = z.object({
  instanceId: InstanceId,
  /** The OpenClaw gateway's own version (from its handshake; a linked one's from the bridge's hello). */
  gatewayVersion: z.string().nullable(),
  /** The model the runtime configures gateways with; null for a linked gateway (its model is set on it). */
  model: z.string().nullable(),
  /** When the running gateway became ready (uptime = now - readyAt); a linked one's: since when the bridge is connected. */
  readyAt: Timestamp.nullable(),
  restarts: z.number().int().nonnegative(),
  /** The backup the current state was restored from, if any. */
  restoredFrom: BackupId.nullable(),
  /** Oldest first; the last is the latest backup. */
  backups: z.array(InstanceBackup),
  /** Paired devices; null when the gateway cannot be asked (devicesError says why). */
  devices: z.array(PairedDevice).nullable(),
  devicesError: z.string().nullable(),
  /** Protocol 8: paired nodes; null when the gateway cannot be asked (devicesError says why) or for a linked gateway. */
  nodes: z.array(PairedNode).nullable(),
  /** Scheduled backups: every intervalSeconds (0 = off), keeping the newest `keep`. */
  schedule: z.object({ intervalSeconds: z.number().int().nonnegative(), keep: z.number().int().positive() }),
});
export type InstanceDetails = z.infer<typeof InstanceDetails>;
export const InstancesDetailsResult = z.object({ details: InstanceDetails });

/**
 * Protocol 8: a setup code for a device or node to pair with a hosted instance's gateway
 * through the device entry (the gateway's own bootstrap: short-lived, single use).
 */
export const InstancesDeviceSetupParams = z.object({ instanceId: InstanceId });
export const InstancesDeviceSetupResult = z.object({
  /** The gateway's setup code (base64url); it names the entry's URL and a bootstrap token. */
  code: z.string().min(1).max(4096),
  /** The one line to run on the node's machine. */
  command: z.string().max(4200),
  /** The code as a QR image for a phone's camera (a PNG data URL); null when the gateway drew none. */
  qr: z.string().max(200_000).nullable(),
  expiresAt: Timestamp,
});

/** Protocol 8: one command on a paired node (`node.invoke`); a person runs it, the Autopilot's model only after a person approved. */
export const InstancesInvokeNodeParams = z.object({
  instanceId: InstanceId,
  nodeId: z.string().min(1).max(200),
  /** A command the node declares, e.g. `system.run`, `system.which`. */
  command: z.string().regex(/^[A-Za-z0-9_.:-]{1,100}$/, "a command the node declares"),
  /** The command's parameters (`system.run`: `{ command: ["echo", "hi"] }`). */
  params: z
    .record(z.string(), z.unknown())
    .default({})
    .refine((params) => JSON.stringify(params).length <= 8_000, "params longer than 8000 characters"),
  timeoutMs: z.number().int().min(1_000).max(120_000).default(30_000),
  idempotencyKey: z.string().min(1).max(200).optional(),
});
export const InstancesInvokeNodeResult = z.object({
  ok: z.boolean(),
  /** The node's answer as text (JSON), cut to a bound; or why it failed. */
  output: z.string().max(20_000),
});
