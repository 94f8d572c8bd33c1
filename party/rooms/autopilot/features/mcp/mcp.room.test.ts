// The MCP endpoint (docs/mcp.md) with the official MCP client SDK against the Worker in
// workerd: who gets in, which tools a key's scopes list, that a write needs `write`, that
// the approval-deciding method is never a tool, and that access holds live for an open
// session.
import { SELF } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import type { Principal } from "../../../../../shared/protocol/principal";
import { api, createKey, decisionOn, idem, ORIGIN, provisioned, RawSocket, signUp } from "../../../../test/harness";
import { connect, initialize, keyed, keyedWithPerson, postToSessions, rawPost, roomlessSessions } from "./test/client";

describe("who gets in", () => {
  it("refuses a request without a key, with a wrong key, and with another workspace's key", async () => {
    const { owner, key } = await keyed();
    const other = await signUp();
    const none = await rawPost(owner.workspaceId, {});
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect((await rawPost(owner.workspaceId, { authorization: "Bearer ap_not_a_key" })).status).toBe(401);
    expect((await rawPost(other.workspaceId, { authorization: `Bearer ${key}` })).status).toBe(403);
    // A person's cookie is not a key: the endpoint is for agents.
    expect((await rawPost(owner.workspaceId, { cookie: owner.cookie })).status).toBe(401);
    // A page on another origin cannot use a key it got hold of.
    expect(
      (await rawPost(owner.workspaceId, { authorization: `Bearer ${key}`, origin: "https://evil.example" })).status,
    ).toBe(403);
    expect((await rawPost(owner.workspaceId, { authorization: `Bearer ${key}` })).status).toBe(200);
    // The room's own MCP path is not reachable from outside, whatever principal a request claims.
    const forged = await SELF.fetch(`${ORIGIN}/agents/autopilot/${owner.workspaceId}/mcp`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "x-autopilot-principal": encodeURIComponent(
          JSON.stringify({ id: "agent:forged", kind: "agent", name: "forged", scopes: ["read", "write"] }),
        ),
      },
      body: initialize(),
    });
    expect(forged.status).toBe(404);
  });

  it("refuses a body over the frame bound before parsing it, and a session id from another key", async () => {
    const { owner, key } = await keyed();
    const big = initialize({ jsonrpc: "2.0", id: 1, method: "initialize", params: { pad: "x".repeat(300_000) } });
    expect((await rawPost(owner.workspaceId, { authorization: `Bearer ${key}` }, big)).status).toBe(413);
    const opened = await rawPost(owner.workspaceId, { authorization: `Bearer ${key}` });
    const sessionId = opened.headers.get("mcp-session-id");
    expect(sessionId).toBeTruthy();
    await opened.text();
    const second = await createKey(owner, owner.workspaceId, undefined, "second");
    const list = JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list", params: {} });
    const res = await rawPost(
      owner.workspaceId,
      { authorization: `Bearer ${second.key}`, "mcp-session-id": sessionId!, "mcp-protocol-version": "2025-06-18" },
      list,
    );
    expect(res.status).toBe(404);
  });
});

