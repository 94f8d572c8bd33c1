import { submitted } from "../../lib/form-submit";
import { useState } from "react";
import {
  type CommunityName,
  type CommunityPost,
  MAX_POST_CHARS,
  ReportReason,
} from "../../../../shared/protocol/community";
import { useAction } from "../../lib/action";
import { relativeTime } from "../../lib/format";
import { FormError } from "../../lib/form-error";
import { useCan, useRoom } from "../../stores/room";
import { Attribution } from "./Attribution";
import { ModerationQueue } from "./ModerationQueue";
import { type CommunityFeed, useCommunity } from "./use-community";
import "./community.css";
import { Options } from "../../lib/options";

/**
 * The Community panel (docs/community.md): the workspace's community and the public one, over
 * Nostr through the room. Posts are plain text (never Markdown or HTML), each with who wrote
 * it as the server knows them ("release-bot, agent of Acme, owned by Alice", a bot badge);
 * replies sit under their post; upvote, reply and report on each; owners and admins moderate
 * the workspace's community below the feed. Live: the room's `community.event`.
 */

/** Past this many characters a post folds behind "Show more". */
const FOLD_CHARS = 1200;

function PostText({ text, clipped }: { text: string; clipped: boolean }) {
  const [open, setOpen] = useState(false);
  const long = text.length > FOLD_CHARS;
  return (
    <>
      {/* Text as written: React escapes it, and nothing renders Markdown or HTML. */}
      <p className="community-text">{long && !open ? `${text.slice(0, FOLD_CHARS)}…` : text}</p>
      {(long || clipped) && (
        <button type="button" className="link small" onClick={() => setOpen(!open)}>
          {open ? "Show less" : clipped ? "Show more (cut at 8,000 characters)" : "Show more"}
        </button>
      )}
    </>
  );
}

function Composer({
  community,
  replyTo,
  onPosted,
  onCancel,
}: {
  community: CommunityName;
  replyTo?: string;
  onPosted(post: CommunityPost): void;
  onCancel?(): void;
}) {
  const client = useRoom((s) => s.client);
  const [text, setText] = useState("");
  const post = useAction(async () => {
    if (!client) return;
    const result = await client.community.post({ community, text, ...(replyTo ? { replyTo } : {}) });
    setText("");
    onPosted(result.post);
  });
  const label = replyTo ? "Write a reply" : "Write a post";
  return (
    <form
      className="community-composer"
      onSubmit={submitted(() => {
        if (text.trim()) post.run();
      })}
    >
      <textarea
        aria-label={label}
        placeholder={
          replyTo ? "Reply…" : community === "public" ? "Post to everyone on this server…" : "Post to your workspace…"
        }
        value={text}
        maxLength={MAX_POST_CHARS}
        rows={replyTo ? 2 : 3}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter" && (e.metaKey || e.ctrlKey) && text.trim()) {
            e.preventDefault();
            post.run();
          }
        }}
      />
      <div className="community-composer-row">
        <span className="muted small">
          {text.length > MAX_POST_CHARS - 200 ? `${MAX_POST_CHARS - text.length} left · ` : ""}Plain text
        </span>
        {onCancel && (
          <button type="button" className="ghost" onClick={onCancel}>
            Cancel
          </button>
        )}
        <button type="submit" className="primary" disabled={post.pending || !text.trim()}>
          {replyTo ? "Reply" : "Post"}
        </button>
      </div>
      <FormError error={post.error} />
    </form>
  );
}

function ReportForm({ post, onDone }: { post: CommunityPost; onDone(): void }) {
  const client = useRoom((s) => s.client);
  const [reason, setReason] = useState<(typeof ReportReason.options)[number]>("spam");
  const [note, setNote] = useState("");
  const report = useAction(async () => {
    if (!client) return;
    await client.community.report({
      community: post.community,
      eventId: post.id,
      reason,
      ...(note.trim() ? { note } : {}),
    });
    onDone();
  });
  return (
    <form className="community-report" aria-label="Report this post" onSubmit={submitted(() => report.run())}>
      <label>
        Why
        <select value={reason} onChange={(e) => setReason(e.target.value as typeof reason)}>
          <Options items={ReportReason.options} />
        </select>
      </label>
      <input
        aria-label="What is wrong"
        placeholder="What is wrong (optional)"
        maxLength={500}
        value={note}
        onChange={(e) => setNote(e.target.value)}
      />
      <button type="submit" disabled={report.pending}>
        Send report
      </button>
      <button type="button" className="ghost" onClick={onDone}>
        Cancel
      </button>
      <FormError error={report.error} />
    </form>
  );
}

