import type { CommunityName, ModerationView } from "../../../../shared/protocol/community";
import type { PlainEvent as NostrEvent } from "../messages";
import type { ModerationAction, ModerationState } from "../moderation";
import { type Authors, postView } from "./views";

/**
 * A community's moderation as people see it (the workspace's owners and admins in the
 * Community panel, the operators for the public community in /admin): the relay's queue,
 * hidden events and banned pubkeys, each post and pubkey attributed as the server knows it.
 */
export async function moderationView(
  state: ModerationState,
  community: CommunityName,
  authors: Authors,
): Promise<ModerationView> {
  const events = [
    ...state.queue.flatMap((item) => [...(item.event ? [item.event] : []), ...item.reports]),
    ...state.hidden.flatMap((h) => (h.event ? [h.event] : [])),
  ];
  const known = await authors.views([
    ...events.map((e) => e.pubkey),
    ...state.queue.map((item) => item.pubkey),
    ...state.banned.map((b) => b.pubkey),
  ]);
  const author = (pubkey: string) => known.get(pubkey)!;
  const post = (event: NostrEvent | null) => (event ? postView(event, community, author(event.pubkey)) : null);
  return {
    queue: state.queue.map((item) => ({
      post: post(item.event),
      author: author(item.pubkey),
      reports: item.reports.map((r) => ({
        id: r.id,
        by: author(r.pubkey),
        reason: (r.tags.find((tag) => tag[0] === "e" || tag[0] === "p")?.[2] ?? "other").slice(0, 40),
        note: r.content.slice(0, 500),
        createdAt: r.created_at * 1000,
      })),
    })),
    hidden: state.hidden.map((h) => ({ eventId: h.eventId, post: post(h.event), by: h.by, at: h.at })),
    banned: state.banned.map((b) => ({ author: author(b.pubkey), by: b.by, at: b.at })),
  };
}

export type ModerationTarget =
  | { ok: true; target: string }
  | { ok: false; code: "not_found" | "bad_request"; message: string };

/**
 * What an action acts on: hide and unhide an event (it must be stored, hidden ones
 * included), ban and unban a pubkey (given, or the named event's author).
 */
export async function moderationTarget(
  relay: { events(ids: string[]): Promise<NostrEvent[]> },
  params: { action: ModerationAction; eventId?: string | undefined; pubkey?: string | undefined },
): Promise<ModerationTarget> {
  const byEvent = params.eventId ? (await relay.events([params.eventId]))[0] : undefined;
  if (params.eventId && !byEvent && (params.action === "hide" || !params.pubkey))
    return { ok: false, code: "not_found", message: `no event ${params.eventId.slice(0, 12)}… in this community` };
  const hiding = params.action === "hide" || params.action === "unhide";
  const target = hiding ? params.eventId : (params.pubkey ?? byEvent?.pubkey);
  if (!target)
    return {
      ok: false,
      code: "bad_request",
      message: hiding ? "hide and unhide name an eventId" : "ban and unban name a pubkey",
    };
  return { ok: true, target };
}
