// What the Autopilot tests on the scripted model share (this folder's, and the agent tests elsewhere that reuse it): a
// workspace with the Autopilot answering in a thread, what it says there, and the requests the scripted model saw.
import { env } from "cloudflare:workers";
import type { Approval } from "../../../../../../../shared/protocol/approvals";
import type { EventFrame } from "../../../../../../../shared/protocol/frames";
import type { Task } from "../../../../../../../shared/protocol/tasks";
import type { Message, Thread } from "../../../../../../../shared/protocol/threads";
import { addMember, idem, type Person, RawSocket, signUp, uniq } from "../../../../../../test/harness";

/** A chat completion request as the scripted model recorded it. */
export interface ScriptedRequest {
  messages?: { role: string; content: unknown; tool_calls?: unknown[] }[];
  tools?: { function: { name: string; description?: string } }[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
}

const modelBase = () => (env as unknown as { AUTOPILOT_MODEL_BASE_URL: string }).AUTOPILOT_MODEL_BASE_URL;

/** How many requests the scripted model has seen (pass to `requestsSince`). */
export async function requestMark(): Promise<number> {
  const res = await fetch(`${modelBase()}/_scripted/requests?since=${Number.MAX_SAFE_INTEGER}`);
  return ((await res.json()) as { next: number }).next;
}

export async function requestsSince(mark: number): Promise<ScriptedRequest[]> {
  const res = await fetch(`${modelBase()}/_scripted/requests?since=${mark}`);
  return ((await res.json()) as { requests: ScriptedRequest[] }).requests;
}

/** Requests (since `mark`) whose last user message contains `marker`: one test's own, as other files run beside it. */
export async function requestsFor(mark: number, marker: string): Promise<ScriptedRequest[]> {
  return (await requestsSince(mark)).filter((r) => JSON.stringify(r.messages ?? []).includes(marker));
}

export interface AgentRoom {
  owner: Person;
  sock: RawSocket;
  thread: Thread;
}

/**
 * A new workspace whose owner is connected, with one thread (the Autopilot answers it: a
 * model is configured). `agents`: agent keys' posts there trigger it too.
 */
export async function agentRoom(options: { agents?: boolean } = {}): Promise<AgentRoom> {
  const owner = await signUp();
  const sock = await RawSocket.open(owner.workspaceId, { cookie: owner.cookie });
  await sock.hello();
  const { thread } = await sock.ok("threads.create", {
    title: uniq("thread"),
    ...(options.agents ? { agents: true } : {}),
    idempotencyKey: idem(),
  });
  return { owner, sock, thread };
}

export const say = (sock: RawSocket, threadId: string, text: string) =>
  sock.ok("chat.send", { threadId, text, idempotencyKey: idem() });

const payloadOf = <T>(f: object) => (f as { payload?: unknown }).payload as T;

/** The next message by the Autopilot in the thread that `pick` accepts. */
export async function autopilotSays(
  sock: RawSocket,
  threadId: string,
  pick: (m: Message) => boolean = () => true,
  timeoutMs = 20_000,
): Promise<Message> {
  const frame = await sock.waitFor<EventFrame>((f) => {
    if (f.type !== "event" || f.event !== "message.created") return false;
    const { message } = payloadOf<{ message: Message }>(f);
    return message.threadId === threadId && message.author.id === "autopilot" && pick(message);
  }, timeoutMs);
  return payloadOf<{ message: Message }>(frame).message;
}

/** Every message by the Autopilot in the thread received so far. */
export const autopilotMessages = (sock: RawSocket, threadId: string): Message[] =>
  sock
    .events("message.created")
    .map((e) => (e.payload as { message: Message }).message)
    .filter((m) => m.threadId === threadId && m.author.id === "autopilot");

/** The next approval announced (requested or resolved) in `status`; `id`: that approval's only. */
export const approvalEvent = (sock: RawSocket, status: Approval["status"], id?: string) =>
  sock
    .waitFor<EventFrame>((f) => {
      if (f.type !== "event" || (f.event !== "approval.requested" && f.event !== "approval.resolved")) return false;
      const { approval } = payloadOf<{ approval: Approval }>(f);
      return approval.status === status && (id === undefined || approval.id === id);
    }, 20_000)
    .then((f) => payloadOf<{ approval: Approval }>(f).approval);

/** The task's next state that `pick` accepts, as the room announced it. */
export const taskState = (sock: RawSocket, taskId: string, pick: (t: Task) => boolean, timeoutMs = 30_000) =>
  sock
    .waitFor<EventFrame>((f) => {
      if (f.type !== "event" || f.event !== "task.changed") return false;
      const { task } = payloadOf<{ task: Task }>(f);
      return task.id === taskId && pick(task);
    }, timeoutMs)
    .then((f) => payloadOf<{ task: Task }>(f).task);

/** The first streamed piece of a reply after the run's first (the reply that follows a tool's result). */
export const laterReplyStreaming = (sock: RawSocket) =>
  sock.waitFor<EventFrame>(
    (f) =>
      f.type === "event" &&
      f.event === "chat.delta" &&
      (f.payload as { text: string }).text.length > 0 &&
      !(f.payload as { runId: string }).runId.endsWith(".0"),
    10_000,
  );

/**
 * A spend approval asked for a task (by its id) or for any reply's run, other than those
 * already seen (a socket's wait also reads what it had).
 */
export const spendRequested = (sock: RawSocket, asker: { task: string } | "a reply", seen: Approval[] = []) =>
  sock
    .waitFor<EventFrame>((f) => {
      if (f.type !== "event" || f.event !== "approval.requested") return false;
      const { approval } = f.payload as { approval: Approval };
      if (approval.action?.kind !== "spend" || seen.some((a) => a.id === approval.id)) return false;
      const { for: what } = approval.action;
      return asker === "a reply" ? what.kind === "run" : what.kind === "task" && what.id === asker.task;
    }, 30_000)
    .then((f) => (f.payload as { approval: Approval }).approval);

/** An agent room whose owner has `members` connected members to decide. */
export async function teamRoom(
  members = 2,
): Promise<{ owner: Person; sock: RawSocket; deciders: RawSocket[]; ws: string }> {
  const { owner, sock } = await agentRoom();
  const deciders: RawSocket[] = [];
  for (let i = 0; i < members; i++) {
    const member = await signUp();
    await addMember(owner, owner.workspaceId, member, "member");
    const s = await RawSocket.open(owner.workspaceId, { cookie: member.cookie });
    await s.hello();
    deciders.push(s);
  }
  return { owner, sock, deciders, ws: owner.workspaceId };
}

/** Every spend approval this socket was told was filed, in order. */
export const spendAskedOf = (sock: RawSocket): EventFrame[] =>
  sock.frames.filter(
    (f): f is EventFrame =>
      f.type === "event" &&
      f.event === "approval.requested" &&
      (f.payload as { approval: Approval }).approval.action?.kind === "spend",
  );

/**
 * Starts a task whose scripted goal takes `steps` model steps: a `threads_list` call each, then
 * the final report (the task byte and statement room tests measure per step of it).
 */
export async function startToolTask(
  sock: RawSocket,
  threadId: string,
  steps: number,
): Promise<{ task: Task; goal: string }> {
  const goal = `STEPS: ${Array.from({ length: steps - 1 }, () => 'threads_list {"limit":1}').join("; ")}`;
  const { task } = (await sock.ok("tasks.start", {
    goal,
    threadId,
    budget: { maxSteps: steps },
    idempotencyKey: idem(),
  })) as { task: Task };
  return { task, goal };
}
