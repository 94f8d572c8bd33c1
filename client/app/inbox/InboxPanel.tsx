import { submitted } from "../lib/form-submit";
import { useEffect, useState } from "react";
import { markdownPreview, PREVIEW_SOURCE_CHARS } from "../lib/markdown-preview";
import { labelledMarkdownText } from "../lib/markdown-text";
import { ApprovalActions } from "../panels/ApprovalActions";
import { ApprovalTaskLink } from "../panels/ApprovalContext";
import { channelsFor, type InboxItem, type InboxPreferences, type InboxPush } from "../../../shared/protocol/inbox";
import { useAction } from "../lib/action";
import { FormError } from "../lib/form-error";
import { relativeTime } from "../lib/format";
import { useCan, useRoom } from "../stores/room";
import { useSession } from "../stores/session";
import { openItem } from "./InboxAttention";
import { useNotificationSwitch } from "./notifications";
import { usePushSwitch } from "./push";
import { QuietHoursField, quietHoursProblem } from "./QuietHoursField";
import { useInbox } from "./store";

/** The person's inbox: what waits for them, newest first; opening an item marks it read. */

const KIND_LABEL: Record<InboxItem["kind"], string> = {
  approval: "Approval",
  mention: "Mention",
  reply: "Reply",
  failure: "Failure",
  billing: "Money",
};
const KIND_PLURAL: Record<InboxItem["kind"], string> = {
  approval: "Approvals",
  mention: "Mentions",
  reply: "Replies",
  failure: "Failures",
  billing: "Money alerts",
};

function NotificationSwitch() {
  const { state, turnOn, turnOff } = useNotificationSwitch();
  if (state === "unsupported") return <p className="muted small">This browser has no notifications.</p>;
  if (state === "blocked")
    return <p className="muted small">Notifications are blocked for this site in the browser's settings.</p>;
  return state === "on" ? (
    <button type="button" className="ghost" onClick={turnOff}>
      Turn off browser notifications
    </button>
  ) : (
    <button type="button" onClick={() => void turnOn()}>
      Turn on browser notifications
    </button>
  );
}

/** Web Push for this browser: opt-in by a click only; the state is the room's (this browser's endpoint among the person's). */
function PushSwitch({ push }: { push: InboxPush }) {
  const client = useRoom((s) => s.client);
  const { state, turnOn, turnOff } = usePushSwitch(push, client);
  const on = useAction(async () => turnOn());
  const off = useAction(async () => turnOff());
  if (state.kind === "unsupported")
    return <p className="muted small">This browser cannot receive notifications while the tab is closed.</p>;
  if (state.kind === "unconfigured")
    return (
      <p className="muted small">
        Notifications to a closed tab are not set up on this server (it has no VAPID keys); e-mail reaches you instead.
      </p>
    );
  if (state.kind === "blocked")
    return <p className="muted small">Notifications are blocked for this site in the browser's settings.</p>;
  return (
    <div className="push-switch">
      <label>
        <input
          type="checkbox"
          checked={state.kind === "on"}
          disabled={on.pending || off.pending}
          onChange={(e) => (e.target.checked ? on.run() : off.run())}
        />{" "}
        Notify me on this device when the tab is closed
      </label>
      <FormError error={on.error ?? off.error} />
    </div>
  );
}

const CHANNEL_LABEL = {
  browser: "browser notification",
  push: "notification to a closed tab",
  email: "e-mail",
} as const;

