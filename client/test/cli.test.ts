import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { PROTOCOL_VERSION } from "../../shared/protocol/version";
import { FakeRoom } from "./fake-room";
import { approval, message, snapshot, thread } from "./fixtures";

// Bundled next to node_modules so the externals (`ws`, `commander`) resolve as they do for client/dist.
/** `AUTOPILOT_TEST_NODE=/path/to/node20` checks the bundle on the oldest supported Node. */
const nodeBinary = process.env.AUTOPILOT_TEST_NODE ?? process.execPath;
const cliBundle = fileURLToPath(new URL("../../node_modules/.cache/autopilot-cli-test/cli.mjs", import.meta.url));

beforeAll(async () => {
  await build({
    entryPoints: [fileURLToPath(new URL("../src/cli.ts", import.meta.url))],
    outfile: cliBundle,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    external: ["ws", "commander"],
    logLevel: "warning",
  });
});

let room: FakeRoom;
beforeEach(async () => {
  room = await FakeRoom.start();
});
afterEach(async () => {
  await room.close();
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], options: { env?: Record<string, string>; stdin?: string; onStdout?: (text: string, signal: (s: NodeJS.Signals) => void) => void } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(nodeBinary, [cliBundle, ...args], {
      env: { PATH: process.env.PATH ?? "", AUTOPILOT_URL: room.url, AUTOPILOT_WORKSPACE: "ws_1", AUTOPILOT_KEY: "key_secret", ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      options.onStdout?.(stdout, (s) => child.kill(s));
    });
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.stdin);
  });
}

