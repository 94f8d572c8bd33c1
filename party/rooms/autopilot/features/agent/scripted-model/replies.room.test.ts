import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { EventFrame } from "../../../../../../shared/protocol/frames";
import type { ChatStream } from "../../../../../../shared/protocol/gateway";
import { idem, RawSocket } from "../../../../../test/harness";
import { agentRoom, autopilotMessages, autopilotSays, requestMark, requestsFor, say } from "./test/harness";

const SLOW_TEXT = `${Array.from({ length: 40 }, (_, i) => `word${i}`).join(" ")} END.`;

describe("the Autopilot answers in its threads", () => {
  it("streams a reply to every client, a late joiner gets the text so far, and it lands as one message with its usage", async () => {
    const { owner, sock, thread } = await agentRoom();
    expect(thread.responder).toEqual({ kind: "autopilot", reply: "every", agents: false });
    const other = await RawSocket.open(owner.workspaceId, { cookie: owner.cookie });
    await other.hello();
    const mark = await requestMark();
    const sent = await say(sock, thread.id, "SLOW please");

    // Both clients see deltas of the same run, instanceId null (the Autopilot).
    const isDelta = (f: { type: string; event?: unknown; payload?: unknown }) =>
      f.type === "event" && f.event === "chat.delta" && (f.payload as { text: string }).text.length > 0;
    const first = await other.waitFor<EventFrame>(isDelta, 10_000);
    const { runId, instanceId } = first.payload as { runId: string; instanceId: string | null };
    expect(instanceId).toBeNull();
    await sock.waitFor(isDelta);

    // A client connecting mid-reply gets the partial text in hello.live.
    const late = await RawSocket.open(owner.workspaceId, { cookie: owner.cookie });
    const stream = (await late.hello()).live!.streams.find((s: ChatStream) => s.runId === runId)!;
    expect(stream).toMatchObject({ threadId: thread.id, instanceId: null });
    expect(SLOW_TEXT.startsWith(stream.text)).toBe(true);

    const reply = await autopilotSays(late, thread.id, (m) => m.runId === runId);
    expect(reply.text).toBe(SLOW_TEXT);
    await late.waitFor(
      (f) => f.type === "event" && f.event === "chat.final" && (f.payload as { runId: string }).runId === runId,
    );
    // The deltas add up to the reply, in order, on both early clients.
    for (const client of [sock, other]) {
      const text = client
        .events("chat.delta")
        .filter((e) => (e.payload as { runId: string }).runId === runId)
        .reduce((acc, e) => {
          const p = e.payload as { offset: number; text: string };
          return acc.slice(0, p.offset) + p.text;
        }, "");
      expect(text).toBe(SLOW_TEXT);
    }
    expect(autopilotMessages(sock, thread.id)).toHaveLength(1);

    // The model was asked for usage, saw the message as "Name (kind): text", and one usage row was kept.
    const [request] = await requestsFor(mark, "SLOW please");
    expect(request!.stream_options?.include_usage).toBe(true);
    expect(JSON.stringify(request!.messages)).toContain(`${owner.name} (user): SLOW please`);
    const usage = await sock.ok("usage.list", { threadId: thread.id });
    expect(usage.entries).toHaveLength(1);
    expect(usage.entries![0]).toMatchObject({
      purpose: "reply",
      model: "scripted-model",
      principalId: owner.userId,
      threadId: thread.id,
      ok: true,
    });
    expect(usage.entries![0]!.inputTokens).toBe(Math.ceil(JSON.stringify(request!.messages).length / 4));
    expect(usage.entries![0]!.outputTokens).toBe(Math.ceil(SLOW_TEXT.length / 4));
    expect(usage.totals.calls).toBe(1);
    const byPrincipal = await sock.ok("usage.list", { groupBy: "principal" });
    expect(byPrincipal.groups).toEqual([{ key: owner.userId, ...byPrincipal.totals }]);
    // Secrets stay in the room: no frame any client got names the model key or its endpoint.
    const { AUTOPILOT_MODEL_API_KEY: key, AUTOPILOT_MODEL_BASE_URL: base } = env as unknown as Record<string, string>;
    expect(key).toBeTruthy();
    for (const client of [sock, other, late]) {
      const seen = JSON.stringify(client.frames);
      expect(seen).not.toContain(key);
      expect(seen).not.toContain(base);
    }
    // A replayed chat.send answers from the idempotency table and starts no second run.
    expect(sent.message.n).toBeGreaterThan(0);
    for (const s of [sock, other, late]) s.close();
  });

  it("calls tools: starts a job and adds a canvas note, each a tool message, then answers with what it saw", async () => {
    const { sock, thread } = await agentRoom();
    await say(
      sock,
      thread.id,
      'STEPS: jobs_start {"title":"Index the repo"} ; graph_apply {"commands":[{"op":"note.add","text":"Indexing"}]}',
    );
    const job = await sock.waitFor<EventFrame>((f) => f.type === "event" && f.event === "job.started");
    expect((job.payload as { job: { title: string; owner: { id: string } } }).job).toMatchObject({
      title: "Index the repo",
      owner: { id: "autopilot" },
    });
    const jobTool = await autopilotSays(sock, thread.id, (m) => m.kind === "tool" && m.tool?.name === "jobs_start");
    expect(jobTool.tool).toMatchObject({ status: "ok", approvalId: null });
    expect(JSON.parse(jobTool.tool!.arguments)).toMatchObject({ title: "Index the repo" });
    const noteTool = await autopilotSays(sock, thread.id, (m) => m.kind === "tool" && m.tool?.name === "graph_apply");
    expect(noteTool.tool!.status).toBe("ok");
    expect(JSON.parse(noteTool.tool!.result!)).toMatchObject({ applied: 1 });
    const answer = await autopilotSays(
      sock,
      thread.id,
      (m) => m.kind === undefined && m.text.startsWith("TOOL RESULT SEEN"),
    );
    expect(answer.text).toContain('"applied":1');
    sock.close();
  });

  it("names an untitled thread after its first reply, as the Autopilot", async () => {
    const { sock } = await agentRoom();
    const { thread } = await sock.ok("threads.create", { idempotencyKey: idem() });
    expect(thread).toMatchObject({ title: "New thread", untitled: true, responder: { kind: "autopilot" } });
    await say(sock, thread.id, "SAY: Release planning");
    const renamed = await sock.waitFor<EventFrame>((f) => f.type === "event" && f.event === "thread.renamed", 20_000);
    const named = (renamed.payload as { thread: { title: string; untitled?: boolean } }).thread;
    expect(named.untitled).toBeUndefined();
    expect(named.title.length).toBeGreaterThan(0);
    expect(named.title).not.toBe("New thread");
    const usage = await sock.ok("usage.list", { threadId: thread.id });
    expect(usage.entries!.map((e) => e.purpose).sort()).toEqual(["reply", "title"]);
    sock.close();
  });

  it("keeps the workspace memory with people: methods, events, and the notes in its instructions", async () => {
    const { owner, sock, thread } = await agentRoom();
    const watcher = await RawSocket.open(owner.workspaceId, { cookie: owner.cookie });
    await watcher.hello();
    const { entry } = await sock.ok("memory.put", {
      key: "deploy-day",
      value: "We deploy on Tuesdays",
      idempotencyKey: idem(),
    });
    expect(entry).toMatchObject({ key: "deploy-day", updatedBy: { id: owner.userId } });
    await watcher.waitFor((f) => f.type === "event" && f.event === "memory.updated" && typeof f.seq === "number");
    expect((await sock.ok("memory.list", { prefix: "deploy" })).entries.map((e) => e.value)).toEqual([
      "We deploy on Tuesdays",
    ]);

    const mark = await requestMark();
    await say(sock, thread.id, "SAY: noted MEMCHECK");
    await autopilotSays(sock, thread.id);
    const [request] = await requestsFor(mark, "MEMCHECK");
    expect(JSON.stringify(request!.messages![0])).toContain("deploy-day: We deploy on Tuesdays");

    // The Autopilot keeps notes too, through its memory tool.
    await say(sock, thread.id, 'STEPS: memory_put {"key":"owner","value":"Ask Sam"}');
    await autopilotSays(sock, thread.id, (m) => m.tool?.name === "memory_put");
    expect((await sock.ok("memory.list", {})).entries.find((e) => e.key === "owner")).toMatchObject({
      value: "Ask Sam",
      updatedBy: { id: "autopilot" },
    });

    // The instructions' memory is kept between runs until the memory is written (each write,
    // the Autopilot's own and a person's, gives the next run what the memory holds now).
    const instructionsOf = async (word: string) => {
      const mark = await requestMark();
      await say(sock, thread.id, `SAY: noted ${word}`);
      await autopilotSays(sock, thread.id, (m) => m.text.includes(`noted ${word}`));
      const [request] = await requestsFor(mark, word);
      return JSON.stringify(request!.messages![0]);
    };
    const between = await instructionsOf("MEMBETWEEN");
    expect(between).toContain("deploy-day: We deploy on Tuesdays");
    expect(between).toContain("owner: Ask Sam");

    expect(await sock.ok("memory.delete", { key: "deploy-day", idempotencyKey: idem() })).toEqual({ deleted: true });
    await watcher.waitFor((f) => f.type === "event" && f.event === "memory.deleted");
    expect(await sock.ok("memory.delete", { key: "deploy-day", idempotencyKey: idem() })).toEqual({ deleted: false });
    const after = await instructionsOf("MEMAFTER");
    expect(after).toContain("owner: Ask Sam");
    expect(after).not.toContain("deploy-day");
    for (const s of [sock, watcher]) s.close();
  });
});
