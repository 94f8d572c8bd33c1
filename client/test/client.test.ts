import { afterEach, describe, expect, it, vi } from "vitest";
import { eventually, eventuallyReal } from "./fake-room";
import { PROTOCOL_VERSION } from "../../shared/protocol/version";
import { DEFAULT_INBOX_PREFERENCES } from "../../shared/protocol/inbox";
import { approval, message, noMore, person, presence, snapshot, thread } from "./fixtures";
import { fakeRoomPerTest } from "./client-harness";

const harness = fakeRoomPerTest();
const connect = (options?: Parameters<typeof harness.connect>[0]) => harness.connect(options);
const { statuses } = harness;
// Registered after the harness's hooks, so it runs before them (the room closes on real timers).
afterEach(() => vi.useRealTimers());

describe("requests", () => {
  it("resolves with the validated result and adds an idempotency key to mutations only", async () => {
    harness.room.onRequest = (request, connection) => {
      if (request.method === "threads.create")
        connection.respond(request.id, { thread: thread("t9", { title: String(request.params?.title) }) });
      if (request.method === "threads.list") connection.respond(request.id, { threads: [], next: null });
    };
    const client = connect();
    const created = await client.threads.create({ title: "Plan" });
    expect(created.thread.title).toBe("Plan");
    await client.threads.list();
    const [create, list] = harness.room.latest.requests;
    expect(create!.params?.idempotencyKey).toEqual(expect.any(String));
    expect(list!.params).toBeUndefined();
  });

  it("keeps a caller's idempotency key", async () => {
    harness.room.onRequest = (request, connection) => connection.respond(request.id, { thread: thread("t1") });
    const client = connect();
    await client.threads.create({ title: "x", idempotencyKey: "my-key-123" });
    expect(harness.room.latest.requests[0]!.params?.idempotencyKey).toBe("my-key-123");
  });

  it("holds requests until the hello, then sends them", async () => {
    harness.room.onConnect = () => null;
    harness.room.onRequest = (request, connection) => connection.respond(request.id, { threads: [], next: null });
    const client = connect();
    // The `count`th socket open and no hello: a request waits (were it sent, it would arrive
    // before the pong), and goes out once the hello came.
    const heldUntilHello = async (count: number) => {
      const connection = await harness.room.waitForConnections(count);
      await connection.roundTrip();
      const listed = client.threads.list();
      await connection.roundTrip();
      expect(connection.requests).toHaveLength(0);
      connection.event("hello", { ...helloFrom(), seq: 0 });
      await listed;
      expect(connection.requests.map((r) => r.method)).toEqual(["threads.list"]);
      return connection;
    };
    const connection = await heldUntilHello(1);

    // The same on a later socket: open is not enough, only its hello is.
    connection.socket.terminate();
    await heldUntilHello(2);
  });

  it("re-sends an unanswered mutation after a reconnect with the same key, and it resolves once", async () => {
    harness.room.onRequest = (request, connection) => {
      if (harness.room.connections.length === 1) connection.socket.terminate();
      else connection.respond(request.id, { message: message("m1", "t1", 1) });
    };
    const client = connect();
    const sent = await client.chat.send({ threadId: "t1", text: "hi" });
    expect(sent.message.id).toBe("m1");
    const first = harness.room.connections[0]!.requests[0]!;
    const second = harness.room.connections[1]!.requests[0]!;
    expect(second.method).toBe("chat.send");
    expect(second.params?.idempotencyKey).toBe(first.params?.idempotencyKey);
  });

  it("retries retryable errors, honouring retryAfterMs", async () => {
    let attempts = 0;
    harness.room.onRequest = (request, connection) => {
      attempts += 1;
      if (attempts < 3)
        connection.fail(request.id, { code: "rate_limited", message: "slow down", retryable: true, retryAfterMs: 50 });
      else connection.respond(request.id, { threads: [], next: null });
    };
    const client = connect();
    await client.ready();
    // On a fake clock from here: each retry waits for its retryAfterMs and not a moment less.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const connection = harness.room.latest;
    const listed = client.threads.list();
    for (const attempt of [1, 2]) {
      await eventuallyReal(() => expect(attempts).toBe(attempt));
      await vi.advanceTimersByTimeAsync(49);
      await connection.roundTrip();
      expect(attempts).toBe(attempt);
      await vi.advanceTimersByTimeAsync(1);
    }
    await listed;
    expect(attempts).toBe(3);
  });

  it("rejects non-retryable errors at once, and gives up on retryable ones eventually", async () => {
    harness.room.onRequest = (request, connection) => {
      if (request.method === "approvals.get")
        connection.fail(request.id, { code: "not_found", message: "no such approval", retryable: false });
      else connection.fail(request.id, { code: "unavailable", message: "busy", retryable: true, retryAfterMs: 1 });
    };
    const client = connect({ maxRequestRetries: 2 });
    await expect(client.approvals.get({ approvalId: "a1" })).rejects.toMatchObject({
      code: "not_found",
      message: "no such approval",
      retryable: false,
    });
    await expect(client.threads.list()).rejects.toMatchObject({ code: "unavailable" });
    expect(harness.room.latest.requests.filter((r) => r.method === "threads.list")).toHaveLength(3);
  });

  it("rejects invalid params locally", async () => {
    const client = connect();
    await expect(client.jobs.update({ jobId: "j1", progress: 140 })).rejects.toMatchObject({ code: "bad_request" });
    expect(harness.room.connections.flatMap((c) => c.requests)).toHaveLength(0);
  });

  it("times out, reporting the idempotency key so the caller can retry safely", async () => {
    const client = connect();
    const error = await client.jobs.start({ title: "x" }, { timeoutMs: 100 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "timeout", details: { idempotencyKey: expect.any(String) } });
  });

  it("rejects pending requests on close()", async () => {
    const client = connect();
    const pending = client.threads.list();
    await client.ready();
    client.close();
    await expect(pending).rejects.toMatchObject({ code: "closed" });
    expect(client.status).toBe("closed");
  });

  it("rejects responses that do not match the result schema", async () => {
    harness.room.onRequest = (request, connection) => connection.respond(request.id, { nope: true });
    const client = connect();
    await expect(client.threads.list()).rejects.toMatchObject({ code: "invalid_response" });
  });
});

