// The workspace's MCP sessions, held by its Autopilot room: the Worker authenticated the
// request (an agent's API key, read fresh from D1 on every request) and forwarded it with
// the principal header; here each session has its own server and streamable HTTP
// transport (the official SDK's web-standard one), its requests metered with the room's
// sockets' limits and bounded like their frames. Sessions live in memory: a restarted room
// answers 404 to an old session id and the client starts a new one, as the MCP spec says.
import type { CapabilityRequestContext, DurableObjectCapability } from "agents/lifecycle";
import type { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/server";
import type { Approval } from "../../../../../shared/protocol/approvals";
import type { DurableEvent } from "../../../../../shared/protocol/events";
import { MAX_CLIENT_FRAME_BYTES } from "../../../../../shared/protocol/frames";
import type { MethodName } from "../../../../../shared/protocol/methods";
import type { Principal } from "../../../../../shared/protocol/principal";
import { mayReadWorkspace } from "../../../shared/reading";
import { withdraw } from "../approvals/index";
import { sameAccess } from "../../../../auth/current-access";
import type { OpEffects, RoomWriter } from "../../kernel/commit";
import { pendingGatedCalls } from "./approval-gates";
import { getApproval } from "../approvals/index";
import type { GuardedSocket } from "../../../shared/connection-access";
import { PRINCIPAL_HEADER, parsePrincipalHeader } from "../../../shared/principal-header";
import type { RoomLimits } from "../../../shared/limits";
import type { Metered, RequestMeter } from "../../../shared/rate-limit";
import type { DispatchOutcome } from "../../kernel/dispatch";
import { requestGatedCall, WITHDRAWN_NOTE } from "./gated-calls";
import type { McpRoom, SessionServer } from "./server";
import { messagesUri, THREADS_URI } from "./uris";

declare module "../../kernel/feature" {
  interface RoomVias {
    /** A call in an MCP session (an agent's key over HTTP). */
    mcp: true;
  }
}

/** The SDK and the session server, loaded with the first MCP request (sdk.ts says why). */
let loaded: Promise<typeof import("./sdk")> | undefined;
const sdk = () => {
  loaded ??= import("./sdk");
  return loaded;
};

export interface McpSessionsDeps {
  /** The room's SQL and its one commit. */
  room(): RoomWriter;
  meter(): RequestMeter;
  limits(): RoomLimits;
  /** A call, through the room's one entry for requests (kernel/dispatch.ts): the features hear of it as of a socket's. */
  call(
    as: { principal: Principal; via: "mcp"; approvedCall?: string },
    method: MethodName,
    params: Record<string, unknown>,
  ): Promise<DispatchOutcome>;
}

interface Session {
  id: string;
  principal: Principal;
  transport: WebStandardStreamableHTTPServerTransport;
  server: SessionServer;
  subscriptions: Set<string>;
  lastUsed: number;
  /** Aborted when the session ends: calls waiting for a decision stop waiting. */
  ended: AbortController;
}

/** A JSON-RPC error as an HTTP answer (no request id: it was refused before any was read). */
export function rpcError(status: number, message: string, headers: Record<string, string> = {}): Response {
  return Response.json(
    { jsonrpc: "2.0", error: { code: status === 429 ? -32029 : -32000, message }, id: null },
    { status, headers },
  );
}

/** The most messages one JSON-RPC batch may hold (docs/mcp.md, "Sessions and limits"). */
export const MAX_BATCH_MESSAGES = 20;

const tooMany = (refused: Extract<Metered, { ok: false }>) =>
  rpcError(429, `too many requests (${refused.limit} limit)`, {
    "retry-after": String(Math.ceil(refused.retryAfterMs / 1000)),
  });

/** JSON-RPC's "Invalid Request", for a body the endpoint will not take as it is. */
const invalidRequest = (message: string) =>
  Response.json({ jsonrpc: "2.0", error: { code: -32600, message }, id: null }, { status: 400 });

/** A session's (or a key's, before it has one) bucket in the room's request meter, apart from sockets' ids. */
const meterId = (id: string) => `mcp:${id}`;

export class McpSessions implements DurableObjectCapability {
  readonly #sessions = new Map<string, Session>();
  readonly #waiters = new Map<string, Set<(approval: Approval) => void>>();

  constructor(readonly deps: McpSessionsDeps) {}

  /**
   * Lifecycle hook, once per object lifetime: sessions live in memory, so no call waits on a
   * gated call's approval a restart left pending; nobody is asked to decide what would not run.
   */
  onStart(): void {
    const orphaned = pendingGatedCalls(this.deps.room().sql);
    if (orphaned.length > 0) withdraw(this.deps.room(), new Map(orphaned.map((id) => [id, WITHDRAWN_NOTE])));
  }

  /** Lifecycle hook: the room's own `/mcp` path, only with the principal the Worker set; anything else passes on. */
  onRequest({ request }: CapabilityRequestContext): Promise<Response> | undefined {
    if (!new URL(request.url).pathname.endsWith("/mcp")) return undefined;
    const principal = parsePrincipalHeader(request.headers.get(PRINCIPAL_HEADER));
    return principal ? this.handle(request, principal) : Promise.resolve(rpcError(401, "unauthenticated"));
  }

  /** One HTTP request to the endpoint, from `principal` (the Worker's verdict of this very request). */
  async handle(request: Request, principal: Principal): Promise<Response> {
    const sessionId = request.headers.get("mcp-session-id");
    // Another key's session is as unknown to this one as a session that never was.
    const found = sessionId === null ? undefined : this.#sessions.get(sessionId);
    const known = found?.principal.id === principal.id ? found : undefined;
    const now = Date.now();
    // Every request costs a token, like every socket frame, before anything is parsed: a
    // session's own bucket, or (no session yet, or an id made up) one per key.
    const bucket = known ? meterId(known.id) : meterId(principal.id);
    const token = this.deps.meter().take(bucket, principal.id, now);
    if (!token.ok) return tooMany(token);
    const { isInitializeRequest, readRequestBody } = await sdk();
    let parsedBody: unknown;
    if (request.method === "POST") {
      const body = await readRequestBody(request, MAX_CLIENT_FRAME_BYTES);
      if (body.tooLarge) return rpcError(413, `request exceeds ${MAX_CLIENT_FRAME_BYTES} bytes`);
      try {
        parsedBody = JSON.parse(body.text);
      } catch {
        return Response.json(
          { jsonrpc: "2.0", error: { code: -32700, message: "Parse error" }, id: null },
          { status: 400 },
        );
      }
      // A batch is as many requests as it holds messages: the request's token (taken above)
      // pays for its first, the others are taken together or the batch is refused whole.
      // A batch holds at least one message (JSON-RPC) and a bounded number of them.
      if (Array.isArray(parsedBody)) {
        if (parsedBody.length === 0) return invalidRequest("a batch holds at least one message");
        if (parsedBody.length > MAX_BATCH_MESSAGES)
          return invalidRequest(`a batch holds at most ${MAX_BATCH_MESSAGES} messages (this one ${parsedBody.length})`);
        if (parsedBody.length > 1) {
          const rest = this.deps.meter().take(bucket, principal.id, Date.now(), parsedBody.length - 1);
          if (!rest.ok) return tooMany(rest);
        }
      }
    }
    if (sessionId === null) {
      if (request.method !== "POST" || !isInitializeRequest(parsedBody))
        return rpcError(400, "no session: send initialize first");
      const session = await this.#open(principal, now);
      return session.transport.handleRequest(request, { parsedBody });
    }
    const session = known;
    if (!session) return rpcError(404, "session not found");
    session.lastUsed = now;
    if (!sameAccess(session.principal, principal)) this.#rescope(session, principal);
    return session.transport.handleRequest(request, parsedBody === undefined ? undefined : { parsedBody });
  }

  async #open(principal: Principal, now: number): Promise<Session> {
    // At most as many sessions per key as sockets: the least recently used one gives way.
    const own = [...this.#sessions.values()]
      .filter((s) => s.principal.id === principal.id)
      .sort((a, b) => a.lastUsed - b.lastUsed);
    for (const stale of own.slice(0, Math.max(0, own.length - this.deps.limits().connectionsPerPrincipal + 1)))
      await this.#close(stale);
    const subscriptions = new Set<string>();
    const ended = new AbortController();
    const session = { principal, subscriptions, lastUsed: now, ended } as Session;
    const { WebStandardStreamableHTTPServerTransport, sessionServer } = await sdk();
    session.transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => crypto.randomUUID(),
      onsessioninitialized: (id) => {
        session.id = id;
        this.#sessions.set(id, session);
      },
      maxRequestBodySize: MAX_CLIENT_FRAME_BYTES,
    });
    session.transport.onclose = () => this.#forget(session);
    session.server = sessionServer(this.#roomFor(session), () => session.principal, subscriptions);
    await session.server.server.connect(session.transport);
    return session;
  }

  #roomFor(session: Session): McpRoom {
    return {
      call: (principal, method, params, approvedCall) => this.#call(principal, method, params, approvedCall),
      requestCall: (principal, method, params, ask, callId) =>
        requestGatedCall(this.deps.room(), principal, method, params, ask, callId),
      decided: (approvalId, signal) => this.#decided(approvalId, AbortSignal.any([signal, session.ended.signal])),
      withdraw: (approvalId, note) => void withdraw(this.deps.room(), new Map([[approvalId, note]])),
    };
  }

  async #call(
    principal: Principal,
    method: MethodName,
    params: Record<string, unknown>,
    approvedCall?: string,
  ): ReturnType<McpRoom["call"]> {
    const outcome = await this.deps.call(
      { principal, via: "mcp", ...(approvedCall ? { approvedCall } : {}) },
      method,
      params,
    );
    if (!outcome.response.ok)
      return { ok: false, code: outcome.response.error.code, message: outcome.response.error.message };
    return { ok: true, payload: outcome.response.payload };
  }

  #decided(approvalId: string, signal: AbortSignal): Promise<Approval> {
    return new Promise((resolve, reject) => {
      const now = getApproval(this.deps.room().sql, approvalId);
      if (!now) return reject(new Error(`no approval ${approvalId}`));
      if (now.status !== "pending") return resolve(now);
      const waiters = this.#waiters.get(approvalId) ?? new Set();
      this.#waiters.set(approvalId, waiters);
      const done = (approval: Approval) => {
        signal.removeEventListener("abort", aborted);
        resolve(approval);
      };
      const aborted = () => {
        waiters.delete(done);
        if (waiters.size === 0) this.#waiters.delete(approvalId);
        reject(new Error("the call ended before the approval was decided"));
      };
      if (signal.aborted) return aborted();
      signal.addEventListener("abort", aborted, { once: true });
      waiters.add(done);
    });
  }

  /** After each commit: decisions reach the calls waiting for them, events reach every session. */
  afterCommit(effects: OpEffects): void {
    for (const e of effects.events) {
      if (e.event !== "approval.resolved") continue;
      const approval = (e.payload as { approval: Approval }).approval;
      const waiters = this.#waiters.get(approval.id);
      this.#waiters.delete(approval.id);
      for (const resolve of waiters ?? []) resolve(approval);
    }
    if (effects.events.length === 0) return;
    for (const session of this.#sessions.values()) {
      // The one rule for what a principal is told (party/rooms/shared/reading.ts), as on sockets.
      if (!mayReadWorkspace(session.principal)) continue;
      for (const e of effects.events) this.#notify(session, e);
    }
  }

  #notify(session: Session, e: DurableEvent): void {
    const server = session.server.server.server;
    // The shape is documented in docs/mcp.md: the socket's event, as its `event` frame has it.
    void server
      .sendLoggingMessage(
        { level: "info", logger: "autopilot", data: { event: e.event, seq: e.seq, payload: e.payload } },
        session.id,
      )
      .catch(() => undefined);
    const uris: string[] = [];
    if (e.event.startsWith("thread.")) uris.push(THREADS_URI);
    if (e.event === "message.created") uris.push(messagesUri(e.payload.message.threadId));
    for (const uri of uris)
      if (session.subscriptions.has(uri)) void server.sendResourceUpdated({ uri }).catch(() => undefined);
  }

  #rescope(session: Session, principal: Principal): void {
    session.principal = principal;
    session.server.rescope(principal);
  }

  async #close(session: Session): Promise<void> {
    this.#forget(session);
    // Calls waiting for a decision answer first (as failed, on their open streams: their
    // handlers settle within this turn's microtasks); then the transport ends every stream.
    await new Promise((resolve) => setTimeout(resolve, 0));
    await session.server.server.close().catch(() => undefined);
  }

  #forget(session: Session): void {
    if (session.id !== undefined && this.#sessions.get(session.id) === session) {
      this.#sessions.delete(session.id);
      this.deps.meter().forget(meterId(session.id), Date.now());
    }
    session.ended.abort();
  }

  /** The sessions as access-checked sockets (access changes close or re-scope them like sockets). */
  guarded(): GuardedSocket[] {
    return [...this.#sessions.values()].map((session) => ({
      principal: session.principal,
      close: () => void this.#close(session),
      rescope: (principal) => this.#rescope(session, principal),
    }));
  }
}
