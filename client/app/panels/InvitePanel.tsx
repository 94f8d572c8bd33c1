import { type FormEvent, type ReactNode, useCallback } from "react";
import { useAction } from "../lib/action";
import { authApi, type SentInvitation, type WorkspaceInfo } from "../lib/api";
import { FormError } from "../lib/form-error";
import { useAccessChanges } from "../lib/access-changes";
import { useLoaded } from "../lib/loaded";
import { EmailAndRole, useEmailAndRole } from "./EmailAndRole";

const INVITE_FIELDS = {
  id: "invite",
  email: "Email to invite",
  role: "Role for the invitation",
  example: "new-colleague@example.com",
};

/** Invitations still open, each with its Cancel button (`cancel` runs with its id); nothing when there are none. */
export function OpenInvitations<T extends { id: string }>({
  label,
  invitations,
  describe,
  cancelLabel,
  cancel,
}: {
  label: string;
  invitations: readonly T[];
  describe: (invitation: T) => ReactNode;
  cancelLabel: (invitation: T) => string;
  cancel: { run: (id: string) => void; pending: boolean };
}) {
  if (invitations.length === 0) return null;
  return (
    <ul className="rows" aria-label={label}>
      {invitations.map((inv) => (
        <li key={inv.id}>
          <span>{describe(inv)}</span>
          <button
            type="button"
            className="small"
            disabled={cancel.pending}
            onClick={() => cancel.run(inv.id)}
            aria-label={cancelLabel(inv)}
          >
            Cancel
          </button>
        </li>
      ))}
    </ul>
  );
}

/**
 * Inviting by e-mail (owners and admins): the address need not have an account yet; the
 * invitee accepts in the app once they have verified that address. Lists the pending ones.
 */
export function InvitePanel({ workspace }: { workspace: WorkspaceInfo }) {
  const person = useEmailAndRole();
  const sent = useLoaded<SentInvitation[]>(
    useCallback(async () => (await authApi.sentInvitations(workspace.id)).invitations, [workspace.id]),
    [],
  );
  useAccessChanges(sent.reload);

  const invite = useAction(async () => {
    const { invitation } = await authApi.invite(workspace.id, { email: person.email.trim(), role: person.role });
    person.setEmail("");
    await sent.reload();
    return `Invitation sent to ${invitation.email} as ${invitation.role}.`;
  });
  const cancel = useAction(async (id: string) => {
    await authApi.cancelInvitation(workspace.id, id);
    await sent.reload();
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    invite.run();
  };
  return (
    <div>
      <h4 className="small-heading">Invite by e-mail</h4>
      <form className="inline-form" onSubmit={submit}>
        <EmailAndRole person={person} words={INVITE_FIELDS} workspace={workspace} />
        <button type="submit" className="primary" disabled={invite.pending}>
          Invite
        </button>
      </form>
      {invite.note && (
        <p className="success" role="status">
          {invite.note}
        </p>
      )}
      <OpenInvitations
        label="Pending invitations"
        invitations={sent.value}
        describe={(inv) => (
          <>
            {inv.email} <span className="muted small">invited as {inv.role}</span>
          </>
        )}
        cancelLabel={(inv) => `Cancel the invitation to ${inv.email}`}
        cancel={cancel}
      />
      <FormError error={invite.error ?? cancel.error ?? sent.error} />
    </div>
  );
}
