import { Hono } from "hono";
import { type WorkerRoute, under } from "../worker-route";
import { bodyLimit } from "hono/body-limit";
import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import { foreignPageRefusal } from "../auth/origin";
import { workspaceById } from "../auth/better-auth-reads";
import type { LinkDecision, LinkView } from "../rooms/autopilot/features/decision-links";
import { DECIDE_PREFIX, LINK_TOKEN } from "../rooms/autopilot/features/decision-links";
import { type ApiContext, type ApiEnv, authOf } from "./context";
import { roomCall } from "../room-rpc";

const GONE = "This link is not one of ours, or it ran out. Open the approval in Autopilot to decide it there.";
const MAX_NOTE = 2000;

/**
 * A decision link's page (features/decision-links/): open to anyone, believed only with the
 * token its URL holds. GET shows the approval and two buttons and changes nothing (mail
 * scanners and previews open links); a button's POST decides, as the person the link was
 * mailed to. Plain HTML with no script: it works in any mail app's browser.
 */
export const decisionLinkApi = new Hono<ApiEnv>()
  .use(async (c, next) => {
    await next();
    c.header("cache-control", "no-store");
    // Not "no-referrer": under it a browser sends `Origin: null` with the form, which the press refuses.
    c.header("referrer-policy", "same-origin");
    c.header("x-frame-options", "DENY");
    c.header(
      "content-security-policy",
      "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
    );
  })
  .get(`${DECIDE_PREFIX}/:ws/:token`, async (c) => {
    const room = await roomOf(c.env, authOf(c), c.req.param("ws"), c.req.param("token"));
    const view: LinkView = room
      ? await roomCall(room, "decisionLinkView", { token: c.req.param("token"), signedInAs: await signedInAs(c) })
      : { ok: false };
    if (!view.ok) return c.html(notFound(), 404);
    return c.html(page(view.approval.title, viewBody(view)));
  })
  .post(
    `${DECIDE_PREFIX}/:ws/:token`,
    bodyLimit({ maxSize: 8 * 1024, onError: (c) => c.html(page("Too long", html`<p>The note is too long.</p>`), 413) }),
    async (c) => {
      // Only this page's own form: a cross-site form cannot press the buttons.
      if (foreignPageRefusal(c.env, c.req.raw))
        return c.html(page("Not allowed", html`<p>Decide from the link's own page.</p>`), 403);
      const { ws, token } = c.req.param();
      const room = await roomOf(c.env, authOf(c), ws, token);
      if (!room) return c.html(notFound(), 404);
      const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
      const decision = form.decision === "approve" || form.decision === "deny" ? form.decision : null;
      const note = typeof form.note === "string" ? form.note.trim().slice(0, MAX_NOTE) : "";
      if (!decision) return c.html(page("Choose", html`<p>Press Approve or Deny.</p>`), 400);
      const confirmOwn = form.confirmOwn === "yes";
      const outcome: LinkDecision = await roomCall(room, "decideByLink", {
        token,
        decision,
        ...(note ? { note } : {}),
        ...(confirmOwn ? { confirmOwn } : {}),
        signedInAs: await signedInAs(c),
        withSession: form.withSession === "yes",
      });
      if (!outcome.ok && outcome.status === 404) return c.html(notFound(), 404);
      // A refusal the person can put right on this page (their own request unconfirmed) shows the page again.
      if (!outcome.ok) {
        const again = outcome.status !== 403 && outcome.view.ok ? outcome.view : null;
        return c.html(
          page(
            again ? again.approval.title : "Not decided",
            html`<p class="outcome" role="alert">${outcome.message}</p>
              ${again ? viewBody(again) : ""}`,
          ),
          outcome.status,
        );
      }
      const said = outcome.decision === "approve" ? "Approved" : "Denied";
      return c.html(
        page(
          outcome.view.ok ? outcome.view.approval.title : said,
          html`<p class="outcome" role="status">${outcome.repeated ? `This link already decided it: ${said.toLowerCase()}.` : `${said}.`}</p>
            ${outcome.view.ok ? viewBody(outcome.view) : ""}`,
        ),
      );
    },
  );

const notFound = () => page("Link not found", html`<p>${GONE}</p>`);

/**
 * The person whose session cookie came with the request (better-auth verifies it), or null.
 * Every request that brings a cookie is looked up, whatever the approval's risk (the Worker
 * does not know it); the room uses it only above the workspace's link limit, where it compares
 * it with the link's person.
 */
async function signedInAs(c: ApiContext): Promise<string | null> {
  if (!c.req.header("cookie")) return null;
  const session = await authOf(c)
    .api.getSession({ headers: c.req.raw.headers })
    .catch(() => null);
  return session?.user.id ?? null;
}

