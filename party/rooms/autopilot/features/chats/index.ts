import type { ChatConnection, ChatPlatform, ChatsView } from "../../../../../shared/protocol/chats";
import type { Principal } from "../../../../../shared/protocol/principal";
import { isWholeDelta } from "../../../../../shared/protocol/gateway";
import { isPerson } from "../../../../../shared/people";
import { linkOrigin } from "../../../../auth/origin";
import { sha256Hex } from "../../../../auth/tokens";
import { RoomError } from "../../../../domain/errors";
import { defineFeature } from "../../kernel/feature";
import { local, methods, mutate } from "../../kernel/handlers";
import { approvals } from "../approvals";
import { billing } from "../billing";
import { deliverMoneyAlerts } from "./money-alerts";
import { approvalPlatforms, deliverApproval, showOutcome } from "./approval-messages";
import { botSecrets, type ChatParts } from "./bot";
import { ChatConversations } from "./conversations";
import { ChatInbound } from "./inbound";
import type { WebhookRequest } from "./platform";
import { ChatOutbox } from "./outbox";
import { gatherPlatforms } from "./platforms";
import { slack } from "./slack";
import { telegram } from "./telegram";
import { CHATS_PREFIX, chatWebhookRoute } from "./webhook-route";
import { type Connection, connections, LINK_CODE_TTL_MS, linkCodes, linkKey, links, linksOf, outbox } from "./store";

// What a platform in a feature folder of its own is written with (platform.ts).
export * from "./platform";
export type { WebhookOutcome } from "./inbound";

/** A link or bind code's letters: no 0/O or 1/I to misread. */
const CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
const newCode = (): string =>
  [...crypto.getRandomValues(new Uint8Array(8))].map((b) => CODE_ALPHABET[b % CODE_ALPHABET.length]).join("");

/** Connecting, linking, binding and who is answered are a person's calls: an agent is refused with `why`. */
function personOnly(principal: Principal, why: string): void {
  if (!isPerson(principal)) throw new RoomError("forbidden", why);
}

/**
 * The workspace's chats (docs/chats.md): the Autopilot as a Telegram bot an owner or admin
 * connects, people's links to it with a one-time code, and every approval a linked person may
 * decide sent to them with buttons. A press is queued and the platform answered at once; it
 * then decides through the one entry (approvals.resolve, as that person, with their access
 * read again from D1), so the policy, expiry and exactly-once are the app's; every message
 * of the approval then shows the outcome. Calls to
 * the platform wait in an outbox and are retried (outbox.ts), so an outage never blocks the room.
 */
