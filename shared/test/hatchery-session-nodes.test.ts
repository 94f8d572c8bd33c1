import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { applyDomainOps } from "../hatchery/domain";
import { domainNodeId, edgeId, type NodeKind, NODE_SIZE, readGraph, writeNode } from "../hatchery/graph";
import { ID_MAX, parseNode } from "../hatchery/node-schemas";
import { isInternalSession, SESSION_NODES_PER_INSTANCE, sessionNodeRef, sessionOps } from "../hatchery/session-nodes";
import type { GatewaySession, InstanceSessions } from "../protocol/gateway";

const session = (key: string, updatedAt: number | null, threadId: string | null = null): GatewaySession => ({
  key,
  label: `Label ${key}`,
  preview: "last words",
  status: "idle",
  running: false,
  updatedAt,
  threadId,
});

/** A canvas that already shows the instances and threads the sessions link to. */
function canvas(instances: string[], threads: string[]) {
  const doc = new Y.Doc();
  const put = (kind: NodeKind, ref: string, x: number) =>
    writeNode(doc, {
      id: domainNodeId(kind as "thread", ref),
      kind,
      ref,
      x,
      y: 0,
      ...NODE_SIZE[kind],
      placed: "auto",
      parent: null,
      data: {},
    });
  doc.transact(() => {
    for (const [n, i] of instances.entries()) put("instance", i, n * 400);
    for (const [n, t] of threads.entries()) put("thread", t, n * 400 + 2000);
  });
  return doc;
}

const apply = (doc: Y.Doc, list: InstanceSessions[]) => {
  let removed: string[] = [];
  doc.transact(() => {
    removed = applyDomainOps(doc, sessionOps(list));
  });
  return removed;
};
const sessionNodes = (doc: Y.Doc) => readGraph(doc).nodes.filter((n) => n.kind === "session");
const sid = (instanceId: string, key: string) => domainNodeId("session", sessionNodeRef(instanceId, key));

