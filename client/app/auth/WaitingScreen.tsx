import { useEffect } from "react";
import { Backoff } from "../../../shared/backoff";
import { ApiError, authApi } from "../lib/api";
import { useSession } from "../stores/session";
import { Brand } from "../shell/Brand";

/**
 * Until an operator approves this account (sign-up as a waitlist). It learns of the
 * approval through a long poll on the account's status (auth data, not workspace data:
 * the account has no workspace, so no room, to hear it from) and, belt and braces,
 * re-checks when the window regains focus; either way the app then opens in place, with
 * no reload.
 */
function useApprovalWatch() {
  useEffect(() => {
    const stop = new AbortController();
    const recheck = () => void useSession.getState().load();
    const backoff = new Backoff({ baseMs: 1000, capMs: 30_000 });
    void (async () => {
      while (!stop.signal.aborted) {
        try {
          const { status } = await authApi.statusChange("waitlisted", stop.signal);
          backoff.reset();
          if (status !== "waitlisted") return recheck();
        } catch (error) {
          if (stop.signal.aborted) return;
          // Signed out or disabled meanwhile: load() shows the sign-in screen.
          if (error instanceof ApiError && error.status === 401) return recheck();
          await new Promise((resolve) => setTimeout(resolve, backoff.next()));
        }
      }
    })();
    addEventListener("focus", recheck);
    return () => {
      stop.abort();
      removeEventListener("focus", recheck);
    };
  }, []);
}

export function WaitingScreen() {
  const me = useSession((s) => s.me)!;
  const signOut = useSession((s) => s.signOut);
  useApprovalWatch();
  return (
    <main className="auth">
      <div className="auth-card" data-testid="waiting-screen">
        <Brand large>Autopilot</Brand>
        <h1 className="waiting-title">You’re on the waitlist</h1>
        <p className="muted">
          Thanks for signing up, {me.user.name}. An operator reviews each new account; as soon as yours is approved,
          this page opens your workspace by itself — keep it open, or come back later and sign in as{" "}
          <strong>{me.user.email}</strong>.
        </p>
        <p className="waiting-pulse muted small" role="status">
          <span className="conn-dot" aria-hidden /> Waiting for approval
        </p>
        <button type="button" className="ghost wide" onClick={() => void signOut()}>
          Sign out
        </button>
      </div>
    </main>
  );
}