describe("events and resuming", () => {
  it("applies events, emits them typed and raw, and ignores duplicates", async () => {
    harness.room.onConnect = () => ({ seq: 2 });
    const client = connect();
    await client.ready();
    const created: string[] = [];
    const raw: string[] = [];
    client.on("thread.created", ({ thread: t }, frame) => created.push(`${t.id}@${frame.seq}`));
    client.on("event", (frame) => raw.push(frame.event));
    harness.room.latest.event("thread.created", { thread: thread("t1") }, 3);
    harness.room.latest.event("thread.created", { thread: thread("dup") }, 3);
    harness.room.latest.event("presence.summary", { people: 1, connections: 1, shown: [person("ann")] });
    harness.room.latest.event("instance.created", { whatever: 1 }, 4);
    await eventually(() => expect(client.lastSeq).toBe(4));
    expect(created).toEqual(["t1@3"]);
    expect(raw).toEqual(["thread.created", "presence.summary", "instance.created"]);
    expect(client.state.threads.has("dup")).toBe(false);
    expect(client.state.presence.has("ann")).toBe(true);
  });

  it("resumes from lastSeq after a drop and applies the replayed events", async () => {
    harness.room.onConnect = (connection) => {
      if (harness.room.connections.length === 1) return { seq: 5, epoch: "E" };
      expect(connection.url.searchParams.get("lastSeq")).toBe("5");
      expect(connection.url.searchParams.get("epoch")).toBe("E");
      setTimeout(() => {
        connection.event("approval.requested", { approval: approval("a1") }, 6);
        connection.event("approval.resolved", { approval: approval("a1", { status: "approved", resolvedAt: 9 }) }, 7);
      }, 0);
      return {
        seq: 7,
        epoch: "E",
        snapshot: null,
        resumedFrom: 5,
        presence: { people: 1, connections: 1, shown: [person("newcomer")], own: 0 },
      };
    };
    const listed: string[] = [];
    harness.room.onRequest = (request) => void listed.push(request.method);
    const client = connect();
    await client.ready();
    const seen = statuses(client);
    harness.room.latest.socket.terminate();
    await eventually(() => expect(client.lastSeq).toBe(7));
    expect(client.state.approvals.get("a1")?.status).toBe("approved");
    expect(seen.map(([status]) => status)).toContain("reconnecting");
    expect(client.status).toBe("connected");
    // Presence is not replayed: the resume's hello carries it current, and nothing is asked for.
    expect([...client.state.presence.keys()]).toEqual(["newcomer"]);
    expect(listed).not.toContain("presence.list");
  });

  it("reconnects to resume when it notices a gap", async () => {
    harness.room.onConnect = (connection) => {
      if (harness.room.connections.length === 1) return { seq: 5 };
      expect(connection.url.searchParams.get("lastSeq")).toBe("5");
      setTimeout(() => connection.event("thread.created", { thread: thread("t6") }, 6), 0);
      return { seq: 6, snapshot: null, resumedFrom: 5 };
    };
    const client = connect();
    await client.ready();
    harness.room.latest.event("thread.created", { thread: thread("t7") }, 7);
    await harness.room.waitForConnections(2);
    await eventually(() => expect(client.lastSeq).toBe(6));
    expect(client.state.threads.has("t6")).toBe(true);
    expect(client.state.threads.has("t7")).toBe(false);
  });

  it("emits reset when the room replaces our state", async () => {
    harness.room.onConnect = () =>
      harness.room.connections.length === 1
        ? { seq: 5 }
        : { seq: 500, reset: true, snapshot: snapshot({ threads: [thread("fresh")] }) };
    const client = connect();
    await client.ready();
    const resets: number[] = [];
    client.on("reset", (hello) => resets.push(hello.seq));
    harness.room.latest.socket.terminate();
    await eventually(() => expect(resets).toEqual([500]));
    expect([...client.state.threads.keys()]).toEqual(["fresh"]);
  });

  it("loads what a bounded hello left out, page by page, from its cursor (protocol 7)", async () => {
    const first = { at: 10, id: "a10" };
    harness.room.onConnect = () => ({
      seq: 5,
      snapshot: snapshot({ approvals: [approval("a11")], more: { ...noMore, approvals: { left: 2, next: first } } }),
    });
    const asked: unknown[] = [];
    harness.room.onRequest = (request, connection) => {
      asked.push(request.params);
      const before = (request.params as { before: { id: string } }).before;
      if (before.id === "a10")
        connection.respond(request.id, { approvals: [approval("a10")], next: { at: 9, id: "a9" } });
      else connection.respond(request.id, { approvals: [approval("a9")], next: null });
    };
    const client = connect();
    await client.ready();
    expect(await client.loadMore("approvals", 1)).toBe(1);
    expect(await client.loadMore("approvals", 1)).toBe(0);
    expect(await client.loadMore("approvals", 1)).toBe(0);
    expect(asked).toEqual([
      { status: "pending", limit: 1, before: first },
      { status: "pending", limit: 1, before: { at: 9, id: "a9" } },
    ]);
    expect([...client.state.approvals.keys()].sort()).toEqual(["a10", "a11", "a9"]);
  });

  it("unsubscribes", async () => {
    const client = connect();
    await client.ready();
    let calls = 0;
    const off = client.on("event", () => calls++);
    harness.room.latest.event("presence.summary", { people: 1, connections: 1, shown: [person("ann")] });
    await eventually(() => expect(calls).toBe(1));
    off();
    harness.room.latest.event("presence.summary", { people: 1, connections: 1, shown: [person("bob")] });
    await eventually(() => expect(client.state.presence.has("bob")).toBe(true));
    expect(calls).toBe(1);
  });

  it("takes a re-scoped principal from principal.updated (a role changed while connected)", async () => {
    const client = connect();
    await client.ready();
    const before = client.principal!;
    const seen: string[] = [];
    client.on("principal.updated", ({ principal }) => seen.push(principal.role ?? ""));
    harness.room.latest.event("principal.updated", { principal: { ...before, role: "viewer", scopes: ["read"] } });
    await eventually(() => expect(client.principal).toMatchObject({ id: before.id, role: "viewer", scopes: ["read"] }));
    expect(seen).toEqual(["viewer"]);
  });

  it("sets a presence status again after reconnecting", async () => {
    harness.room.onRequest = (request, connection) => {
      if (request.method === "presence.update")
        connection.respond(request.id, { entry: presence("conn_1", { status: String(request.params?.status) }) });
    };
    const client = connect();
    await client.presence.update({ status: "building" });
    harness.room.latest.socket.terminate();
    const second = await harness.room.waitForConnections(2);
    await eventually(() =>
      expect(second.requests.some((r) => r.method === "presence.update" && r.params?.status === "building")).toBe(true),
    );
  });
});