describe("gateway sessions on the canvas", () => {
  it("a session is a node linked to its instance and to the thread open as it, showing key, title, last activity and thread", () => {
    const doc = canvas(["work"], ["thr_1"]);
    apply(doc, [
      {
        instanceId: "work",
        sessions: [session("agent:main:main", 1000), session("agent:main:autopilot-thr_1", 2000, "thr_1")],
      },
    ]);
    const { nodes, edges } = readGraph(doc);
    const bound = nodes.find((n) => n.id === sid("work", "agent:main:autopilot-thr_1"))!;
    expect(bound).toMatchObject({
      kind: "session",
      ref: "work/agent:main:autopilot-thr_1",
      data: {
        title: "Label agent:main:autopilot-thr_1",
        key: "agent:main:autopilot-thr_1",
        updatedAt: 2000,
        threadId: "thr_1",
        instanceId: "work",
        running: false,
      },
    });
    // What the server writes is what the app's schema reads.
    expect(parseNode(bound.id, { ...bound })).not.toBeNull();
    const links = edges.map((e) => `${e.source} -${e.label}-> ${e.target}`).sort();
    expect(links).toEqual([
      `${sid("work", "agent:main:autopilot-thr_1")} -open as-> thread:thr_1`,
      `${sid("work", "agent:main:autopilot-thr_1")} -session of-> instance:work`,
      `${sid("work", "agent:main:main")} -session of-> instance:work`,
    ]);
    expect(edges.every((e) => e.kind === "domain")).toBe(true);
  });

  it("keeps only the newest sessions of each instance", () => {
    const doc = canvas(["a", "b"], []);
    const many = Array.from({ length: SESSION_NODES_PER_INSTANCE + 7 }, (_, i) =>
      session(`s${i}`, i === 3 ? null : 1000 + i),
    );
    apply(doc, [
      { instanceId: "a", sessions: many },
      { instanceId: "b", sessions: [session("only", 5)] },
    ]);
    const shown = sessionNodes(doc);
    expect(shown.filter((n) => n.data.instanceId === "a")).toHaveLength(SESSION_NODES_PER_INSTANCE);
    expect(shown.filter((n) => n.data.instanceId === "b")).toHaveLength(1);
    const keys = new Set(shown.map((n) => n.data.key));
    // The newest 20 of a: s7..s26; the oldest and the never-active one are left out.
    for (let i = 7; i < SESSION_NODES_PER_INSTANCE + 7; i++) expect(keys.has(`s${i}`)).toBe(true);
    for (const old of ["s0", "s3", "s6"]) expect(keys.has(old)).toBe(false);
  });

  it("marks the gateway's own sessions internal (main session, heartbeat polls, cron runs, subagents) unless one is open as a thread, and keeps people's sessions over them under the cap", () => {
    const doc = canvas(["w"], ["thr_1"]);
    const mine = session("agent:main:big-refactor", 10);
    const theirs = [
      session("agent:main:main", 5000),
      session("agent:ops:main", 5000),
      session("cron:nightly:run:r1", 5000),
      session("agent:main:cron:nightly:run:r2", 5000),
      session("agent:main:subagent:search-helper", 5000),
      { ...session("agent:main:scratch-9", 5000), label: "[OpenClaw heartbeat poll]" },
      { ...session("agent:main:scratch-8", 5000), preview: "[OpenClaw heartbeat poll] nothing to do" },
      session("agent:main:incognito-x1", 5000),
    ];
    const opened = session("agent:work:main", 4000, "thr_1");
    const many = Array.from({ length: SESSION_NODES_PER_INSTANCE }, (_, i) =>
      session(`agent:main:cron:job${i}:run:x`, 9000 + i),
    );
    apply(doc, [{ instanceId: "w", sessions: [...many, ...theirs, mine, opened] }]);
    const byKey = new Map(sessionNodes(doc).map((n) => [n.data.key, n]));
    // People's sessions stay even though twenty newer cron runs compete for the cap.
    expect(byKey.get(mine.key)!.data.internal).toBe(false);
    expect(byKey.get(opened.key)!.data.internal).toBe(false);
    expect(sessionNodes(doc)).toHaveLength(SESSION_NODES_PER_INSTANCE);
    expect([...byKey.values()].filter((n) => n.data.internal === true)).toHaveLength(SESSION_NODES_PER_INSTANCE - 2);
    for (const s of theirs) expect(isInternalSession(s), s.key).toBe(true);
    expect(isInternalSession(session("agent:main:telegram:direct:123", 1))).toBe(false);
    const node = byKey.get(mine.key)!;
    expect(parseNode(node.id, { ...node })).not.toBeNull();
  });

  it("a session that left the list, or an instance with none left, leaves the canvas with its edges; a detached thread loses its edge", () => {
    const doc = canvas(["a", "b"], ["thr_1"]);
    apply(doc, [
      { instanceId: "a", sessions: [session("one", 1, "thr_1"), session("two", 2)] },
      { instanceId: "b", sessions: [session("three", 3)] },
    ]);
    expect(sessionNodes(doc)).toHaveLength(3);
    // The thread was detached from "one", "two" is gone, and b was deleted.
    const removed = apply(doc, [{ instanceId: "a", sessions: [session("one", 4)] }]);
    expect(removed.sort()).toEqual([sid("a", "two"), sid("b", "three")].sort());
    const { nodes, edges } = readGraph(doc);
    expect(nodes.filter((n) => n.kind === "session").map((n) => n.id)).toEqual([sid("a", "one")]);
    expect(nodes.find((n) => n.id === sid("a", "one"))!.data).toMatchObject({ threadId: null, updatedAt: 4 });
    expect(edges.map((e) => e.id)).toEqual([edgeId(sid("a", "one"), "instance:a")]);
    // Nothing listed at all: no session stays.
    apply(doc, []);
    expect(sessionNodes(doc)).toEqual([]);
    expect(readGraph(doc).edges).toEqual([]);
  });

  it("a session moved by a person keeps its place when its data is refreshed", () => {
    const doc = canvas(["a"], []);
    apply(doc, [{ instanceId: "a", sessions: [session("one", 1)] }]);
    doc.transact(() => {
      const m = doc.getMap<Y.Map<unknown>>("nodes").get(sid("a", "one"))!;
      m.set("x", 999);
      m.set("placed", "pinned");
    });
    apply(doc, [{ instanceId: "a", sessions: [{ ...session("one", 2), running: true }] }]);
    expect(sessionNodes(doc)[0]).toMatchObject({ x: 999, placed: "pinned", data: { running: true, updatedAt: 2 } });
  });

  it("a long gateway key still makes a valid, unique node id", () => {
    const long = `agent:main:${"x".repeat(240)}`;
    const a = sessionNodeRef("inst", long);
    const b = sessionNodeRef("inst", `${long.slice(0, -1)}y`);
    expect(a).not.toBe(b);
    expect(domainNodeId("session", a).length).toBeLessThanOrEqual(ID_MAX);
    expect(sessionNodeRef("inst", "agent:main:main")).toBe("inst/agent:main:main");
  });
});
