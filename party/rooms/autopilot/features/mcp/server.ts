// One MCP server per session: the Autopilot's own agent tools (party/rooms/autopilot/features/toolset/tools.ts, the
// same registry and policy), `request_approval`, and the workspace's threads and messages
// as resources. Every call goes through the room's dispatch as the session's principal, so
// the scope check, validation and idempotency are the socket's own.
import { McpServer, ResourceTemplate, type ServerContext } from "@modelcontextprotocol/server";
import { z } from "zod";
import type { Approval } from "../../../../../shared/protocol/approvals";
import { ApprovalsRequestParams } from "../../../../../shared/protocol/approvals";
import { type MethodName, Methods } from "../../../../../shared/protocol/methods";
import type { Principal } from "../../../../../shared/protocol/principal";
import { hasScope } from "../../../../../shared/scopes";
import { nodeCallTitle } from "../toolset/index";
import { AGENT_TOOLS, type AgentTool, toolInputSchema } from "../toolset/index";
import { randomToken, sha256Hex } from "../../../../auth/tokens";
import { type GatedCallAsk, type GatedFiling, WITHDRAWN_NOTE } from "./gated-calls";
import { PROTOCOL_VERSION } from "../../../../../shared/protocol/version";
import { MESSAGES_TEMPLATE, THREADS_URI } from "./uris";

/** What a session's server acts through (sessions.ts gives it the room's). */
export interface McpRoom {
  /** A registry method as `principal`; the payload, or the room's error as `{ error }`. */
  call(
    principal: Principal,
    method: MethodName,
    params: Record<string, unknown>,
    approvedCall?: string,
  ): Promise<{ ok: true; payload: unknown } | { ok: false; code: string; message: string }>;
  /** Files the approval a gated call waits for, bound to the call (features/mcp/gated-calls.ts); the same `callId` again finds it. */
  requestCall(
    principal: Principal,
    method: MethodName,
    params: Record<string, unknown>,
    ask: GatedCallAsk,
    callId: string,
  ): Promise<GatedFiling>;
  /** Resolves with the approval once it is no longer pending; rejects when `signal` aborts. */
  decided(approvalId: string, signal: AbortSignal): Promise<Approval>;
  /** Withdraws a pending approval (expired, with `note`). */
  withdraw(approvalId: string, note: string): void;
}

/** How long an approval filed for a gated tool waits when the caller gives no lifetime. */
export const GATED_CALL_TTL_MS = 15 * 60 * 1000;
/** How often a call blocked on a decision tells the client it is still waiting (keeps `resetTimeoutOnProgress` clients waiting). */
const WAITING_BEAT_MS = 15_000;

export const REQUEST_APPROVAL_TOOL = "request_approval";

const RequestApprovalInput = z.object({
  ...ApprovalsRequestParams.omit({ idempotencyKey: true }).shape,
  wait: z
    .boolean()
    .default(false)
    .describe("Block until a person decides (or it expires) and answer with the decision."),
});

type ToolResult = {
  content: Array<{ type: "text"; text: string }>;
  isError?: boolean;
  structuredContent?: Record<string, unknown>;
};

const text = (value: unknown, isError = false): ToolResult => ({
  content: [{ type: "text", text: typeof value === "string" ? value : JSON.stringify(value) }],
  ...(isError ? { isError: true } : {}),
  ...(!isError && value !== null && typeof value === "object" && !Array.isArray(value)
    ? { structuredContent: value as Record<string, unknown> }
    : {}),
});

export interface SessionServer {
  server: McpServer;
  /** Shows exactly the tools `principal`'s scopes allow (after a re-scope); says so to the client when that changed. */
  rescope(principal: Principal): void;
}

