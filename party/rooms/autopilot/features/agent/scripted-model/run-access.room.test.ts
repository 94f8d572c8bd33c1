// Work outlives no access: an Autopilot run acts for whoever triggered it, and only while
// they still may. A revoked key's paused run ends (its approval leaves the queue, the thread
// and the audit say why); a decision the room was not told to refuse is refused when made;
// a trigger whose scopes shrank gets no tool that needs the scope it lost.
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { EventFrame } from "../../../../../../shared/protocol/frames";
import { addMember, api, createKey, idem, RawSocket, signUp } from "../../../../../test/harness";
import { agentRoom, approvalEvent, autopilotSays, laterReplyStreaming, say } from "./test/harness";

type TestEnv = { DB: D1Database; Autopilot: DurableObjectNamespace };
const testEnv = env as unknown as TestEnv;
const roomStub = (workspaceId: string) => testEnv.Autopilot.get(testEnv.Autopilot.idFromName(workspaceId));
const deleteKeyQuietly = (keyId: string) => testEnv.DB.prepare(`delete from "apikey" where "id" = ?`).bind(keyId).run();

const post = (cookie: string, body: unknown) => ({ method: "POST", cookie, body: JSON.stringify(body) });

/** Archive a thread (gated), then write a memory note (not gated): the reported run. */
const steps = (threadId: string, note: string) =>
  `STEPS: threads_archive {"threadId":"${threadId}"} ; memory_put {"key":"${note}","value":"written for whoever asked"}`;

/** A room whose threads answer agents too, with an agent key `name` of its owner's that may write, connected. */
async function roomWithWriter(name: string) {
  const room = await agentRoom({ agents: true });
  const key = await createKey(room.owner, room.owner.workspaceId, ["read", "write"], name);
  const writer = await RawSocket.open(room.owner.workspaceId, { key: key.key });
  await writer.hello();
  return { ...room, key, writer };
}

