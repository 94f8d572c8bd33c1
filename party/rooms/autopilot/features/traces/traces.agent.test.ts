// One trace per run, exported over OTLP/HTTP to a stand-in collector on loopback
// (otlp.standin-setup.ts; the Autopilot on the scripted model): a task of twenty-odd steps
// with an approval in the middle and a restart during the wait lands as one trace, every
// step, the wait (who decided, where) and credits equal to the ledger's; with the collector
// down runs end as before and the spans it could not take are counted as dropped, each change
// pushed to owners' and admins' sockets that asked for it (`traces.changed`), nobody else's; an
// owner's own collector gets the workspace's spans over OTLP/HTTP protobuf.
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Approval } from "../../../../../shared/protocol/approvals";
import type { LedgerEntry } from "../../../../../shared/protocol/billing";
import type { RunLogEntry } from "../../../../../shared/protocol/tasks";
import type { TracesState } from "../../../../../shared/protocol/traces";
import { sqlFromStorage } from "../../../../domain/sql";
import { addMember, createKey, idem, RawSocket, signUp, uniq } from "../../../../test/harness";
import { claimRun, queueRun } from "../agent/agent-runs";
import { appendRunLog } from "../agent/run-log";
import { agentRoom, autopilotSays, say, taskState } from "../agent/scripted-model/test/harness";
import type { ReceivedSpan } from "./otlp-standin";

const collector = () => (env as unknown as { OTEL_EXPORTER_OTLP_ENDPOINT: string }).OTEL_EXPORTER_OTLP_ENDPOINT;

const roomStub = (workspaceId: string) => {
  const rooms = (env as unknown as { Autopilot: DurableObjectNamespace }).Autopilot;
  return rooms.get(rooms.idFromName(workspaceId));
};

