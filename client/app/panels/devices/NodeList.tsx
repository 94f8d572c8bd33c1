import { useState } from "react";
import type { InstanceDetails, PairedNode } from "../../../../shared/protocol/instances";
import { relativeTime } from "../../lib/format";
import { nodeFacts, nodeName, someCommands } from "./texts";

/** Commands shown before "+N more". */
const VISIBLE_COMMANDS = 6;

function Commands({ node, name }: { node: PairedNode; name: string }) {
  const [all, setAll] = useState(false);
  const { shown, more, total } = someCommands(node.commands, all ? Number.POSITIVE_INFINITY : VISIBLE_COMMANDS);
  if (total === 0) return <p className="muted small paired-node-commands-none">No commands allowed yet.</p>;
  return (
    <ul className="paired-node-commands" aria-label={`Commands ${name} may run`}>
      {shown.map((command) => (
        <li key={command} className="command-chip" title={command}>
          {command}
        </li>
      ))}
      {total > VISIBLE_COMMANDS && (
        <li>
          <button type="button" className="link paired-node-more" aria-expanded={all} onClick={() => setAll(!all)}>
            {all ? "fewer" : `+${more} more`}
          </button>
        </li>
      )}
    </ul>
  );
}

/**
 * The nodes paired with the gateway (machines that run commands for it), as the room last
 * answered: connected or offline in words, the commands each may run, and Revoke… (an
 * unpair of its device id, filed as an approval).
 */
export function NodeList({
  details,
  disabled,
  why,
  onRevoke,
}: {
  details: InstanceDetails;
  disabled: boolean;
  why: string | undefined;
  onRevoke: (node: PairedNode, name: string) => void;
}) {
  if (details.nodes === null)
    return <p className="muted small">{details.devicesError ?? "The gateway did not list its nodes."}</p>;
  if (details.nodes.length === 0) return <p className="empty">No nodes yet. Add a device to pair one.</p>;
  // One row per node id, whatever the gateway sent (ids key the rows).
  const nodes = [...new Map(details.nodes.map((node) => [node.nodeId, node])).values()];
  return (
    <ul className="paired-node-list" aria-label="Paired nodes">
      {nodes.map((node) => {
        const name = nodeName(node);
        const facts = nodeFacts(node, relativeTime);
        return (
          <li key={node.nodeId} className="paired-node-row" data-node-id={node.nodeId}>
            <div className="paired-node-head">
              <span className="paired-node-name" title={`${name} (${node.nodeId})`}>
                {name}
              </span>
              <span className={`paired-node-state ${node.connected ? "paired-node-connected" : "paired-node-offline"}`}>
                <span className="paired-node-dot" aria-hidden="true" />
                {node.connected ? "connected" : "offline"}
              </span>
            </div>
            <div className="paired-node-sub">
              <p className="paired-node-facts muted small" title={facts}>
                {facts}
              </p>
              <button
                type="button"
                className="small deny paired-node-revoke"
                disabled={disabled}
                title={why}
                aria-label={`Revoke ${name}`}
                onClick={() => onRevoke(node, name)}
              >
                Revoke…
              </button>
            </div>
            <Commands node={node} name={name} />
          </li>
        );
      })}
    </ul>
  );
}
