import type { ModerationView } from "../../../../shared/protocol/community";
import { useAction } from "../../lib/action";
import { relativeTime } from "../../lib/format";
import { FormError } from "../../lib/form-error";
import { Attribution } from "./Attribution";

/**
 * A community's moderation queue: what was reported and by whom, with Hide (the post goes
 * for everyone), Ban (its author's key is refused and none of its posts served) and Dismiss
 * (the reports go); below, what is hidden and who is banned, to take back. The workspace's
 * owners and admins see their community's in the Community panel (through the room), the
 * operators the public community's in /admin (through its HTTP API): `moderate` is theirs.
 */
export type ModerationAction =
  | { action: "hide" | "unhide"; eventId: string }
  | { action: "ban" | "unban"; pubkey: string };

export function ModerationQueue({
  view,
  moderate,
  onView,
  label = "Moderation queue",
}: {
  view: ModerationView;
  /** Acts and answers the moderation as it then stands. */
  moderate(action: ModerationAction): Promise<ModerationView>;
  onView(view: ModerationView): void;
  label?: string;
}) {
  const act = useAction(async (actions: ModerationAction[]) => {
    for (const a of actions) onView(await moderate(a));
  });
  return (
    <section className="community-moderation" aria-label={label}>
      <h3>{label}</h3>
      {view.queue.length === 0 ? (
        <p className="muted small">No open reports.</p>
      ) : (
        <ul className="community-queue">
          {view.queue.map((item) => {
            const key = item.post?.id ?? item.author.pubkey;
            return (
              <li key={key} className="community-queue-item" data-testid="moderation-item">
                <Attribution author={item.author} />
                {item.post ? (
                  <p className="community-text">{item.post.text}</p>
                ) : (
                  <p className="muted small">A key was reported.</p>
                )}
                <ul className="community-reports">
                  {item.reports.map((r) => (
                    <li key={r.id} className="small">
                      <strong>{r.reason}</strong> from {r.by.name}
                      {r.note ? `: ${r.note}` : ""} · {relativeTime(r.createdAt)}
                    </li>
                  ))}
                </ul>
                <div className="community-actions">
                  {item.post && (
                    <button
                      type="button"
                      className="deny"
                      disabled={act.pending}
                      onClick={() => act.run([{ action: "hide", eventId: item.post!.id }])}
                    >
                      Hide post
                    </button>
                  )}
                  <button
                    type="button"
                    className="deny"
                    disabled={act.pending}
                    onClick={() => act.run([{ action: "ban", pubkey: item.author.pubkey }])}
                  >
                    Ban {item.author.name}
                  </button>
                  <button
                    type="button"
                    className="ghost"
                    disabled={act.pending}
                    onClick={() => act.run(item.reports.map((r) => ({ action: "hide" as const, eventId: r.id })))}
                  >
                    Dismiss
                  </button>
                </div>
              </li>
            );
          })}
        </ul>
      )}
      <FormError error={act.error} />
      {view.hidden.length > 0 && (
        <>
          <h4>Hidden</h4>
          <ul className="community-queue">
            {view.hidden.map((h) => (
              <li key={h.eventId} className="small">
                {h.post ? `${h.post.author.name}: ${h.post.text.slice(0, 120)}` : "A post this community no longer has"}{" "}
                · hidden by {h.by}{" "}
                <button
                  type="button"
                  className="link"
                  onClick={() => act.run([{ action: "unhide", eventId: h.eventId }])}
                >
                  Unhide
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
      {view.banned.length > 0 && (
        <>
          <h4>Banned</h4>
          <ul className="community-queue">
            {view.banned.map((b) => (
              <li key={b.author.pubkey} className="small">
                {b.author.line} · banned by {b.by}{" "}
                <button
                  type="button"
                  className="link"
                  onClick={() => act.run([{ action: "unban", pubkey: b.author.pubkey }])}
                >
                  Unban
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