/** The spans of `runId`'s trace once its root arrived (on the real clock: the export is in the background). */
async function traceOf(runId: string, timeoutMs = 30_000): Promise<ReceivedSpan[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const spans = (await (await fetch(`${collector()}/_standin/spans?runId=${runId}`)).json()) as ReceivedSpan[];
    if (spans.some((s) => s.parentSpanId === null && s.attributes["autopilot.run.id"] === runId)) return spans;
    if (Date.now() > deadline)
      throw new Error(`no root span of ${runId} within ${timeoutMs} ms (${spans.length} spans)`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * The spans as a collector that keys them by id has them. Sending is at least once (a batch
 * whose answer the room never got, as it went down meanwhile, goes again): a span that came
 * twice came as the same span, ids and all.
 */
function byId(spans: ReceivedSpan[]): ReceivedSpan[] {
  const seen = new Map<string, ReceivedSpan>();
  for (const span of spans) {
    const had = seen.get(span.spanId);
    if (had) expect(span).toEqual(had);
    else seen.set(span.spanId, span);
  }
  return [...seen.values()];
}

async function wholeLog(sock: RawSocket, runId: string): Promise<RunLogEntry[]> {
  const entries: RunLogEntry[] = [];
  let after = 0;
  for (;;) {
    const page = await sock.ok("runlog.list", { runId, after, limit: 50 });
    entries.push(...page.entries);
    if (page.next === null) return entries;
    after = page.next;
  }
}

/** An outage of the collector at `path` only (other files' rooms send to the operator's, which stays up). */
const setDown = async (path: string, down: boolean) =>
  void (
    await fetch(`${collector()}/_standin/down`, { method: "POST", body: JSON.stringify({ path, down }) })
  ).body?.cancel();

/** The collector at `path` takes spans and answers `ms` later (0: at once again). */
const setSlow = async (path: string, ms: number) =>
  void (
    await fetch(`${collector()}/_standin/slow`, { method: "POST", body: JSON.stringify({ path, ms }) })
  ).body?.cancel();

describe("one trace per run", () => {
  it("a task of 20+ steps with an approval in the middle, across a restart, is one trace with every step, the wait and the ledger's credits", async () => {
    const { owner, sock } = await agentRoom();
    const { thread: notes } = await sock.ok("threads.create", { title: "Trace notes", idempotencyKey: idem() });
    const { thread: target } = await sock.ok("threads.create", { title: "Old trace plans", idempotencyKey: idem() });
    const note = (i: number) => `chat_send {"threadId":"${notes.id}","text":"note ${i}"}`;
    const steps = [
      ...Array.from({ length: 10 }, (_, i) => note(i + 1)),
      `threads_archive {"threadId":"${target.id}"}`,
      ...Array.from({ length: 10 }, (_, i) => note(i + 11)),
    ];
    const { task } = await sock.ok("tasks.start", { goal: `STEPS: ${steps.join("; ")}`, idempotencyKey: idem() });
    await taskState(sock, task.id, (t) => t.status === "waiting", 60_000);
    const pending = (await sock.ok("approvals.list", { status: "pending" })).approvals.find(
      (a: Approval) => a.action?.kind === "tool" && a.action.runId === task.id,
    )!;
    // The room goes down while the task waits for a person.
    sock.close();
    await runInDurableObject(roomStub(owner.workspaceId), (_room, state) => state.abort("restart")).catch(() => {});
    const back = await RawSocket.open(owner.workspaceId, { cookie: owner.cookie });
    await back.hello();
    await back.ok("approvals.resolve", {
      approvalId: pending.id,
      decision: "approve",
      confirmOwn: true,
      idempotencyKey: idem(),
    });
    await taskState(back, task.id, (t) => t.status === "done", 60_000);

    const spans = byId(await traceOf(task.id));
    const log = await wholeLog(back, task.id);
    const root = spans.find((s) => s.parentSpanId === null)!;
    // One trace: every span in it hangs from the run's root, which covers the whole run.
    expect(new Set(spans.map((s) => s.traceId)).size).toBe(1);
    expect(root).toMatchObject({
      name: "invoke_agent Autopilot",
      attributes: {
        "gen_ai.operation.name": "invoke_agent",
        "autopilot.run.kind": "task",
        "autopilot.run.outcome": "done",
        "gen_ai.conversation.id": task.threadId,
        "autopilot.triggered_by.id": owner.userId,
      },
      resource: { "service.name": "autopilot", "autopilot.workspace.id": owner.workspaceId },
    });
    const ids = new Set(spans.map((s) => s.spanId));
    expect(spans.every((s) => s === root || ids.has(s.parentSpanId!))).toBe(true);
    expect(spans.every((s) => s.startMs >= root.startMs && s.endMs <= root.endMs)).toBe(true);

    // Every step: a `chat` per model call, an `execute_tool` per tool call, under its step's `chat`.
    const chats = spans.filter((s) => s.attributes["gen_ai.operation.name"] === "chat");
    const tools = spans.filter((s) => s.attributes["gen_ai.operation.name"] === "execute_tool");
    expect(chats).toHaveLength(log.filter((e) => e.kind === "model-call").length);
    expect(tools.map((s) => s.attributes["autopilot.step"])).toEqual(
      log.filter((e) => e.kind === "tool-call").map((e) => e.step),
    );
    expect(tools).toHaveLength(steps.length);
    const chatIds = new Set(chats.map((s) => s.spanId));
    expect(tools.every((s) => chatIds.has(s.parentSpanId!))).toBe(true);
    expect(chats[0]!.attributes).toMatchObject({ "gen_ai.request.model": expect.any(String) });
    expect(chats.every((s) => typeof s.attributes["gen_ai.usage.input_tokens"] === "number")).toBe(true);
    // No message text or tool arguments while content capture is off.
    expect(tools.some((s) => "gen_ai.tool.call.arguments" in s.attributes)).toBe(false);
    expect(JSON.stringify(spans)).not.toContain("note 1");

    // The wait: whom it was for, who decided, where, and for how long.
    const waits = spans.filter((s) => s.name === "await_approval");
    const decided = waits.find((s) => s.attributes["autopilot.approval.status"] === "approved")!;
    expect(decided.attributes).toMatchObject({
      "autopilot.approval.id": pending.id,
      "autopilot.approval.decided_by.id": owner.userId,
      "autopilot.approval.decided_in": "app",
      "gen_ai.tool.name": "threads_archive",
    });
    expect(decided.attributes["autopilot.approval.wait_ms"]).toBe(decided.endMs - decided.startMs);

    // The money: the spans' credits add up to what the ledger charged for the run.
    const { entries } = await back.ok("billing.entries", { runId: task.id, limit: 500 });
    const charged = entries.reduce((sum: number, e: LedgerEntry) => sum - e.amount, 0);
    const onSpans = spans
      .filter((s) => s !== root)
      .reduce((sum, s) => sum + Number(s.attributes["autopilot.credits"] ?? 0), 0);
    expect(charged).toBeGreaterThan(0);
    expect(onSpans).toBe(charged);
    expect(root.attributes["autopilot.credits"]).toBe(charged);
    back.close();
  });

  it("a reply's run is one trace too; with the collector down it answers all the same and the spans are counted as dropped, told live to owners and admins only", async () => {
    const { owner, sock, thread } = await agentRoom();
    // Sockets that asked for `traces.live`: the owner's gets how the export stands as it changes,
    // a member's and a read-only key's never do; the owner's `sock` did not ask, so neither does it.
    const live = { caps: "traces.live" };
    const ownerLive = await RawSocket.open(owner.workspaceId, { cookie: owner.cookie }, live);
    await ownerLive.hello();
    const member = await signUp();
    await addMember(owner, owner.workspaceId, member, "member");
    const memberLive = await RawSocket.open(owner.workspaceId, { cookie: member.cookie }, live);
    await memberLive.hello();
    const readKey = await createKey(owner, owner.workspaceId, ["read"]);
    const keyLive = await RawSocket.open(owner.workspaceId, { key: readKey.key }, live);
    await keyLive.hello();
    type Told = { traces: TracesState };
    const told = (pick: (t: TracesState) => boolean) =>
      ownerLive.waitForEvent<Told>("traces.changed", (p) => pick(p.traces), 30_000);

    await say(sock, thread.id, "STEPS: threads_list {}");
    const listed = await autopilotSays(sock, thread.id, (m) => m.tool?.name === "threads_list");
    const runId = listed.tool!.runId!;
    const spans = await traceOf(runId);
    expect(spans.map((s) => s.name).sort()).toEqual(
      expect.arrayContaining(["invoke_agent Autopilot", "execute_tool threads_list"]),
    );
    expect(spans.find((s) => s.parentSpanId === null)?.attributes["autopilot.run.kind"]).toBe("reply");
    // The export was told: what was sent, and when.
    const sent = await told((t) => t.exported >= spans.length);
    expect((sent.payload as Told).traces).toMatchObject({
      destination: "operator",
      dropped: 0,
      lastExportAt: expect.any(Number),
    });

    // The workspace's own collector, with a key, goes down.
    const path = `/down-${owner.workspaceId}/v1/traces`;
    await sock.ok("traces.configure", {
      endpoint: `${collector()}${path}`,
      headers: { "X-Api-Key": "down-key-456" },
      protocol: "http/json",
      idempotencyKey: idem(),
    });
    // Setting it is told too, with the header's name and never its value.
    await told((t) => t.destination === "workspace" && t.headerNames.includes("x-api-key"));
    await setDown(path, true);
    try {
      await say(sock, thread.id, "STEPS: threads_list {}");
      await autopilotSays(sock, thread.id, (m) => m.tool?.name === "threads_list" && m.tool.runId !== runId);
      await autopilotSays(sock, thread.id, (m) => m.text.startsWith("TOOL RESULT SEEN") && m.runId !== undefined);
      // The exporter tries the batch again on its alarm, then gives it up: counted, with why, pushed to the app.
      const failed = await told((t) => t.lastError !== null);
      expect((failed.payload as Told).traces).toMatchObject({ lastError: expect.stringMatching(/HTTP 503/) });
      const dropped = await told((t) => t.dropped > 0);
      expect((dropped.payload as Told).traces).toMatchObject({
        destination: "workspace",
        lastError: expect.stringMatching(/HTTP 503/),
        lastErrorAt: expect.any(Number),
      });
    } finally {
      await setDown(path, false);
    }
    // Each socket answers after every frame sent to it before: none of these was told.
    for (const other of [memberLive, keyLive, sock]) {
      await other.ok("threads.list", {});
      expect(other.events("traces.changed")).toEqual([]);
    }
    // The collector's key is in no frame any socket got.
    for (const each of [ownerLive, memberLive, keyLive, sock])
      expect(JSON.stringify(each.frames)).not.toContain("down-key-456");
    for (const each of [ownerLive, memberLive, keyLive, sock]) each.close();
  });

  it("an owner's own collector gets the workspace's spans with its sealed headers, content only when turned on; others may not see or set it", async () => {
    const { owner, sock, thread } = await agentRoom();
    const base = `${collector()}/own-${owner.workspaceId}`;
    // Addresses that would aim the room at its own network, or carry credentials, are refused.
    for (const endpoint of [
      "http://collector.example/v1/traces",
      "https://127.0.0.1/v1/traces",
      "https://localhost/x",
      "https://u:p@collector.example",
      "nope",
    ])
      expect(await sock.call("traces.configure", { endpoint, idempotencyKey: idem() })).toMatchObject({
        ok: false,
        error: { code: "bad_request" },
      });
    const { traces } = await sock.ok("traces.configure", {
      endpoint: base,
      headers: { "X-Api-Key": "own-key-123" },
      // The owner's collector takes protobuf (the operator's here takes JSON): both encodings end to end.
      protocol: "http/protobuf",
      captureContent: true,
      idempotencyKey: idem(),
    });
    // The header's value never comes back: only its name.
    expect(traces).toMatchObject({
      destination: "workspace",
      endpoint: `${base}/v1/traces`,
      headerNames: ["x-api-key"],
      captureContent: true,
    });
    expect(JSON.stringify(traces)).not.toContain("own-key-123");

    await say(sock, thread.id, "STEPS: threads_list {}");
    const listed = await autopilotSays(sock, thread.id, (m) => m.tool?.name === "threads_list");
    const spans = await traceOf(listed.tool!.runId!);
    expect(
      spans.every(
        (s) =>
          s.path === `/own-${owner.workspaceId}/v1/traces` && s.apiKey === "own-key-123" && s.encoding === "protobuf",
      ),
    ).toBe(true);
    // Decoded from protobuf as from JSON: ids in hex, the run's root, times and ints as numbers.
    const root = spans.find((s) => s.parentSpanId === null);
    expect(root).toMatchObject({ name: "invoke_agent Autopilot", traceId: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(root?.endMs).toBeGreaterThanOrEqual(root?.startMs ?? Number.POSITIVE_INFINITY);
    // Content capture on: the tool's arguments and result are on its span.
    const tool = spans.find((s) => s.name === "execute_tool threads_list")!;
    expect(tool.attributes["gen_ai.tool.call.arguments"]).toMatch(/"limit"/);
    expect(typeof tool.attributes["gen_ai.tool.call.result"]).toBe("string");

    // A member and a write key may neither read nor set where the traces go.
    const member = await signUp();
    await addMember(owner, owner.workspaceId, member, "member");
    const memberSock = await RawSocket.open(owner.workspaceId, { cookie: member.cookie });
    await memberSock.hello();
    expect(await memberSock.call("traces.get", {})).toMatchObject({ ok: false, error: { code: "forbidden" } });
    const key = await createKey(owner, owner.workspaceId, ["read", "write"]);
    const keySock = await RawSocket.open(owner.workspaceId, { key: key.key });
    await keySock.hello();
    expect(await keySock.call("traces.configure", { endpoint: null, idempotencyKey: idem() })).toMatchObject({
      ok: false,
      error: { code: "forbidden" },
    });
    // Back to the operator's: the headers go with the address.
    const back = await sock.ok("traces.configure", { endpoint: null, captureContent: false, idempotencyKey: idem() });
    expect(back.traces).toMatchObject({
      destination: "operator",
      endpoint: null,
      headerNames: [],
      captureContent: false,
    });
    memberSock.close();
    keySock.close();
    sock.close();
  });

  it("a batch the collector took whose answer the room never got (it went down) is sent again once it wakes: the same spans, ids and all", async () => {
    const { owner, sock, thread } = await agentRoom();
    const path = `/slow-${owner.workspaceId}/v1/traces`;
    await sock.ok("traces.configure", {
      endpoint: `${collector()}${path}`,
      protocol: "http/json",
      idempotencyKey: idem(),
    });
    // Each batch is taken at once and answered only seconds later (ample for the restart below
    // to land before the answer, however loaded the machine).
    await setSlow(path, 10_000);
    let back: RawSocket | null = null;
    try {
      await say(sock, thread.id, "STEPS: threads_list {}");
      const listed = await autopilotSays(sock, thread.id, (m) => m.tool?.name === "threads_list");
      const runId = listed.tool!.runId!;
      // The batch with the run's root is taken; before its answer comes the room goes down.
      const first = await traceOf(runId);
      sock.close();
      await runInDurableObject(roomStub(owner.workspaceId), (_room, state) => state.abort("restart")).catch(() => {});
      await setSlow(path, 0);
      back = await RawSocket.open(owner.workspaceId, { cookie: owner.cookie });
      await back.hello();
      // Woken, it sends what it never heard was taken.
      const deadline = Date.now() + 30_000;
      let spans = first;
      const root = first.find((s) => s.parentSpanId === null)!;
      while (spans.filter((s) => s.spanId === root.spanId).length < 2) {
        if (Date.now() > deadline) throw new Error("the batch with the root was not sent again");
        await new Promise((resolve) => setTimeout(resolve, 100));
        spans = await traceOf(runId);
      }
      // Copies of the same spans (byId checks each is the very span): the trace by id is as it was.
      const once = byId(spans);
      expect(once.map((s) => s.spanId).sort()).toEqual([...new Set(first.map((s) => s.spanId))].sort());
      expect(once.filter((s) => s.parentSpanId === null)).toHaveLength(1);
    } finally {
      await setSlow(path, 0);
      back?.close();
    }
  });

  it("a run that ended within the batch delay before the room restarted still reaches the collector, root and all", async () => {
    const { owner, sock } = await agentRoom();
    const { thread } = await sock.ok("threads.create", { title: "Cut short", idempotencyKey: idem() });
    sock.close();
    // The run writes its steps and ends, and the room goes down before its exporter's timer
    // fires: written straight to storage, no event reaches the exporter, so nothing of the run
    // is in memory nor in a trace row; only the log and the exporter's cursor are there.
    const runId = uniq("run");
    await runInDurableObject(roomStub(owner.workspaceId), (_room, state) => {
      const sql = sqlFromStorage(state.storage);
      const now = Date.now();
      queueRun(
        sql,
        {
          id: runId,
          threadId: thread.id,
          triggerMessageId: uniq("msg"),
          doc: {
            triggeredBy: { kind: "user", id: owner.userId, name: "Ada" },
            scopes: [],
            triggerN: 1,
            messages: [],
            pending: [],
          },
        },
        now,
      );
      const call = (step: number) => ({
        kind: "model-call" as const,
        step,
        text: "a model call",
        details: { model: "m", durationMs: 5, inputTokens: 10, outputTokens: 2, ok: true },
      });
      appendRunLog(sql, runId, [call(1), call(2)], now);
      expect(claimRun(sql, runId, "queued", "finished", now)).toBe(true);
      expect(sql.one<{ n: number }>("select count(*) as n from trace_runs where run_id = ?", runId)?.n).toBe(0);
    });
    await evictDurableObject(roomStub(owner.workspaceId));

    // The room's start passes over the runs that wrote past the cursor.
    const back = await RawSocket.open(owner.workspaceId, { cookie: owner.cookie });
    await back.hello();
    const spans = await traceOf(runId);
    const root = spans.find((s) => s.parentSpanId === null)!;
    expect(root.attributes).toMatchObject({ "autopilot.run.id": runId, "autopilot.run.outcome": "finished" });
    expect(spans.filter((s) => s.attributes["gen_ai.operation.name"] === "chat")).toHaveLength(2);
    expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set([root.traceId]));
    back.close();
  });
});