describe("autopilot CLI", () => {
  it("prints results as JSON", async () => {
    room.onRequest = (request, connection) => {
      if (request.method === "threads.list") connection.respond(request.id, { threads: [thread("t1")] });
      if (request.method === "threads.create") connection.respond(request.id, { thread: thread("t2", { title: String(request.params?.title) }) });
    };
    const listed = await cli(["threads"]);
    expect(listed).toMatchObject({ code: 0, stderr: "" });
    expect(listed.stdout).toBe(`${JSON.stringify({ threads: [thread("t1")] })}\n`);
    const created = await cli(["thread", "new", "Release", "notes"]);
    expect(JSON.parse(created.stdout)).toMatchObject({ thread: { id: "t2", title: "Release notes" } });
    expect(room.latest.headers["x-api-key"]).toBe("key_secret");
  });

  it("exits 2 on usage errors without connecting", async () => {
    const run = await cli(["job", "progress", "j1", "150"]);
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
      setTimeout(() => connection.socket.close(4008, `protocol ${PROTOCOL_VERSION} is not supported: this server speaks protocol ${PROTOCOL_VERSION + 1}`), 5);
      return null;
    };
    const run = await cli(["threads"]);
    expect(run.code).toBe(3);
    expect(run.stderr.trim()).toBe(
      `autopilot: this client speaks protocol ${PROTOCOL_VERSION}, which the server no longer supports (it speaks protocol ${PROTOCOL_VERSION + 1}): update your client (reload the app, or install the latest autopilot CLI)`,
    );
    expect(room.connections).toHaveLength(1);
  });

  it("exits 3 on a server error", async () => {
    room.onRequest = (request, connection) => connection.fail(request.id, { code: "already_resolved", message: "approval a1 was already denied", retryable: false });
    const run = await cli(["approve", "a1", "--note", "lgtm"]);
    expect(run.code).toBe(3);
    expect(run.stderr.trim()).toBe("autopilot: approval a1 was already denied (already_resolved)");
    expect(room.latest.requests[0]).toMatchObject({ method: "approvals.resolve", params: { approvalId: "a1", decision: "approve", note: "lgtm" } });
  });

  it.each([
    ["approved", 0],
    ["denied", 1],
    ["expired", 1],
  ] as const)("request-approval --wait exits %s → %i", async (status, exitCode) => {
    room.onRequest = (request, connection) => {
      if (request.method === "approvals.request") {
        connection.respond(request.id, { approval: approval("a1", { title: String(request.params?.title), risk: "high" }) });
        setTimeout(() => connection.event("approval.resolved", { approval: approval("a1", { status, resolvedAt: 50 }) }, 1), 100);
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
    expect(room.latest.requests[0]!.params).toMatchObject({ title: "Rotate keys", details: "all of them", threadId: "t1" });
  });

  it("request-approval --wait notices a decision made while it was disconnected", async () => {
    room.onRequest = (request, connection) => {
      if (request.method === "approvals.request") {
        connection.respond(request.id, { approval: approval("a1") });
        setTimeout(() => connection.socket.terminate(), 50);
      }
      if (request.method === "approvals.get") {
        const decided = room.connections.length > 1;
        connection.respond(request.id, { approval: decided ? approval("a1", { status: "approved", resolvedAt: 9 }) : approval("a1") });
      }
    };
    // The reconnect gets a reset snapshot, so no approval.resolved is replayed.
    room.onConnect = () => (room.connections.length > 1 ? { seq: 100, reset: true } : {});
    const run = await cli(["request-approval", "Ship", "it", "--wait"]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout.trim().split("\n").at(-1)!)).toMatchObject({ approval: { id: "a1", status: "approved" } });
  });

  it("watch prints every event frame as a JSON line and exits 0 on SIGINT", async () => {
    room.onConnect = (connection) => {
      setTimeout(() => connection.event("thread.created", { thread: thread("t1") }, 1), 20);
      return {};
    };
    const run = await cli(["watch"], {
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

  it("send reads the text from stdin with -", async () => {
    room.onRequest = (request, connection) =>
      connection.respond(request.id, {
        message: { id: "m1", n: 1, threadId: "t1", author: { id: "agent_bot", kind: "agent", name: "Bot" }, text: String(request.params?.text), createdAt: 1 },
      });
    const child = spawn(nodeBinary, [cliBundle, "send", "t1", "-"], {
      env: { PATH: process.env.PATH ?? "", AUTOPILOT_URL: room.url, AUTOPILOT_WORKSPACE: "ws_1", AUTOPILOT_KEY: "k" },
    });
    child.stdin.end("line one\nline two\n");
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    const code = await new Promise((resolve) => child.on("close", resolve));
    expect(code).toBe(0);
    expect(JSON.parse(stdout).message.text).toBe("line one\nline two");
  });

  it("passes the gateway commands through to their methods", async () => {
    room.onRequest = (request, connection) => {
      if (request.method === "chat.abort") connection.respond(request.id, { aborted: true, runIds: ["r1"] });
      if (request.method === "sessions.list") connection.respond(request.id, { instanceId: "work", sessions: [] });
      if (request.method === "sessions.open") connection.respond(request.id, { thread: thread("t9") });
    };
    expect(JSON.parse((await cli(["chat", "abort", "t1"])).stdout)).toEqual({ aborted: true, runIds: ["r1"] });
    expect(room.latest.requests[0]).toMatchObject({ method: "chat.abort", params: { threadId: "t1" } });
    expect(JSON.parse((await cli(["sessions", "work"])).stdout)).toEqual({ instanceId: "work", sessions: [] });
    const opened = await cli(["session", "open", "work", "agent:main:main"]);
    expect(JSON.parse(opened.stdout)).toMatchObject({ thread: { id: "t9" } });
    expect(room.latest.requests[0]).toMatchObject({ method: "sessions.open", params: { instanceId: "work", sessionKey: "agent:main:main", idempotencyKey: expect.any(String) } });
  });

  it("passes the Autopilot's commands through to their methods, memory put reading stdin with -", async () => {
    const entry = { key: "deploy.target", value: "eu-west", updatedBy: { id: "agent_bot", kind: "agent", name: "Bot" }, updatedAt: 5 };
    const totals = { calls: 2, inputTokens: 30, outputTokens: 12, durationMs: 900 };
    room.onRequest = (request, connection) => {
      if (request.method === "threads.configure") connection.respond(request.id, { thread: thread("t1", { responder: { kind: "autopilot", reply: "mention" } }) });
      if (request.method === "memory.list") connection.respond(request.id, { entries: [entry] });
      if (request.method === "memory.put") connection.respond(request.id, { entry: { ...entry, key: request.params?.key, value: request.params?.value } });
      if (request.method === "memory.delete") connection.respond(request.id, { deleted: true });
      if (request.method === "usage.list") connection.respond(request.id, { totals, groups: [{ key: "2026-01-01", ...totals }] });
    };
    const configured = await cli(["thread", "configure", "t1", "--responder", "autopilot", "--reply", "mention"]);
    expect(JSON.parse(configured.stdout)).toMatchObject({ thread: { id: "t1", responder: { kind: "autopilot", reply: "mention" } } });
    expect(room.latest.requests[0]).toMatchObject({ method: "threads.configure", params: { threadId: "t1", responder: "autopilot", reply: "mention", idempotencyKey: expect.any(String) } });

    expect(JSON.parse((await cli(["memory", "--prefix", "deploy."])).stdout)).toEqual({ entries: [entry] });
    expect(room.latest.requests[0]).toMatchObject({ method: "memory.list", params: { prefix: "deploy." } });

    const put = await cli(["memory", "put", "notes", "-"], { stdin: "first line\nsecond line\n" });
    expect(put.code, put.stderr).toBe(0);
    expect(JSON.parse(put.stdout)).toMatchObject({ entry: { key: "notes", value: "first line\nsecond line" } });
    expect(room.latest.requests[0]).toMatchObject({ method: "memory.put", params: { key: "notes", value: "first line\nsecond line", idempotencyKey: expect.any(String) } });

    expect(JSON.parse((await cli(["memory", "delete", "notes"])).stdout)).toEqual({ deleted: true });
    expect(room.latest.requests[0]).toMatchObject({ method: "memory.delete", params: { key: "notes" } });

    const usage = await cli(["usage", "--since", "2026-01-01T00:00:00Z", "--group-by", "day", "--principal", "user_alice"]);
    expect(usage.stdout.trim().split("\n")).toHaveLength(1);
    expect(JSON.parse(usage.stdout)).toEqual({ totals, groups: [{ key: "2026-01-01", ...totals }] });
    expect(room.latest.requests[0]).toMatchObject({ method: "usage.list", params: { since: Date.UTC(2026, 0, 1), groupBy: "day", principalId: "user_alice" } });
  });

  describe("send --wait-reply", () => {
    const instance = { id: "instance:work", kind: "agent", name: "work" } as const;
    const gatewayThread = thread("t1", { gateway: { instanceId: "work", sessionKey: "agent:main:t1" }, responder: { kind: "openclaw", reply: "every" } });
    const delta = (offset: number, text: string) => ({ threadId: "t1", instanceId: "work", runId: "r1", offset, text });

    function scriptReply(reply: Parameters<typeof message>[3] | null) {
      room.onConnect = () => ({ seq: 0, snapshot: snapshot({ threads: [gatewayThread] }) });
      room.onRequest = (request, connection) => {
        if (request.method !== "chat.send") return;
        connection.respond(request.id, { message: message("m1", "t1", 1, { text: String(request.params?.text) }) });
        if (!reply) return;
        const steps: [string, unknown, number?][] = [
          ["chat.delta", delta(0, "")],
          ["chat.delta", delta(0, "Hel")],
          ["chat.delta", delta(3, "lo")],
          ["message.created", { message: message("m2", "t1", 2, { author: instance, kind: "tool", text: "$ ls\nREADME.md" }) }, 1],
          ["message.created", { message: message("m3", "t1", 3, { author: instance, runId: "r1", ...reply }) }, 2],
          ["chat.final", { threadId: "t1", runId: "r1", messageId: null, aborted: false }],
        ];
        for (const [i, [event, payload, seq]] of steps.entries()) setTimeout(() => connection.event(event, payload, seq), 20 * (i + 1));
      };
    }

    it("streams the reply to stdout and exits 0 on the durable message", async () => {
      scriptReply({ text: "Hello there." });
      const run = await cli(["send", "t1", "hi", "--wait-reply"]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toBe("Hello there.\n");
      expect(run.stderr).toMatch(/sent message m1 to thread t1; waiting for the reply/);
      expect(run.stderr).toMatch(/work is replying/);
      expect(run.stderr).toMatch(/tool: \$ ls/);
    });

    it("exits 1 and says why on a gateway error", async () => {
      scriptReply({ kind: "error", text: "No route-compatible authentication source is configured for openai." });
      const run = await cli(["send", "t1", "hi", "--wait-reply"]);
      expect(run.code).toBe(1);
      expect(run.stdout).toBe("Hello\n");
      expect(run.stderr).toMatch(/gateway error: No route-compatible authentication source is configured for openai\./);
    });

    it("exits 1 on a stopped run, printing the partial text", async () => {
      scriptReply({ text: "Hello", aborted: true });
      const run = await cli(["send", "t1", "hi", "--wait-reply"]);
      expect(run.code).toBe(1);
      expect(run.stdout).toBe("Hello\n");
      expect(run.stderr).toMatch(/stopped/);
    });

    it("exits 0 when the run ends without leaving a reply", async () => {
      room.onConnect = () => ({ seq: 0, snapshot: snapshot({ threads: [gatewayThread] }) });
      room.onRequest = (request, connection) => {
        if (request.method === "messages.list") connection.respond(request.id, { messages: [message("m1", "t1", 1)], hasMore: false });
        if (request.method !== "chat.send") return;
        connection.respond(request.id, { message: message("m1", "t1", 1) });
        setTimeout(() => connection.event("chat.delta", delta(0, "")), 20);
        setTimeout(() => connection.event("chat.final", { threadId: "t1", runId: "r1", messageId: null, aborted: false }), 40);
      };
      const run = await cli(["send", "t1", "hi", "--wait-reply"]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toBe("");
      expect(run.stderr).toMatch(/ended without a reply/);
    });

    it("gives up after --timeout-ms, and refuses a thread nobody answers (exit 3, before sending)", async () => {
      scriptReply(null);
      const timedOut = await cli(["send", "t1", "hi", "--wait-reply", "--timeout-ms", "300"]);
      expect(timedOut.code).toBe(3);
      expect(timedOut.stderr).toMatch(/no reply in thread t1/);
      room.onConnect = () => ({ seq: 0, snapshot: snapshot({ threads: [thread("t2", { responder: { kind: "none", reply: "every" } })] }) });
      const plain = await cli(["send", "t2", "hi", "--wait-reply"]);
      expect(plain.code).toBe(3);
      expect(plain.stderr.trim()).toBe(
        'autopilot: nobody answers thread t2 (its responder is none), so no reply would come; set one with "autopilot thread configure t2 --responder autopilot" (or attach an OpenClaw instance) (conflict)',
      );
      expect(room.latest.requests).toHaveLength(0);
    });

    describe("on an Autopilot thread", () => {
      const autopilot = { id: "autopilot", kind: "agent", name: "Autopilot" } as const;
      const autopilotThread = thread("t1", { responder: { kind: "autopilot", reply: "every" } });
      const stream = (offset: number, text: string) => ({ threadId: "t1", instanceId: null, runId: "run1.0", offset, text });

      /** The room's order for one Autopilot turn: deltas, a tool message, more text, then the durable message and chat.final (or chat.error). */
      function scriptAutopilot(outcome: "reply" | "error") {
        room.onConnect = () => ({ seq: 0, snapshot: snapshot({ threads: [autopilotThread] }) });
        room.onRequest = (request, connection) => {
          if (request.method !== "chat.send") return;
          connection.respond(request.id, { message: message("m1", "t1", 1, { text: String(request.params?.text) }) });
          const end: [string, unknown, number?][] =
            outcome === "reply"
              ? [
                  ["message.created", { message: message("m3", "t1", 3, { author: autopilot, runId: "run1.0", text: "Renamed it to Deploy plan." }) }, 2],
                  ["chat.final", { threadId: "t1", runId: "run1.0", messageId: "m3", aborted: false }],
                ]
              : [
                  ["message.created", { message: message("m3", "t1", 3, { author: autopilot, runId: "run1.0", kind: "error", text: "the model endpoint answered HTTP 500" }) }, 2],
                  ["chat.error", { threadId: "t1", runId: "run1.0", error: "the model endpoint answered HTTP 500", messageId: "m3" }],
                ];
          const steps: [string, unknown, number?][] = [
            ["chat.delta", stream(0, "")],
            ["chat.delta", stream(0, "Renamed")],
            ["message.created", { message: message("m2", "t1", 2, { author: autopilot, kind: "tool", text: "threads_rename → ok" }) }, 1],
            ["chat.delta", stream(7, " it")],
            ...end,
          ];
          for (const [i, [event, payload, seq]] of steps.entries()) setTimeout(() => connection.event(event, payload, seq), 20 * (i + 1));
        };
      }

      it("streams the reply, tool calls on stderr, and exits 0 on the durable message", async () => {
        scriptAutopilot("reply");
        const run = await cli(["send", "t1", "rename this thread", "--wait-reply"]);
        expect(run.code, run.stderr).toBe(0);
        expect(run.stdout).toBe("Renamed it to Deploy plan.\n");
        expect(run.stderr).toMatch(/the Autopilot is replying/);
        expect(run.stderr).toMatch(/tool: threads_rename → ok/);
      });

      it("exits 1 on the Autopilot's error message", async () => {
        scriptAutopilot("error");
        const run = await cli(["send", "t1", "hi", "--wait-reply"]);
        expect(run.code).toBe(1);
        expect(run.stdout).toBe("Renamed it\n");
        expect(run.stderr).toMatch(/Autopilot error: the model endpoint answered HTTP 500/);
      });
    });
  });
});
