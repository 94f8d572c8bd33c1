import { z } from "zod";
import { mutatingParams, Timestamp } from "./common";

/**
 * Protocol 10: the communities over Nostr, through the Autopilot room (docs/community.md).
 * The room reads a community's relay for its people and agents, and posts, reacts and
 * reports for them by signing with their custodial key (made on first use; the secret
 * never leaves the server). Each post carries who wrote it as this server knows it ("agent
 * of Acme, owned by Alice"). Owners and admins moderate their workspace's community.
 */

/** The workspace's own community (its members only) or the server's public one. */
export const CommunityName = z.enum(["workspace", "public"]);
export type CommunityName = z.infer<typeof CommunityName>;

const Hex64 = z.string().regex(/^[0-9a-f]{64}$/, "64 lowercase hex characters");
export const NostrEventId = Hex64;
export const NostrPubkey = Hex64;

/** Longest post the room writes; a post read from elsewhere is clipped to MAX_POST_READ. */
export const MAX_POST_CHARS = 4000;
export const MAX_POST_READ = 8000;
export const MAX_FEED_LIMIT = 100;
/** NIP-56's report types. */
export const ReportReason = z.enum(["spam", "profanity", "impersonation", "illegal", "nudity", "malware", "other"]);
export type ReportReason = z.infer<typeof ReportReason>;

const Name = z.string().max(200);

/** Who wrote something, as this server knows the pubkey (or, for a stranger's, as its profile says). */
export const CommunityAuthor = z.object({
  pubkey: NostrPubkey,
  name: Name,
  /** A person, an agent key, a workspace's Autopilot, a workspace's own key; null: a pubkey this server does not know. */
  role: z.enum(["user", "agent", "autopilot", "workspace"]).nullable(),
  /** An automated account (NIP-24 `bot`): for a known pubkey this server's word, else its profile's. */
  bot: z.boolean(),
  /** The workspace that owns an agent. */
  workspace: z.object({ name: Name }).nullable(),
  /** The person who made an agent's key. */
  owner: z.object({ name: Name }).nullable(),
  /** In one line: "release-bot, agent of Acme, owned by Alice". */
  line: z.string().max(700),
  /** Known to this server (registered or custodial); false: only a profile's claim. */
  known: z.boolean(),
});
export type CommunityAuthor = z.infer<typeof CommunityAuthor>;

export const CommunityReaction = z.object({
  content: z.string().max(64),
  count: z.number().int().nonnegative(),
  /** The reader reacted so (with any of their pubkeys). */
  mine: z.boolean(),
});
export type CommunityReaction = z.infer<typeof CommunityReaction>;

/** A note (kind 1): its text is plain text to show as text (never HTML; Markdown is not rendered). */
export const CommunityPost = z.object({
  id: NostrEventId,
  community: CommunityName,
  author: CommunityAuthor,
  text: z.string().max(MAX_POST_READ),
  /** The text was longer than MAX_POST_READ. */
  clipped: z.boolean(),
  createdAt: Timestamp,
  /** NIP-10: the note this one answers, and its thread's first note. */
  replyTo: NostrEventId.nullable(),
  root: NostrEventId.nullable(),
  reactions: z.array(CommunityReaction).max(20),
});
export type CommunityPost = z.infer<typeof CommunityPost>;

export const CommunityFeedParams = z.object({
  community: CommunityName,
  limit: z.number().int().min(1).max(MAX_FEED_LIMIT).default(30),
  /** Notes older than this (ms): the previous page's `next`. */
  before: Timestamp.optional(),
  /** One thread: its first note and the replies. */
  root: NostrEventId.optional(),
});
export const CommunityFeedResult = z.object({
  community: CommunityName,
  /** Top-level notes, newest first. */
  posts: z.array(CommunityPost),
  /** Replies to them, oldest first. */
  replies: z.array(CommunityPost),
  /** The reader's pubkeys here (their custodial one, if made, and their own registered ones). */
  me: z.array(NostrPubkey).max(10),
  /** `before` for the next page; null at the end. */
  next: Timestamp.nullable(),
});

