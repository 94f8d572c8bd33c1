/**
 * The room's broadcast. agents' `broadcast` reads every socket's serialized attachment on
 * every call (to find its id and whether it belongs to a sub-agent), which costs more per
 * socket than the send itself — most of an edit's fan-out to hundreds of readers. Every socket this object accepts is one of
 * our clients (no sub-agents; gateway links are outbound sockets, not accepted ones), so
 * the room sends to the open ones directly and reads a socket's id (its first tag, as
 * agents sets it, a cheap native call) only when some must be skipped.
 */
export function sendToAll(ctx: DurableObjectState, text: string, skip?: readonly string[]): void {
  const skipping = skip && skip.length > 0 ? new Set(skip) : null;
  for (const ws of ctx.getWebSockets()) {
    if (ws.readyState !== WebSocket.READY_STATE_OPEN) continue;
    if (skipping?.has(ctx.getTags(ws)[0] ?? "")) continue;
    try {
      ws.send(text);
    } catch {
      // Closed between the check and the send: its close handler cleans up; the others still get the frame.
    }
  }
}