describe("delivery by interest (protocol 18)", () => {
  it("connects with its view, takes the streams threads.view answers, and asks for the new view on every reconnect", async () => {
    harness.room.onRequest = (request, connection) => {
      if (request.method === "threads.view")
        connection.respond(request.id, {
          threads: request.params?.threads,
          streams: [{ threadId: "t2", instanceId: null, runId: "r2", text: "so far", startedAt: 1 }],
        });
    };
    const client = harness.connect({ view: ["t1"] });
    await client.ready();
    expect(harness.room.latest.url.searchParams.get("view")).toBe("t1");
    expect(client.viewing).toEqual(["t1"]);
    const viewing = client.threads.view({ threads: ["t2"] });
    // What it views is the new view from the asking on (a reconnect meanwhile asks for it).
    expect(client.viewing).toEqual(["t2"]);
    await viewing;
    expect(client.state.streams.get("r2")?.text).toBe("so far");
    harness.room.latest.socket.terminate();
    const second = await harness.room.waitForConnections(2);
    expect(second.url.searchParams.get("view")).toBe("t2");
  });

  it("a client that views everything sends no view", async () => {
    const client = harness.connect();
    await client.ready();
    expect(harness.room.latest.url.searchParams.has("view")).toBe(false);
    expect(client.viewing).toBeNull();
  });
});

