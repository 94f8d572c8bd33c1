import type { Approval } from "../../../shared/protocol/approvals";
import type { Instance } from "../../../shared/protocol/instances";
import type { Job } from "../../../shared/protocol/jobs";
import type { Thread } from "../../../shared/protocol/threads";

// What a thread waiting on `instances.startChat` (protocol 7) shows: the one approval,
// then the provision job's progress through the gateway's start phases, then the bridge
// pairing and connecting, then nothing (the reply streams as usual).

export interface ChatStartPhase {
  /** `failed`: the start ended without sending the first message. */
  tone: "waiting" | "working" | "failed";
  label: string;
  /** 0–100 for the bar; null when nothing is measured yet (waiting for a person). */
  progress: number | null;
}

/** The start phases share one bar: approval, then the job's 0–100 inside 5–90, then connecting. */
const JOB_FROM = 5;
const JOB_SPAN = 85;
const CONNECTING = 95;

/**
 * Where a thread's start is, or null once the gateway is connected (or there is no start,
 * or nothing is left of it: the thread no longer talks to the instance, which may be gone).
 */
export function chatStartPhase(
  thread: Pick<Thread, "chatStart" | "gateway">,
  approval: Approval | undefined,
  instance: Instance | undefined,
  job: Job | undefined,
): ChatStartPhase | null {
  const start = thread.chatStart;
  if (!start) return null;
  if (start.state === "failed")
    return { tone: "failed", label: start.error ?? "OpenClaw did not start.", progress: null };
  if (start.state === "waiting" || approval?.status === "pending") {
    return { tone: "waiting", label: "Waiting for a person to approve starting OpenClaw", progress: null };
  }
  if (start.state === "starting") {
    if (!instance) return { tone: "working", label: "Approved — provisioning", progress: JOB_FROM };
    // The job and the instance carry the same runtime phase; the job is what the room reports as progress.
    const running = job && job.status === "running" ? job : null;
    const progress = running ? running.progress : instance.progress;
    const phase = running?.message || instance.phase;
    const step = instance.status === "starting" ? "Starting the gateway" : "Provisioning";
    return {
      tone: "working",
      label: `${step} · ${phase}`,
      progress: Math.round(JOB_FROM + (progress / 100) * JOB_SPAN),
    };
  }
  // ready: attached, the first message queued; it goes out when the bridge is connected.
  // A detached thread or a deleted instance has nothing left to connect.
  if (!instance || instance.status === "stopped" || thread.gateway?.instanceId !== start.instanceId) return null;
  if (instance.bridge !== "connected")
    return { tone: "working", label: "Pairing and connecting to the gateway", progress: CONNECTING };
  return null;
}

/** The id "Chat with OpenClaw" provisions: `openclaw`, else the first free `openclaw-N`. */
export function nextInstanceId(instances: Iterable<Pick<Instance, "id" | "status">>): string {
  const taken = new Set<string>();
  for (const i of instances) if (i.status !== "stopped") taken.add(i.id);
  if (!taken.has("openclaw")) return "openclaw";
  for (let n = 2; ; n++) if (!taken.has(`openclaw-${n}`)) return `openclaw-${n}`;
}

/** The chip on the first message while it waits for its instance, or once it was not sent. */
export function firstMessageMark(thread: Pick<Thread, "chatStart">, messageId: string): string | undefined {
  const start = thread.chatStart;
  if (!start || start.messageId !== messageId) return undefined;
  if (start.state === "failed") return "not sent";
  return start.state === "ready" ? undefined : "waiting for OpenClaw";
}
