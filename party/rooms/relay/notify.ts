import { and, asc, gt, lte, sql } from "drizzle-orm";
import { watchers } from "../../domain/db/relay-schema";
import type { Sql } from "../../domain/sql";
import type { Env } from "../../env";
import { roomCall } from "../../room-rpc";
import type { Community } from "./community";
import type { PlainEvent as NostrEvent } from "./messages";

/**
 * Live news for the workspaces' Autopilot rooms, so their Community panels need no polling
 * (docs/community.md, "Live"): a workspace's community tells its own room of every new
 * note, reaction, deletion and report; the public community tells the rooms that watch it
 * (a room watches while its people read the public feed). Events are gathered for a
 * moment and sent as one RPC per room, so a busy community makes a bounded number of calls.
 */

/** The kinds a room is told of: notes, deletions, reactions, reports. */
const TOLD_KINDS = new Set([1, 5, 7, 1984]);
/** Reports stay in their workspace's community: the public one tells no room of them. */
const PUBLIC_TOLD_KINDS = new Set([1, 5, 7]);
/** How long events gather before they go out (one RPC per room per window). */
const GATHER_MS = 150;
/** Events per RPC; more in one window are sent as a "more" flag (the room's clients read the feed again). */
const MAX_BATCH = 100;
/** How long a room watches the public community after its people last read it. */
export const WATCH_MS = 30 * 60 * 1000;
/** Rooms that watch the public community at most (the ones watching longest ago go first). */
export const MAX_WATCHERS = 200;

/** What the relay sends a room: the community's new events, in order. */
export interface CommunityNews {
  community: "workspace" | "public";
  events: NostrEvent[];
  /** Some events of this window were left out: read the feed again. */
  more: boolean;
}

export class RoomNotifier {
  readonly #env: Env;
  readonly #store: () => Sql;
  /** Keeps the object in memory until the promise settles (DurableObjectState.waitUntil). */
  readonly #waitUntil: (work: Promise<unknown>) => void;
  readonly #pending = new Map<string, CommunityNews>();
  #gathering = false;

  constructor(env: Env, store: () => Sql, waitUntil: (work: Promise<unknown>) => void) {
    this.#env = env;
    this.#store = store;
    this.#waitUntil = waitUntil;
  }

  /** A room reads the public feed: it is told of new events for WATCH_MS. */
  watch(workspaceId: string, now: number): void {
    const db = this.#store().db;
    db.insert(watchers)
      .values({ workspaceId, until: now + WATCH_MS })
      .onConflictDoUpdate({ target: watchers.workspaceId, set: { until: now + WATCH_MS } })
      .run();
    db.delete(watchers).where(lte(watchers.until, now)).run();
    const [{ n } = { n: 0 }] = db.select({ n: sql<number>`count(*)` }).from(watchers).all();
    if (n > MAX_WATCHERS)
      db.delete(watchers)
        .where(
          sql`${watchers.workspaceId} in (select ${watchers.workspaceId} from ${watchers} order by ${watchers.until} limit ${n - MAX_WATCHERS})`,
        )
        .run();
  }

  /** A new event was stored (or sent on): the rooms that show this community are told. */
  told(community: Community, event: NostrEvent, now: number): void {
    if (community.kind === "workspace") {
      if (TOLD_KINDS.has(event.kind)) this.#add(community.workspaceId, "workspace", event);
      return;
    }
    if (!PUBLIC_TOLD_KINDS.has(event.kind)) return;
    for (const { workspaceId } of this.#watching(now)) this.#add(workspaceId, "public", event);
  }

  /** What the public community shows changed as a whole (an operator hid or banned): its watching rooms read it again. */
  changed(community: Community, now: number): void {
    if (community.kind !== "public") return;
    for (const { workspaceId } of this.#watching(now)) this.#add(workspaceId, "public", null);
  }

  #watching(now: number): { workspaceId: string }[] {
    return this.#store()
      .db.select({ workspaceId: watchers.workspaceId })
      .from(watchers)
      .where(and(gt(watchers.until, now)))
      .orderBy(asc(watchers.until))
      .limit(MAX_WATCHERS)
      .all();
  }

  /** `event` null: no event, the room reads the community again (`more`). */
  #add(workspaceId: string, community: CommunityNews["community"], event: NostrEvent | null): void {
    const key = `${community}\n${workspaceId}`;
    const news = this.#pending.get(key) ?? { community, events: [], more: false };
    if (event && news.events.length < MAX_BATCH) news.events.push(event);
    else news.more = true;
    this.#pending.set(key, news);
    if (this.#gathering) return;
    this.#gathering = true;
    this.#waitUntil(new Promise((resolve) => setTimeout(resolve, GATHER_MS)).then(() => this.#flush()));
  }

  async #flush(): Promise<void> {
    this.#gathering = false;
    const pending = [...this.#pending];
    this.#pending.clear();
    await Promise.all(
      pending.map(([key, news]) => {
        const workspaceId = key.slice(key.indexOf("\n") + 1);
        return roomCall(this.#env.Autopilot.getByName(workspaceId), "communityNews", news).catch((error: unknown) =>
          console.warn(JSON.stringify({ msg: "community news not delivered", workspaceId, error: String(error) })),
        );
      }),
    );
  }
}