export function sessionServer(room: McpRoom, principal: () => Principal, subscriptions: Set<string>): SessionServer {
  // The server names each call for the room's idempotency and a gated call's approval: a
  // digest of this session's secret, the JSON-RPC id and what the name is for. Nobody
  // outside the session can name a call, so a key a client chooses (on its socket, say)
  // never is one of these: it can neither answer a call nor stand for its approval.
  const secret = randomToken();
  const callKey = async (ctx: ServerContext, purpose: string) =>
    `mcp-${await sha256Hex(`${secret}\n${String(ctx.mcpReq.id)}\n${purpose}`)}`;
  const server = new McpServer(
    { name: "autopilot", version: String(PROTOCOL_VERSION) },
    {
      capabilities: { tools: { listChanged: true }, resources: { subscribe: true }, logging: {} },
      instructions:
        "The tools act in one Autopilot workspace as your API key's agent. Tools marked as needing a person's approval block until a person decides. Events of the workspace arrive as notifications/message with data {event, seq, payload}.",
    },
  );

  /** Files an approval as the agent and waits for its decision, telling the client while it waits. */
  async function awaitDecision(approval: Approval, ctx: ServerContext): Promise<Approval> {
    const progressToken = ctx.mcpReq._meta?.progressToken;
    let beats = 0;
    const beat = () =>
      progressToken === undefined
        ? Promise.resolve()
        : ctx.mcpReq
            .notify({
              method: "notifications/progress",
              params: {
                progressToken,
                progress: beats++,
                message: `waiting for a person to decide approval ${approval.id}`,
              },
            })
            .catch(() => undefined);
    void beat();
    const timer = setInterval(() => void beat(), WAITING_BEAT_MS);
    try {
      return await room.decided(approval.id, ctx.mcpReq.signal);
    } finally {
      clearInterval(timer);
    }
  }

  async function runTool(tool: AgentTool, input: Record<string, unknown>, ctx: ServerContext): Promise<ToolResult> {
    const who = principal();
    // The names cover the input too: the same JSON-RPC id with other arguments is another
    // call, never one that an earlier approval (or an earlier answer) stands for.
    const digest = await sha256Hex(JSON.stringify(input));
    const params = {
      ...input,
      ...(Methods[tool.method].mutating ? { idempotencyKey: await callKey(ctx, `call ${digest}`) } : {}),
    };
    if (tool.policy.kind === "gated") {
      const ask: GatedCallAsk = {
        title: (tool.method === "instances.invokeNode"
          ? nodeCallTitle(input, who.name)
          : `${who.name} asks to run ${tool.name}`
        ).slice(0, 200),
        details: JSON.stringify(input).slice(0, 16_000),
        risk: tool.policy.risk,
        ...(typeof input.threadId === "string" ? { threadId: input.threadId } : {}),
        expiresInMs: GATED_CALL_TTL_MS,
      };
      const filed = await room.requestCall(who, tool.method, params, ask, await callKey(ctx, `gate ${digest}`));
      if (!filed.ok) return text(`${filed.code}: ${filed.message}`, true);
      const { approval } = filed;
      const decided = await awaitDecision(approval, ctx).catch((error: unknown) => {
        // Nothing would run on a later decision: nobody should be asked to make it.
        room.withdraw(approval.id, WITHDRAWN_NOTE);
        throw error;
      });
      if (decided.status !== "approved") return text({ ran: false, approval: decided }, true);
      const result = await room.call(principal(), tool.method, params, decided.id);
      return result.ok ? text(result.payload) : text(`${result.code}: ${result.message}`, true);
    }
    const result = await room.call(principal(), tool.method, params);
    return result.ok ? text(result.payload) : text(`${result.code}: ${result.message}`, true);
  }

  const registered = AGENT_TOOLS.map((tool) => ({
    tool,
    handle: server.registerTool(
      tool.name,
      {
        description: tool.policy.description,
        inputSchema: toolInputSchema(Methods[tool.method].params),
        annotations: { readOnlyHint: tool.scope === "read" },
      },
      (input: Record<string, unknown>, ctx: ServerContext) => runTool(tool, input, ctx),
    ),
  }));

  const requestApproval = server.registerTool(
    REQUEST_APPROVAL_TOOL,
    {
      description:
        "Ask the people of this workspace to approve or deny something. With wait: true the call blocks until a person decides (or it expires) and answers with the decided approval; otherwise it answers with the pending approval at once and the decision arrives as an approval.resolved notification.",
      inputSchema: RequestApprovalInput,
    },
    async (input: z.output<typeof RequestApprovalInput>, ctx: ServerContext) => {
      const { wait, ...request } = input;
      const digest = await sha256Hex(JSON.stringify(request));
      const filed = await room.call(principal(), "approvals.request", {
        ...request,
        idempotencyKey: await callKey(ctx, `request ${digest}`),
      });
      if (!filed.ok) return text(`${filed.code}: ${filed.message}`, true);
      const { approval } = filed.payload as { approval: Approval };
      return text({ approval: wait ? await awaitDecision(approval, ctx) : approval });
    },
  );

  server.registerResource(
    "threads",
    THREADS_URI,
    { description: "The workspace's threads (JSON, newest first).", mimeType: "application/json" },
    async (uri) => {
      const result = await room.call(principal(), "threads.list", {});
      if (!result.ok) throw new Error(`${result.code}: ${result.message}`);
      return { contents: [{ uri: uri.href, mimeType: "application/json", text: JSON.stringify(result.payload) }] };
    },
  );
  server.registerResource(
    "messages",
    new ResourceTemplate(MESSAGES_TEMPLATE, { list: undefined }),
    { description: "A thread's newest messages (JSON, newest last).", mimeType: "application/json" },
    async (uri, variables) => {
      const threadId = decodeURIComponent(String(variables.threadId));
      const result = await room.call(principal(), "messages.list", { threadId });
      if (!result.ok) throw new Error(`${result.code}: ${result.message}`);
      return { contents: [{ uri: uri.href, mimeType: "application/json", text: JSON.stringify(result.payload) }] };
    },
  );
  // resources/updated goes to the URIs a session subscribed to (sessions.ts); a session
  // holds at most this many, each a bounded string.
  server.server.setRequestHandler("resources/subscribe", async (request) => {
    const uri = request.params.uri.slice(0, 300);
    if (subscriptions.size >= 200 && !subscriptions.has(uri)) throw new Error("too many subscriptions");
    subscriptions.add(uri);
    return {};
  });
  server.server.setRequestHandler("resources/unsubscribe", async (request) => {
    subscriptions.delete(request.params.uri);
    return {};
  });

  const rescope = (who: Principal) => {
    let changed = false;
    for (const { tool, handle } of registered) {
      const allowed = hasScope(who.scopes, tool.scope);
      if (allowed !== handle.enabled) {
        changed = true;
        if (allowed) handle.enable();
        else handle.disable();
      }
    }
    const mayRequest = hasScope(who.scopes, Methods["approvals.request"].scope);
    if (mayRequest !== requestApproval.enabled) {
      changed = true;
      if (mayRequest) requestApproval.enable();
      else requestApproval.disable();
    }
    if (changed && server.isConnected()) server.sendToolListChanged();
  };
  rescope(principal());
  return { server, rescope };
}
