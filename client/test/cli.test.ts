import { describe, expect, it } from "vitest";
import { offeredCapabilities } from "../../shared/protocol/capabilities";
import { methodsAfter } from "../../shared/protocol/cuts/index";
import { OLDEST_PROTOCOL_VERSION, PROTOCOL_VERSION } from "../../shared/protocol/version";
import type { FakeRoom } from "./fake-room";
import { setUpCli } from "./cli-harness";
import { approval, thread } from "./fixtures";

let room: FakeRoom;
// Most tests run the CLI in this process; the three that spawn its bundle show what only a
// process does: that the bundle starts on the Node agents run, its exit status, stdin read
// to its end, and SIGINT.
const { cli, spawnCli } = setUpCli((r) => (room = r));

describe("autopilot CLI", () => {
  it("prints results as JSON", async () => {
    room.onRequest = (request, connection) => {
      if (request.method === "threads.list") connection.respond(request.id, { threads: [thread("t1")], next: null });
      if (request.method === "threads.create")
        connection.respond(request.id, { thread: thread("t2", { title: String(request.params?.title) }) });
    };
    const listed = await cli(["threads"]);
    expect(listed).toMatchObject({ code: 0, stderr: "" });
    expect(listed.stdout).toBe(`${JSON.stringify({ threads: [thread("t1")], next: null })}\n`);
    const created = await cli(["thread", "new", "Release", "notes"]);
    expect(JSON.parse(created.stdout)).toMatchObject({ thread: { id: "t2", title: "Release notes" } });
    expect(room.latest.headers["x-api-key"]).toBe("key_secret");
  });

  it("exits 2 on usage errors without connecting", async () => {
    const run = await spawnCli(["job", "progress", "j1", "150"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^autopilot: percent must be a number from 0 to 100/);
    expect(room.connections).toHaveLength(0);
  });

  it("exits 3 with a readable message when authentication fails", async () => {
    room.onConnect = (connection) => {
      setTimeout(() => connection.socket.close(4001, "invalid or revoked API key"), 5);
      return null;
    };
    const run = await cli(["threads"]);
    expect(run.code).toBe(3);
    expect(run.stderr.trim()).toBe("autopilot: authentication failed: invalid or revoked API key");
  });

  it("exits 3 and says to update when the server speaks a newer protocol", async () => {
    room.onConnect = (connection) => {
      setTimeout(
        () =>
          connection.socket.close(
            4008,
            `protocol ${PROTOCOL_VERSION} is not supported: this server speaks protocols ${PROTOCOL_VERSION + 1} to ${PROTOCOL_VERSION + 2}`,
          ),
        5,
      );
      return null;
    };
    const run = await cli(["threads"]);
    expect(run.code).toBe(3);
    expect(run.stderr.trim()).toBe(
      `autopilot: this client speaks protocols ${OLDEST_PROTOCOL_VERSION} to ${PROTOCOL_VERSION}, which the server no longer supports (it speaks protocols ${PROTOCOL_VERSION + 1} to ${PROTOCOL_VERSION + 2}): update your client (reload the app, or install the latest autopilot CLI)`,
    );
    expect(room.connections).toHaveLength(1);
  });

  it("says on one line of stderr when the server retires this protocol soon, and does the command", async () => {
    room.onConnect = () => ({
      deprecated: {
        removedAfter: "2027-03-01",
        upgrade: "install the current client: npm install <server>/autopilot-client.tgz",
      },
    });
    room.onRequest = (request, connection) => {
      if (request.method === "threads.list") connection.respond(request.id, { threads: [], next: null });
    };
    const run = await cli(["threads"]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ threads: [], next: null });
    expect(run.stderr).toBe(
      `autopilot: this server stops speaking protocol ${PROTOCOL_VERSION} after 2027-03-01; install the current client: npm install <server>/autopilot-client.tgz\n`,
    );
  });

  it("against an older server, steps down to its version and says on stderr what it lacks", async () => {
    const older = PROTOCOL_VERSION - 1;
    room.onConnect = (connection) => {
      if (connection.url.searchParams.get("protocol") === String(older)) return { protocol: older };
      setTimeout(
        () =>
          connection.socket.close(
            4008,
            `protocol ${PROTOCOL_VERSION} is not supported: this server speaks protocols ${OLDEST_PROTOCOL_VERSION} to ${older}`,
          ),
        5,
      );
      return null;
    };
    room.onRequest = (request, connection) => {
      if (request.method === "threads.list") connection.respond(request.id, { threads: [], next: null });
    };
    const run = await cli(["threads"]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ threads: [], next: null });
    // The methods after it, then its own version's capabilities: the first six named.
    const missing = [...methodsAfter(older), ...[...offeredCapabilities(PROTOCOL_VERSION)].sort()];
    const shown = missing.slice(0, 6).join(", ") + (missing.length > 6 ? ` and ${missing.length - 6} more` : "");
    expect(run.stderr).toBe(
      `autopilot: this server speaks protocol ${older} (this client ${PROTOCOL_VERSION}); it lacks ${shown}\n`,
    );
    expect(methodsAfter(older).length).toBeGreaterThan(0);
  });

  it("exits 3 on a server error", async () => {
    room.onRequest = (request, connection) =>
      connection.fail(request.id, {
        code: "already_resolved",
        message: "approval a1 was already denied",
        retryable: false,
      });
    const run = await cli(["approve", "a1", "--note", "lgtm"]);
    expect(run.code).toBe(3);
    expect(run.stderr.trim()).toBe("autopilot: approval a1 was already denied (already_resolved)");
    expect(room.latest.requests[0]).toMatchObject({
      method: "approvals.resolve",
      params: { approvalId: "a1", decision: "approve", note: "lgtm" },
    });
  });

  it.each([
    ["approved", 0],
    ["denied", 1],
    ["expired", 1],
  ] as const)("request-approval --wait exits %s → %i", async (status, exitCode) => {
    room.onRequest = (request, connection) => {
      if (request.method === "approvals.request") {
        connection.respond(request.id, {
          approval: approval("a1", { title: String(request.params?.title), risk: "high" }),
        });
        setTimeout(
          () => connection.event("approval.resolved", { approval: approval("a1", { status, resolvedAt: 50 }) }, 1),
          100,
        );
      }
      if (request.method === "approvals.get") connection.respond(request.id, { approval: approval("a1") });
    };
    const run = await cli(["request-approval", "Delete", "prod", "--risk", "high", "--expires-in", "60", "--wait"]);
    expect(run.code).toBe(exitCode);
    const lines = run.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as unknown);
    expect(lines).toMatchObject([{ approval: { id: "a1", status: "pending" } }, { approval: { id: "a1", status } }]);
    expect(run.stderr).toMatch(/waiting for a decision on approval a1/);
    expect(room.latest.requests[0]!.params).toMatchObject({ title: "Delete prod", risk: "high", expiresInMs: 60_000 });
  });

  it("request-approval without --wait prints the pending approval and exits 0", async () => {
    room.onRequest = (request, connection) => connection.respond(request.id, { approval: approval("a1") });
    const run = await cli(["request-approval", "Rotate", "keys", "--details", "all of them", "--thread", "t1"]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ approval: { id: "a1", status: "pending" } });
    expect(room.latest.requests[0]!.params).toMatchObject({
      title: "Rotate keys",
      details: "all of them",
      threadId: "t1",
    });
  });

  it("request-approval --wait notices a decision made while it was disconnected", async () => {
    room.onRequest = (request, connection) => {
      if (request.method === "approvals.request") {
        connection.respond(request.id, { approval: approval("a1") });
        setTimeout(() => connection.socket.terminate(), 50);
      }
      if (request.method === "approvals.get") {
        const decided = room.connections.length > 1;
        connection.respond(request.id, {
          approval: decided ? approval("a1", { status: "approved", resolvedAt: 9 }) : approval("a1"),
        });
      }
    };
    // The reconnect gets a reset snapshot, so no approval.resolved is replayed.
    room.onConnect = () => (room.connections.length > 1 ? { seq: 100, reset: true } : {});
    const run = await cli(["request-approval", "Ship", "it", "--wait"]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout.trim().split("\n").at(-1)!)).toMatchObject({
      approval: { id: "a1", status: "approved" },
    });
  });

  it("watch prints every event frame as a JSON line and exits 0 on SIGINT", async () => {
    room.onConnect = (connection) => {
      setTimeout(() => connection.event("thread.created", { thread: thread("t1") }, 1), 20);
      return {};
    };
    const run = await spawnCli(["watch"], {
      onStdout: (text, signal) => {
        if (text.split("\n").filter(Boolean).length === 2) signal("SIGINT");
      },
    });
    expect(run.code).toBe(0);
    const lines = run.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { event: string; seq?: number });
    expect(lines.map((line) => line.event)).toEqual(["hello", "thread.created"]);
    expect(lines[1]!.seq).toBe(1);
    expect(run.stderr).toMatch(/connected to workspace ws_1 as Bot/);
  });

  it("watch --thread connects viewing those threads only", async () => {
    room.onConnect = (connection) => {
      setTimeout(() => connection.event("thread.created", { thread: thread("t1") }, 1), 20);
      return {};
    };
    const run = await spawnCli(["watch", "--thread", "t1,t2"], {
      onStdout: (text, signal) => {
        if (text.split("\n").filter(Boolean).length === 2) signal("SIGINT");
      },
    });
    expect(run.code).toBe(0);
    expect(room.latest.url.searchParams.get("view")).toBe("t1,t2");
  });

  it("send reads the text from stdin with -", async () => {
    room.onRequest = (request, connection) =>
      connection.respond(request.id, {
        message: {
          id: "m1",
          n: 1,
          threadId: "t1",
          author: { id: "agent_bot", kind: "agent", name: "Bot" },
          text: String(request.params?.text),
          createdAt: 1,
        },
      });
    const run = await spawnCli(["send", "t1", "-"], { stdin: "line one\nline two\n" });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).message.text).toBe("line one\nline two");
  });

  it("passes the gateway commands through to their methods", async () => {
    room.onRequest = (request, connection) => {
      if (request.method === "chat.abort") connection.respond(request.id, { aborted: true, runIds: ["r1"] });
      if (request.method === "chat.goAhead") connection.respond(request.id, { runId: "run_1", withdrawn: [] });
      if (request.method === "sessions.list") connection.respond(request.id, { instanceId: "work", sessions: [] });
      if (request.method === "sessions.open") connection.respond(request.id, { thread: thread("t9") });
    };
    expect(JSON.parse((await cli(["chat", "abort", "t1"])).stdout)).toEqual({ aborted: true, runIds: ["r1"] });
    expect(room.latest.requests[0]).toMatchObject({ method: "chat.abort", params: { threadId: "t1" } });
    expect(JSON.parse((await cli(["chat", "go-ahead", "run_1"])).stdout)).toEqual({ runId: "run_1", withdrawn: [] });
    expect(room.latest.requests[0]).toMatchObject({
      method: "chat.goAhead",
      params: { runId: "run_1", idempotencyKey: expect.any(String) },
    });
    expect(JSON.parse((await cli(["sessions", "work"])).stdout)).toEqual({ instanceId: "work", sessions: [] });
    const opened = await cli(["session", "open", "work", "agent:main:main"]);
    expect(JSON.parse(opened.stdout)).toMatchObject({ thread: { id: "t9" } });
    expect(room.latest.requests[0]).toMatchObject({
      method: "sessions.open",
      params: { instanceId: "work", sessionKey: "agent:main:main", idempotencyKey: expect.any(String) },
    });
  });

  it("search sends its words as plain text to search.query and prints the hits", async () => {
    const result = {
      hits: [{ threadId: "t1", messageId: "m1", n: 4, snippet: "deploy tonight", ranges: [[0, 6]], at: 5 }],
      next: 4,
    };
    room.onRequest = (request, connection) => {
      if (request.method === "search.query") connection.respond(request.id, result);
    };
    const found = await cli(["search", "deploy", '"NEAR(', "--limit", "5", "--before", "9", "--archived"]);
    expect(found).toMatchObject({ code: 0, stderr: "" });
    expect(JSON.parse(found.stdout)).toEqual(result);
    expect(room.latest.requests[0]).toMatchObject({
      method: "search.query",
      params: { q: 'deploy "NEAR(', limit: 5, before: 9, includeArchived: true },
    });
    const tooMany = await cli(["search", "x", "--limit", "51"]);
    expect(tooMany.code).toBe(2);
  });

  it("passes the Autopilot's commands through to their methods, memory put reading stdin with -", async () => {
    const entry = {
      key: "deploy.target",
      value: "eu-west",
      updatedBy: { id: "agent_bot", kind: "agent", name: "Bot" },
      updatedAt: 5,
    };
    const totals = { calls: 2, inputTokens: 30, outputTokens: 12, durationMs: 900 };
    room.onRequest = (request, connection) => {
      if (request.method === "threads.configure")
        connection.respond(request.id, {
          thread: thread("t1", { responder: { kind: "autopilot", reply: "mention", agents: false } }),
        });
      if (request.method === "threads.create")
        connection.respond(request.id, {
          thread: thread("t2", { responder: { kind: "autopilot", reply: "every", agents: true } }),
        });
      if (request.method === "memory.list") connection.respond(request.id, { entries: [entry] });
      if (request.method === "memory.put")
        connection.respond(request.id, { entry: { ...entry, key: request.params?.key, value: request.params?.value } });
      if (request.method === "memory.delete") connection.respond(request.id, { deleted: true });
      if (request.method === "usage.list")
        connection.respond(request.id, { totals, groups: [{ key: "2026-01-01", ...totals }] });
    };
    const configured = await cli(["thread", "configure", "t1", "--responder", "autopilot", "--reply", "mention"]);
    expect(JSON.parse(configured.stdout)).toMatchObject({
      thread: { id: "t1", responder: { kind: "autopilot", reply: "mention", agents: false } },
    });
    expect(room.latest.requests[0]).toMatchObject({
      method: "threads.configure",
      params: { threadId: "t1", responder: "autopilot", reply: "mention", idempotencyKey: expect.any(String) },
    });
    const created = await cli(["thread", "new", "Release", "--responder", "autopilot", "--agents", "answer"]);
    expect(JSON.parse(created.stdout)).toMatchObject({
      thread: { id: "t2", responder: { kind: "autopilot", reply: "every", agents: true } },
    });
    expect(room.latest.requests[0]).toMatchObject({
      method: "threads.create",
      params: { title: "Release", responder: "autopilot", agents: true, idempotencyKey: expect.any(String) },
    });

    expect(JSON.parse((await cli(["memory", "--prefix", "deploy."])).stdout)).toEqual({ entries: [entry] });
    expect(room.latest.requests[0]).toMatchObject({ method: "memory.list", params: { prefix: "deploy." } });

    const put = await cli(["memory", "put", "notes", "-"], { stdin: "first line\nsecond line\n" });
    expect(put.code, put.stderr).toBe(0);
    expect(JSON.parse(put.stdout)).toMatchObject({ entry: { key: "notes", value: "first line\nsecond line" } });
    expect(room.latest.requests[0]).toMatchObject({
      method: "memory.put",
      params: { key: "notes", value: "first line\nsecond line", idempotencyKey: expect.any(String) },
    });

    expect(JSON.parse((await cli(["memory", "delete", "notes"])).stdout)).toEqual({ deleted: true });
    expect(room.latest.requests[0]).toMatchObject({ method: "memory.delete", params: { key: "notes" } });

    const usage = await cli([
      "usage",
      "--since",
      "2026-01-01T00:00:00Z",
      "--group-by",
      "day",
      "--principal",
      "user_alice",
    ]);
    expect(usage.stdout.trim().split("\n")).toHaveLength(1);
    expect(JSON.parse(usage.stdout)).toEqual({ totals, groups: [{ key: "2026-01-01", ...totals }] });
    expect(room.latest.requests[0]).toMatchObject({
      method: "usage.list",
      params: { since: Date.UTC(2026, 0, 1), groupBy: "day", principalId: "user_alice" },
    });
  });
  it("links an own gateway with the token read from stdin, never printed; without one, a usage error and nothing asked", async () => {
    const token = "own-gateway-token-0123456789";
    room.onRequest = (request, connection) => {
      if (request.method === "instances.link") connection.respond(request.id, { approval: approval("a1") });
    };
    const linked = await cli(["instance", "link", "laptop", "ws://127.0.0.1:18789", "--name", "My laptop"], {
      stdin: `${token}\n`,
    });
    expect(linked.code).toBe(0);
    expect(room.latest.requests.find((r) => r.method === "instances.link")?.params).toMatchObject({
      instanceId: "laptop",
      name: "My laptop",
      url: "ws://127.0.0.1:18789",
      token,
    });
    expect(JSON.parse(linked.stdout)).toMatchObject({ approval: { id: "a1" } });
    expect(linked.stdout + linked.stderr).not.toContain(token);

    const bare = await cli(["instance", "link", "laptop", "ws://127.0.0.1:18789"], { stdin: "" });
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain("token on stdin");
    expect(room.latest.requests.filter((r) => r.method === "instances.link")).toHaveLength(0);
  });
});