describe("tools from the Autopilot's registry and policy", () => {
  it("a read+write key lists the write tools and request_approval, never approvals_resolve; a call posts in a thread", async () => {
    const { owner, key } = await keyed(["read", "write"]);
    const client = await connect(owner.workspaceId, key);
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(
      expect.arrayContaining(["threads_list", "chat_send", "messages_list", "request_approval", "threads_archive"]),
    );
    for (const never of [
      "approvals_resolve",
      "settings_update",
      "threads_configure",
      "instances_link",
      "chat_goAhead",
      "instances_deviceSetup",
    ])
      expect(names).not.toContain(never);

    const created = await client.callTool({ name: "threads_create", arguments: { title: "from MCP" } });
    expect(created.isError).toBeFalsy();
    const threadId = (created.structuredContent as { thread: { id: string } }).thread.id;
    const sent = await client.callTool({ name: "chat_send", arguments: { threadId, text: "hello over MCP" } });
    expect(sent.isError).toBeFalsy();
    // A person's socket sees the post, authored by the key's agent.
    const person = await RawSocket.open(owner.workspaceId, { cookie: owner.cookie });
    await person.hello();
    const { messages } = await person.ok("messages.list", { threadId });
    expect(messages.map((m: { text: string; author: { kind: string } }) => [m.text, m.author.kind])).toContainEqual([
      "hello over MCP",
      "agent",
    ]);
    person.close();
    await client.close();
  });

  it("a read-only key lists no write tool, and a write is refused", async () => {
    const { owner, key } = await keyed(["read"]);
    const client = await connect(owner.workspaceId, key);
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toContain("threads_list");
    for (const write of ["chat_send", "threads_create", "request_approval", "threads_archive", "approvals_resolve"])
      expect(names).not.toContain(write);
    const refused = await client
      .callTool({ name: "threads_create", arguments: { title: "nope" } })
      .catch((error: unknown) => ({ isError: true, error }));
    expect(refused.isError).toBe(true);
    const listed = await client.callTool({ name: "threads_list", arguments: {} });
    expect(listed.isError).toBeFalsy();
    await client.close();
  });

  it("resources: the thread list and a thread's messages", async () => {
    const { owner, key, person } = await keyedWithPerson(["read", "write"]);
    const { thread } = await person.ok("threads.create", { title: "resourceful", idempotencyKey: idem() });
    await person.ok("chat.send", { threadId: thread.id, text: "a message to read", idempotencyKey: idem() });
    person.close();
    const client = await connect(owner.workspaceId, key);
    const threads = await client.readResource({ uri: "autopilot://threads" });
    expect(
      JSON.parse((threads.contents[0] as { text: string }).text).threads.map((t: { id: string }) => t.id),
    ).toContain(thread.id);
    const messages = await client.readResource({ uri: `autopilot://threads/${thread.id}/messages` });
    expect(
      JSON.parse((messages.contents[0] as { text: string }).text).messages.map((m: { text: string }) => m.text),
    ).toContain("a message to read");
    await client.close();
  });
});

describe("a gated tool becomes an approval people decide", () => {
  it("threads_archive waits for a person: approved it runs once, as the agent; denied it never runs", async () => {
    const { owner, key, person } = await keyedWithPerson(["read", "write"]);
    const { thread } = await person.ok("threads.create", { title: "to archive", idempotencyKey: idem() });
    const client = await connect(owner.workspaceId, key);
    const pendingTitled = async () =>
      (await person.ok("approvals.list", { status: "pending" })).approvals as {
        id: string;
        title: string;
        onBehalfOf: { kind: string } | null;
        requestedBy: { kind: string };
      }[];

    const denied = client.callTool(
      { name: "threads_archive", arguments: { threadId: thread.id } },
      { timeout: 30_000 },
    );
    const first = await vi.waitFor(async () => {
      const [approval] = await pendingTitled();
      expect(approval).toBeDefined();
      return approval!;
    });
    expect(first).toMatchObject({ requestedBy: { kind: "agent" }, onBehalfOf: { kind: "agent" } });
    expect(first.title).toContain("threads_archive");
    await person.ok("approvals.resolve", decisionOn(first.id, "deny"));
    expect((await denied).isError).toBe(true);
    expect((await person.ok("threads.list", {})).threads.map((t: { id: string }) => t.id)).toContain(thread.id);

    const approved = client.callTool(
      { name: "threads_archive", arguments: { threadId: thread.id } },
      { timeout: 30_000 },
    );
    const second = await vi.waitFor(async () => {
      const [approval] = await pendingTitled();
      expect(approval).toBeDefined();
      return approval!;
    });
    await person.ok("approvals.resolve", decisionOn(second.id, "approve"));
    expect((await approved).isError).toBeFalsy();
    expect((await person.ok("threads.list", {})).threads.map((t: { id: string }) => t.id)).not.toContain(thread.id);
    person.close();
    await client.close();
  });
});

