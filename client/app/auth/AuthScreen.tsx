import { useShallow } from "zustand/react/shallow";
import { useEffect, useState, type FormEvent } from "react";
import { useAction } from "../lib/action";
import { authApi } from "../lib/api";
import { useSession } from "../stores/session";
import { Brand } from "../shell/Brand";
import { FormError } from "../lib/form-error";
import { forgetInvitationLink, notPendingText, type PreviewState, useInvitationPreview } from "./invitation-link";
import { InvitationLanding } from "./InvitationLanding";
import { TextField } from "../lib/text-field";

/**
 * Sign in / create account / sign in with an agent's API key. Errors from the auth API are
 * shown as sentences under the form. Opened from an invitation's link, it says who invited
 * whom where first, and offers to join: a new account for the invited address goes straight
 * into that workspace; an existing one signs in and accepts (AccountNotices).
 */
export function AuthScreen() {
  const [signIn, signUp, signInWithKey, load, expired] = useSession(
    useShallow((s) => [s.signIn, s.signUp, s.signInWithKey, s.load, s.expired] as const),
  );
  const [preview] = useInvitationPreview();
  const invitation = preview.kind === "shown" ? preview.invitation : null;
  const [mode, setMode] = useState<"in" | "up" | "key" | "join">("in");
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [key, setKey] = useState("");
  // An invitation for an address with no account yet: joining is the form; with one, signing in as it.
  useEffect(() => {
    if (invitation?.state !== "pending") return;
    setMode(invitation.hasAccount ? "in" : "join");
    setEmail(invitation.email);
  }, [invitation]);
  const { run, pending, error } = useAction(async () => {
    if (mode === "key") await signInWithKey(key.trim());
    else if (mode === "join" && preview.kind === "shown") {
      const { id, token } = preview.link;
      const { workspaceId } = await authApi.joinInvitation(id, {
        token,
        name: name.trim() || email.split("@")[0]!,
        password,
      });
      forgetInvitationLink();
      const url = new URL(location.href);
      url.searchParams.set("w", workspaceId);
      history.replaceState(null, "", url);
      await load();
    } else if (mode === "up") await signUp(name.trim() || email.split("@")[0]!, email.trim(), password);
    else await signIn(email.trim(), password);
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    run();
  };

  return (
    <main className="auth">
      <div className="auth-card">
        <Brand large>Autopilot</Brand>
        <p className="muted">
          Your team’s room for threads, approvals and agent work — live for people and agents alike.
        </p>
        {expired && (
          <p className="notice" role="status">
            You were signed out. Sign in again to continue.
          </p>
        )}
        <InvitationHeader preview={preview} />
        {mode === "join" && invitation ? (
          <form onSubmit={submit} className="auth-form" aria-label={`Join ${invitation.workspaceName}`}>
            {nameField()}
            <label className="field-label" htmlFor="auth-email">
              Email
            </label>
            <input id="auth-email" type="email" readOnly value={invitation.email} aria-describedby="join-email-note" />
            <p className="muted small" id="join-email-note">
              The address the invitation went to: opening its link proved it is yours.
            </p>
            {passwordField(true)}
            <p className="muted small">At least 10 characters, not a common password.</p>
            <FormError error={error} />
            <button type="submit" className="primary wide" disabled={pending}>
              {pending ? "One moment…" : `Join ${invitation.workspaceName}`}
            </button>
            <button type="button" className="link" onClick={() => setMode("in")}>
              I have an account: sign in instead
            </button>
          </form>
        ) : (
          accountForms()
        )}
      </div>
    </main>
  );

  /** The name asked of a new account (render helpers, not components: their inputs keep their focus). */
  function nameField() {
    return (
      <TextField
        id="auth-name"
        label="Name"
        autoComplete="name"
        value={name}
        onChange={setName}
        placeholder="How others see you"
      />
    );
  }

  /** The password: a new one (`creating`, at least 10 characters) or the account's. */
  function passwordField(creating: boolean) {
    return (
      <TextField
        id="auth-password"
        label="Password"
        type="password"
        required
        minLength={creating ? 10 : undefined}
        autoComplete={creating ? "new-password" : "current-password"}
        value={password}
        onChange={setPassword}
      />
    );
  }

  /** The usual tabs and forms (a render helper, not a component: its inputs keep their focus). */
  function accountForms() {
    return (
      <>
        <div className="segmented" role="tablist" aria-label="Account">
          <button type="button" role="tab" aria-selected={mode === "in"} onClick={() => setMode("in")}>
            Sign in
          </button>
          <button type="button" role="tab" aria-selected={mode === "up"} onClick={() => setMode("up")}>
            Create account
          </button>
          <button type="button" role="tab" aria-selected={mode === "key"} onClick={() => setMode("key")}>
            API key
          </button>
        </div>
        {mode === "key" ? (
          <form onSubmit={submit} className="auth-form">
            <TextField
              id="auth-key"
              label="Agent API key"
              type="password"
              required
              autoComplete="off"
              spellCheck={false}
              placeholder="ap_…"
              value={key}
              onChange={setKey}
            />
            <p className="muted small">
              For agents: the app opens the key’s workspace with the key’s scopes. Revoking the key signs this tab out
              at once.
            </p>
            <FormError error={error} />
            <button type="submit" className="primary wide" disabled={pending}>
              {pending ? "One moment…" : "Sign in with key"}
            </button>
          </form>
        ) : (
          <form onSubmit={submit} className="auth-form">
            {mode === "up" && nameField()}
            <TextField
              id="auth-email"
              label="Email"
              type="email"
              required
              autoComplete="email"
              value={email}
              onChange={setEmail}
            />
            {passwordField(mode === "up")}
            {mode === "up" && (
              <p className="muted small">
                At least 10 characters, not a common password. You get a personal workspace; verify your e-mail and
                others can add you to theirs.
              </p>
            )}
            <FormError error={error} />
            <button type="submit" className="primary wide" disabled={pending}>
              {pending ? "One moment…" : mode === "up" ? "Create account" : "Sign in"}
            </button>
          </form>
        )}
      </>
    );
  }
}

/** "Olga invited you to Acme": what the link is for, before any form. */
function InvitationHeader({ preview }: { preview: PreviewState }) {
  if (preview.kind === "failed")
    return (
      <p className="notice" role="status">
        This invitation link does not work: {preview.message}
      </p>
    );
  if (preview.kind !== "shown") return null;
  const { invitation } = preview;
  const closed = notPendingText(invitation.state);
  return (
    <InvitationLanding invitation={invitation} heading="h1" className="notice invitation-landing">
      <p>
        {closed ??
          (invitation.hasAccount
            ? `Join as ${invitation.role}: sign in with ${invitation.email}.`
            : `Join as ${invitation.role} with a new account for ${invitation.email}.`)}
      </p>
    </InvitationLanding>
  );
}
