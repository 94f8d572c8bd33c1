import type { Responder } from "../../../shared/protocol/agent";
import { useAction } from "../lib/action";
import { FormError } from "../lib/form-error";
import { useCan, useRoom } from "../stores/room";
import { Options } from "../lib/options";

/**
 * Who answers in a thread (protocol 5): the Autopilot's own model (on every message or
 * only when someone writes @autopilot; people's messages only, or agents' too — protocol
 * 8), an attached OpenClaw instance, or nobody.
 * OpenClaw goes through attach/detach (which also set the responder in the room);
 * the Autopilot and nobody through `threads.configure`.
 */

/** The select's value: "none", "autopilot" or "openclaw:<instanceId>". */
function choiceOf(responder: Responder, instanceId: string | undefined): string {
  if (responder.kind === "openclaw") return instanceId ? `openclaw:${instanceId}` : "none";
  return responder.kind;
}

export function ResponderPicker({ threadId }: { threadId: string }) {
  const client = useRoom((s) => s.client);
  const thread = useRoom((s) => s.state.threads.get(threadId));
  const instances = useRoom((s) => s.state.instances);
  const model = useRoom((s) => s.agentModel);
  const canWrite = useCan("write");
  const attached = thread?.gateway?.instanceId;
  const current = thread ? choiceOf(thread.responder, attached) : "none";
  const {
    run: change,
    pending: busy,
    error,
  } = useAction(async (next: { choice?: string; reply?: Responder["reply"]; agents?: boolean }) => {
    if (!client || !thread) return;
    const choice = next.choice ?? current;
    if (choice !== current) {
      const instanceId = choice.startsWith("openclaw:") ? choice.slice("openclaw:".length) : null;
      if (attached && attached !== instanceId) await client.instances.detach({ instanceId: attached, threadId });
      if (instanceId) {
        await client.instances.attach({ instanceId, threadId });
        return;
      }
    }
    await client.threads.configure({
      threadId,
      responder: choice === "autopilot" ? "autopilot" : "none",
      ...(next.reply && { reply: next.reply }),
      ...(next.agents !== undefined && { agents: next.agents }),
    });
  });
  if (!thread) return null;
  // The attached instance stays listed even while stopped, so the select shows the truth.
  const live = [...instances.values()].filter((i) => i.status !== "stopped" || i.id === attached);
  const reason = canWrite ? undefined : "Your role cannot change who answers here.";
  return (
    <div className="responder-picker muted small">
      <label htmlFor={`responder-${threadId}`}>Answered by</label>
      <select
        id={`responder-${threadId}`}
        value={current}
        disabled={busy || !canWrite}
        title={reason}
        onChange={(e) => change({ choice: e.target.value })}
      >
        <option value="none">Nobody (people and agents only)</option>
        <option value="autopilot">Autopilot{model && !model.configured ? " (no model configured)" : ""}</option>
        <Options items={live} value={(i) => `openclaw:${i.id}`} label={(i) => `OpenClaw: ${i.name} (${i.status})`} />
      </select>
      {thread.responder.kind === "autopilot" && (
        <>
          <label htmlFor={`reply-${threadId}`} className="sr-only">
            Autopilot replies
          </label>
          <select
            id={`reply-${threadId}`}
            value={thread.responder.reply}
            disabled={busy || !canWrite}
            title={reason}
            onChange={(e) => change({ reply: e.target.value as Responder["reply"] })}
          >
            <option value="every">to every message</option>
            <option value="mention">only when @autopilot</option>
          </select>
          <label htmlFor={`agents-${threadId}`} className="sr-only">
            Agents' messages
          </label>
          {/* The words the CLI uses too: `thread configure --agents answer|ignore`. */}
          <select
            id={`agents-${threadId}`}
            value={thread.responder.agents ? "answer" : "ignore"}
            disabled={busy || !canWrite}
            title={
              reason ?? "Whether the Autopilot answers agents' messages (API keys) too; people's are always answered"
            }
            onChange={(e) => change({ agents: e.target.value === "answer" })}
          >
            <option value="ignore">from people (ignores agents)</option>
            <option value="answer">from people and agents</option>
          </select>
        </>
      )}
      {reason && <span className="hint inline">{reason}</span>}
      <FormError error={error} inline />
    </div>
  );
}
