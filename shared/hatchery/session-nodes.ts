import type { GatewaySession, InstanceSessions } from "../protocol/gateway";
import { domainNodeId, edgeId } from "./graph";
import { ID_MAX } from "./node-schemas";

/**
 * OpenClaw gateway sessions on the canvas: one `session` node per session, linked to its
 * instance and, when a thread is open as it, to that thread. Sessions are not durable
 * events (the bridge's live list replaces itself), so the Hatchery receives each
 * instance's whole current list and makes the canvas match it: a session that left the
 * list (or whose instance was deleted) leaves the canvas. Only the newest
 * SESSION_NODES_PER_INSTANCE of an instance are shown, so a gateway with many old sessions
 * cannot flood the canvas; the inspector's instance view still lists them all.
 */
export const SESSION_NODES_PER_INSTANCE = 20;

const PREVIEW = 140;
/** Room for `session:` in front of the ref within a node id's ID_MAX. */
const REF_MAX = ID_MAX - "session:".length;

/** A small stable hash (cyrb53): names a key too long for a node id, and digests a list. */
export function hash53(text: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}

/**
 * The node ref of a session: instance and key, unique across instances. Gateway keys may be
 * up to 256 characters and node ids at most ID_MAX: a long key is cut and named by its hash.
 */
export function sessionNodeRef(instanceId: string, key: string): string {
  const ref = `${instanceId}/${key}`;
  if (ref.length <= REF_MAX) return ref;
  const tag = `#${hash53(key)}`;
  return `${ref.slice(0, REF_MAX - tag.length)}${tag}`;
}

/** The transcript marker OpenClaw puts on a scheduled heartbeat turn. */
const HEARTBEAT_MARK = "[OpenClaw heartbeat poll]";
/** Key segments of sessions the gateway runs for itself: cron runs, hooks, subagents, heartbeats, hidden (`incognito-`) ones. */
const INTERNAL_SEGMENT = /^(cron|hook|subagent|heartbeat|incognito-.*)$/;

/**
 * A session the gateway runs for itself rather than one a person opened: the agent's main
 * session (`agent:<agent>:main`, where heartbeat polls and system events go), cron and hook
 * runs, subagents, heartbeat and hidden sessions, or one whose title or last words are a
 * heartbeat poll. A session open as a thread is a person's, whatever its key.
 */
export function isInternalSession(s: Pick<GatewaySession, "key" | "label" | "preview" | "threadId">): boolean {
  if (s.threadId) return false;
  const parts = s.key.split(":");
  const rest = parts[0] === "agent" ? parts.slice(2) : parts;
  if (rest.length === 1 && rest[0] === "main") return true;
  if (rest.some((part) => INTERNAL_SEGMENT.test(part))) return true;
  return s.label.startsWith(HEARTBEAT_MARK) || (s.preview?.startsWith(HEARTBEAT_MARK) ?? false);
}

/**
 * At most `cap` per instance: sessions people use first, then the gateway's own (so its
 * cron runs cannot push a person's session off the canvas); newest first within each (by
 * last activity; never-active last).
 */
export function newestSessions(list: InstanceSessions[], cap = SESSION_NODES_PER_INSTANCE): InstanceSessions[] {
  return list.map(({ instanceId, sessions }) => ({
    instanceId,
    sessions: [...sessions]
      .sort(
        (a, b) =>
          Number(isInternalSession(a)) - Number(isInternalSession(b)) ||
          (b.updatedAt ?? -1) - (a.updatedAt ?? -1) ||
          (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
      )
      .slice(0, cap),
  }));
}

/** What a session node's `data` holds (all of it server-written). */
export function sessionNodeData(instanceId: string, s: GatewaySession): Record<string, unknown> {
  return {
    title: s.label,
    key: s.key,
    preview: s.preview?.slice(0, PREVIEW) ?? null,
    status: s.status,
    running: s.running,
    updatedAt: s.updatedAt,
    instanceId,
    threadId: s.threadId,
    /** The gateway's own session (isInternalSession): the canvas hides it unless asked to. */
    internal: isInternalSession(s),
  };
}

export type SessionOp =
  | { op: "upsert"; kind: "session"; ref: string; data: Record<string, unknown>; near: string }
  | { op: "link"; source: string; target: string; label: string }
  /** Session nodes not in `refs` go, and domain edges of session nodes not in `edges`. */
  | { op: "retain"; kind: "session"; refs: string[]; edges: string[] };

/**
 * The canvas for the whole current session list (every instance that has sessions; an
 * instance not in `list` has none): upserts near the instance, their links, and one
 * `retain` that removes what is no longer listed. Capped here too, whatever the sender did.
 */
export function sessionOps(list: InstanceSessions[]): SessionOp[] {
  const ops: SessionOp[] = [];
  const refs: string[] = [];
  const edges: string[] = [];
  const link = (source: string, target: string, label: string) => {
    ops.push({ op: "link", source, target, label });
    edges.push(edgeId(source, target));
  };
  for (const { instanceId, sessions } of newestSessions(list)) {
    const instance = domainNodeId("instance", instanceId);
    for (const s of sessions) {
      const ref = sessionNodeRef(instanceId, s.key);
      const id = domainNodeId("session", ref);
      refs.push(ref);
      ops.push({ op: "upsert", kind: "session", ref, data: sessionNodeData(instanceId, s), near: instance });
      link(id, instance, "session of");
      if (s.threadId) link(id, domainNodeId("thread", s.threadId), "open as");
    }
  }
  ops.push({ op: "retain", kind: "session", refs, edges });
  return ops;
}
