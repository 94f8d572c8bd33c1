import type { MessageTool } from "../../../shared/protocol/agent";
import { shortDuration, statusWords, toolLabel } from "../../../shared/plain-words";
import { useRoom } from "../stores/room";
import { ApprovalOutcome } from "./ApprovalActions";

/**
 * A tool call the Autopilot made (protocol 5, `message.tool`): collapsed to what it did in
 * words (shared/plain-words.ts), its outcome and duration; expanded, the arguments and result. Both are whatever the model and
 * the tool produced, so they render only as preformatted text. <details> gives the
 * keyboard toggle and the expanded state to assistive tech without script.
 */

export function ToolCallBlock({ tool }: { tool: MessageTool }) {
  const approval = useRoom((s) => (tool.approvalId ? s.state.approvals.get(tool.approvalId) : undefined));
  const took = tool.durationMs === null ? null : shortDuration(tool.durationMs);
  return (
    <details className={`tool-call tool-${tool.status}`}>
      <summary>
        <span className="tool-name" title={tool.name}>
          {toolLabel(tool.name)}
        </span>
        <span className={`chip tool-status-${tool.status}`}>{statusWords("tool", tool.status)}</span>
        {took && <span className="muted small">{took}</span>}
      </summary>
      <div className="tool-call-body">
        <p className="field-label">Arguments</p>
        <pre className="tool-text">{tool.arguments}</pre>
        <p className="field-label">Result</p>
        {tool.result === null ? (
          <p className="muted small">
            It never ran:{" "}
            {tool.status === "denied"
              ? "it was not allowed."
              : tool.status === "expired"
                ? "its approval was not given (it expired or was withdrawn)."
                : "it failed before it started."}
          </p>
        ) : (
          <pre className="tool-text">{tool.result}</pre>
        )}
        {approval && <ApprovalOutcome approval={approval} />}
      </div>
    </details>
  );
}
