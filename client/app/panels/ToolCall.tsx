import { type SyntheticEvent, useMemo, useState } from "react";
import { isClippedTool, type MessageTool, type MessageToolLive } from "../../../shared/protocol/agent";
import type { Message } from "../../../shared/protocol/threads";
import { shortDuration, statusWords } from "../../../shared/plain-words";
import { clockTime } from "../lib/format";
import { callsLine, callWords, decisionLine, factsOf, resultLine } from "../lib/tool-words";
import { useRoom } from "../stores/room";
import { ApprovalOutcome } from "./ApprovalActions";
import { useNames } from "../lib/names";
import { FactList, ToolArguments } from "./ApprovalContext";

/**
 * A tool call the Autopilot made (protocol 5, `message.tool`): collapsed to what it did in
 * words (shared/plain-words.ts, the thread or instance it acted on named), its outcome and
 * duration; expanded, its arguments and result in words (lib/tool-words.ts), with the JSON
 * the model and the tool wrote one more disclosure down for the curious, as text only.
 * <details> gives the keyboard toggle and the expanded state to assistive tech without script.
 */

/** The most of a call's JSON shown (the room clips it already; a hostile peer might not). */
const MAX_JSON = 4000;

/**
 * A call's arguments and result as the model and the tool wrote them, one disclosure down,
 * as text only: the chat's tool calls and a task's run log show the same block. A result not
 * there yet (a call still running) has no line.
 */
export function ToolJson({ args, result }: { args: string; result: string | null }) {
  return (
    <details className="tool-json">
      <summary>Details as the model and the tool wrote them</summary>
      <p className="field-label">Arguments</p>
      <pre className="tool-text">{args.slice(0, MAX_JSON) || "none"}</pre>
      {result !== null && (
        <>
          <p className="field-label">Result</p>
          <pre className="tool-text">{result.slice(0, MAX_JSON) || "none"}</pre>
        </>
      )}
    </details>
  );
}

/** A call's result in words: facts for an object, a line for the rest. */
function ToolResult({ tool }: { tool: MessageTool }) {
  if (tool.result === null)
    return (
      <p className="muted small">
        It never ran:{" "}
        {tool.status === "denied"
          ? "it was not allowed."
          : tool.status === "expired"
            ? "its approval was not given (it expired or was withdrawn)."
            : "it failed before it started."}
      </p>
    );
  return <ResultWords text={tool.result} />;
}

/** A result the tool wrote, in words: facts for an object, one line for the rest. */
export function ResultWords({ text }: { text: string }) {
  const names = useNames();
  const read = useMemo(() => factsOf(text, names), [text, names]);
  if (read && read.facts.length > 0) return <FactList facts={read.facts} more={read.more} compact of="result" />;
  return <p className="small tool-result-line">{text ? resultLine(text) : "none"}</p>;
}

/**
 * A tool call's card. Its message came live with its result's opening only (`tool.steps`,
 * `resultChars`): opened, the card reads the whole message from the room, showing the
 * opening until it arrives.
 */
export function ToolCallBlock({ tool, at }: { tool: MessageToolLive; at?: Pick<Message, "threadId" | "n"> }) {
  const approval = useRoom((s) => (tool.approvalId ? s.state.approvals.get(tool.approvalId) : undefined));
  const names = useNames();
  const took = tool.durationMs === null ? null : shortDuration(tool.durationMs);
  const words = useMemo(() => callWords(tool.name, tool.arguments, names), [tool.name, tool.arguments, names]);
  const clipped = isClippedTool(tool);
  const [reading, setReading] = useState<"no" | "yes" | "failed">("no");
  const onToggle = (e: SyntheticEvent<HTMLDetailsElement>) => {
    if (!e.currentTarget.open || !clipped || !at || reading === "yes") return;
    setReading("yes");
    useRoom
      .getState()
      .loadWholeMessage(at.threadId, at.n)
      .then(
        () => setReading("no"),
        () => setReading("failed"),
      );
  };
  return (
    <details className={`tool-call tool-${tool.status}`} onToggle={onToggle} data-clipped={clipped || undefined}>
      <summary>
        <span className="tool-name" title={tool.name}>
          {words[0]?.toUpperCase()}
          {words.slice(1)}
        </span>
        <span className={`chip tool-status-${tool.status}`}>{statusWords("tool", tool.status)}</span>
        {took && <span className="muted small">{took}</span>}
      </summary>
      <div className="tool-call-body">
        <p className="field-label">Arguments</p>
        <ToolArguments text={tool.arguments} compact />
        <p className="field-label">Result</p>
        <ToolResult tool={tool} />
        {clipped && (
          <p className="muted small" role="status">
            {reading === "failed"
              ? "The whole result could not be read: close this and open it again to retry."
              : `The opening of ${tool.resultChars} characters; the rest is loading.`}
          </p>
        )}
        {approval && <ApprovalOutcome approval={approval} />}
        <ToolJson args={tool.arguments} result={tool.result} />
      </div>
    </details>
  );
}

/**
 * What a person decided about the gated calls among these, one line each, where the
 * approval's card was before (the card leaves once the call lands): derived from the
 * approval as the room holds it now.
 */
export function DecisionLines({ tools }: { tools: readonly MessageTool[] }) {
  const approvals = useRoom((s) => s.state.approvals);
  const names = useNames();
  const lines = tools.flatMap((tool) => {
    const approval = tool.approvalId ? approvals.get(tool.approvalId) : undefined;
    const line = approval ? decisionLine(approval, names, clockTime) : null;
    return approval && line ? [{ id: approval.id, status: approval.status, line }] : [];
  });
  return lines.map(({ id, status, line }) => (
    <p key={id} className={`approval-decision decision-${status}`} data-approval-id={id}>
      {line}
    </p>
  ));
}

/**
 * A run's consecutive tool calls as one block: "4 tool calls: archive the thread “X”, …",
 * opened to each call's own card. A decision about a gated call among them stays in view
 * under the line, not folded away.
 */
export function ToolCallGroup({ messages }: { messages: readonly Message[] }) {
  const names = useNames();
  const tools = useMemo(() => messages.flatMap((m) => (m.tool ? [m.tool] : [])), [messages]);
  const line = useMemo(() => callsLine(tools, names), [tools, names]);
  const first = messages[0]!;
  const last = messages[messages.length - 1]!;
  const bad = tools.some((t) => t.status !== "ok");
  return (
    <li className="message from-agent tool-message tool-group">
      <div className="message-meta">
        <strong>{first.author.name}</strong>
        {first.author.kind === "agent" && <span className="agent-chip">agent</span>}
        <time dateTime={new Date(last.createdAt).toISOString()}>{clockTime(last.createdAt)}</time>
      </div>
      <details className={`tool-group-fold ${bad ? "has-trouble" : ""}`}>
        <summary>
          <span className="tool-group-line">{line}</span>
        </summary>
        <ul className="tool-group-calls">
          {messages.map((m) => (
            <li key={m.id} data-message-id={m.id}>
              {m.tool && <ToolCallBlock tool={m.tool} at={m} />}
            </li>
          ))}
        </ul>
      </details>
      <DecisionLines tools={tools} />
    </li>
  );
}