/** The workspace's room, for a well-formed token of a workspace that exists (never a room for an id nobody made). */
async function roomOf(env: ApiEnv["Bindings"], auth: ReturnType<typeof authOf>, ws: string, token: string) {
  if (!LINK_TOKEN.test(token) || ws.length > 100 || !(await workspaceById(auth, ws))) return null;
  return env.Autopilot.getByName(ws);
}

function viewBody(view: Extract<LinkView, { ok: true }>): HtmlEscapedString | Promise<HtmlEscapedString> {
  const a = view.approval;
  const expires = a.expiresAt === null ? "does not expire" : `expires ${new Date(a.expiresAt).toUTCString()}`;
  const state =
    a.status === "pending"
      ? `Waiting for a decision · ${expires}`
      : a.status === "expired"
        ? "It expired before anyone decided it."
        : `${a.status === "approved" ? "Approved" : "Denied"}${a.resolvedBy ? ` by ${a.resolvedBy}` : ""}${a.note ? `: “${a.note}”` : ""}`;
  // An approval with no action of the room's summarizes as its title (already the page's heading).
  return html`${a.summary !== a.title ? html`<p class="summary">${a.summary}</p>` : ""}
    <dl>
      <dt>Asked by</dt><dd>${a.requestedBy}</dd>
      <dt>Risk</dt><dd>${a.risk}</dd>
      <dt>Status</dt><dd class="status">${state}</dd>
    </dl>
    ${view.open && view.signIn && !view.signIn.signedIn ? signInBody(view, view.signIn.limit) : ""}
    ${
      view.open && (!view.signIn || view.signIn.signedIn)
        ? html`<form method="post">
            <p>Deciding as <strong>${view.name}</strong>${view.signIn ? " (signed in)" : ""}.</p>
            ${view.signIn ? html`<input type="hidden" name="withSession" value="yes" />` : ""}
            <label for="note">Note (optional, shown with the decision)</label>
            <textarea id="note" name="note" maxlength="${MAX_NOTE}" rows="3"></textarea>
            ${
              view.own
                ? html`<label class="confirm"
                    ><input type="checkbox" name="confirmOwn" value="yes" /> I confirm my own request (you asked for this, or it
                    was asked on your behalf)</label
                  >`
                : ""
            }
            <div class="buttons">
              <button type="submit" name="decision" value="approve" class="approve">Approve</button>
              <button type="submit" name="decision" value="deny" class="deny">Deny</button>
            </div>
          </form>`
        : ""
    }`;
}

/** Above the workspace's limit, without the person's session: nothing to press here until they sign in. */
function signInBody(view: Extract<LinkView, { ok: true }>, limit: string) {
  return html`<p class="sign-in" role="note">
      Sign in as <strong>${view.name}</strong> to decide this: in this workspace a link decides approvals up to
      ${limit} risk on its own, and this one is ${view.approval.risk}.
    </p>
    <p><a class="open" href="${view.appPath}">Open it in Autopilot</a> (you sign in there first), or sign in and open this link again.</p>`;
}

function page(title: string, body: HtmlEscapedString | Promise<HtmlEscapedString>) {
  return html`<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="robots" content="noindex" />
    <title>${title} · Autopilot</title>
    <style>
      :root { color-scheme: light dark; font-family: system-ui, sans-serif; }
      body { max-width: 34rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; }
      h1 { font-size: 1.3rem; }
      .summary { font-size: 1.1rem; }
      dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.25rem 1rem; }
      dt { opacity: 0.75; }
      dd { margin: 0; }
      textarea { width: 100%; box-sizing: border-box; font: inherit; }
      .buttons { display: flex; gap: 0.75rem; margin-top: 1rem; }
      button { font: inherit; min-height: 44px; padding: 0 1.5rem; border-radius: 8px; border: 1px solid; cursor: pointer; }
      .approve { background: #146c2e; color: #fff; border-color: #146c2e; }
      .deny { background: transparent; color: inherit; }
      .outcome { font-weight: 600; font-size: 1.1rem; }
      .confirm { display: flex; gap: 0.5rem; align-items: flex-start; margin-top: 0.75rem; }
      .confirm input { width: 1.25rem; height: 1.25rem; margin: 0.15rem 0 0; }
    </style>
  </head>
  <body>
    <main>
      <h1>${title}</h1>
      ${body}
    </main>
  </body>
</html>`;
}

/** Decision links from a mail or a notification: the link's token is the credential (features/decision-links/). */
export const decisionLinkRoute: WorkerRoute = {
  name: "decision links",
  matches: under(`${DECIDE_PREFIX}/`),
  handle: (request, env, ctx) => decisionLinkApi.fetch(request, env, ctx),
};
