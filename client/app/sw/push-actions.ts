/**
 * What the service worker (sw.js) makes of a push, and what an approval's Approve and Deny
 * actions do (docs/inbox.md). A push is read as plain text and bounded, and no link it carries
 * leaves the app's origin; an approval's push carries its decision link
 * (features/decision-links/), which the actions press as the page's buttons would.
 */
export interface ReadPush {
  title: string;
  body: string;
  /** The item in the app: a path of the app's origin. */
  url: string;
  /** The approval's decision link (a `/decide/` path of the app's origin), or null. */
  decide: string | null;
}

export type Decision = "approve" | "deny";

/** A path of `origin`, or null: a link that points anywhere else is not followed. */
function ownPath(value: string, origin: string): string | null {
  try {
    const parsed = new URL(value, origin);
    return parsed.origin === origin ? parsed.pathname + parsed.search : null;
  } catch {
    return null;
  }
}

export function readPush(value: unknown, origin: string): ReadPush {
  const fields = typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
  const text = (v: unknown, max: number) => (typeof v === "string" ? v.slice(0, max) : "");
  const decide = ownPath(text(fields.decide, 500), origin);
  return {
    title: text(fields.title, 200) || "Autopilot",
    body: text(fields.body, 1000),
    url: ownPath(text(fields.url, 2000) || "/", origin) ?? "/",
    decide: decide?.startsWith("/decide/") ? decide : null,
  };
}

/** The notification for a push: an approval's has Approve and Deny; the link is the tag (one notification per item). */
export function notificationFor(push: ReadPush): {
  title: string;
  options: NotificationOptions & { actions: { action: Decision; title: string }[] };
} {
  return {
    title: push.title,
    options: {
      body: push.body,
      tag: push.url,
      data: { url: push.url, decide: push.decide },
      icon: "/icon-192.png",
      actions: push.decide
        ? [
            { action: "approve", title: "Approve" },
            { action: "deny", title: "Deny" },
          ]
        : [],
    },
  };
}

/** Whether a notification's action is a decision it can make (an approval's push, Approve or Deny). */
export const isDecision = (action: string, data: { decide?: string | null } | null | undefined): action is Decision =>
  (action === "approve" || action === "deny") && typeof data?.decide === "string";

/** Presses the decision link's button as its page's form would; whether it decided (or had already). */
export async function pressDecision(fetcher: typeof fetch, link: string, decision: Decision): Promise<boolean> {
  const res = await fetcher(link, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ decision }).toString(),
  }).catch(() => null);
  await res?.body?.cancel();
  return res?.ok === true;
}

/** The notification that takes the approval's place once decided: what was decided, and on what. */
export function outcomeTitle(decision: Decision, body: string): string {
  return `${decision === "approve" ? "Approved" : "Denied"}: ${body.split("\n")[0]}`.slice(0, 200);
}
