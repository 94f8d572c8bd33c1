import { z } from "zod";

// OpenClaw gateway frames as the bridge reads and writes them. Incoming frames are read
// leniently (the 2026.9.6 gateway sends fields its own published schemas lack, and we
// only need a few); outgoing frames are built and checked strictly, because the gateway
// rejects unknown fields.

export const GATEWAY_PROTOCOL = 4;

export const IncomingFrame = z.discriminatedUnion("type", [
  z.looseObject({
    type: z.literal("event"),
    event: z.string(),
    payload: z.unknown().optional(),
    seq: z.number().optional(),
  }),
  z.looseObject({
    type: z.literal("res"),
    id: z.string(),
    ok: z.boolean(),
    payload: z.unknown().optional(),
    error: z
      .looseObject({
        code: z.string().optional(),
        message: z.string().optional(),
        details: z.unknown().optional(),
        // The gateway's word that asking again later may succeed (it drains for a restart).
        retryable: z.boolean().optional(),
      })
      .optional(),
  }),
]);
export type IncomingFrame = z.infer<typeof IncomingFrame>;

export const RequestFrame = z.strictObject({
  type: z.literal("req"),
  id: z.string(),
  method: z.string().min(1),
  params: z.record(z.string(), z.unknown()),
  /** W3C trace context: the gateway's spans for this request join the room's trace (decision 80). */
  traceparent: z
    .string()
    .regex(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/)
    .optional(),
});
export type RequestFrame = z.infer<typeof RequestFrame>;

export const ConnectParams = z.strictObject({
  minProtocol: z.literal(GATEWAY_PROTOCOL),
  maxProtocol: z.literal(GATEWAY_PROTOCOL),
  client: z.strictObject({
    id: z.string(),
    version: z.string(),
    platform: z.string(),
    mode: z.string(),
    displayName: z.string().optional(),
    deviceFamily: z.string().optional(),
  }),
  role: z.literal("operator"),
  scopes: z.array(z.string()),
  caps: z.array(z.string()),
  auth: z.union([z.strictObject({ token: z.string().min(1) }), z.strictObject({ deviceToken: z.string().min(1) })]),
  device: z.strictObject({
    id: z.string(),
    publicKey: z.string(),
    signature: z.string(),
    signedAt: z.number(),
    nonce: z.string(),
  }),
});
export type ConnectParams = z.infer<typeof ConnectParams>;

export const Challenge = z.looseObject({ nonce: z.string(), ts: z.number() });

export const HelloOk = z.looseObject({
  auth: z
    .looseObject({
      method: z.string().optional(),
      scopes: z.array(z.string()).optional(),
      deviceToken: z.string().optional(),
    })
    .optional(),
  policy: z.looseObject({ tickIntervalMs: z.number().optional() }).optional(),
  // Only shown to people: an odd value from a (linked, hostile) gateway is dropped, not a failed handshake.
  server: z
    .looseObject({ version: z.string().min(1).max(64).optional().catch(undefined) })
    .optional()
    .catch(undefined),
});

const Text = z.looseObject({ type: z.string(), text: z.string().optional() });
export const ChatMessage = z.looseObject({
  role: z.string().optional(),
  content: z.union([z.string(), z.array(Text)]).optional(),
  idempotencyKey: z.string().optional(),
  toolCallId: z.string().optional(),
  stopReason: z.string().optional(),
  timestamp: z.number().optional(),
  __openclaw: z
    .looseObject({ id: z.string().optional(), runId: z.string().optional(), seq: z.number().optional() })
    .optional(),
});
export type ChatMessage = z.infer<typeof ChatMessage>;

// Ids a gateway names its runs, sessions, tool calls and requests by: they end up in
// every client's hello and in room rows, so one out of these bounds drops its frame.
const GatewayId = z.string().min(1).max(200);
const SessionKeyOf = z.string().min(1).max(256);

export const ChatEvent = z.looseObject({
  runId: GatewayId,
  sessionKey: SessionKeyOf,
  state: z.string(),
  deltaText: z.string().optional(),
  message: ChatMessage.optional(),
  errorMessage: z.string().optional(),
  /** What the gateway made of a failed model call (e.g. `failoverReason: "billing"` for a 402). */
  errorDetail: z
    .looseObject({ failoverReason: z.string().max(64).optional() })
    .optional()
    .catch(undefined),
  stopReason: z.string().optional(),
});

export const AgentEvent = z.looseObject({
  runId: GatewayId.optional(),
  sessionKey: SessionKeyOf.optional(),
  stream: z.string().optional(),
  isHeartbeat: z.boolean().optional(),
  data: z
    .looseObject({
      phase: z.string().optional(),
      itemId: GatewayId.optional(),
      toolCallId: GatewayId.optional(),
      args: z.looseObject({ command: z.unknown().optional() }).optional(),
      output: z.string().optional(),
      exitCode: z.number().nullable().optional(),
    })
    .optional(),
});