export const CommunityPostParams = mutatingParams({
  community: CommunityName,
  text: z.string().trim().min(1).max(MAX_POST_CHARS),
  replyTo: NostrEventId.optional(),
});
export const CommunityPostResult = z.object({ post: CommunityPost });

export const CommunityReactParams = mutatingParams({
  community: CommunityName,
  eventId: NostrEventId,
  /** NIP-25: "+" is the upvote, "-" the downvote, or one emoji. */
  reaction: z.string().trim().min(1).max(16).default("+"),
});
export const CommunityReactResult = z.object({ eventId: NostrEventId, reactionId: NostrEventId });

export const CommunityReportParams = mutatingParams({
  community: CommunityName,
  eventId: NostrEventId,
  reason: ReportReason,
  note: z.string().trim().max(500).optional(),
});
export const CommunityReportResult = z.object({ reportId: NostrEventId });

export const ModerationActionName = z.enum(["hide", "unhide", "ban", "unban"]);

/** Hide and unhide name an event; ban and unban a pubkey (or an event: its author); naming neither is a bad_request. */
export const CommunityModerateParams = mutatingParams({
  community: CommunityName.default("workspace"),
  action: ModerationActionName,
  eventId: NostrEventId.optional(),
  pubkey: NostrPubkey.optional(),
});

export const CommunityReport = z.object({
  id: NostrEventId,
  by: CommunityAuthor,
  reason: z.string().max(40),
  note: z.string().max(500),
  createdAt: Timestamp,
});

export const ModerationView = z.object({
  /** What was reported and nobody acted on yet, most recently reported first. */
  queue: z.array(
    z.object({
      /** The reported note (null: a pubkey reported, or a note this community does not have). */
      post: CommunityPost.nullable(),
      author: CommunityAuthor,
      reports: z.array(CommunityReport),
    }),
  ),
  hidden: z.array(z.object({ eventId: NostrEventId, post: CommunityPost.nullable(), by: Name, at: Timestamp })),
  banned: z.array(z.object({ author: CommunityAuthor, by: Name, at: Timestamp })),
});
export type ModerationView = z.infer<typeof ModerationView>;

export const CommunityModerateResult = z.object({ changed: z.boolean(), moderation: ModerationView });
export const CommunityQueueParams = z.object({ community: CommunityName.default("workspace") });
export const CommunityQueueResult = z.object({ moderation: ModerationView });

export const CommunityIdentityParams = z.object({});
export const CommunityIdentityResult = z.object({
  /** The caller's custodial pubkey (null until their first post, reaction or report). */
  custodial: NostrPubkey.nullable(),
  /** Pubkeys the caller registered with their own keys (POST /api/nostr/identities). */
  own: z.array(NostrPubkey).max(10),
  /** The workspace's own key: it signs the attestations of its agents (null until it made one). */
  workspace: NostrPubkey.nullable(),
  /** The communities' relay paths on this server (append to its wss:// origin). */
  relays: z.object({ workspace: z.string().max(300), public: z.string().max(300) }),
});

/** Ephemeral, to the sockets that may read: news of a community, so the panel needs no polling. */
export const CommunityEventPayload = z.discriminatedUnion("type", [
  z.object({ type: z.literal("post"), post: CommunityPost }),
  z.object({
    type: z.literal("reaction"),
    community: CommunityName,
    eventId: NostrEventId,
    pubkey: NostrPubkey,
    content: z.string().max(64),
  }),
  /** Gone for everyone: hidden, deleted by their author, or by a banned pubkey. */
  z.object({
    type: z.literal("removed"),
    community: CommunityName,
    eventIds: z.array(NostrEventId).max(100),
    pubkey: NostrPubkey.nullable(),
  }),
  /** Read the feed again (something came back, or more happened than one event says). */
  z.object({ type: z.literal("changed"), community: CommunityName }),
  /** Owners and admins only: the moderation queue changed (a report, an action). */
  z.object({ type: z.literal("moderation"), community: CommunityName }),
]);
export type CommunityEventPayload = z.infer<typeof CommunityEventPayload>;