function Preferences({ preferences, push }: { preferences: InboxPreferences; push: InboxPush }) {
  const client = useRoom((s) => s.client);
  const [draft, setDraft] = useState(preferences);
  // Saved elsewhere (another tab): show what the room holds now.
  const saved = JSON.stringify(preferences);
  useEffect(() => setDraft(JSON.parse(saved) as InboxPreferences), [saved]);
  const save = useAction(async () => {
    const problem = quietHoursProblem(draft.quietHours);
    if (problem) throw new Error(problem);
    await client?.inbox.configure({ preferences: draft });
    return "Saved.";
  });
  // Money alerts reach owners and admins only: the row is theirs.
  const admin = useCan("admin");
  const kinds = admin
    ? (["approval", "mention", "reply", "failure", "billing"] as const)
    : (["approval", "mention", "reply", "failure"] as const);
  return (
    <details className="inbox-preferences">
      <summary>Notification settings</summary>
      <PushSwitch push={push} />
      <form onSubmit={submitted(() => save.run())}>
        <table>
          <thead>
            <tr>
              <th scope="col">Item</th>
              <th scope="col">Browser</th>
              <th scope="col">Closed tab</th>
              <th scope="col">E-mail</th>
              <th scope="col">Chat</th>
            </tr>
          </thead>
          <tbody>
            {kinds.map((kind) => (
              <tr key={kind}>
                <th scope="row">{KIND_PLURAL[kind]}</th>
                {(["browser", "push", "email"] as const).map((channel) => (
                  <td key={channel}>
                    <input
                      type="checkbox"
                      aria-label={`${KIND_PLURAL[kind]} by ${CHANNEL_LABEL[channel]}`}
                      checked={channelsFor(draft, kind)[channel]}
                      onChange={(e) =>
                        setDraft({ ...draft, [kind]: { ...channelsFor(draft, kind), [channel]: e.target.checked } })
                      }
                    />
                  </td>
                ))}
                <td>
                  {kind === "approval" || kind === "billing" ? (
                    <input
                      type="checkbox"
                      aria-label={`${KIND_PLURAL[kind]} in my linked chats`}
                      checked={channelsFor(draft, kind).chat !== false}
                      onChange={(e) =>
                        setDraft({ ...draft, [kind]: { ...channelsFor(draft, kind), chat: e.target.checked } })
                      }
                    />
                  ) : (
                    <span className="muted" title="Only approvals and money alerts go to chats">
                      –
                    </span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <QuietHoursField value={draft.quietHours} onChange={(quietHours) => setDraft({ ...draft, quietHours })} />
        <label>
          E-mail after (minutes unread)
          <input
            type="number"
            min={0}
            max={7 * 24 * 60}
            step="any"
            value={draft.emailAfterMs / 60_000}
            onChange={(e) =>
              setDraft({
                ...draft,
                emailAfterMs: Math.round(Math.min(7 * 24 * 60, Math.max(0, Number(e.target.value) || 0)) * 60_000),
              })
            }
          />
        </label>
        <button type="submit" disabled={save.pending}>
          Save
        </button>
        {save.note && <span className="muted small"> {save.note}</span>}
        <FormError error={save.error} />
      </form>
    </details>
  );
}

export function InboxPanel() {
  const inbox = useInbox((s) => s.inbox);
  const client = useRoom((s) => s.client);
  // The room keeps an inbox (and mails, and pushes) for people only.
  const agent = useSession((s) => s.me?.kind === "agent");
  const markRead = useAction(async (keys: string[] | "all") => {
    await client?.inbox.markRead(keys === "all" ? { all: true } : { keys });
  });
  if (agent) {
    return (
      <div className="empty-state">
        <h2>The inbox is for people</h2>
        <p>
          An agent follows its threads live instead: replies, approvals and decisions arrive as events (the client's
          watch, or the MCP endpoint's notifications).
        </p>
      </div>
    );
  }
  if (!inbox) return <p className="empty">Loading your inbox…</p>;
  const open = (item: InboxItem) => {
    if (!item.read) markRead.run([item.key]);
    openItem(item);
  };
  return (
    <div className="inbox">
      <div className="inbox-head">
        <NotificationSwitch />
        {inbox.unread > 0 && (
          <button type="button" className="ghost" onClick={() => markRead.run("all")}>
            Mark all read
          </button>
        )}
      </div>
      <FormError error={markRead.error} />
      {inbox.items.length === 0 ? (
        <div className="empty-state">
          <h2>Nothing waiting</h2>
          <p>
            Approvals you can decide, mentions of you, replies in threads you follow and failures of your jobs and
            instances show up here.
          </p>
        </div>
      ) : (
        <ul className="queue" aria-label="Inbox">
          {inbox.items.map((item) => (
            <li key={item.key} className={`queue-item inbox-item ${item.read ? "read" : "unread"}`}>
              <button type="button" className="queue-title" onClick={() => open(item)}>
                {/* Unread: a dot and bold words to the eye, "Unread:" first to a screen reader. */}
                {!item.read && (
                  <>
                    <span className="unread-dot" aria-hidden="true" />
                    <span className="sr-only">Unread: </span>
                  </>
                )}
                <span className={`chip inbox-${item.kind}`}>{KIND_LABEL[item.kind]}</span>
                <span className="nav-title">{item.title}</span>
              </button>
              <p className="muted small">
                {/* A reply's line is "Name: their Markdown" (the room's words): the name stays, the rest reads as words. */}
                {item.kind === "reply" || item.kind === "mention"
                  ? labelledMarkdownText(item.detail, PREVIEW_SOURCE_CHARS)
                  : markdownPreview(item.detail)}{" "}
                · {relativeTime(item.at)}
              </p>
              {item.target.kind === "approval" && <InboxDecision approvalId={item.target.approvalId} />}
            </li>
          ))}
        </ul>
      )}
      <Preferences preferences={inbox.preferences} push={inbox.push} />
    </div>
  );
}

/** An approval waiting for this person is decided from the inbox itself, with the same buttons as the queue. */
function InboxDecision({ approvalId }: { approvalId: string }) {
  const approval = useRoom((s) => s.state.approvals.get(approvalId));
  if (approval?.status !== "pending") return null;
  return (
    <>
      <ApprovalTaskLink approval={approval} />
      <ApprovalActions approval={approval} compact />
    </>
  );
}

/** Follow or unfollow a thread's replies in one's inbox. */
export function FollowButton({ threadId }: { threadId: string }) {
  const following = useInbox((s) => s.inbox?.following.includes(threadId) ?? false);
  const client = useRoom((s) => s.client);
  const toggle = useAction(async () => {
    await client?.inbox.follow({ threadId, follow: !following });
  });
  return (
    <button
      type="button"
      className="ghost small"
      aria-pressed={following}
      disabled={toggle.pending}
      onClick={() => toggle.run()}
    >
      {following ? "Following" : "Follow"}
    </button>
  );
}
