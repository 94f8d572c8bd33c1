import { sleepWords } from "../../../shared/instance-sleep";
import { plainMessage } from "../../../shared/plain-words";
import type { Approval } from "../../../shared/protocol/approvals";
import type { Instance, InstanceOperation } from "../../../shared/protocol/instances";
import type { Job } from "../../../shared/protocol/jobs";

// What the app says about an OpenClaw instance, as pure functions of the room's current
// state (the instance, the approvals and jobs about it). Nothing here remembers a request
// someone made: a line shows while the state it describes holds and goes when it ends, for
// everyone, whoever asked.

export interface GatewayLine {
  /** The dot's colour: `connecting` is any phase on the way to connected (a start, a restart, a wake). */
  state: "connected" | "connecting" | "offline" | "asleep";
  label: string;
  /** Why it is offline, or why an asleep one could not wake; none otherwise. */
  detail: string | null;
}

const STARTS: Partial<Record<InstanceOperation, string>> = {
  provision: "Starting",
  restart: "Restarting",
  restore: "Restoring from a backup",
};

/** The newest approved operation on this instance that (re)starts its gateway, if one is in the state. */
export function startingOperation(instanceId: string, approvals: Iterable<Approval>): InstanceOperation | null {
  let newest: Approval | null = null;
  for (const a of approvals) {
    const action = a.action;
    if (
      a.status !== "approved" ||
      action?.kind !== "instance" ||
      action.instanceId !== instanceId ||
      !STARTS[action.operation]
    )
      continue;
    if (!newest || (a.resolvedAt ?? 0) > (newest.resolvedAt ?? 0)) newest = a;
  }
  return newest?.action?.kind === "instance" ? newest.action.operation : null;
}

/**
 * The instance's gateway in one line, or null when there is nothing to say (deleted, or
 * no link yet). While the instance (re)starts, that is the line, whatever the link last
 * reported: a restart closes the link on purpose and is a phase, not a failure.
 */
const capitalized = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

const plainOrNull = (text: string | null): string | null => (text === null ? null : plainMessage(text));

export function gatewayLine(
  instance: Instance,
  operation: InstanceOperation | null = null,
  now = Date.now(),
): GatewayLine | null {
  if (instance.status === "stopped") return null;
  // Asleep and waking (decision 78) are phases of a gateway nobody needed for a while, not failures.
  const sleep = sleepWords(instance, now);
  if (instance.sleep?.state === "asleep")
    return instance.sleep.refused
      ? { state: "asleep", label: "Asleep: could not wake", detail: plainMessage(instance.sleep.refused) }
      : { state: "asleep", label: "Asleep: the next message wakes it", detail: null };
  if (instance.sleep?.state === "waking" && sleep)
    return { state: "connecting", label: capitalized(sleep), detail: null };
  if (instance.status === "provisioning" || instance.status === "starting") {
    const verb = (operation && STARTS[operation]) ?? (instance.status === "provisioning" ? "Starting" : "Restarting");
    return {
      state: "connecting",
      label: `${verb}…${instance.phase && instance.phase !== "queued" ? ` ${instance.phase}` : ""}`,
      detail: null,
    };
  }
  if (!instance.bridge) return null;
  if (instance.bridge === "connected")
    return { state: "connected", label: sleep ? `Gateway connected · ${sleep}` : "Gateway connected", detail: null };
  if (instance.bridge === "connecting") return { state: "connecting", label: "Gateway connecting…", detail: null };
  return {
    state: "offline",
    label: "Gateway offline",
    // In words: an error stored before the text table may still carry milliseconds and a code.
    detail: plainOrNull(instance.bridgeError ?? (instance.status === "error" ? instance.error : null)),
  };
}

/**
 * Why a section of the gateway shows nothing, in words: a hosted gateway asleep (decision 78)
 * is not broken, and opening the section wakes nothing; a message to it does.
 */
export function notConnectedWords(instance: Pick<Instance, "sleep">, what: string): string {
  const sleep = instance.sleep;
  if (sleep?.state === "asleep")
    return sleep.refused
      ? `The gateway is asleep and could not wake: ${sleep.refused}`
      : `The gateway is asleep: its ${what} show once it wakes. The next message to it wakes it.`;
  if (sleep?.state === "waking") return `The gateway is waking up: its ${what} show once it is connected.`;
  return `The gateway is not connected: its ${what} show once it is.`;
}

const ASKED: Record<InstanceOperation, string> = {
  provision: "Provisioning",
  restart: "Restart",
  backup: "Backup",
  restore: "Restore",
  unpair: "Unpairing a device",
  delete: "Delete",
  link: "Linking",
  configureChannel: "Connecting a channel",
  disconnectChannel: "Disconnecting a channel",
  channelAccess: "Changing channel access",
  installSkill: "Installing a skill",
  configureSkill: "Changing a skill",
  removeSkill: "Removing a skill",
  invokeTool: "Running a tool",
  patchConfig: "Changing its config",
};

export interface ActivityLine {
  tone: "waiting" | "working" | "failed";
  label: string;
  /** 0–100 while a job reports progress. */
  progress: number | null;
}

/**
 * What is under way for the instance right now: each operation waiting for a person's
 * decision, then the job running for it, or the last job's failure. Empty once those are
 * decided and done.
 */
export function instanceActivity(
  instance: Pick<Instance, "id" | "jobId">,
  approvals: Iterable<Approval>,
  jobs: ReadonlyMap<string, Job>,
): ActivityLine[] {
  const lines: ActivityLine[] = [];
  const pending = [...approvals]
    .filter((a) => a.status === "pending" && a.action?.kind === "instance" && a.action.instanceId === instance.id)
    .sort((a, b) => a.requestedAt - b.requestedAt);
  for (const a of pending) {
    if (a.action?.kind !== "instance") continue;
    lines.push({
      tone: "waiting",
      label: `${ASKED[a.action.operation]} waiting for approval (“${a.title}”)`,
      progress: null,
    });
  }
  const job = instance.jobId ? jobs.get(instance.jobId) : undefined;
  if (job && (job.status === "running" || job.status === "cancel_requested")) {
    lines.push({
      tone: "working",
      label: `${job.title}${job.message ? ` · ${job.message}` : ""}`,
      progress: Math.round(job.progress),
    });
  } else if (job?.status === "failed") {
    // The last operation failed: it says so (and why) until another one starts, so a
    // "Back up now" that made no backup is not just a list that stayed the same.
    lines.push({ tone: "failed", label: `${job.title} failed: ${job.error ?? "no reason given"}`, progress: null });
  }
  return lines;
}

/**
 * New instances asked for and not decided yet (a provision or a link of an id no live
 * instance has): the sidebar lists them until the approval is decided.
 */
export function requestedInstances(
  approvals: Iterable<Approval>,
  instances: ReadonlyMap<string, Pick<Instance, "status">>,
): { approvalId: string; instanceId: string; label: string }[] {
  const out: { approvalId: string; instanceId: string; label: string; at: number }[] = [];
  for (const a of approvals) {
    const action = a.action;
    if (
      a.status !== "pending" ||
      action?.kind !== "instance" ||
      (action.operation !== "provision" && action.operation !== "link")
    )
      continue;
    const live = instances.get(action.instanceId);
    if (live && live.status !== "stopped") continue;
    out.push({
      approvalId: a.id,
      instanceId: action.instanceId,
      label: `${action.name ?? action.instanceId} — waiting for approval`,
      at: a.requestedAt,
    });
  }
  return out.sort((a, b) => a.at - b.at).map(({ at: _at, ...rest }) => rest);
}
