import { useCallback, useState } from "react";
import type { Scope } from "../../../shared/protocol/principal";
import { useAction } from "../lib/action";
import { type AgentInvitation, authApi, type WorkspaceInfo } from "../lib/api";
import { relativeTime } from "../lib/format";
import { FormError } from "../lib/form-error";
import { useAccessChanges } from "../lib/access-changes";
import { useLoaded } from "../lib/loaded";
import { OpenInvitations } from "./InvitePanel";

/**
 * Invite an agent: a one-time token the agent redeems at `POST /api/agent/signup` for a
 * key of its own with these scopes (the person never sees that key). Owners, admins and
 * agents whose key holds `admin`.
 */
export function AgentInvitePanel({ workspace }: { workspace: WorkspaceInfo }) {
  const open = useLoaded<AgentInvitation[]>(
    useCallback(async () => (await authApi.agentInvitations(workspace.id)).invitations, [workspace.id]),
    [],
  );
  useAccessChanges(open.reload);
  const [write, setWrite] = useState(true);
  const [minted, setMinted] = useState<{ token: string; scopes: Scope[] } | null>(null);

  const invite = useAction(async () => {
    const scopes: Scope[] = write ? ["read", "write"] : ["read"];
    const result = await authApi.inviteAgent(workspace.id, { scopes });
    setMinted({ token: result.token, scopes: result.scopes });
    await open.reload();
  });
  const cancel = useAction(async (id: string) => {
    await authApi.cancelAgentInvitation(workspace.id, id);
    await open.reload();
  });
  const command = minted
    ? `curl -s -X POST ${location.origin}/api/agent/signup \\\n  -H 'content-type: application/json' \\\n  -d '{"name":"my-agent","invitation":"${minted.token}"}'`
    : "";

  return (
    <div>
      <h4 className="small-heading">Invite an agent</h4>
      <p className="muted small">
        A one-time invitation, good for 48 hours: the agent trades it for a key of its own in this workspace.
      </p>
      <label className="check">
        <input type="checkbox" checked={write} onChange={(e) => setWrite(e.target.checked)} />
        <span>may write (post, create threads, ask for approval)</span>
      </label>
      <div className="button-row">
        <button type="button" className="primary" disabled={invite.pending} onClick={() => invite.run()}>
          Create invitation
        </button>
      </div>
      {minted && (
        <div className="reveal" role="status">
          <p>
            <strong>Give this to the agent now</strong> — it is shown once ({minted.scopes.join(", ")}).
          </p>
          <pre className="details">{command}</pre>
          <button type="button" className="link" onClick={() => setMinted(null)}>
            Done — hide
          </button>
        </div>
      )}
      <OpenInvitations
        label="Open agent invitations"
        invitations={open.value}
        describe={(inv) => (
          <>
            {inv.scopes.join(", ")} <span className="muted small">created {relativeTime(inv.createdAt)}</span>
          </>
        )}
        cancelLabel={() => "Cancel this agent invitation"}
        cancel={cancel}
      />
      <FormError error={invite.error ?? cancel.error ?? open.error} />
    </div>
  );
}