export const chats = defineFeature({
  name: "chats",
  needs: [approvals, billing],
  schedules: ["drainChats"],
  // Telegram and Slack are the chats feature's own; another platform is a feature that offers its own (platforms.ts).
  offers: { chatPlatforms: [telegram, slack], workerRoutes: [chatWebhookRoute] },
  build: (s, _needs, offered) => {
    const platforms = gatherPlatforms(offered);
    const viewFor = (principalId: string): ChatsView => {
      const waiting = outbox.entries(s.sql);
      const connected = connections.entries(s.sql).map(({ value }) => value);
      return {
        connections: connected.map(
          (c): ChatConnection => ({
            platform: c.platform,
            botUsername: c.botUsername,
            botName: c.botName,
            connectedBy: c.connectedBy,
            connectedAt: c.connectedAt,
            waiting: waiting.filter((w) => w.value.platform === c.platform).length,
            lastError: c.lastError,
            requestUrl: c.requestUrl,
          }),
        ),
        links: connected.flatMap((c) =>
          linksOf(s.sql, c.platform)
            .filter(({ link }) => link.principalId === principalId)
            .map(({ link }) => ({ platform: c.platform, handle: link.handle, linkedAt: link.linkedAt })),
        ),
        bindings: conversations.list(),
      };
    };
    const parts: ChatParts = {
      s,
      ...botSecrets(s, platforms),
      outbox: new ChatOutbox(s, () => parts),
      /** Every connected principal gets the chats as they now stand for them. */
      changed: () => {
        const told = new Set<string>();
        for (const { principalId } of s.clients.presence()) {
          if (told.has(principalId)) continue;
          told.add(principalId);
          s.toPrincipal(principalId, "chats.changed", { chats: viewFor(principalId) });
        }
      },
    };
    const conversations = new ChatConversations(parts);
    const inbound = new ChatInbound(parts, conversations);
    /** After an unbind or a change of who is answered: the chat's notice goes out, and clients see the bindings anew. */
    const toldAndChanged = () => {
      parts.outbox.drain();
      parts.changed();
    };

    const connect = async (
      principal: Principal,
      p: { platform: ChatPlatform; botToken: string; signingSecret?: string | undefined; origin?: string | undefined },
    ) => {
      personOnly(principal, "a person connects the workspace to a chat, not an agent");
      const origin = linkOrigin(s.env, p.origin);
      if (!origin) throw new RoomError("conflict", "this server does not know its public origin: set APP_ORIGINS");
      const requestUrl = `${origin}${CHATS_PREFIX}/${p.platform}/${encodeURIComponent(s.workspaceId())}`;
      const base = parts.apiBase(p.platform);
      const checked = await parts.platform(p.platform).connect(base, { ...p, requestUrl });
      if (!checked.ok) throw new RoomError(checked.code, checked.message);
      const bot = { platform: p.platform, botId: checked.botId };
      const connection: Omit<Connection, "connectedBy" | "connectedAt" | "lastError"> = {
        ...bot,
        botUsername: checked.botUsername,
        botName: checked.botName,
        sealedToken: await parts.seal(p.botToken, bot, "token"),
        secretHash: checked.secretHash,
        sealedSigningSecret:
          checked.signingSecret === null ? null : await parts.seal(checked.signingSecret, bot, "signing secret"),
        teamId: checked.teamId,
        requestUrl,
      };
      s.commit(principal, (ctx) => {
        const before = connections.get(ctx.sql, p.platform);
        // Another bot: the people's chats were with the old one.
        if (before && before.botId !== connection.botId)
          for (const { userId } of linksOf(ctx.sql, p.platform)) links.delete(ctx.sql, linkKey(p.platform, userId));
        const by = { connectedBy: ctx.actor, connectedAt: ctx.now, lastError: null };
        connections.put(ctx.sql, p.platform, { ...connection, ...by }, ctx.now);
        ctx.audit("chats.connected", p.platform, { platform: p.platform, bot: connection.botUsername });
      });
      parts.changed();
      return { chats: viewFor(principal.id) };
    };

    const disconnect = async (principal: Principal, platform: ChatPlatform) => {
      // Everyone's links, the webhook, the bindings and what waits to be sent go with it: a person's call, as connecting is.
      personOnly(principal, "a person disconnects the workspace from a chat, not an agent");
      const connection = connections.get(s.sql, platform);
      if (connection) {
        // Best effort: without its webhook a platform stops sending; what it sends meanwhile finds no connection.
        const api = parts.platform(platform);
        const unhook = api.unhook();
        if (unhook) await api.call(parts.apiBase(platform), await parts.tokenOf(connection), unhook);
        s.commit(principal, (ctx) => {
          connections.delete(ctx.sql, platform);
          for (const { userId } of linksOf(ctx.sql, platform)) links.delete(ctx.sql, linkKey(platform, userId));
          for (const { key, value } of outbox.entries(ctx.sql))
            if (value.platform === platform) outbox.delete(ctx.sql, key);
          conversations.forget(ctx, platform);
          ctx.audit("chats.disconnected", platform, { platform });
        });
        parts.changed();
      }
      return { chats: viewFor(principal.id) };
    };

    /** The platform's connection, or why a code for it is worth nothing yet. */
    const connected = (platform: ChatPlatform) => {
      const connection = connections.get(s.sql, platform);
      if (!connection)
        throw new RoomError(
          "conflict",
          `the workspace is not connected to ${parts.platform(platform).label}: an owner or admin connects it first`,
        );
      return connection;
    };

    const linkCode = async (principal: Principal, platform: ChatPlatform) => {
      personOnly(principal, "people link their chat accounts; an agent has none");
      const connection = connected(platform);
      const code = newCode();
      const codeHash = await sha256Hex(`${platform}:${code}`);
      const expiresAt = Date.now() + LINK_CODE_TTL_MS;
      s.commit(principal, (ctx) => {
        linkCodes.deleteWrittenBefore(ctx.sql, ctx.now - LINK_CODE_TTL_MS);
        const doc = { platform, principalId: principal.id, name: principal.name, expiresAt };
        linkCodes.put(ctx.sql, codeHash, doc, ctx.now);
      });
      return { code, botUsername: connection.botUsername, expiresAt };
    };

    /** A code that binds a thread to the chat it is sent in (conversations.ts); people only, as connecting. */
    const bindCode = async (principal: Principal, platform: ChatPlatform, threadId: string) => {
      personOnly(principal, "a person binds a thread to a chat, not an agent");
      const connection = connected(platform);
      const code = newCode();
      const expiresAt = await conversations.code(principal, platform, threadId, code);
      return { code, botUsername: connection.botUsername, expiresAt };
    };

    return {
      api: {
        /**
         * Sends an approval to these people in their linked chats, or reminds them there (one
         * message each, edited in place): the approval's reach decides whom and when
         * (features/approval-reach/). Resolves to the platforms each was sent it on.
         */
        deliver: (approvalId: string, to: ReadonlySet<string> | undefined, reminder?: string) =>
          deliverApproval(parts, approvalId, to, reminder),
        /** The platforms a person would get an approval on now. */
        platformsOf: (principalId: string) => approvalPlatforms(parts, principalId),
      },
      methods: methods({
        "chats.get": local(({ principal }) => ({ chats: viewFor(principal.id) })),
        "chats.connect": local(({ principal }, p) => connect(principal, p)),
        "chats.disconnect": local(({ principal }, p) => disconnect(principal, p.platform)),
        "chats.linkCode": local(({ principal }, p) => linkCode(principal, p.platform)),
        "chats.bindCode": local(({ principal }, p) => bindCode(principal, p.platform, p.threadId)),
        "chats.unbind": mutate((ctx, p) => {
          personOnly(ctx.principal, "a person unbinds a thread from its chat, not an agent");
          conversations.unbind(ctx, p.threadId, `${ctx.actor.name} unbound it in the app.`);
          return { chats: viewFor(ctx.principal.id) };
        }),
        "chats.bindingAccess": mutate((ctx, p) => {
          personOnly(ctx.principal, "a person chooses who is answered in a bound chat, not an agent");
          conversations.setGuests(ctx, p.threadId, p.guests);
          return { chats: viewFor(ctx.principal.id) };
        }),
        "chats.unlink": mutate((ctx, p) => {
          for (const { userId, link } of linksOf(ctx.sql, p.platform))
            if (link.principalId === ctx.principal.id) {
              links.delete(ctx.sql, linkKey(p.platform, userId));
              ctx.audit("chats.unlinked", ctx.principal.id, { platform: p.platform });
            }
          return { chats: viewFor(ctx.principal.id) };
        }),
      }),
      answered: {
        "chats.unlink": () => parts.changed(),
        "chats.unbind": toldAndChanged,
        "chats.bindingAccess": toldAndChanged,
      },
      reactions: {
        "approval.resolved": ({ approval }) => showOutcome(parts, approval),
        "message.created": ({ message }) => conversations.relay(message),
        "thread.updated": ({ thread }) => conversations.waited(thread),
        // Money alerts reach owners and admins in their linked chats too, once each.
        "billing.alerts": ({ alerts }) => void s.keepAliveWhile(() => deliverMoneyAlerts(parts, alerts)),
      },
      // The room hears the whole deltas it writes.
      heard: {
        "chat.delta": (delta) => {
          if (isWholeDelta(delta)) conversations.streamed(delta);
        },
      },
      rpc: {
        /** RPC from the Worker (webhook-route.ts): one update a platform sent, with the secret it came with. */
        chatWebhook: (call: { platform: ChatPlatform; request: WebhookRequest }) => inbound.webhook(call),
      },
      schedules: { drainChats: () => parts.outbox.drain() },
      start: () => {
        if (outbox.entries(s.sql).length > 0) parts.outbox.drain();
        // Presses a restart cut before they were decided: each decides once (its idempotency key is the press's);
        // and messages it cut before they were read.
        inbound.decideQueued();
        inbound.readQueued();
      },
    };
  },
});