export const ExecApprovalRequest = z.looseObject({
  id: GatewayId,
  request: z
    .looseObject({
      command: z.string().optional(),
      cwd: z.string().optional(),
      sessionKey: z.string().optional(),
      runId: z.string().optional(),
      host: z.string().optional(),
    })
    .optional(),
  expiresAtMs: z.number().optional(),
});
/** `resolvedBy`: the deciding client's name; none when OpenClaw itself closed the request. */
export const ExecApprovalResolved = z.looseObject({
  id: z.string(),
  decision: z.string().optional(),
  resolvedBy: z.string().max(200).nullable().optional(),
});

export const PairRequest = z.looseObject({
  requestId: GatewayId,
  deviceId: z.string().optional(),
  nodeId: z.string().optional(),
  platform: z.string().optional(),
  clientId: z.string().optional(),
  displayName: z.string().optional(),
  role: z.string().optional(),
  scopes: z.array(z.string()).optional(),
  // A node's command surface (`node.pair.requested`): what approving it lets the gateway run there.
  commands: z.array(z.string()).optional().catch(undefined),
  isRepair: z.boolean().optional(),
  remoteIp: z.string().optional(),
});
export const PairResolved = z.looseObject({ requestId: z.string(), decision: z.string().optional() });
export const PairList = z.looseObject({
  pending: z.array(PairRequest).default([]),
  paired: z.array(z.looseObject({ deviceId: z.string().optional(), nodeId: z.string().optional() })).default([]),
});

export const ApprovalResolveResult = z.looseObject({
  applied: z.boolean().optional(),
  approval: z.looseObject({ status: z.string().optional(), decision: z.string().optional() }).optional(),
});

/** `chat.abort`: whether a run was stopped, and which. */
export const AbortResult = z.looseObject({ aborted: z.boolean().optional(), runIds: z.array(z.string()).optional() });

export const SessionRow = z.looseObject({
  key: z.string(),
  label: z.string().nullable().optional(),
  displayName: z.string().nullable().optional(),
  derivedTitle: z.string().nullable().optional(),
  lastMessagePreview: z.string().nullable().optional(),
  status: z.string().nullable().optional(),
  hasActiveRun: z.boolean().optional(),
  updatedAt: z.number().nullable().optional(),
});
export const SessionsListResult = z.looseObject({ sessions: z.array(SessionRow).default([]) });

export const HistoryResult = z.looseObject({
  kind: z.string().optional(),
  messages: z.array(z.unknown()).default([]),
  deltaCursor: z.string().optional(),
});

/** Concatenated `text` parts of a gateway message (content is a string or parts). */
export function messageText(message: ChatMessage | undefined): string {
  if (!message?.content) return "";
  if (typeof message.content === "string") return message.content;
  return message.content
    .filter((part) => part.type === "text" && typeof part.text === "string")
    .map((part) => part.text)
    .join("");
}

/** `channels.pairing.list {}`: a channel sender (e.g. a Telegram user) asking for DM access. */
export const ChannelPairingList = z.looseObject({
  requests: z
    .array(
      z.looseObject({
        requestId: GatewayId,
        channel: z.string(),
        channelLabel: z.string().optional(),
        accountId: z.string(),
        senderId: z.string(),
        senderLabel: z.string().optional(),
        metadata: z.record(z.string(), z.unknown()).optional(),
        expiresAt: z.string().optional(),
      }),
    )
    .default([]),
});

// --- tools (runtime/BRIDGE.md, "Gateway tools") ----------------------------------------

/** `tools.catalog {}`: tools grouped by source; names and one-line descriptions, no input schemas. */
export const ToolsCatalogResult = z.looseObject({
  groups: z
    .array(
      z.looseObject({
        id: z.string().max(200).optional(),
        label: z.string().max(200).optional(),
        tools: z
          .array(z.looseObject({ id: z.string().min(1).max(200), description: z.string().optional() }))
          .max(1000)
          .default([]),
      }),
    )
    .max(200)
    .default([]),
});

/** `tools.invoke` params as the pinned gateway accepts them (a closed schema there too). */
export const ToolsInvokeParams = z.strictObject({
  name: z.string().min(1).max(100),
  args: z.record(z.string(), z.unknown()).optional(),
  sessionKey: z.string().min(1).optional(),
  idempotencyKey: z.string().min(1).max(200).optional(),
});

/**
 * `tools.invoke`'s answer: a refusal or a failed tool comes back as `ok:false` inside a
 * successful response, never as a failed response.
 */
export const ToolsInvokeResult = z.union([
  z.looseObject({
    ok: z.literal(true),
    toolName: z.string().optional(),
    output: z.unknown().optional(),
  }),
  z.looseObject({
    ok: z.literal(false),
    toolName: z.string().optional(),
    requiresApproval: z.boolean().optional(),
    error: z.looseObject({ code: z.string().max(100).optional(), message: z.string().optional() }).optional(),
  }),
]);

/** One catalog tool as the Autopilot lists it: a checked name and a clipped one-line description. */
export interface GatewayCatalogEntry {
  name: string;
  description: string;
}

/** A `tools.invoke` as the Autopilot reads it: the output as text, or why it failed. */
export type GatewayToolOutcome = { ok: true; text: string } | { ok: false; code: string; message: string };
