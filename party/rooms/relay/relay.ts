import { DurableObject } from "cloudflare:workers";
import { frameOver } from "../../domain/frame-size";
import { ownHosts } from "../../auth/origin";
import { identitiesOf, identityOf, membershipOfPubkey } from "../../auth/nostr-identities";
import { migrateRelay } from "../../domain/db/migrate";
import { type Sql, sqlFromStorage } from "../../domain/sql";
import type { Env } from "../../env";
import { Meter } from "../shared/meter";
import { type Community, isThisRelay } from "./community";
import { checkAuthEvent, checkEvent } from "./event-checks";
import { RELAY_METER, type RelayLimits, type RelayScope, relayLimits, relayTake } from "./limits";
import { type ClientMessage, eventIdOf, frames, type PlainEvent, readClientMessage } from "./messages";
import { type FeedPage, type FeedQuery, readFeed } from "./feed";
import {
  banWithOwner,
  eventsById,
  type ModerationAction,
  type ModerationState,
  moderate,
  moderationState,
  type PubkeyOwner,
} from "./moderation";
import { RoomNotifier } from "./notify";
import { queryEvents, storeEvent } from "./store";
import { Subscriptions } from "./subscriptions";

/** What the Worker tells the relay about a socket it forwards (entry.ts). */
export const COMMUNITY_HEADER = "x-relay-community";
export const CLIENT_ADDRESS_HEADER = "cf-connecting-ip";

/** A pubkey a connection proved with NIP-42; in a workspace's community, whose member it is and whether it may post. */
interface AuthedKey {
  pubkey: string;
  canWrite: boolean;
  /** When D1 last said it is a member's (ms); re-asked after ACCESS_RECHECK_MS. */
  checkedAt: number;
}

/** What a socket carries through hibernation (small: a subscription's filters are in SQLite). */
interface Attachment {
  connection: string;
  challenge: string;
  /** The Host the socket was opened with: a relay tag may name it only when it is loopback (ownHosts). */
  host: string;
  community: Community;
  authed: AuthedKey[];
  /** Open subscriptions: a woken relay reads the stored ones only when some socket has any. */
  subs: number;
}

/** How long a member's AUTH is taken without asking D1 again (an access change asks at once: accessChanged). */
const ACCESS_RECHECK_MS = 5 * 60 * 1000;
/** How far over the message limit a message is still read, to answer its EVENT or REQ by id rather than a NOTICE. */
const OVERSIZE_READ_FACTOR = 4;
const CLOSE_POLICY = 1008;
const CLOSE_TRY_AGAIN = 1013;

function log(level: "warn" | "error", msg: string, fields: Record<string, unknown>): void {
  console[level](JSON.stringify({ msg, ...fields }));
}

/**
 * One Nostr community (community.ts): a NIP-01 relay over hibernating WebSockets, its events
 * in its own SQLite (store.ts). The Worker routes `/relay` and `/relay/w/<workspaceId>` here
 * (entry.ts) and answers NIP-11 itself. Public communities take anyone, metered; a
 * workspace's takes only NIP-42-authenticated keys of its members (D1 `nostr_identity`).
 */