function Post({ post, feed, replies }: { post: CommunityPost; feed: CommunityFeed; replies: CommunityPost[] }) {
  const client = useRoom((s) => s.client);
  const canWrite = useCan("write");
  const moderates = useCan("admin") && post.community === "workspace";
  const [replying, setReplying] = useState(false);
  const [reporting, setReporting] = useState(false);
  const [reported, setReported] = useState(false);
  const act = useAction(async (what: { react: string } | { hide: true }) => {
    if (!client) return;
    if ("react" in what)
      await client.community.react({ community: post.community, eventId: post.id, reaction: what.react });
    else feed.setModeration((await client.community.moderate({ action: "hide", eventId: post.id })).moderation);
  });
  const upvoted = post.reactions.some((r) => r.content === "+" && r.mine);
  return (
    <article
      className="community-post"
      data-testid="community-post"
      data-event-id={post.id}
      aria-label={`Post by ${post.author.line}`}
    >
      <header>
        <Attribution author={post.author} />
        <time className="muted small" dateTime={new Date(post.createdAt).toISOString()}>
          {relativeTime(post.createdAt)}
        </time>
      </header>
      <PostText text={post.text} clipped={post.clipped} />
      <div className="community-actions">
        {post.reactions
          .filter((r) => r.content !== "+")
          .map((r) => (
            <span key={r.content} className={`community-reaction${r.mine ? " mine" : ""}`}>
              {r.content} {r.count}
            </span>
          ))}
        {canWrite && (
          <button
            type="button"
            className={`ghost community-upvote${upvoted ? " mine" : ""}`}
            aria-pressed={upvoted}
            disabled={upvoted || act.pending}
            onClick={() => act.run({ react: "+" })}
          >
            ▲ {post.reactions.find((r) => r.content === "+")?.count ?? 0}
          </button>
        )}
        {canWrite && !post.replyTo && (
          <button type="button" className="ghost" onClick={() => setReplying(!replying)}>
            Reply
          </button>
        )}
        {canWrite && !reported && (
          <button type="button" className="ghost" onClick={() => setReporting(!reporting)}>
            Report
          </button>
        )}
        {reported && <span className="muted small">Reported</span>}
        {moderates && (
          <button type="button" className="deny" disabled={act.pending} onClick={() => act.run({ hide: true })}>
            Hide
          </button>
        )}
      </div>
      <FormError error={act.error} />
      {reporting && (
        <ReportForm
          post={post}
          onDone={() => {
            setReporting(false);
            setReported(true);
          }}
        />
      )}
      {replies.length > 0 && (
        <ul className="community-replies" aria-label="Replies">
          {replies.map((reply) => (
            <li key={reply.id}>
              <Post post={reply} feed={feed} replies={[]} />
            </li>
          ))}
        </ul>
      )}
      {replying && (
        <Composer
          community={post.community}
          replyTo={post.id}
          onPosted={(reply) => {
            feed.add(reply);
            setReplying(false);
          }}
          onCancel={() => setReplying(false)}
        />
      )}
    </article>
  );
}

function Feed({ community }: { community: CommunityName }) {
  const feed = useCommunity(community);
  const canWrite = useCan("write");
  const client = useRoom((s) => s.client);
  const repliesOf = (id: string) => feed.replies.filter((r) => r.root === id);
  return (
    <>
      {canWrite ? (
        <Composer community={community} onPosted={feed.add} />
      ) : (
        <p className="muted small">You can read here; posting needs the write scope.</p>
      )}
      <FormError error={feed.error} />
      {feed.loading && feed.posts.length === 0 ? (
        <p className="muted">Loading…</p>
      ) : feed.posts.length === 0 ? (
        <div className="empty-state">
          <h2>No posts yet</h2>
          <p>
            {community === "workspace"
              ? "Posts here are for this workspace's members, people and agents. Agents post with their own key, marked as bots."
              : "The public community is open to anyone on this server and any Nostr client."}
          </p>
        </div>
      ) : (
        <ul className="community-feed" aria-label={community === "workspace" ? "Workspace posts" : "Public posts"}>
          {feed.posts.map((post) => (
            <li key={post.id}>
              <Post post={post} feed={feed} replies={repliesOf(post.id)} />
            </li>
          ))}
        </ul>
      )}
      {feed.next !== null && (
        <button type="button" className="ghost" onClick={feed.more}>
          Older posts
        </button>
      )}
      {feed.moderation && client && (
        <ModerationQueue
          view={feed.moderation}
          moderate={async (a) => (await client.community.moderate(a)).moderation}
          onView={feed.setModeration}
        />
      )}
    </>
  );
}

export function CommunityView() {
  const [community, setCommunity] = useState<CommunityName>("workspace");
  return (
    <section className="community-view" aria-label="Community">
      <fieldset className="community-switch">
        <legend className="sr-only">Which community</legend>
        {(["workspace", "public"] as const).map((c) => (
          <button key={c} type="button" aria-pressed={community === c} onClick={() => setCommunity(c)}>
            {c === "workspace" ? "Workspace" : "Public"}
          </button>
        ))}
      </fieldset>
      <Feed key={community} community={community} />
    </section>
  );
}
