import { useCallback, useEffect, useRef, useState } from "react";
import type {
  CommunityEventPayload,
  CommunityName,
  CommunityPost,
  ModerationView,
} from "../../../../shared/protocol/community";
import { errorText } from "../../lib/api";
import { useCan, useRoom } from "../../stores/room";

/**
 * One community's feed while the panel shows it: `community.feed` read when it opens (and
 * after a reconnect), then kept live by `community.event` (the room tells every socket that
 * may read of each new post, reaction and removal; no polling). Owners and admins also get
 * the moderation queue, read again whenever the room says it changed.
 */

export interface CommunityFeed {
  posts: CommunityPost[];
  replies: CommunityPost[];
  /** The reader's pubkeys: which reactions are theirs. */
  me: string[];
  next: number | null;
  loading: boolean;
  error: string | null;
  moderation: ModerationView | null;
  reload(): void;
  more(): void;
  /** A result the panel just got (its own post): shown at once, before the room's news of it. */
  add(post: CommunityPost): void;
  setModeration(view: ModerationView): void;
}

const byNewest = (a: CommunityPost, b: CommunityPost) => b.createdAt - a.createdAt || a.id.localeCompare(b.id);
const byOldest = (a: CommunityPost, b: CommunityPost) => -byNewest(a, b);

function place(list: CommunityPost[], post: CommunityPost, order: typeof byNewest): CommunityPost[] {
  if (list.some((p) => p.id === post.id)) return list;
  return [...list, post].sort(order);
}

export function useCommunity(community: CommunityName): CommunityFeed {
  const client = useRoom((s) => s.client);
  const status = useRoom((s) => s.status);
  const moderates = useCan("admin") && community === "workspace";
  const [posts, setPosts] = useState<CommunityPost[]>([]);
  const [replies, setReplies] = useState<CommunityPost[]>([]);
  const [me, setMe] = useState<string[]>([]);
  // Read by the news listener, which must not be made again (and the feed read again) when it changes.
  const meRef = useRef<string[]>([]);
  const [next, setNext] = useState<number | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [moderation, setModeration] = useState<ModerationView | null>(null);
  const [generation, setGeneration] = useState(0);

  const add = useCallback((post: CommunityPost) => {
    if (post.replyTo) setReplies((list) => place(list, post, byOldest));
    else setPosts((list) => place(list, post, byNewest));
  }, []);

  const loadQueue = useCallback(async () => {
    if (!client || !moderates) return;
    try {
      setModeration((await client.community.queue({})).moderation);
    } catch (err) {
      setError(errorText(err));
    }
  }, [client, moderates]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `generation` is how the room's "changed" (and reload) read the feed again
  useEffect(() => {
    if (!client || status !== "connected") return;
    let current = true;
    setLoading(true);
    client.community
      .feed({ community })
      .then((feed) => {
        if (!current) return;
        setPosts(feed.posts);
        setReplies(feed.replies);
        setMe(feed.me);
        meRef.current = feed.me;
        setNext(feed.next);
        setError(null);
      })
      .catch((err: unknown) => current && setError(errorText(err)))
      .finally(() => current && setLoading(false));
    void loadQueue();
    const mine = (p: CommunityEventPayload) =>
      p.type === "post" ? p.post.community === community : p.community === community;
    const stop = client.on("community.event", (payload) => {
      if (!current || !mine(payload)) return;
      switch (payload.type) {
        case "post":
          add(payload.post);
          return;
        case "reaction": {
          const tally = (p: CommunityPost): CommunityPost => {
            if (p.id !== payload.eventId) return p;
            const mineToo = meRef.current.includes(payload.pubkey);
            const found = p.reactions.find((r) => r.content === payload.content);
            const reactions = found
              ? p.reactions.map((r) => (r === found ? { ...r, count: r.count + 1, mine: r.mine || mineToo } : r))
              : [...p.reactions, { content: payload.content, count: 1, mine: mineToo }];
            return { ...p, reactions };
          };
          setPosts((list) => list.map(tally));
          setReplies((list) => list.map(tally));
          return;
        }
        case "removed": {
          const gone = (p: CommunityPost) => payload.eventIds.includes(p.id) || p.author.pubkey === payload.pubkey;
          setPosts((list) => list.filter((p) => !gone(p)));
          setReplies((list) => list.filter((p) => !gone(p)));
          return;
        }
        case "changed":
          setGeneration((n) => n + 1);
          return;
        case "moderation":
          void loadQueue();
          return;
      }
    });
    return () => {
      current = false;
      stop();
    };
  }, [client, status, community, generation, add, loadQueue]);

  const more = useCallback(() => {
    if (!client || next === null) return;
    client.community
      .feed({ community, before: next })
      .then((feed) => {
        setPosts((list) => [...list, ...feed.posts.filter((p) => !list.some((q) => q.id === p.id))]);
        setReplies((list) => [...list, ...feed.replies.filter((p) => !list.some((q) => q.id === p.id))].sort(byOldest));
        setNext(feed.next);
      })
      .catch((err: unknown) => setError(errorText(err)));
  }, [client, community, next]);

  return {
    posts,
    replies,
    me,
    next,
    loading,
    error,
    moderation,
    reload: () => setGeneration((n) => n + 1),
    more,
    add,
    setModeration,
  };
}