describe("gateway streams", () => {
  it("emits stream changes from hello.live, deltas and the durable reply, and has typed helpers", async () => {
    const live = {
      streams: [{ threadId: "t1", instanceId: "work", runId: "r0", text: "earlier", startedAt: 1 }],
      sessions: [],
    };
    harness.room.onConnect = () => ({ seq: 1, snapshot: snapshot({ threads: [thread("t1")] }), live });
    harness.room.onRequest = (request, connection) => {
      if (request.method === "chat.abort") connection.respond(request.id, { aborted: true, runIds: ["r1"] });
      if (request.method === "sessions.list") connection.respond(request.id, { instanceId: "work", sessions: [] });
      if (request.method === "sessions.open")
        connection.respond(request.id, {
          thread: thread("t9", { gateway: { instanceId: "work", sessionKey: "agent:main:x" } }),
        });
    };
    const client = connect();
    const changes: string[] = [];
    client.on("stream", (change) =>
      changes.push(
        `${change.kind}:${change.stream.runId}:${change.stream.text}${change.kind === "ended" && change.message ? `:${change.message.id}` : ""}`,
      ),
    );
    await client.ready();
    expect(client.state.streams.get("r0")?.text).toBe("earlier");
    harness.room.latest.event("chat.delta", { threadId: "t1", instanceId: "work", runId: "r1", offset: 0, text: "" });
    harness.room.latest.event("chat.delta", {
      threadId: "t1",
      instanceId: "work",
      runId: "r1",
      offset: 0,
      text: "Hel",
    });
    harness.room.latest.event("chat.delta", { threadId: "t1", instanceId: "work", runId: "r1", offset: 3, text: "lo" });
    harness.room.latest.event(
      "message.created",
      {
        message: message("m2", "t1", 2, {
          text: "Hello.",
          runId: "r1",
          author: { id: "instance:work", kind: "agent", name: "work" },
        }),
      },
      2,
    );
    harness.room.latest.event("chat.final", { threadId: "t1", runId: "r0", messageId: null, aborted: false });
    await eventually(() => expect(client.state.streams.size).toBe(0));
    expect(changes).toEqual([
      "started:r0:earlier",
      "started:r1:",
      "updated:r1:Hel",
      "updated:r1:Hello",
      "ended:r1:Hello:m2",
      "ended:r0:earlier",
    ]);

    expect(await client.chat.abort({ threadId: "t1" })).toEqual({ aborted: true, runIds: ["r1"] });
    expect(await client.sessions.list({ instanceId: "work" })).toEqual({ instanceId: "work", sessions: [] });
    expect(
      (await client.sessions.open({ instanceId: "work", sessionKey: "agent:main:x" })).thread.gateway?.sessionKey,
    ).toBe("agent:main:x");
    const sent = harness.room.latest.requests.map((r) => [r.method, r.params]);
    expect(sent[0]).toEqual(["chat.abort", { threadId: "t1", idempotencyKey: expect.any(String) }]);
    expect(sent[2]).toEqual([
      "sessions.open",
      { instanceId: "work", sessionKey: "agent:main:x", idempotencyKey: expect.any(String) },
    ]);
  });
});

