import type { PlainEvent as NostrEvent } from "../../../relay/messages";
import type {
  CommunityEventPayload,
  CommunityName,
  CommunityPost,
  ModerationView,
} from "../../../../../shared/protocol/community";
import type { MethodName, MethodParsedParams, MethodResult } from "../../../../../shared/protocol/methods";
import type { Principal } from "../../../../../shared/protocol/principal";
import { identitiesOf } from "../../../../auth/nostr-identities";
import { custodialPubkeyOf, ensureCustodialKey, workspaceHolder } from "../../../../auth/nostr-custody";
import { communityOf, holderOf, publishAs, publishProfile, relayOf } from "../../../relay/community/publish";
import { KIND_NOTE, KIND_REACTION, KIND_REPORT } from "../../../relay/community/templates";
import { RoomError } from "../../../../domain/errors";
import type { Env } from "../../../../env";
import { forgetCommunityMentions } from "../inbox/index";
import type { RoomWriter } from "../../kernel/commit";
import type { Community } from "../../../relay/community";
import { moderationTarget, moderationView } from "../../../relay/community/moderation";
import { Authors, postView, tally } from "../../../relay/community/views";
import { mentionTags } from "./mentions";

type Params<M extends MethodName> = MethodParsedParams<M>;

export interface CommunityParts extends RoomWriter {
  env: Env;
  workspaceId(): string;
  /** An ephemeral `community.event`: to every socket that may read, or only to owners' and admins' (`moderation`). */
  tell(payload: CommunityEventPayload): void;
  /** These people's inboxes changed (a mention noted or gone): send them again. */
  inboxChanged(principalIds: Iterable<string>): void;
}

/** The relay's refusal as the room's error: why, in the relay's words (NIP-01's prefixes). */
function refusal(reason: string): RoomError {
  const code = reason.startsWith("rate-limited:")
    ? "rate_limited"
    : reason.startsWith("blocked:") || reason.startsWith("restricted:")
      ? "forbidden"
      : reason.startsWith("duplicate:")
        ? "conflict"
        : "bad_request";
  return new RoomError(code, `the community refused it: ${reason}`.slice(0, 300));
}

/**
 * The room's side of its communities (docs/community.md): it reads the relay for its
 * people and agents, signs with their custodial keys (made on first use) and stores what
 * they sign through the relay's RPC, and moderates its workspace's community. A key's
 * profile (and an agent's attestation by its workspace) goes to a community with the
 * first thing the key signs there in this room's lifetime.
 */
export class CommunityService {
  readonly #p: CommunityParts;
  readonly authors: Authors;
  /** `<community>\n<pubkey>` whose profile went out in this object's lifetime. */
  readonly #profiled = new Set<string>();

  constructor(parts: CommunityParts) {
    this.#p = parts;
    this.authors = new Authors(() => parts.env.DB);
  }