describe("a gated call is bound to its arguments", () => {
  it("the same JSON-RPC id with other arguments is another call: a new approval, never the earlier decision", async () => {
    const { owner, key, person } = await keyedWithPerson(["read", "write"]);
    const { thread: first } = await person.ok("threads.create", { title: "first", idempotencyKey: idem() });
    const { thread: second } = await person.ok("threads.create", { title: "second", idempotencyKey: idem() });
    const opened = await rawPost(owner.workspaceId, { authorization: `Bearer ${key}` });
    const headers = {
      authorization: `Bearer ${key}`,
      "mcp-session-id": opened.headers.get("mcp-session-id")!,
      "mcp-protocol-version": "2025-06-18",
    };
    await opened.text();
    await (
      await rawPost(owner.workspaceId, headers, JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }))
    ).text();
    const archive = (threadId: string) =>
      rawPost(
        owner.workspaceId,
        headers,
        JSON.stringify({
          jsonrpc: "2.0",
          id: 7,
          method: "tools/call",
          params: { name: "threads_archive", arguments: { threadId } },
        }),
      ).then((r) => r.text());
    const pending = async (threadId: string) =>
      vi.waitFor(async () => {
        const found = (
          (await person.ok("approvals.list", { status: "pending" })).approvals as { id: string; details: string }[]
        ).find((a) => a.details.includes(threadId));
        expect(found).toBeDefined();
        return found!;
      });
    const one = archive(first.id);
    const approved = await pending(first.id);
    await person.ok("approvals.resolve", decisionOn(approved.id, "approve"));
    await one;
    // Id 7 again, another thread: a person is asked again, and nothing runs before.
    const two = archive(second.id);
    const asked = await pending(second.id);
    expect(asked.id).not.toBe(approved.id);
    const listed = (await person.ok("threads.list", {})).threads.map((t: { id: string }) => t.id);
    expect(listed).toContain(second.id);
    expect(listed).not.toContain(first.id);
    await person.ok("approvals.resolve", decisionOn(asked.id, "deny"));
    expect(await two).toContain('\\"ran\\":false');
    expect((await person.ok("threads.list", {})).threads.map((t: { id: string }) => t.id)).toContain(second.id);
    person.close();
  });
});

describe("a command on a node over MCP", () => {
  it("runs only with the approval a person granted that call; the same key on the socket is refused", async () => {
    const { owner, key, person } = await keyedWithPerson(["read", "write"]);
    await provisioned(person, "lab");
    const call = { instanceId: "lab", nodeId: "n1", command: "system.run", params: { command: ["uname"] } };
    const agentSocket = await RawSocket.open(owner.workspaceId, { key });
    await agentSocket.hello();
    expect(await agentSocket.call("instances.invokeNode", { ...call, idempotencyKey: idem() })).toMatchObject({
      ok: false,
      error: { code: "forbidden" },
    });
    const client = await connect(owner.workspaceId, key);
    const answer = client.callTool({ name: "instances_invokeNode", arguments: call }, { timeout: 30_000 });
    const approval = await vi.waitFor(async () => {
      const [pending] = (await person.ok("approvals.list", { status: "pending" })).approvals as {
        id: string;
        title: string;
        risk: string;
      }[];
      expect(pending).toBeDefined();
      return pending!;
    });
    expect(approval).toMatchObject({
      risk: "high",
      title: expect.stringContaining("wants to run system.run: uname on a node of lab"),
    });
    await person.ok("approvals.resolve", decisionOn(approval.id, "approve"));
    // Approved, the call reaches the instance's gateway (none connected here): not refused as the agent's own.
    const result = (await answer) as { isError?: boolean; content: { text: string }[] };
    expect(result.isError).toBe(true);
    expect(result.content[0]!.text).toMatch(/^unavailable: the gateway of lab is not connected/);
    for (const c of [person, agentSocket]) c.close();
    await client.close();
  });
});

describe("a gated call that ends before a decision", () => {
  it("withdraws its approval: nobody is asked to decide what would not run", async () => {
    const { owner, key, person } = await keyedWithPerson(["read", "write"]);
    const { thread } = await person.ok("threads.create", { title: "kept", idempotencyKey: idem() });
    const client = await connect(owner.workspaceId, key);
    const cancel = new AbortController();
    const call = client
      .callTool({ name: "threads_archive", arguments: { threadId: thread.id } }, { signal: cancel.signal })
      .catch((error: unknown) => error);
    const filed = await vi.waitFor(async () => {
      const [approval] = (await person.ok("approvals.list", { status: "pending" })).approvals as { id: string }[];
      expect(approval).toBeDefined();
      return approval!;
    });
    cancel.abort();
    await call;
    await vi.waitFor(async () => {
      const { approval } = await person.ok("approvals.get", { approvalId: filed.id });
      expect(approval).toMatchObject({
        status: "expired",
        note: "withdrawn: the MCP call that asked for it ended before a decision",
      });
    });
    expect((await person.ok("threads.list", {})).threads.map((t: { id: string }) => t.id)).toContain(thread.id);
    person.close();
    await client.close();
  });
});

