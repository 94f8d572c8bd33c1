// The MCP endpoint's bounds (docs/mcp.md, "Sessions and limits"): a JSON-RPC batch is
// metered per call and bounded in size (an empty one refused), and the Host and Origin a
// request names must be the app's configured origins or loopback (DNS rebinding).
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Principal } from "../../../../../shared/protocol/principal";
import { idem, ORIGIN, RawSocket } from "../../../../test/harness";
import {
  endpoint,
  initialize,
  keyed,
  postToSessions,
  rawPost,
  rawSession,
  roomlessSessions,
  rpcMessages,
} from "./test/client";

/** The most calls one batch may hold, as docs/mcp.md says. */
const DOCUMENTED_MAX_BATCH = 20;

const createCall = (id: number, title: string) => ({
  jsonrpc: "2.0",
  id,
  method: "tools/call",
  params: { name: "threads_create", arguments: { title } },
});

describe("JSON-RPC batches", () => {
  it("a batch over the maximum is refused with a JSON-RPC error and runs none of its calls; one within it runs each", async () => {
    const { owner, key } = await keyed(["read", "write"]);
    const { headers } = await rawSession(owner.workspaceId, key);
    const tag = idem();
    const tooMany = Array.from({ length: DOCUMENTED_MAX_BATCH + 1 }, (_, i) => createCall(100 + i, `${tag} over ${i}`));
    const refused = await rawPost(owner.workspaceId, headers, JSON.stringify(tooMany));
    expect(refused.status).toBe(400);
    const [error] = rpcMessages(await refused.text());
    expect(error).toMatchObject({
      id: null,
      error: { code: -32600, message: expect.stringContaining(`at most ${DOCUMENTED_MAX_BATCH}`) },
    });

    const fits = Array.from({ length: 3 }, (_, i) => createCall(200 + i, `${tag} fits ${i}`));
    const answered = await rawPost(owner.workspaceId, headers, JSON.stringify(fits));
    expect(answered.status).toBe(200);
    expect(rpcMessages(await answered.text()).map((m) => m.id)).toEqual(expect.arrayContaining([200, 201, 202]));

    const person = await RawSocket.open(owner.workspaceId, { cookie: owner.cookie });
    await person.hello();
    const titles = (await person.ok("threads.list", {})).threads.map((t) => t.title).filter((t) => t.startsWith(tag));
    expect(titles.sort()).toEqual([0, 1, 2].map((i) => `${tag} fits ${i}`));
    person.close();
  });

  it("each call in a batch takes a token: a batch larger than what is left is refused whole with 429", async () => {
    const { post, sessionId } = await meteredSession(6, "agent:batch");
    const pings = (from: number, n: number) =>
      JSON.stringify(Array.from({ length: n }, (_, i) => ({ jsonrpc: "2.0", id: from + i, method: "ping" })));
    // Five tokens left after initialized: a batch of four takes four, one is left for the next.
    const four = await post(pings(10, 4), sessionId);
    expect(four.status).toBe(200);
    expect(rpcMessages(await four.text()).map((m) => m.id)).toEqual(expect.arrayContaining([10, 11, 12, 13]));
    const more = await post(pings(20, 2), sessionId);
    expect(more.status).toBe(429);
    expect(Number(more.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("an empty batch is refused with a JSON-RPC error, costs its request's token and gives none back", async () => {
    const { post, sessionId, meter } = await meteredSession(5, "agent:empty-batch");
    // Four tokens left after initialized; the empty batch spends one of them.
    const empty = await post("[]", sessionId);
    expect(empty.status).toBe(400);
    expect(rpcMessages(await empty.text())).toEqual([
      { jsonrpc: "2.0", id: null, error: { code: -32600, message: expect.stringContaining("at least one message") } },
    ]);
    // Three left: not enough for a batch of four, which spends its request's token only.
    const pings = JSON.stringify([1, 2, 3, 4].map((id) => ({ jsonrpc: "2.0", id, method: "ping" })));
    expect((await post(pings, sessionId)).status).toBe(429);
    const last = await post(JSON.stringify({ jsonrpc: "2.0", id: 5, method: "ping" }), sessionId);
    expect(last.status).toBe(200);
    await last.text();
    // A cost below one token is a caller's bug, never a price: it would hand tokens back.
    for (const cost of [-1, 0, 0.5])
      expect(() => meter.take(`mcp:${sessionId}`, "agent:empty-batch", Date.now(), cost)).toThrow(RangeError);
  });
});

/**
 * A session of McpSessions on a meter whose session bucket holds `burst` tokens and barely
 * refills: `initialized` took one of them (initialize is paid from the key's bucket, before
 * the session exists).
 */
async function meteredSession(burst: number, agentId: string) {
  const sessions = roomlessSessions({ connection: { perSecond: 0.001, burst } });
  const agent: Principal = { id: agentId, kind: "agent", name: "batcher", scopes: ["read"] };
  const post = (body: string, sessionId?: string) => postToSessions(sessions, agent, body, sessionId);
  const opened = await post(initialize());
  const sessionId = opened.headers.get("mcp-session-id")!;
  await opened.text();
  await (await post(JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }), sessionId)).text();
  return { post, sessionId, meter: sessions.deps.meter() };
}

describe("DNS rebinding: the Host and Origin a request names", () => {
  const post = (url: URL, key: string, origin?: string) =>
    SELF.fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        authorization: `Bearer ${key}`,
        ...(origin ? { origin } : {}),
      },
      body: initialize(),
    });

  it("refuses a host that is neither a configured origin nor loopback, with or without its own Origin", async () => {
    const { owner, key } = await keyed(["read"]);
    const rebound = endpoint(owner.workspaceId, "http://rebind.example");
    expect((await post(rebound, key, "http://rebind.example")).status).toBe(403);
    expect((await post(rebound, key)).status).toBe(403);
    // Loopback is the local server's own name; a foreign Origin stays refused there.
    expect(
      (await post(endpoint(owner.workspaceId, "http://127.0.0.1:8787"), key, "http://rebind.example")).status,
    ).toBe(403);
  });

  it("accepts the configured origin and loopback hosts, with their own Origin or none", async () => {
    const { owner, key } = await keyed(["read"]);
    for (const origin of [ORIGIN, "http://127.0.0.1:8787", "http://localhost:8787", "http://[::1]:8787"]) {
      const url = endpoint(owner.workspaceId, origin);
      const bare = await post(url, key);
      expect(bare.status, origin).toBe(200);
      await bare.text();
      const own = await post(url, key, origin);
      expect(own.status, origin).toBe(200);
      await own.text();
    }
  });
});
