import { useCallback, useEffect, useState } from "react";
import { useAction } from "../lib/action";
import { authApi, type DevMail, errorText, type ReceivedInvitation } from "../lib/api";
import { FormError } from "../lib/form-error";
import { useSession } from "../stores/session";

/**
 * What the signed-in person has to act on about their account: verifying their e-mail
 * address (until then nobody can add them to a workspace, and invitations stay hidden),
 * and the invitations waiting for them. Floats over the workspace so the layout below
 * does not move.
 */
export function AccountNotices() {
  const verified = useSession((s) => s.me?.user.emailVerified ?? true);
  // An agent signed in with its key has no address and receives no invitations.
  const agent = useSession((s) => s.me?.kind === "agent");
  if (agent) return null;
  return (
    <aside className="account-notices" aria-label="Account notices">
      {verified ? <Invitations /> : <VerifyEmail />}
    </aside>
  );
}

function VerifyEmail() {
  const email = useSession((s) => s.me!.user.email);
  const [outbox, setOutbox] = useState<DevMail[] | null>(null);
  const loadOutbox = useCallback(async () => setOutbox((await authApi.devMail().catch(() => null))?.mails ?? null), []);
  useEffect(() => void loadOutbox(), [loadOutbox]);
  const resend = useAction(async () => {
    await authApi.sendVerification(email);
    await loadOutbox();
    return "Sent. Check your inbox.";
  });
  const link = outbox?.find((m) => m.subject.startsWith("Verify"))?.link;
  return (
    <div className="notice account-notice" role="status">
      <p>
        <strong>Verify your e-mail.</strong> We sent a link to {email}. Until you open it, nobody can add you to a
        workspace or invite you.
      </p>
      {outbox && (
        <p className="small">
          Development server: there is no mail here.{" "}
          {link ? (
            <a href={link} className="dev-link">
              Open the verification link
            </a>
          ) : (
            "The outbox is empty."
          )}
        </p>
      )}
      <div className="button-row">
        <button type="button" onClick={() => resend.run()} disabled={resend.pending}>
          Send the link again
        </button>
        {resend.note && <span className="success">{resend.note}</span>}
      </div>
      <FormError error={resend.error} />
    </div>
  );
}

function Invitations() {
  const load = useSession((s) => s.load);
  const selectWorkspace = useSession((s) => s.selectWorkspace);
  const [invitations, setInvitations] = useState<ReceivedInvitation[]>([]);
  const [loadError, setLoadError] = useState<string | null>(null);
  const refresh = useCallback(async () => {
    try {
      setInvitations((await authApi.myInvitations()).invitations);
      setLoadError(null);
    } catch (error) {
      setLoadError(errorText(error));
    }
  }, []);
  // Invitations arrive while the app is open: look again whenever the tab comes back.
  useEffect(() => {
    void refresh();
    const onFocus = () => void refresh();
    addEventListener("focus", onFocus);
    return () => removeEventListener("focus", onFocus);
  }, [refresh]);

  const decide = useAction(async ({ invitation, accept }: { invitation: ReceivedInvitation; accept: boolean }) => {
    await authApi.decideInvitation(invitation.id, accept ? "accept" : "decline");
    await refresh();
    if (!accept) return `You declined ${invitation.workspaceName}.`;
    await load();
    selectWorkspace(invitation.workspaceId);
    return null;
  });

  if (invitations.length === 0 && !loadError && !decide.note && !decide.error) return null;
  return (
    <div className="notice account-notice">
      {invitations.length > 0 && (
        <>
          <h2 className="small-heading">Invitations</h2>
          <ul className="rows">
            {invitations.map((inv) => (
              <li key={inv.id}>
                <span>
                  Join <strong>{inv.workspaceName}</strong> as {inv.role}
                </span>
                <span className="button-row">
                  <button
                    type="button"
                    className="primary small"
                    disabled={decide.pending}
                    onClick={() => decide.run({ invitation: inv, accept: true })}
                    aria-label={`Accept the invitation to ${inv.workspaceName}`}
                  >
                    Accept
                  </button>
                  <button
                    type="button"
                    className="small"
                    disabled={decide.pending}
                    onClick={() => decide.run({ invitation: inv, accept: false })}
                    aria-label={`Decline the invitation to ${inv.workspaceName}`}
                  >
                    Decline
                  </button>
                </span>
              </li>
            ))}
          </ul>
        </>
      )}
      {decide.note && (
        <p className="success" role="status">
          {decide.note}
        </p>
      )}
      <FormError error={decide.error ?? loadError} />
    </div>
  );
}
