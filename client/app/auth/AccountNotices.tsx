import { useCallback, useEffect, useState } from "react";
import { LowBalance } from "../panels/billing/LowBalance";
import { useAction } from "../lib/action";
import { authApi, type DevMail, type ReceivedInvitation } from "../lib/api";
import { FormError } from "../lib/form-error";
import { useLoaded } from "../lib/loaded";
import { useSession } from "../stores/session";
import { notPendingText, useInvitationPreview } from "./invitation-link";
import { InvitationLanding } from "./InvitationLanding";

/**
 * What the signed-in person has to act on about their account: verifying their e-mail
 * address (until then nobody can add them to a workspace, and invitations stay hidden),
 * and the invitations waiting for them; first, the invitation whose link opened the page,
 * which the link lets them take before verifying (it proved the address). Floats over the
 * workspace so the layout below does not move.
 */
export function AccountNotices() {
  const verified = useSession((s) => s.me?.user.emailVerified ?? true);
  // An agent signed in with its key has no address and receives no invitations.
  const agent = useSession((s) => s.me?.kind === "agent");
  // Opened from what the device kept: nothing to ask of the server until it answers.
  const offline = useSession((s) => s.offline);
  const [linked, setLinked] = useState<string | null>(null);
  if (agent || offline) return null;
  return (
    <aside className="account-notices" aria-label="Account notices">
      <InvitationFromLink shown={setLinked} />
      {verified ? <Invitations hidden={linked} /> : <VerifyEmail />}
      <LowBalance />
    </aside>
  );
}

/** The invitation this page's link is for: who invited whom where, and Join / Decline. */
function InvitationFromLink({ shown }: { shown: (invitationId: string | null) => void }) {
  const me = useSession((s) => s.me!);
  const load = useSession((s) => s.load);
  const selectWorkspace = useSession((s) => s.selectWorkspace);
  const signOut = useSession((s) => s.signOut);
  const [preview, setAside] = useInvitationPreview();
  const invitation = preview.kind === "shown" ? preview.invitation : null;
  const member = invitation !== null && me.workspaces.some((w) => w.id === invitation.workspaceId);
  const forMe = invitation !== null && invitation.email.toLowerCase() === me.user.email.toLowerCase();
  useEffect(() => shown(invitation?.id ?? null), [invitation, shown]);
  // Taken already (here, or in another tab): open its workspace.
  useEffect(() => {
    if (!invitation || !member || invitation.state === "pending") return;
    selectWorkspace(invitation.workspaceId);
    setAside();
  }, [invitation, member, selectWorkspace, setAside]);
  const decide = useAction(async (accept: boolean) => {
    if (preview.kind !== "shown") return null;
    const { link, invitation: taken } = preview;
    const answer = await authApi.decideInvitation(link.id, accept ? "accept" : "decline", link.token);
    setAside();
    if (!accept) return `You declined ${taken.workspaceName}.`;
    await load();
    selectWorkspace(answer.workspaceId);
    return null;
  });
  if (decide.note || (decide.error && preview.kind !== "shown"))
    return (
      <div className="notice account-notice" role="status">
        {decide.note && <p className="success">{decide.note}</p>}
        <FormError error={decide.error} />
      </div>
    );
  if (preview.kind === "failed")
    return (
      <div className="notice account-notice" role="status">
        <p>This invitation link does not work: {preview.message}</p>
        <button type="button" className="small" onClick={setAside}>
          Dismiss
        </button>
      </div>
    );
  if (!invitation || (member && invitation.state !== "pending")) return null;
  const closed = notPendingText(invitation.state);
  return (
    <InvitationLanding invitation={invitation} heading="h2" className="notice account-notice invitation-landing">
      {closed ? (
        <p>{closed}</p>
      ) : !forMe ? (
        <p>
          This invitation is for {invitation.email}; you are signed in as {me.user.email}. Sign out and open the link
          again to join with that address.
        </p>
      ) : (
        <p>Join as {invitation.role}.</p>
      )}
      <span className="button-row">
        {!closed && forMe && (
          <>
            <button type="button" className="primary small" disabled={decide.pending} onClick={() => decide.run(true)}>
              Join {invitation.workspaceName}
            </button>
            <button type="button" className="small" disabled={decide.pending} onClick={() => decide.run(false)}>
              Decline
            </button>
          </>
        )}
        {!closed && !forMe && (
          <button type="button" className="small" onClick={() => void signOut()}>
            Sign out
          </button>
        )}
        <button type="button" className="link" onClick={setAside}>
          {closed ? "Dismiss" : "Not now"}
        </button>
      </span>
      <FormError error={decide.error} />
    </InvitationLanding>
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
        workspace, and an invitation shows only through the link in its own mail.
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

/** The two answers to an invitation in the list, each its own button. */
const DECISIONS = [
  { word: "Accept", accept: true, className: "primary small" },
  { word: "Decline", accept: false, className: "small" },
] as const;

/** `hidden`: the invitation the page's link shows already (InvitationFromLink). */
function Invitations({ hidden }: { hidden: string | null }) {
  const load = useSession((s) => s.load);
  const selectWorkspace = useSession((s) => s.selectWorkspace);
  const mine = useLoaded<ReceivedInvitation[]>(
    useCallback(async () => (await authApi.myInvitations()).invitations, []),
    [],
  );
  const refresh = mine.reload;
  // Invitations arrive while the app is open: look again whenever the tab comes back.
  useEffect(() => {
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

  const listed = mine.value.filter((inv) => inv.id !== hidden);
  if (listed.length === 0 && !mine.error && !decide.note && !decide.error) return null;
  return (
    <div className="notice account-notice">
      {listed.length > 0 && (
        <>
          <h2 className="small-heading">Invitations</h2>
          <ul className="rows">
            {listed.map((inv) => (
              <li key={inv.id}>
                <span>
                  Join <strong>{inv.workspaceName}</strong> as {inv.role}
                </span>
                <span className="button-row">
                  {DECISIONS.map(({ word, accept, className }) => (
                    <button
                      key={word}
                      type="button"
                      className={className}
                      disabled={decide.pending}
                      onClick={() => decide.run({ invitation: inv, accept })}
                      aria-label={`${word} the invitation to ${inv.workspaceName}`}
                    >
                      {word}
                    </button>
                  ))}
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
      <FormError error={decide.error ?? mine.error} />
    </div>
  );
}
