import { describe, expect, it } from "vitest";
import type { Approval } from "../../shared/protocol/approvals";
import type { ThreadChatStart } from "../../shared/protocol/gateway";
import type { Instance } from "../../shared/protocol/instances";
import type { Job } from "../../shared/protocol/jobs";
import type { Thread } from "../../shared/protocol/threads";
import { chatStartPhase, firstMessageMark, nextInstanceId } from "../app/lib/chat-start";

const actor = { id: "u1", kind: "user" as const, name: "Olga" };
const start = (state: ThreadChatStart["state"], error: string | null = null): ThreadChatStart => ({
  instanceId: "openclaw",
  approvalId: "apr_1",
  messageId: "msg_1",
  state,
  error,
});
const approval = (status: Approval["status"]): Approval => ({
  id: "apr_1",
  title: "Provision",
  details: "",
  risk: "high",
  status,
  threadId: "thr_1",
  requestedBy: actor,
  onBehalfOf: actor,
  selfConfirmed: false,
  summary: "",
  requestedAt: 1,
  expiresAt: null,
  resolvedBy: null,
  resolvedAt: null,
  note: null,
});
const instance = (over: Partial<Instance>): Instance => ({
  id: "openclaw",
  name: "OpenClaw",
  status: "provisioning",
  phase: "queued",
  progress: 0,
  error: null,
  threadIds: [],
  jobId: "job_1",
  createdBy: actor,
  createdAt: 1,
  updatedAt: 1,
  ...over,
});
/** A thread whose start has not attached it yet, and one it attached. */
const waiting = (chatStart: ThreadChatStart): Pick<Thread, "chatStart" | "gateway"> => ({ chatStart, gateway: null });
const attached = (chatStart: ThreadChatStart): Pick<Thread, "chatStart" | "gateway"> => ({
  chatStart,
  gateway: { instanceId: chatStart.instanceId, sessionKey: "autopilot-thr_1" },
});
const job = (progress: number, message: string, status: Job["status"] = "running") =>
  ({ id: "job_1", progress, message, status }) as Job;

/** The bar for a thread whose start's approval is `status`, with the instance and its job as far as they exist. */
const phase = (thread: Parameters<typeof chatStartPhase>[0], status: Approval["status"], i?: Instance, j?: Job) =>
  chatStartPhase(thread, approval(status), i, j);

describe("a thread's start phases (one bar)", () => {
  it("waits for a person, then follows the provision job, then the bridge, then steps aside", () => {
    expect(chatStartPhase({}, undefined, undefined, undefined)).toBeNull();
    expect(phase(waiting(start("waiting")), "pending")).toEqual({
      tone: "waiting",
      label: "Waiting for a person to approve starting OpenClaw",
      progress: null,
    });
    expect(phase(waiting(start("starting")), "approved")).toEqual({
      tone: "working",
      label: "Approved — provisioning",
      progress: 5,
    });
    // The job's progress (0–100) fills the middle of the bar, with the runtime's phase.
    expect(
      phase(
        waiting(start("starting")),
        "approved",
        instance({ status: "provisioning", progress: 10 }),
        job(20, "writing config"),
      ),
    ).toEqual({
      tone: "working",
      label: "Provisioning · writing config",
      progress: 22,
    });
    expect(
      phase(
        waiting(start("starting")),
        "approved",
        instance({ status: "starting", phase: "waiting for gateway handshake", progress: 60 }),
        job(100, "ready", "succeeded"),
      ),
    ).toEqual({
      tone: "working",
      label: "Starting the gateway · waiting for gateway handshake",
      progress: 56,
    });
    expect(phase(attached(start("ready")), "approved", instance({ status: "ready", bridge: "connecting" }))).toEqual({
      tone: "working",
      label: "Pairing and connecting to the gateway",
      progress: 95,
    });
    expect(phase(attached(start("ready")), "approved", instance({ status: "ready", bridge: "connected" }))).toBeNull();
  });

  it("shows nothing once the instance is deleted or the thread detached: no bar is left over from the start", () => {
    // What a room keeps of a deleted instance, and its thread as the delete left it.
    const deleted = instance({
      status: "stopped",
      phase: "stopped",
      progress: 0,
      bridge: "offline",
      bridgeError: null,
    });
    expect(phase(attached(start("ready")), "approved", deleted)).toBeNull();
    expect(phase(waiting(start("ready")), "approved", deleted)).toBeNull();
    expect(phase(waiting(start("ready")), "approved")).toBeNull();
    // Detached from a live instance that is still connecting: not this thread's business any more.
    expect(phase(waiting(start("ready")), "approved", instance({ status: "ready", bridge: "connecting" }))).toBeNull();
  });

  it("a failed start shows its reason; the first message is marked while it waits and when it was not sent", () => {
    expect(phase(waiting(start("failed", "OpenClaw was not started: Pavel denied it.")), "denied")).toEqual({
      tone: "failed",
      label: "OpenClaw was not started: Pavel denied it.",
      progress: null,
    });
    expect(firstMessageMark({ chatStart: start("waiting") }, "msg_1")).toBe("waiting for OpenClaw");
    expect(firstMessageMark({ chatStart: start("starting") }, "msg_1")).toBe("waiting for OpenClaw");
    expect(firstMessageMark({ chatStart: start("failed", "x") }, "msg_1")).toBe("not sent");
    expect(firstMessageMark({ chatStart: start("ready") }, "msg_1")).toBeUndefined();
    expect(firstMessageMark({ chatStart: start("failed", "x") }, "msg_2")).toBeUndefined();
    expect(firstMessageMark({}, "msg_1")).toBeUndefined();
  });

  it("picks `openclaw`, else the first free `openclaw-N` (a stopped one's id is free again)", () => {
    expect(nextInstanceId([])).toBe("openclaw");
    expect(nextInstanceId([{ id: "openclaw", status: "stopped" }])).toBe("openclaw");
    expect(nextInstanceId([{ id: "openclaw", status: "ready" }])).toBe("openclaw-2");
    expect(
      nextInstanceId([
        { id: "openclaw", status: "error" },
        { id: "openclaw-2", status: "starting" },
        { id: "work", status: "ready" },
      ]),
    ).toBe("openclaw-3");
  });
});