describe("access holds live", () => {
  it("revoking a key ends its open session: a call waiting for a decision fails at once, and the next request is refused", async () => {
    const { owner, key, keyId } = await keyed(["read", "write"]);
    const client = await connect(owner.workspaceId, key);
    const waiting = client.callTool({ name: "request_approval", arguments: { title: "wait for me", wait: true } }).then(
      (result) => ({ settled: "result" as const, result }),
      (error: unknown) => ({ settled: "error" as const, error }),
    );
    // Filed (the person's socket sees it pending) before the key goes.
    const person = await RawSocket.open(owner.workspaceId, { cookie: owner.cookie });
    await person.hello();
    await vi.waitFor(async () =>
      expect(
        (await person.ok("approvals.list", { status: "pending" })).approvals.map((a: { title: string }) => a.title),
      ).toContain("wait for me"),
    );
    person.close();
    const res = await api("/api/auth/api-key/delete", {
      method: "POST",
      cookie: owner.cookie,
      body: JSON.stringify({ keyId }),
    });
    expect(res.status).toBe(200);
    const outcome = await waiting;
    // The room ended the session: the blocked call answers at once as failed, never with a decision.
    expect(outcome).toMatchObject({ settled: "result", result: { isError: true } });
    expect(JSON.stringify(outcome)).toMatch(/ended before the approval was decided/);
    expect((await rawPost(owner.workspaceId, { authorization: `Bearer ${key}` })).status).toBe(401);
  });
});

describe("requests are metered like socket frames", () => {
  it("a key's requests beyond its bucket get 429 with Retry-After", async () => {
    const sessions = roomlessSessions({ connection: { perSecond: 0.001, burst: 2 } });
    const agent: Principal = { id: "agent:k1", kind: "agent", name: "metered", scopes: ["read"] };
    const post = () =>
      sessions.handle(
        new Request(`${ORIGIN}/agents/autopilot/ws/mcp`, {
          method: "POST",
          headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
          body: initialize(),
        }),
        agent,
      );
    expect((await post()).status).toBe(200);
    expect((await post()).status).toBe(200);
    const refused = await post();
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
  });
});

describe("a re-scoped session", () => {
  it("lists the tools of its new scopes (re-scoped by an access change, or by a request's fresh verdict)", async () => {
    const limits = { perSecond: 100, burst: 100 };
    const sessions = roomlessSessions({ connection: limits, principal: limits, workspace: limits });
    let agent: Principal = { id: "agent:k2", kind: "agent", name: "rescoped", scopes: ["read", "write"] };
    // Each request carries the Worker's verdict of that request, read fresh from D1.
    const request = (body: unknown, sessionId?: string) =>
      postToSessions(sessions, agent, JSON.stringify(body), sessionId);
    const opened = await request(JSON.parse(initialize()));
    const sessionId = opened.headers.get("mcp-session-id")!;
    await opened.text();
    await (await request({ jsonrpc: "2.0", method: "notifications/initialized" }, sessionId)).text();
    const toolNames = async () => {
      const text = await (
        await request({ jsonrpc: "2.0", id: crypto.randomUUID(), method: "tools/list", params: {} }, sessionId)
      ).text();
      const data = text.split("\n").find((line) => line.startsWith("data: {"));
      return (JSON.parse(data!.slice(6)) as { result: { tools: { name: string }[] } }).result.tools.map((t) => t.name);
    };
    expect(await toolNames()).toContain("chat_send");
    const [guarded] = sessions.guarded();
    agent = { ...agent, scopes: ["read"] };
    guarded!.rescope(agent);
    const after = await toolNames();
    expect(after).toContain("threads_list");
    expect(after).not.toContain("chat_send");
    expect(after).not.toContain("request_approval");
  });
});