function helloFrom() {
  return {
    protocol: PROTOCOL_VERSION,
    connectionId: "conn_1",
    workspaceId: "ws_1",
    epoch: "epoch_a",
    principal: { id: "agent_bot", kind: "agent", name: "Bot", scopes: ["read", "write"] },
    reset: false,
    resumedFrom: null,
    snapshot: snapshot(),
    limits: { maxFrameBytes: 65536, requestsPerSecond: 20, burst: 40 },
    reads: {},
    presence: { people: 0, connections: 0, shown: [], own: 0 },
  };
}

describe("typing", () => {
  it("infers params and results from the method registry", async () => {
    harness.room.onRequest = (request, connection) =>
      connection.respond(request.id, { approvals: [approval("a1")], next: null });
    const client = connect();
    const { approvals } = await client.request("approvals.list", { status: "pending" });
    const status: "pending" | "approved" | "denied" | "expired" = approvals[0]!.status;
    expect(status).toBe("pending");
    // @ts-expect-error: unknown method
    void client.request("threads.explode", {}).catch(() => {});
    // @ts-expect-error: chat.send needs a threadId
    void client.chat.send({ text: "x" }).catch(() => {});
    client.on("job.progressed", ({ job }) => void job.progress.toFixed());
  });

  it("aborts a request through its signal", async () => {
    const client = connect();
    const controller = new AbortController();
    const pending = client.threads.list(undefined, { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: "aborted" });
  });
});

describe("frames the room sends as less (chat.deltas, inbox.changes)", () => {
  const inbox = (keys: string[], following: string[] = []) => ({
    items: keys.map((key, i) => ({
      key,
      kind: "reply" as const,
      at: 100 - i,
      title: key,
      detail: "",
      target: { kind: "thread" as const, threadId: "t1" },
      read: false,
    })),
    unread: keys.length,
    preferences: DEFAULT_INBOX_PREFERENCES,
    following,
    push: { publicKey: null, endpoints: [] },
  });

  it("hands listeners whole deltas and the whole inbox; a later piece of a run it does not hold is dropped", async () => {
    harness.room.onRequest = (request, connection) => {
      if (request.method === "inbox.get") connection.respond(request.id, { inbox: inbox(["c"]) });
    };
    const client = connect();
    await client.ready();
    const deltas: unknown[] = [];
    const inboxes: string[][] = [];
    client.on("chat.delta", (d) => deltas.push(d));
    client.on("inbox.updated", ({ inbox: i }) => inboxes.push([...i.items.map((x) => x.key), ...i.following]));
    const room = harness.room.latest;
    // A change before any whole inbox: the client reads it.
    room.event("inbox.updated", { inbox: { changed: [], removed: [], unread: 0, followed: ["t9"], unfollowed: [] } });
    await eventually(() => expect(inboxes).toEqual([["c"]]));
    room.event("chat.delta", { threadId: "t1", instanceId: null, runId: "r1", offset: 0, text: "Hel" });
    room.event("chat.delta", { runId: "r1", offset: 3, text: "lo" });
    room.event("chat.delta", { runId: "unknown", offset: 5, text: "!" });
    room.event("inbox.updated", { inbox: inbox(["a"], ["t1"]) });
    room.event("inbox.updated", {
      inbox: { changed: inbox(["b"]).items, removed: ["a"], unread: 1, followed: ["t2"], unfollowed: [] },
    });
    await eventually(() => expect(inboxes).toHaveLength(3));
    expect(deltas).toEqual([
      { threadId: "t1", instanceId: null, runId: "r1", offset: 0, text: "Hel" },
      { threadId: "t1", instanceId: null, runId: "r1", offset: 3, text: "lo" },
    ]);
    expect(client.state.streams.get("r1")?.text).toBe("Hello");
    expect(client.state.streams.has("unknown")).toBe(false);
    expect(inboxes.slice(1)).toEqual([
      ["a", "t1"],
      ["b", "t2", "t1"],
    ]);
  });
});