  get #workspaceId(): string {
    return this.#p.workspaceId();
  }

  #community(name: CommunityName): Community {
    return communityOf(name, this.#workspaceId);
  }

  /** The principal's pubkeys: its custodial one (if made) and the ones it registered. */
  async pubkeysOf(principal: Principal): Promise<{ custodial: string | null; own: string[] }> {
    const { holder } = holderOf(principal, this.#workspaceId);
    const custodial = await custodialPubkeyOf(this.#p.env.DB, holder);
    const own = (await identitiesOf(this.#p.env.DB, principal.id))
      .filter((identity) => identity.custody === "own")
      .map((identity) => identity.pubkey);
    return { custodial, own };
  }

  async feed(principal: Principal, params: Params<"community.feed">): Promise<MethodResult<"community.feed">> {
    const community = this.#community(params.community);
    const page = await relayOf(this.#p.env, community).feed(
      {
        limit: params.limit,
        ...(params.before !== undefined ? { before: Math.floor(params.before / 1000) } : {}),
        ...(params.root ? { root: params.root } : {}),
      },
      params.community === "public" ? this.#workspaceId : undefined,
    );
    const mine = await this.pubkeysOf(principal);
    const me = [...(mine.custodial ? [mine.custodial] : []), ...mine.own];
    const notes = [...page.posts, ...page.replies];
    const authors = await this.authors.views(
      notes.map((n) => n.pubkey),
      page.profiles,
    );
    const reactions = tally(page.reactions, new Set(me));
    const view = (event: NostrEvent) =>
      postView(event, params.community, authors.get(event.pubkey)!, reactions.get(event.id) ?? []);
    const last = page.posts[page.posts.length - 1];
    return {
      community: params.community,
      posts: page.posts.map(view),
      replies: page.replies.map(view),
      me,
      next: page.posts.length >= params.limit && last && !params.root ? last.created_at * 1000 : null,
    };
  }

  /** The principal's custodial key, made on first use, and its profile in this community once per lifetime. */
  async #signer(principal: Principal, community: Community): Promise<string> {
    const { holder, identity } = holderOf(principal, this.#workspaceId);
    const key = await ensureCustodialKey(this.#p.env, holder, identity);
    if (!key.ok) throw new RoomError("conflict", key.reason);
    if (key.created) this.authors.forget(key.pubkey);
    const marker = `${community.name}\n${key.pubkey}`;
    if (!this.#profiled.has(marker)) {
      const known = await this.authors.known(key.pubkey);
      const agent = principal.kind === "agent";
      await publishProfile(
        this.#p.env,
        this.#workspaceId,
        community,
        holder,
        agent
          ? {
              kind: "agent",
              pubkey: key.pubkey,
              name: known?.name ?? principal.name,
              ownerName: known?.owner?.name ?? null,
            }
          : { kind: "person", name: known?.name ?? principal.name },
      );
      this.#profiled.add(marker);
    }
    return holder;
  }

  /** Publishes an event of `principal`'s, written now. */
  async #publish(
    principal: Principal,
    name: CommunityName,
    template: Omit<Parameters<typeof publishAs>[3], "created_at">,
  ): Promise<NostrEvent> {
    const community = this.#community(name);
    const holder = await this.#signer(principal, community);
    const written = { ...template, created_at: Math.floor(Date.now() / 1000) };
    const published = await publishAs(this.#p.env, holder, community, written, this.#workspaceId);
    if (!published.accepted) throw refusal(published.reason);
    return published.event;
  }

  /** A stored event of the community, hidden ones included, or not_found. */
  async #target(name: CommunityName, eventId: string): Promise<NostrEvent> {
    const [event] = await relayOf(this.#p.env, this.#community(name)).events([eventId]);
    if (!event) throw new RoomError("not_found", `no event ${eventId.slice(0, 12)}… in this community`);
    return event;
  }

  async post(principal: Principal, params: Params<"community.post">): Promise<{ post: CommunityPost }> {
    const tags: string[][] = [];
    if (params.replyTo) {
      const parent = await this.#target(params.community, params.replyTo);
      const root = parent.tags.find((tag) => tag[0] === "e" && tag[3] === "root")?.[1] ?? parent.id;
      tags.push(["e", root, "", "root"]);
      if (root !== parent.id) tags.push(["e", parent.id, "", "reply"]);
      tags.push(["p", parent.pubkey]);
    }
    for (const tag of await mentionTags(this.#p, params.text)) if (!tags.some((t) => t[1] === tag[1])) tags.push(tag);
    const event = await this.#publish(principal, params.community, {
      kind: KIND_NOTE,
      tags,
      content: params.text,
    });
    const authors = await this.authors.views([event.pubkey]);
    return { post: postView(event, params.community, authors.get(event.pubkey)!) };
  }

  async react(principal: Principal, params: Params<"community.react">): Promise<MethodResult<"community.react">> {
    const target = await this.#target(params.community, params.eventId);
    const event = await this.#publish(principal, params.community, {
      kind: KIND_REACTION,
      tags: [
        ["e", target.id],
        ["p", target.pubkey],
        ["k", String(target.kind)],
      ],
      content: params.reaction,
    });
    return { eventId: target.id, reactionId: event.id };
  }

  async report(principal: Principal, params: Params<"community.report">): Promise<MethodResult<"community.report">> {
    const target = await this.#target(params.community, params.eventId);
    const event = await this.#publish(principal, params.community, {
      kind: KIND_REPORT,
      tags: [
        ["e", target.id, params.reason],
        ["p", target.pubkey, params.reason],
      ],
      content: params.note ?? "",
    });
    return { reportId: event.id };
  }

  async moderate(
    principal: Principal,
    params: Params<"community.moderate">,
  ): Promise<MethodResult<"community.moderate">> {
    if (params.community !== "workspace")
      throw new RoomError("forbidden", "the public community is moderated by this server's operators, not a workspace");
    const relay = relayOf(this.#p.env, this.#community("workspace"));
    const found = await moderationTarget(relay, params);
    if (!found.ok) throw new RoomError(found.code, found.message);
    const { target } = found;
    const { changed, pubkeys } = await relay.moderate(params.action, target, principal.name);
    if (changed) {
      const mentioned = this.#p.commit(principal, (ctx) => {
        ctx.audit(`community.${params.action}`, target, {});
        return params.action === "hide" ? forgetCommunityMentions(ctx.sql, [target]) : [];
      });
      if (mentioned.length > 0) this.#p.inboxChanged(mentioned);
      if (params.action === "hide")
        this.#p.tell({ type: "removed", community: "workspace", eventIds: [target], pubkey: null });
      else if (params.action === "ban" && pubkeys <= 1)
        this.#p.tell({ type: "removed", community: "workspace", eventIds: [], pubkey: target });
      // Unbanned, or banned with every key of its owner: panels read the feed again.
      else this.#p.tell({ type: "changed", community: "workspace" });
      this.#p.tell({ type: "moderation", community: "workspace" });
    }
    return { changed, moderation: await this.moderation() };
  }

  async moderation(): Promise<ModerationView> {
    const state = await relayOf(this.#p.env, this.#community("workspace")).moderation();
    return moderationView(state, "workspace", this.authors);
  }

  async identity(principal: Principal): Promise<MethodResult<"community.identity">> {
    const mine = await this.pubkeysOf(principal);
    const workspace = await custodialPubkeyOf(this.#p.env.DB, workspaceHolder(this.#workspaceId));
    return {
      custodial: mine.custodial,
      own: mine.own.slice(0, 10),
      workspace,
      relays: { workspace: this.#community("workspace").path, public: this.#community("public").path },
    };
  }
}
