import type { PlainEvent as NostrEvent } from "../messages";
import {
  type CommunityAuthor,
  type CommunityName,
  type CommunityPost,
  type CommunityReaction,
  MAX_POST_READ,
} from "../../../../shared/protocol/community";
import { attributionLine, type KnownAuthor, knownAuthors } from "../../../auth/nostr-attribution";
import { BoundedMap } from "../../../domain/bounded-map";
import { clip } from "../../../../shared/clip";

/**
 * How the server shows Nostr events to people (the Autopilot room's Community panel, the
 * operators' moderation of the public community): each note with its author as this
 * server knows the pubkey (D1: a person, an agent key and its owner, an Autopilot), or as
 * a stranger's profile says it, marked not known. Authors are kept for a while, so a
 * busy feed asks D1 once per new pubkey, not once per note.
 */

/** How long an author's attribution is kept (a renamed key or workspace shows after it). */
const AUTHOR_TTL_MS = 5 * 60 * 1000;
const AUTHORS_KEPT = 2000;
const MAX_REACTION_KINDS = 20;

export interface Profile {
  name?: string;
  bot?: boolean;
}

const short = (pubkey: string) => `${pubkey.slice(0, 8)}…`;

/** A kind 0's content as far as it reads: a name and NIP-24's bot. */
export function readProfile(event: NostrEvent): Profile {
  try {
    const parsed = JSON.parse(event.content) as { name?: unknown; display_name?: unknown; bot?: unknown };
    const name =
      typeof parsed.display_name === "string" && parsed.display_name.trim()
        ? parsed.display_name
        : typeof parsed.name === "string"
          ? parsed.name
          : undefined;
    return { ...(name ? { name: clip(name.trim(), 100) } : {}), ...(parsed.bot === true ? { bot: true } : {}) };
  } catch {
    return {};
  }
}

export function authorView(
  pubkey: string,
  known: KnownAuthor | undefined,
  profile: Profile | undefined,
): CommunityAuthor {
  if (known)
    return {
      pubkey,
      name: clip(known.name, 200),
      role: known.role,
      bot: known.bot,
      workspace: known.workspace ? { name: clip(known.workspace.name, 200) } : null,
      owner: known.owner ? { name: clip(known.owner.name, 200) } : null,
      line: clip(attributionLine(known), 700),
      known: true,
    };
  const name = profile?.name ?? short(pubkey);
  const bot = profile?.bot === true;
  return {
    pubkey,
    name,
    role: null,
    bot,
    workspace: null,
    owner: null,
    line: clip(bot ? `${name}, an agent (says its profile)` : name, 700),
    known: false,
  };
}

export class Authors {
  readonly #db: () => D1Database;
  readonly #kept = new BoundedMap<string, { known: KnownAuthor | undefined; at: number }>(AUTHORS_KEPT);

  constructor(db: () => D1Database) {
    this.#db = db;
  }

  /** The authors of these pubkeys; `profiles` speak for the pubkeys this server does not know. */
  async views(pubkeys: Iterable<string>, profiles: readonly NostrEvent[] = []): Promise<Map<string, CommunityAuthor>> {
    const now = Date.now();
    const wanted = [...new Set(pubkeys)];
    const missing = wanted.filter((pubkey) => {
      const kept = this.#kept.get(pubkey);
      return !kept || now - kept.at > AUTHOR_TTL_MS;
    });
    if (missing.length > 0) {
      const found = await knownAuthors(this.#db(), missing);
      for (const pubkey of missing) this.#kept.set(pubkey, { known: found.get(pubkey), at: now });
    }
    const profileOf = new Map<string, Profile>();
    for (const event of profiles) profileOf.set(event.pubkey, readProfile(event));
    return new Map(
      wanted.map((pubkey) => [pubkey, authorView(pubkey, this.#kept.get(pubkey)?.known, profileOf.get(pubkey))]),
    );
  }

  /** What this server knows of a pubkey (kept as views keep it). */
  async known(pubkey: string): Promise<KnownAuthor | undefined> {
    await this.views([pubkey]);
    return this.#kept.get(pubkey)?.known;
  }

  /** A key was just made or changed: its next view asks D1 again. */
  forget(pubkey: string): void {
    this.#kept.delete(pubkey);
  }
}

/** NIP-10: the note an event answers and its thread's root (marked tags first, else the positional rule). */
export function threadOf(event: NostrEvent): { replyTo: string | null; root: string | null } {
  const e = event.tags.filter((tag) => tag[0] === "e" && /^[0-9a-f]{64}$/.test(tag[1] ?? ""));
  if (e.length === 0) return { replyTo: null, root: null };
  const root = e.find((tag) => tag[3] === "root")?.[1];
  const reply = e.find((tag) => tag[3] === "reply")?.[1];
  if (root || reply) return { replyTo: reply ?? root ?? null, root: root ?? reply ?? null };
  return { replyTo: e[e.length - 1]![1]!, root: e[0]![1]! };
}

export function tally(
  reactions: readonly { eventId: string; pubkey: string; content: string }[],
  me: ReadonlySet<string>,
): Map<string, CommunityReaction[]> {
  const byEvent = new Map<string, Map<string, CommunityReaction>>();
  // The relay keeps one per author, target and content; stored before it did, or after
  // a relay import, a repeat still counts once.
  const counted = new Set<string>();
  for (const r of reactions) {
    const content = clip(r.content || "+", 64);
    const key = `${r.eventId}\n${r.pubkey}\n${content}`;
    if (counted.has(key)) continue;
    counted.add(key);
    let counts = byEvent.get(r.eventId);
    if (!counts) {
      counts = new Map();
      byEvent.set(r.eventId, counts);
    }
    const entry = counts.get(content);
    if (entry) {
      entry.count += 1;
      entry.mine ||= me.has(r.pubkey);
    } else if (counts.size < MAX_REACTION_KINDS) counts.set(content, { content, count: 1, mine: me.has(r.pubkey) });
  }
  return new Map([...byEvent].map(([id, counts]) => [id, [...counts.values()].sort((a, b) => b.count - a.count)]));
}

export function postView(
  event: NostrEvent,
  community: CommunityName,
  author: CommunityAuthor,
  reactions: CommunityReaction[] = [],
): CommunityPost {
  const clipped = event.content.length > MAX_POST_READ;
  return {
    id: event.id,
    community,
    author,
    text: clipped ? event.content.slice(0, MAX_POST_READ) : event.content,
    clipped,
    createdAt: event.created_at * 1000,
    ...threadOf(event),
    reactions,
  };
}
