import type { MethodParsedParams, MethodResult } from "../../../../shared/protocol/methods";
import { RoomError } from "../../../domain/errors";
import { bindingForSession } from "../../../domain/gateway-bindings";
import { getInstance } from "../../../domain/instances";
import { pagePresence } from "../../../domain/presence";
import { getThread } from "../../../domain/threads";
import type { RequestContext } from "../context";

// Methods the room answers itself rather than in one SQL transaction: they talk to a
// gateway (through its bridge), to the live connections, or to the Hatchery.

export async function abortChat({ room, principal }: RequestContext, params: MethodParsedParams<"chat.abort">): Promise<MethodResult<"chat.abort">> {
  const thread = getThread(room.sql, params.threadId);
  if (!thread) throw new RoomError("not_found", `no thread ${params.threadId}`, { threadId: params.threadId });
  // The Autopilot's own reply (streaming, or waiting for a person's approval) stops first.
  const autopilot = room.agent.abort(thread.id, principal);
  if (autopilot) return autopilot;
  if (!thread.gateway) throw new RoomError("conflict", "this thread is not attached to an OpenClaw instance", { threadId: thread.id });
  const bridge = room.bridges.get(thread.gateway.instanceId);
  if (!bridge) throw new RoomError("unavailable", `OpenClaw instance ${thread.gateway.instanceId} is not connected`, { instanceId: thread.gateway.instanceId });
  return bridge.abort(thread.id);
}

export async function sessionHistory({ room }: RequestContext, params: MethodParsedParams<"sessions.history">): Promise<MethodResult<"sessions.history">> {
  if (!getInstance(room.sql, params.instanceId)) throw new RoomError("not_found", `no instance ${params.instanceId}`, { instanceId: params.instanceId });
  const bridge = room.bridges.get(params.instanceId);
  if (!bridge) throw new RoomError("unavailable", `OpenClaw instance ${params.instanceId} is not connected`, { instanceId: params.instanceId });
  const messages = await bridge.history(params.sessionKey, params.limit);
  return { messages, threadId: bindingForSession(room.sql, params.instanceId, params.sessionKey)?.threadId ?? null };
}

export function listPresence({ room }: RequestContext, params: MethodParsedParams<"presence.list">): MethodResult<"presence.list"> {
  const page = pagePresence(room.presence(), params.after, params.limit);
  return { presence: page.entries, next: page.next };
}

export function updatePresence(req: RequestContext, params: MethodParsedParams<"presence.update">): MethodResult<"presence.update"> {
  return { entry: req.setStatus(params.status) };
}

export async function applyGraph({ room, principal }: RequestContext, params: MethodParsedParams<"graph.apply">): Promise<MethodResult<"graph.apply">> {
  const outcome = await room.applyGraph(principal.id, params.idempotencyKey, params.commands);
  if (!outcome.ok) throw new RoomError(outcome.error.code, outcome.error.message, outcome.error.details);
  return outcome.result;
}
