import { useMemo } from "react";
import { ProgressBar } from "../lib/progress-bar";
import { requestedInstances } from "../lib/instance-status";
import { useRoom } from "../stores/room";
import { useUi } from "../stores/ui";
import { BridgeStatus, GatewaySessions } from "./Gateway";
import { KeptMessages } from "./Outgoing";
import { LinkGateway } from "./LinkGateway";
import { Online } from "./OnlinePeople";
import { Projects } from "./ProjectList";
import { QuickCreate } from "./QuickCreate";
import { SideSection } from "./SideSection";
import { Threads } from "./ThreadList";

/**
 * Left bar: the workspace's threads, its projects, its OpenClaw instances, plus who is
 * here. All of it comes from the room state (ProjectList.tsx also offers the canvas's
 * groups as projects); nothing is fetched.
 */

const INSTANCE_ID = /^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/;

/** Asks for a new instance; the room turns it into an approval a person must confirm. */
function NewInstance() {
  return (
    <QuickCreate
      id="new-instance-id"
      label="New instance id"
      placeholder="Instance id, e.g. work"
      maxLength={48}
      button="Provision"
      buttonClass="small"
      create={async (instanceId, client) => {
        if (!INSTANCE_ID.test(instanceId))
          throw new Error("Use lower-case letters, digits and dashes, e.g. work or personal.");
        // The request shows under Instances while its approval waits (from the room's state).
        await client.request("instances.provision", { instanceId });
        return null;
      }}
    />
  );
}

function Instances() {
  const instances = useRoom((s) => s.state.instances);
  const select = useUi((s) => s.select);
  const selectedId = useUi((s) => s.selectedId);
  const list = useMemo(
    () => [...instances.values()].filter((i) => i.status !== "stopped").sort((a, b) => a.createdAt - b.createdAt),
    [instances],
  );
  const approvals = useRoom((s) => s.state.approvals);
  const requested = useMemo(() => requestedInstances(approvals.values(), instances), [approvals, instances]);
  return (
    <SideSection id="instances-h" title="Instances" count={list.length}>
      <NewInstance />
      <LinkGateway />
      {requested.length > 0 && (
        <ul className="requested-instances" aria-label="Instances waiting for approval">
          {requested.map((r) => (
            <li key={r.approvalId}>
              <button
                type="button"
                className="link small"
                onClick={() => select(`approval:${r.approvalId}`, { focus: true })}
                title="Someone with the approve scope confirms it in Approvals"
              >
                {r.label}
              </button>
            </li>
          ))}
        </ul>
      )}
      {list.length === 0 ? (
        <p className="empty">
          No OpenClaw instances yet. Each one is a hosted gateway for this workspace, or your own gateway linked to it;
          either waits for a person to approve it.
        </p>
      ) : (
        <ul className="nav-list">
          {list.map((i) => {
            const busy = i.status === "provisioning" || i.status === "starting";
            return (
              <li key={i.id}>
                <button
                  type="button"
                  className={`nav-item ${selectedId === `instance:${i.id}` ? "active" : ""}`}
                  onClick={() => select(`instance:${i.id}`, { focus: true })}
                  aria-current={selectedId === `instance:${i.id}`}
                  title={i.error ?? i.phase}
                >
                  <span className="nav-title">{i.name}</span>
                  <span className="nav-meta">
                    {i.kind === "linked" && <span className="chip">linked</span>}
                    {i.status === "error" ? "error" : busy ? `${Math.round(i.progress)}%` : i.status}
                  </span>
                </button>
                {busy && (
                  <ProgressBar label={`${i.name}: ${i.phase}`} now={Math.round(i.progress)} percent={i.progress} />
                )}
                {i.status === "error" && i.error && <p className="form-error">{i.error}</p>}
                {i.bridge && (
                  <div className="instance-bridge">
                    <BridgeStatus instance={i} />
                  </div>
                )}
                <GatewaySessions instance={i} limit={5} />
              </li>
            );
          })}
        </ul>
      )}
    </SideSection>
  );
}

export function Sidebar() {
  // Before the room's first answer its projects, instances and people are not known, not absent.
  const answered = useRoom((s) => s.principal !== null);
  return (
    <nav className="sidebar" id="sidebar" aria-label="Workspace">
      <KeptMessages />
      <Threads />
      {answered && (
        <>
          <Projects />
          <Instances />
          <Online />
        </>
      )}
    </nav>
  );
}
