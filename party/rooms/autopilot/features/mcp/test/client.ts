// What the MCP tests share: the endpoint over the Worker (SELF), the official client SDK
// connected with a key, and raw JSON-RPC posts for what the SDK would not send.
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { SELF } from "cloudflare:test";
import type { Principal, Scope } from "../../../../../../shared/protocol/principal";
import { McpSessions } from "../sessions";
import { RequestMeter } from "../../../../shared/rate-limit";
import { createKey, idem, ORIGIN, type Person, RawSocket, signUp } from "../../../../../test/harness";

export const endpoint = (workspaceId: string, origin = ORIGIN) =>
  new URL(`${origin}/mcp/${encodeURIComponent(workspaceId)}`);
const selfFetch = ((input: string | URL | Request, init?: RequestInit) =>
  SELF.fetch(input as string, init)) as typeof fetch;

export async function connect(workspaceId: string, key: string): Promise<Client> {
  const client = new Client({ name: "mcp-test", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(endpoint(workspaceId), {
      fetch: selfFetch,
      requestInit: { headers: { authorization: `Bearer ${key}` } },
    }),
  );
  return client;
}

export async function keyed(scopes?: Scope[]): Promise<{ owner: Person; key: string; keyId: string }> {
  const owner = await signUp();
  const created = await createKey(owner, owner.workspaceId, scopes);
  return { owner, key: created.key, keyId: created.id };
}

export const initialize = (
  body: unknown = {
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
  },
) => JSON.stringify(body);

export const rawPost = (workspaceId: string, headers: Record<string, string>, body = initialize()) =>
  SELF.fetch(endpoint(workspaceId), {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
    body,
  });

/** An initialized session spoken to in raw JSON-RPC: its id and the headers every later request sends. */
export async function rawSession(
  workspaceId: string,
  key: string,
): Promise<{ sessionId: string; headers: Record<string, string> }> {
  const opened = await rawPost(workspaceId, { authorization: `Bearer ${key}` });
  const sessionId = opened.headers.get("mcp-session-id");
  if (!sessionId) throw new Error(`no session: ${opened.status} ${await opened.text()}`);
  await opened.text();
  const headers = { authorization: `Bearer ${key}`, "mcp-session-id": sessionId, "mcp-protocol-version": "2025-06-18" };
  await (
    await rawPost(workspaceId, headers, JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }))
  ).text();
  return { sessionId, headers };
}

/** The JSON-RPC messages of an answer, whether it came as JSON or as an SSE stream. */
export function rpcMessages(
  text: string,
): Array<{ id?: unknown; result?: unknown; error?: { code: number; message: string } }> {
  const trimmed = text.trim();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) return [JSON.parse(trimmed)].flat();
  return text
    .split("\n")
    .filter((line) => line.startsWith("data: {"))
    .map((line) => JSON.parse(line.slice(6)));
}

/** A key as `keyed` makes it, and its owner's socket (past its hello): the person who decides what the key asks. */
export async function keyedWithPerson(scopes?: Scope[]) {
  const keyedOwner = await keyed(scopes);
  const person = await RawSocket.open(keyedOwner.owner.workspaceId, { cookie: keyedOwner.owner.cookie });
  await person.hello();
  return { ...keyedOwner, person };
}

/** As `keyedWithPerson`, with a thread the person made for the key to act on and the key's client connected. */
export async function keyedWithThread(scopes: Scope[], title: string) {
  const keyedOwner = await keyedWithPerson(scopes);
  const { thread } = await keyedOwner.person.ok("threads.create", { title, idempotencyKey: idem() });
  const client = await connect(keyedOwner.owner.workspaceId, keyedOwner.key);
  return { ...keyedOwner, thread, client };
}

/** The names of the tools the client is offered (only those starting with `prefix`), sorted. */
export async function toolNames(client: Client, prefix = ""): Promise<string[]> {
  const names = (await client.listTools()).tools.map((t) => t.name);
  return names.filter((name) => name.startsWith(prefix)).sort();
}

/** The tools starting with `prefix` that a new key with `scopes` is offered, sorted. */
export async function toolsOffered(scopes: Scope[], prefix: string): Promise<string[]> {
  const { owner, key } = await keyed(scopes);
  const client = await connect(owner.workspaceId, key);
  const names = await toolNames(client, prefix);
  await client.close();
  return names;
}

type SessionLimits = ReturnType<ConstructorParameters<typeof McpSessions>[0]["limits"]>;

/**
 * McpSessions that reach no room, metered on a meter of their own: the key's and the
 * workspace's buckets roomy and barely refilling unless `limits` says otherwise.
 */
export function roomlessSessions(limits: Partial<SessionLimits>): McpSessions {
  const sessions = new McpSessions({
    room: () => {
      throw new Error("no request reaches a room here");
    },
    meter: () => meter,
    limits: () => ({
      connection: { perSecond: 0.001, burst: 100 },
      principal: { perSecond: 0.001, burst: 100 },
      workspace: { perSecond: 0.001, burst: 100 },
      connectionsPerPrincipal: 4,
      ...limits,
    }),
    call: () => {
      throw new Error("no call reaches a room here");
    },
  });
  const meter = new RequestMeter(() => sessions.deps.limits());
  return sessions;
}

/** A JSON-RPC post to McpSessions as `agent`, as the Worker hands it on; `sessionId`: the session it continues. */
export const postToSessions = (sessions: McpSessions, agent: Principal, body: string, sessionId?: string) =>
  sessions.handle(
    new Request(`${ORIGIN}/agents/autopilot/ws/mcp`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "mcp-protocol-version": "2025-06-18",
        ...(sessionId ? { "mcp-session-id": sessionId } : {}),
      },
      body,
    }),
    agent,
  );