describe("a run ends when its trigger's access does", () => {
  it("a revoked key's paused run: its approval is withdrawn for everyone, the thread and the audit say why, and nothing more runs", async () => {
    const { owner, sock, thread, key, writer } = await roomWithWriter("writer");
    const { thread: target } = await sock.ok("threads.create", { title: "Keep me", idempotencyKey: idem() });
    await say(writer, thread.id, steps(target.id, "revoked-key-note"));
    const pending = await approvalEvent(sock, "pending");

    expect((await api("/api/auth/api-key/delete", post(owner.cookie, { keyId: key.id }))).status).toBe(200);
    const withdrawn = await approvalEvent(sock, "expired", pending.id);
    expect(withdrawn.note).toMatch(/^withdrawn: writer no longer has access \(API key revoked\)/);
    const stopped = await autopilotSays(sock, thread.id, (m) => m.kind === "error");
    expect(stopped.text).toMatch(/writer.*API key revoked/);
    expect(
      await sock.call("approvals.resolve", { approvalId: pending.id, decision: "approve", idempotencyKey: idem() }),
    ).toMatchObject({ ok: false, error: { code: "already_resolved" } });

    // The run has ended (the stop is its last word): nothing of it ran, nothing more will.
    const { messages } = await sock.ok("messages.list", { threadId: thread.id, limit: 100 });
    expect(messages.filter((m) => m.author.id === "autopilot" && m.tool?.status === "ok")).toHaveLength(0);
    expect(sock.events("thread.archived")).toHaveLength(0);
    expect((await sock.ok("memory.list", {})).entries).toHaveLength(0);
    const { entries } = await sock.ok("audit.list", { limit: 100 });
    expect(entries.find((e) => e.action === "run.stopped")).toMatchObject({
      actor: null,
      details: { threadId: thread.id, triggeredBy: `agent_${key.id}`, reason: "API key revoked" },
    });
    expect(entries.find((e) => e.action === "approval.expired" && e.targetId === pending.id)?.details).toMatchObject({
      note: withdrawn.note,
    });
    for (const s of [sock, writer]) s.close();
  });

  it("a decision on a run whose trigger lost access, the room not having been told, is refused and the run ends, also after eviction", async () => {
    const { owner, sock, thread, key, writer } = await roomWithWriter("quiet writer");
    const { thread: target } = await sock.ok("threads.create", { title: "Keep me too", idempotencyKey: idem() });
    await say(writer, thread.id, steps(target.id, "untold-note"));
    const pending = await approvalEvent(sock, "pending");
    writer.close();
    await evictDurableObject(roomStub(owner.workspaceId));
    // Gone from D1 with no word to the room (a failed revalidation, an expiry): the room must ask.
    await deleteKeyQuietly(key.id);

    const decided = await sock.call("approvals.resolve", {
      approvalId: pending.id,
      decision: "approve",
      idempotencyKey: idem(),
    });
    expect(decided).toMatchObject({ ok: false, error: { code: "already_resolved" } });
    expect((await approvalEvent(sock, "expired", pending.id)).note).toMatch(/API key revoked/);
    const stopped = await autopilotSays(sock, thread.id, (m) => m.kind === "error");
    expect(stopped.text).toMatch(/API key revoked/);
    const { messages } = await sock.ok("messages.list", { threadId: thread.id, limit: 100 });
    expect(messages.filter((m) => m.author.id === "autopilot" && m.tool?.status === "ok")).toHaveLength(0);
    expect(
      (await sock.ok("threads.list", { includeArchived: true })).threads.find((t) => t.id === target.id)?.archived,
    ).toBe(false);
    expect((await sock.ok("memory.list", {})).entries).toHaveLength(0);
    sock.close();
  });

  it("a trigger downgraded to viewer: the write tool's approval is withdrawn and the next write tool does not run", async () => {
    const { owner, sock, thread } = await agentRoom({ agents: true });
    const { thread: target } = await sock.ok("threads.create", { title: "Still here", idempotencyKey: idem() });
    const member = await signUp();
    await addMember(owner, owner.workspaceId, member, "member");
    const memberSock = await RawSocket.open(owner.workspaceId, { cookie: member.cookie });
    await memberSock.hello();
    await say(memberSock, thread.id, steps(target.id, "viewer-note"));
    const pending = await approvalEvent(sock, "pending");

    const changed = await api(`/api/workspaces/${owner.workspaceId}/members/${member.userId}`, {
      method: "PATCH",
      cookie: owner.cookie,
      body: JSON.stringify({ role: "viewer" }),
    });
    expect(changed.status).toBe(200);
    expect((await approvalEvent(sock, "expired", pending.id)).note).toBe(
      `withdrawn: ${member.name} no longer holds the write scope`,
    );
    const refused = await autopilotSays(sock, thread.id, (m) => m.tool?.name === "memory_put");
    expect(refused.tool).toMatchObject({ status: "error" });
    expect(refused.tool!.result).toMatch(/memory_put did not run: .*write scope/);
    await autopilotSays(sock, thread.id, (m) => m.text.startsWith("TOOL RESULT SEEN"));
    expect(sock.events("thread.archived")).toHaveLength(0);
    expect((await sock.ok("memory.list", {})).entries).toHaveLength(0);
    for (const s of [sock, memberSock]) s.close();
  });

  it("a reply streaming for a key that is revoked stops at once, saying why", async () => {
    const { owner, sock, thread, key, writer } = await roomWithWriter("streamer");
    await say(writer, thread.id, "STREAM: 400x50");
    await sock.waitFor<EventFrame>(
      (f) => f.type === "event" && f.event === "chat.delta" && (f.payload as { text: string }).text.length > 0,
      20_000,
    );
    expect((await api("/api/auth/api-key/delete", post(owner.cookie, { keyId: key.id }))).status).toBe(200);
    const stopped = await autopilotSays(sock, thread.id, (m) => m.kind === "error");
    expect(stopped.text).toMatch(/streamer.*API key revoked/);
    const error = await sock.waitFor<EventFrame>((f) => f.type === "event" && f.event === "chat.error", 5000);
    expect((error.payload as { messageId: string }).messageId).toBe(stopped.id);
    const { entries } = await sock.ok("audit.list", { limit: 100 });
    expect(entries.find((e) => e.action === "run.stopped")).toMatchObject({
      details: { triggeredBy: `agent_${key.id}`, reason: "API key revoked" },
    });
    for (const s of [sock, writer]) s.close();
  });

  it("a run cut by a restart after its approval, its key revoked meanwhile, stops when it would resume instead of answering", async () => {
    const { owner, sock, thread, key, writer } = await roomWithWriter("restarted writer");
    const { thread: target } = await sock.ok("threads.create", { title: "Archive me", idempotencyKey: idem() });
    await say(writer, thread.id, `SLOWRESULT STEPS: threads_archive {"threadId":"${target.id}"}`);
    const pending = await approvalEvent(sock, "pending");
    await sock.ok("approvals.resolve", { approvalId: pending.id, decision: "approve", idempotencyKey: idem() });
    // Approved while the key still had access: the archive runs; the reply after it is cut.
    await autopilotSays(sock, thread.id, (m) => m.tool?.name === "threads_archive");
    await laterReplyStreaming(sock);
    writer.close();
    await runInDurableObject(roomStub(owner.workspaceId), (_room, state) => state.abort("restart")).catch(() => {});
    await deleteKeyQuietly(key.id);

    const watcher = await RawSocket.open(owner.workspaceId, { cookie: owner.cookie });
    await watcher.hello();
    const stopped = await autopilotSays(watcher, thread.id, (m) => m.kind === "error", 30_000);
    expect(stopped.text).toMatch(/restarted writer.*API key revoked/);
    const { messages } = await watcher.ok("messages.list", { threadId: thread.id, limit: 100 });
    expect(messages.filter((m) => m.author.id === "autopilot" && m.text.startsWith("TOOL RESULT SEEN"))).toHaveLength(
      0,
    );
    for (const s of [sock, watcher]) s.close();
  });

  it("an instance operation a revoked key's run asked for is withdrawn: the Autopilot asked, but for the key", async () => {
    const { owner, sock, thread, key, writer } = await roomWithWriter("provisioner");
    await say(writer, thread.id, `STEPS: instances_provision {"instanceId":"asked-by-run","name":"Asked"}`);
    const filed = await approvalEvent(sock, "pending");
    expect(filed).toMatchObject({
      requestedBy: { id: "autopilot" },
      action: { kind: "instance", operation: "provision" },
    });
    await autopilotSays(sock, thread.id, (m) => m.text.startsWith("TOOL RESULT SEEN"));

    expect((await api("/api/auth/api-key/delete", post(owner.cookie, { keyId: key.id }))).status).toBe(200);
    expect((await approvalEvent(sock, "expired", filed.id)).note).toBe(
      "withdrawn: provisioner no longer has access (API key revoked)",
    );
    expect(
      await sock.call("approvals.resolve", { approvalId: filed.id, decision: "approve", idempotencyKey: idem() }),
    ).toMatchObject({ ok: false, error: { code: "already_resolved" } });
    expect((await sock.ok("instances.list", {})).instances).toEqual([]);
    for (const s of [sock, writer]) s.close();
  });
});
