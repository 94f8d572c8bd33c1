import type { SessionMessage } from "../../../../../shared/protocol/gateway";
import { RoomError } from "../../../../domain/errors";
import { bindingForThread } from "../instance-store";
import type { BridgeLink } from "./bridge-link";
import { AbortResult, ChatMessage, HistoryResult, messageText } from "./gateway-frames";
import { historyBytes } from "./gateway-limits";
import { clip } from "./history-import";

// Requests a person makes of a gateway session through the room, answered straight from
// the gateway (nothing is stored): stop a thread's run, read a session's transcript.

export async function abortRun(link: BridgeLink, threadId: string): Promise<{ aborted: boolean; runIds: string[] }> {
  const binding = bindingForThread(link.sql, threadId);
  if (!binding) throw new RoomError("conflict", "this thread is not attached to an OpenClaw instance", { threadId });
  const answer = AbortResult.safeParse(await link.open().request("chat.abort", { sessionKey: binding.sessionKey }));
  const result = answer.success ? answer.data : null;
  return { aborted: result?.aborted ?? false, runIds: result?.runIds ?? [] };
}

/** A session's transcript straight from the gateway (`sessions.history`). */
export async function sessionHistory(link: BridgeLink, sessionKey: string, limit: number): Promise<SessionMessage[]> {
  const history = HistoryResult.parse(
    await link.open().request("chat.history", { sessionKey, limit, maxBytes: historyBytes(link.limits) }),
  );
  const out: SessionMessage[] = [];
  for (const raw of history.messages) {
    const parsed = ChatMessage.safeParse(raw);
    if (!parsed.success) continue;
    const m = parsed.data;
    const role =
      m.role === "user" ? "user" : m.role === "assistant" ? "assistant" : m.role === "toolResult" ? "tool" : null;
    const text = messageText(m);
    if (!role || !text || text.startsWith("<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>>")) continue;
    out.push({ role, text: clip(text), at: m.timestamp ?? null, runId: m.__openclaw?.runId ?? null });
  }
  return out;
}