export class NostrRelay extends DurableObject<Env> {
  readonly #limits: RelayLimits;
  readonly #meter: Meter<RelayScope>;
  readonly #notifier: RoomNotifier;
  #sql: Sql | null = null;
  #subscriptions: Subscriptions | null = null;
  /** Messages of one connection are handled in order, one at a time (an AUTH's D1 read must not let its REQ pass it). */
  readonly #queues = new Map<string, Promise<void>>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#limits = relayLimits(env);
    this.#meter = new Meter(RELAY_METER, () => this.#limits);
    this.#notifier = new RoomNotifier(
      env,
      () => this.#store,
      (work) => this.ctx.waitUntil(work),
    );
  }

  /** The SQLite, migrated on first use only: a community nobody was let into stores nothing. */
  get #store(): Sql {
    if (!this.#sql) {
      this.#sql = sqlFromStorage(this.ctx.storage);
      migrateRelay(this.#sql);
    }
    return this.#sql;
  }

  /** The open subscriptions, read back from SQLite on the first need after a wake. */
  get #subs(): Subscriptions {
    if (!this.#subscriptions) {
      const subscriptions = new Subscriptions();
      const sockets = new Map<string, WebSocket>();
      let any = false;
      for (const ws of this.ctx.getWebSockets()) {
        const attachment = ws.deserializeAttachment() as Attachment | null;
        if (!attachment) continue;
        sockets.set(attachment.connection, ws);
        any ||= attachment.subs > 0;
      }
      if (any) subscriptions.restore(this.#store, sockets);
      this.#subscriptions = subscriptions;
    }
    return this.#subscriptions;
  }

  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket")
      return new Response("expected a WebSocket upgrade", { status: 426 });
    const community = JSON.parse(request.headers.get(COMMUNITY_HEADER) ?? "null") as Community | null;
    if (!community) return new Response("no community", { status: 400 });
    const address = request.headers.get(CLIENT_ADDRESS_HEADER) ?? "unknown";
    const addressTag = `address:${address}`.slice(0, 256);
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    const full =
      this.ctx.getWebSockets().length >= this.#limits.maxConnections
        ? "this community has as many connections as it takes: try again later"
        : this.ctx.getWebSockets(addressTag).length >= this.#limits.maxConnectionsPerAddress
          ? `at most ${this.#limits.maxConnectionsPerAddress} connections from one address`
          : null;
    if (full) {
      server.accept();
      server.send(frames.notice(`rate-limited: ${full}`));
      server.close(CLOSE_TRY_AGAIN, full);
      return new Response(null, { status: 101, webSocket: client });
    }
    this.ctx.acceptWebSocket(server, [addressTag]);
    const attachment: Attachment = {
      connection: crypto.randomUUID(),
      challenge: crypto.randomUUID(),
      host: new URL(request.url).host,
      community,
      authed: [],
      subs: 0,
    };
    server.serializeAttachment(attachment);
    // NIP-42: the challenge comes first, so a client may authenticate before it asks for anything.
    server.send(frames.auth(attachment.challenge));
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const attachment = ws.deserializeAttachment() as Attachment | null;
    if (!attachment) return;
    const id = attachment.connection;
    const previous = this.#queues.get(id) ?? Promise.resolve();
    const next = previous
      .then(() => this.#handle(ws, message))
      .catch((error: unknown) => {
        log("error", "relay message failed", {
          error: error instanceof Error ? (error.stack ?? error.message) : String(error),
        });
        this.#send(ws, frames.notice("error: the relay failed on this message"));
      });
    this.#queues.set(id, next);
    await next;
    if (this.#queues.get(id) === next) this.#queues.delete(id);
  }

  override async webSocketClose(ws: WebSocket): Promise<void> {
    this.#forget(ws);
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    this.#forget(ws);
  }

  #forget(ws: WebSocket): void {
    const attachment = ws.deserializeAttachment() as Attachment | null;
    if (!attachment) return;
    this.#meter.forget({ messages: attachment.connection, eventsPerMinute: attachment.connection }, Date.now());
    this.#subs.dropConnection(attachment.subs > 0 ? this.#store : null, attachment.connection);
  }

  #send(ws: WebSocket, frame: string): void {
    try {
      ws.send(frame);
    } catch {
      // closing: its close handler cleans up
    }
  }

  #update(ws: WebSocket, attachment: Attachment): void {
    ws.serializeAttachment(attachment);
  }

  async #handle(ws: WebSocket, raw: string | ArrayBuffer): Promise<void> {
    const attachment = ws.deserializeAttachment() as Attachment | null;
    if (!attachment) return;
    if (typeof raw !== "string") return this.#send(ws, frames.notice("invalid: Nostr messages are text"));
    const tooLong = frameOver(raw, this.#limits.maxMessageLength);
    // Metered before anything else; a message is read (to answer it by its id) only up to a bound.
    const metered = relayTake(this.#meter, "message", attachment.connection, Date.now());
    const parsed = frameOver(raw, this.#limits.maxMessageLength * OVERSIZE_READ_FACTOR)
      ? null
      : readClientMessage(raw, this.#limits);
    const readable = parsed?.ok ? parsed.message : null;
    if (!metered.ok) {
      this.#refuse(ws, readable, metered.reason);
      if (metered.close) ws.close(CLOSE_POLICY, "rate-limited: too many messages");
      return;
    }
    if (tooLong)
      return this.#refuse(ws, readable, `invalid: message longer than ${this.#limits.maxMessageLength} bytes`);
    if (!parsed?.ok) {
      if (parsed?.subId !== undefined) return this.#send(ws, frames.closed(parsed.subId, parsed.reason));
      return this.#send(ws, frames.notice(parsed?.reason ?? "invalid: unreadable message"));
    }
    const message = parsed.message;
    switch (message.type) {
      case "EVENT":
        return this.#event(ws, attachment, message.event);
      case "REQ":
        return this.#req(ws, attachment, message.subId, message.filters);
      case "CLOSE":
        if (this.#subs.close(this.#store, attachment.connection, message.subId)) {
          attachment.subs = this.#subs.count(attachment.connection);
          this.#update(ws, attachment);
        }
        return;
      case "AUTH":
        return this.#auth(ws, attachment, message.event);
    }
  }

  /** The answer a refused message gets: OK false for an EVENT or AUTH, CLOSED for a REQ, else a NOTICE. */
  #refuse(ws: WebSocket, message: ClientMessage | null, reason: string): void {
    if (message?.type === "EVENT" || message?.type === "AUTH")
      return this.#send(ws, frames.ok(eventIdOf(message.event), false, reason));
    if (message?.type === "REQ") return this.#send(ws, frames.closed(message.subId, reason));
    this.#send(ws, frames.notice(reason));
  }

  /**
   * In a workspace's community, the pubkeys of this connection that are members now (D1 is
   * asked again when the last answer is older than ACCESS_RECHECK_MS). Anyone's elsewhere.
   */
  async #members(ws: WebSocket, attachment: Attachment): Promise<AuthedKey[]> {
    const { community } = attachment;
    if (community.kind !== "workspace") return attachment.authed;
    const now = Date.now();
    if (attachment.authed.every((key) => now - key.checkedAt < ACCESS_RECHECK_MS)) return attachment.authed;
    await this.#recheck(ws, attachment, community.workspaceId);
    return attachment.authed;
  }

  /** Asks D1 about every authenticated pubkey of a socket; a pubkey no longer a member's goes, and if none is left, its subscriptions. */
  async #recheck(ws: WebSocket, attachment: Attachment, workspaceId: string): Promise<void> {
    const kept: AuthedKey[] = [];
    for (const key of attachment.authed) {
      const membership = await membershipOfPubkey(this.env.DB, key.pubkey, workspaceId);
      if (membership.ok) kept.push({ pubkey: key.pubkey, canWrite: membership.canWrite, checkedAt: Date.now() });
    }
    const lost = kept.length < attachment.authed.length;
    attachment.authed = kept;
    if (kept.length === 0 && lost) {
      for (const subId of this.#subs.dropConnection(attachment.subs > 0 ? this.#store : null, attachment.connection))
        this.#send(ws, frames.closed(subId, "restricted: you are no longer a member of this workspace"));
      attachment.subs = 0;
    }
    this.#update(ws, attachment);
  }

  async #event(ws: WebSocket, attachment: Attachment, raw: unknown): Promise<void> {
    const id = eventIdOf(raw);
    const metered = relayTake(this.#meter, "event", attachment.connection, Date.now());
    if (!metered.ok) {
      this.#send(ws, frames.ok(id, false, metered.reason));
      if (metered.close) ws.close(CLOSE_POLICY, "rate-limited: too many events");
      return;
    }
    const verdict = checkEvent(raw, this.#limits, Math.floor(Date.now() / 1000));
    if (!verdict.ok) return this.#send(ws, frames.ok(id, false, verdict.reason));
    const event = verdict.event;
    if (attachment.community.kind === "workspace") {
      const members = await this.#members(ws, attachment);
      if (members.length === 0)
        return this.#send(ws, frames.ok(id, false, "auth-required: this workspace's community is for its members"));
      const author = members.find((key) => key.pubkey === event.pubkey);
      if (!author)
        return this.#send(
          ws,
          frames.ok(id, false, "restricted: authenticate as the event's author (NIP-42) to post it here"),
        );
      if (!author.canWrite) return this.#send(ws, frames.ok(id, false, "restricted: posting needs the write scope"));
    }
    const outcome = storeEvent(this.#store, event, Date.now());
    if (!outcome.broadcast) return this.#send(ws, frames.ok(id, outcome.accepted, outcome.reason));
    this.#send(ws, frames.ok(id, true, ""));
    this.#subs.broadcast(event, JSON.stringify(event));
    this.#notifier.told(attachment.community, event, Date.now());
  }

  async #req(
    ws: WebSocket,
    attachment: Attachment,
    subId: string,
    filters: Parameters<typeof queryEvents>[1],
  ): Promise<void> {
    if (attachment.community.kind === "workspace" && (await this.#members(ws, attachment)).length === 0)
      return this.#send(ws, frames.closed(subId, "auth-required: this workspace's community is for its members"));
    const replacing = this.#subs.has(attachment.connection, subId);
    if (!replacing && this.#subs.count(attachment.connection) >= this.#limits.maxSubscriptions)
      return this.#send(
        ws,
        frames.closed(subId, `blocked: at most ${this.#limits.maxSubscriptions} open subscriptions: CLOSE one first`),
      );
    for (const json of queryEvents(this.#store, filters, this.#limits)) this.#send(ws, frames.event(subId, json));
    this.#send(ws, frames.eose(subId));
    this.#subs.open(this.#store, attachment.connection, ws, subId, filters);
    attachment.subs = this.#subs.count(attachment.connection);
    this.#update(ws, attachment);
  }

  async #auth(ws: WebSocket, attachment: Attachment, raw: unknown): Promise<void> {
    const id = eventIdOf(raw);
    const verdict = checkAuthEvent(raw, this.#limits, Math.floor(Date.now() / 1000), {
      challenge: attachment.challenge,
      isThisRelay: (url) => isThisRelay(url, attachment.community, ownHosts(this.env, attachment.host)),
    });
    if (!verdict.ok) return this.#send(ws, frames.ok(id, false, verdict.reason));
    const { pubkey } = verdict.event;
    const others = attachment.authed.filter((key) => key.pubkey !== pubkey);
    if (others.length >= this.#limits.maxAuthedPubkeys)
      return this.#send(
        ws,
        frames.ok(id, false, `blocked: at most ${this.#limits.maxAuthedPubkeys} pubkeys on one connection`),
      );
    let canWrite = true;
    if (attachment.community.kind === "workspace") {
      const membership = await membershipOfPubkey(this.env.DB, pubkey, attachment.community.workspaceId);
      if (!membership.ok)
        return this.#send(
          ws,
          frames.ok(id, false, `restricted: not a member's key in this workspace (${membership.reason})`),
        );
      canWrite = membership.canWrite;
      // A key its owner registered after being banned here is banned with them: it reads, and posts nothing.
      banWithOwner(this.#store, membership.principal.id, pubkey, Date.now());
    }
    attachment.authed = [...others, { pubkey, canWrite, checkedAt: Date.now() }];
    this.#update(ws, attachment);
    this.#send(ws, frames.ok(id, true, ""));
  }

  /**
   * RPC from the Worker when access in the workspace changed (party/access/revalidate.ts):
   * every authenticated socket is asked about again at once. A relay with no socket does nothing.
   */
  async accessChanged(workspaceId: string): Promise<void> {
    for (const ws of this.ctx.getWebSockets()) {
      const attachment = ws.deserializeAttachment() as Attachment | null;
      if (attachment?.community.kind !== "workspace" || attachment.community.workspaceId !== workspaceId) continue;
      if (attachment.authed.length > 0) await this.#recheck(ws, attachment, workspaceId);
    }
  }

  // RPC from the Autopilot rooms (party/rooms/autopilot/features/community/): a room has
  // checked who asks (a member, its scope, an admin for moderation) and signs for them.

  /**
   * An event a room signed for someone: checked and stored as one a socket sends (the
   * community's event rate included), sent to the subscriptions and the rooms it concerns.
   */
  async publish(
    community: Community,
    raw: unknown,
    caller: string,
    signer?: string,
  ): Promise<{ accepted: boolean; reason: string }> {
    // Metered per calling room, as one connection: one busy workspace cannot use up another's rate.
    const metered = relayTake(this.#meter, "event", `rpc:${caller}`.slice(0, 300), Date.now());
    if (!metered.ok) return { accepted: false, reason: metered.reason };
    const verdict = checkEvent(raw, this.#limits, Math.floor(Date.now() / 1000));
    if (!verdict.ok) return { accepted: false, reason: verdict.reason };
    const event = verdict.event;
    // `signer`: whose custodial key signed (a principal, or the Autopilot's or workspace's holder).
    // A banned person's key made after the ban is banned with them before it stores anything.
    if (signer) banWithOwner(this.#store, signer, event.pubkey, Date.now());
    const outcome = storeEvent(this.#store, event, Date.now());
    if (!outcome.broadcast) return { accepted: outcome.accepted, reason: outcome.reason };
    this.#subs.broadcast(event, JSON.stringify(event));
    this.#notifier.told(community, event, Date.now());
    return { accepted: true, reason: "" };
  }

  /** A page of the feed (feed.ts); `watcher`: a workspace whose room shows this community live from now on. */
  async feed(query: FeedQuery, watcher?: string): Promise<FeedPage> {
    if (watcher) this.#notifier.watch(watcher, Date.now());
    return readFeed(this.#store, query);
  }

  /** Stored events by id (at most 90), hidden ones included. */
  async events(ids: string[]): Promise<PlainEvent[]> {
    return eventsById(this.#store, ids);
  }

  /**
   * An owner's or admin's action (moderation.ts), or in the public community an operator's;
   * whether it changed anything. The rooms that show the public community read it again (a
   * workspace's room tells its own people itself).
   */
  async moderate(
    action: ModerationAction,
    target: string,
    by: string,
    community?: Community,
  ): Promise<{ changed: boolean; pubkeys: number }> {
    const banning = action === "ban" || action === "unban";
    const owner = banning ? await this.#ownerOf(target) : null;
    const changed = moderate(this.#store, action, target, by.slice(0, 200), Date.now(), owner);
    if (changed && action === "ban" && owner) {
      // A key registered while the owner's keys were read told this relay before the ban was
      // stored (keyRegistered found none): read them again now that it is.
      for (const pubkey of (await this.#ownerOf(target))?.pubkeys ?? [])
        banWithOwner(this.#store, owner.principalId, pubkey, Date.now());
    }
    if (changed && community?.kind === "public") this.#notifier.changed(community, Date.now());
    return { changed, pubkeys: owner?.pubkeys.length ?? 1 };
  }

  /** Whose a pubkey is (D1), with all of its owner's pubkeys; null when it is no one's. */
  async #ownerOf(pubkey: string): Promise<PubkeyOwner | null> {
    const identity = await identityOf(this.env.DB, pubkey);
    if (!identity) return null;
    const pubkeys = (await identitiesOf(this.env.DB, identity.principalId)).map((i) => i.pubkey);
    return { principalId: identity.principalId, pubkeys };
  }

  /**
   * RPC from the identity route: a person or agent key registered `pubkey`. If they are
   * banned here, it is banned with them (a banned member's new key posts nothing); whether it is.
   */
  async keyRegistered(principalId: string, pubkey: string): Promise<{ banned: boolean }> {
    return { banned: banWithOwner(this.#store, principalId, pubkey, Date.now()) };
  }

  /** The moderation queue, the hidden events and the banned pubkeys. */
  async moderation(): Promise<ModerationState> {
    return moderationState(this.#store);
  }
}
