import type { MessageTool } from "../../../shared/protocol/agent";
import { useRoom } from "../stores/room";
import { ApprovalOutcome } from "./ApprovalActions";

/**
 * A tool call the Autopilot made (protocol 5, `message.tool`): collapsed to its name,
 * status and duration; expanded, the arguments and result. Both are whatever the model and
 * the tool produced, so they render only as preformatted text. <details> gives the
 * keyboard toggle and the expanded state to assistive tech without script.
 */

function duration(ms: number | null): string | null {
  if (ms === null) return null;
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

export function ToolCallBlock({ tool }: { tool: MessageTool }) {
  const approval = useRoom((s) => (tool.approvalId ? s.state.approvals.get(tool.approvalId) : undefined));
  const took = duration(tool.durationMs);
  return (
    <details className={`tool-call tool-${tool.status}`}>
      <summary>
        <code className="tool-name">{tool.name}</code>
        <span className={`chip tool-status-${tool.status}`}>{tool.status}</span>
        {took && <span className="muted small">{took}</span>}
      </summary>
      <div className="tool-call-body">
        <p className="field-label">Arguments</p>
        <pre className="tool-text">{tool.arguments}</pre>
        <p className="field-label">Result</p>
        {tool.result === null ? (
          <p className="muted small">It never ran ({tool.status}).</p>
        ) : (
          <pre className="tool-text">{tool.result}</pre>
        )}
        {approval && <ApprovalOutcome approval={approval} />}
      </div>
    </details>
  );
}
