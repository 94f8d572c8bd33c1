import type { Approval } from "../../shared/protocol/approvals";
import type { HelloPayload, Snapshot } from "../../shared/protocol/hello";
import type { Instance } from "../../shared/protocol/instances";
import type { Job } from "../../shared/protocol/jobs";
import type { PresenceEntry, PresencePerson } from "../../shared/protocol/presence";
import type { Actor } from "../../shared/protocol/principal";
import type { Message, Thread } from "../../shared/protocol/threads";
import { offeredCapabilities } from "../../shared/protocol/capabilities";
import { PROTOCOL_VERSION } from "../../shared/protocol/version";
import { EMPTY_SNAPSHOT } from "../../shared/empty-snapshot";
import { readyInstance } from "../../shared/test/records";
import type { ReceivedEvent } from "../src/frames";
import { applyEvent, applyHello, emptyState, noMore, type WorkspaceState } from "../src/state";

export const alice: Actor = { id: "user_alice", kind: "user", name: "Alice" };
export const bot: Actor = { id: "agent_bot", kind: "agent", name: "Bot" };

export function thread(id: string, over: Partial<Thread> = {}): Thread {
  return {
    id,
    title: `Thread ${id}`,
    archived: false,
    createdBy: alice,
    createdAt: 1,
    updatedAt: 1,
    lastMessageAt: null,
    messageCount: 0,
    responder: { kind: "none", reply: "every", agents: false },
    ...over,
  };
}

export function message(id: string, threadId: string, n: number, over: Partial<Message> = {}): Message {
  return { id, n, threadId, author: alice, text: `hello ${n}`, createdAt: 100 + n, ...over };
}

export function approval(id: string, over: Partial<Approval> = {}): Approval {
  return {
    id,
    title: `Approval ${id}`,
    details: "",
    risk: "medium",
    status: "pending",
    threadId: null,
    requestedBy: bot,
    onBehalfOf: bot,
    selfConfirmed: false,
    summary: "",
    requestedAt: 10,
    expiresAt: null,
    resolvedBy: null,
    resolvedAt: null,
    note: null,
    ...over,
  };
}

export function job(id: string, over: Partial<Job> = {}): Job {
  return {
    id,
    title: `Job ${id}`,
    status: "running",
    progress: 0,
    message: "",
    threadId: null,
    owner: bot,
    startedAt: 10,
    updatedAt: 10,
    finishedAt: null,
    cancelRequestedBy: null,
    error: null,
    ...over,
  };
}

/** A ready instance whose gateway's bridge is connected. */
export function instance(id: string, over: Partial<Instance> = {}): Instance {
  return readyInstance(id, { bridge: "connected", bridgeError: null, createdBy: alice, ...over });
}

/** One person here, as protocol 17 shows them. */
export function person(principalId: string, over: Partial<PresencePerson> = {}): PresencePerson {
  return {
    principalId,
    kind: "user",
    name: principalId[0]!.toUpperCase() + principalId.slice(1),
    devices: 1,
    device: "laptop",
    status: null,
    since: 5,
    ...over,
  };
}

export function presence(connectionId: string, over: Partial<PresenceEntry> = {}): PresenceEntry {
  return {
    connectionId,
    principalId: alice.id,
    kind: "user",
    name: "Alice",
    device: "laptop",
    connectedAt: 5,
    status: null,
    ...over,
  };
}

/** Tests spread it to say which list has more. */
export { noMore };

export function snapshot(over: Partial<Snapshot> = {}): Snapshot {
  return { ...EMPTY_SNAPSHOT, ...over };
}

export function hello(over: Partial<HelloPayload> = {}): HelloPayload {
  return {
    protocol: PROTOCOL_VERSION,
    connectionId: "conn_1",
    workspaceId: "ws_1",
    epoch: "epoch_a",
    principal: { ...bot, scopes: ["read", "write"] },
    seq: 0,
    reset: false,
    resumedFrom: null,
    snapshot: snapshot(),
    reads: {},
    presence: { people: 0, connections: 0, shown: [], own: 0 },
    limits: { maxFrameBytes: 65536, requestsPerSecond: 20, burst: 40 },
    // What a room of this version offers, as the real one does.
    capabilities: offeredCapabilities(PROTOCOL_VERSION),
    ...over,
  };
}

/** `state` after `event`, which the reducer must apply (not ignore, not ask for a resync). */
export function applied(state: WorkspaceState, event: ReceivedEvent): WorkspaceState {
  const outcome = applyEvent(state, event);
  if (outcome.kind !== "applied") throw new Error(`expected applied, got ${outcome.kind}`);
  return outcome.state;
}

/** The state a hello at `seq` with this snapshot gives. */
export const fromSnapshot = (over: Parameters<typeof snapshot>[0] = {}, seq = 5) =>
  applyHello(emptyState, hello({ seq, snapshot: snapshot(over) })).state;
