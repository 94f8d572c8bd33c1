import { useState } from "react";
import type { InstanceDetails, PairedNode } from "../../../../shared/protocol/instances";
import { relativeTime } from "../../lib/format";
import { nodeFacts, nodeName, someCommands } from "./texts";

/** Commands shown before "+N more". */
const VISIBLE_COMMANDS = 6;

function Commands({ node, name }: { node: PairedNode; name: string }) {
  const [all, setAll] = useState(false);
  const { shown, more, total } = someCommands(node.commands, all ? Number.POSITIVE_INFINITY : VISIBLE_COMMANDS);
  if (total === 0) return <p className="muted small node-commands-none">No commands allowed yet.</p>;
  return (
    <ul className="node-commands" aria-label={`Commands ${name} may run`}>
      {shown.map((command) => (
        <li key={command} className="command-chip" title={command}>
          {command}
        </li>
      ))}
      {total > VISIBLE_COMMANDS && (
        <li>
          <button type="button" className="link small" aria-expanded={all} onClick={() => setAll(!all)}>
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
export function NodeList({ details, disabled, why, onRevoke }: { details: InstanceDetails; disabled: boolean; why: string | undefined; onRevoke: (node: PairedNode, name: string) => void }) {
  if (details.nodes === null) return <p className="muted small">{details.devicesError ?? "The gateway did not list its nodes."}</p>;
  if (details.nodes.length === 0) return <p className="empty">No nodes yet. Add a device to pair one.</p>;
  return (
    <ul className="node-list" aria-label="Paired nodes">
      {details.nodes.map((node) => {
        const name = nodeName(node);
        const facts = nodeFacts(node, relativeTime);
        return (
          <li key={node.nodeId} className="node-row">
            <div className="node-head">
              <span className="node-name" title={name}>
                {name}
              </span>
              <span className={`node-state ${node.connected ? "node-connected" : "node-offline"}`}>
                <span className="node-dot" aria-hidden="true" />
                {node.connected ? "connected" : "offline"}
              </span>
              <button type="button" className="small deny node-revoke" disabled={disabled} title={why} aria-label={`Revoke ${name}`} onClick={() => onRevoke(node, name)}>
                Revoke…
              </button>
            </div>
            {facts && (
              <p className="node-facts muted small" title={facts}>
                {facts}
              </p>
            )}
            <Commands node={node} name={name} />
          </li>
        );
      })}
    </ul>
  );
}
