import type { ChatConnection, ChatPlatform, ChatsView } from "../../../../../shared/protocol/chats";
import type { Principal } from "../../../../../shared/protocol/principal";
import { isPerson } from "../../../../../shared/people";
import { linkOrigin } from "../../../../auth/origin";
import { randomToken, sha256Hex } from "../../../../auth/tokens";
import { RoomError } from "../../../../domain/errors";
import { defineFeature } from "../../kernel/feature";
import { local, methods, mutate } from "../../kernel/handlers";
import { approvals } from "../approvals";
import { deliverApproval, showOutcome } from "./approval-messages";
import { botTokens, type ChatParts } from "./bot";
import { ChatInbound } from "./inbound";
import { ChatOutbox } from "./outbox";
import { connections, LINK_CODE_TTL_MS, linkCodes, linkKey, links, linksOf, outbox } from "./store";
import { BotIdentity, callBot, TELEGRAM_TOKEN } from "./telegram";

export { SECRET_HEADER } from "./telegram";
export type { WebhookOutcome } from "./inbound";

/** Where a platform's webhook is (party/api/chat-webhooks.ts): `<prefix>/<platform>/<workspace id>`. */
export const CHATS_PREFIX = "/chats";

/** A link code's letters: no 0/O or 1/I to misread. */
const CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/**
 * The workspace's chats (docs/chats.md): the Autopilot as a Telegram bot an owner or admin
 * connects, people's links to it with a one-time code, and every approval a linked person may
 * decide sent to them with buttons. A press decides through the one entry (approvals.resolve,
 * as that person, with their access read again from D1), so the policy, expiry and
 * exactly-once are the app's; every message of the approval then shows the outcome. Calls to
 * the platform wait in an outbox and are retried (outbox.ts), so an outage never blocks the room.
 */
export const chats = defineFeature({
  name: "chats",
  needs: [approvals],
  schedules: ["drainChats"],
  build: (s) => {
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
          }),
        ),
        links: connected.flatMap((c) =>
          linksOf(s.sql, c.platform)
            .filter(({ link }) => link.principalId === principalId)
            .map(({ link }) => ({ platform: c.platform, handle: link.handle, linkedAt: link.linkedAt })),
        ),
      };
    };
    const parts: ChatParts = {
      s,
      ...botTokens(s),
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
    const inbound = new ChatInbound(parts);

    const connect = async (principal: Principal, p: { botToken: string; origin?: string | undefined }) => {
      if (!isPerson(principal))
        throw new RoomError("forbidden", "a person connects the workspace to a chat, not an agent");
      if (!TELEGRAM_TOKEN.test(p.botToken))
        throw new RoomError("bad_request", "that is not a Telegram bot token: @BotFather gives one like 123456:ABC-…");
      const origin = linkOrigin(s.env, p.origin);
      if (!origin) throw new RoomError("conflict", "this server does not know its public origin: set APP_ORIGINS");
      const me = await callBot(parts.apiBase(), p.botToken, { method: "getMe", body: {} });
      const bot = me.ok ? BotIdentity.safeParse(me.result) : null;
      if (!bot?.success)
        throw new RoomError("bad_request", `Telegram did not accept the token${me.ok ? "" : `: ${me.description}`}`);
      // Telegram sends it back with every update; the room keeps only its hash.
      const secret = randomToken();
      const url = `${origin}${CHATS_PREFIX}/telegram/${encodeURIComponent(s.workspaceId())}`;
      const hooked = await callBot(parts.apiBase(), p.botToken, {
        method: "setWebhook",
        body: { url, secret_token: secret, allowed_updates: ["message", "callback_query"] },
      });
      if (!hooked.ok)
        throw new RoomError(
          "conflict",
          `Telegram refused this server's webhook (${hooked.description}): it must be reachable over https at ${origin}`,
        );
      const identity = { platform: "telegram" as const, botId: bot.data.id };
      const sealedToken = await parts.sealToken(p.botToken, identity);
      const secretHash = await sha256Hex(secret);
      s.commit(principal, (ctx) => {
        const before = connections.get(ctx.sql, "telegram");
        // Another bot: the people's chats were with the old one.
        if (before && before.botId !== bot.data.id)
          for (const { userId } of linksOf(ctx.sql, "telegram")) links.delete(ctx.sql, linkKey("telegram", userId));
        const { username, first_name } = bot.data;
        const connection = { ...identity, botUsername: username, botName: first_name, sealedToken, secretHash };
        const by = { connectedBy: ctx.actor, connectedAt: ctx.now, lastError: null };
        connections.put(ctx.sql, "telegram", { ...connection, ...by }, ctx.now);
        ctx.audit("chats.connected", "telegram", { platform: "telegram", bot: `@${username}` });
      });
      parts.changed();
      return { chats: viewFor(principal.id) };
    };

    const disconnect = async (principal: Principal, platform: ChatPlatform) => {
      const connection = connections.get(s.sql, platform);
      if (connection) {
        // Best effort: without its webhook the platform stops sending; what it sends meanwhile finds no connection.
        await callBot(parts.apiBase(), await parts.tokenOf(connection), { method: "deleteWebhook", body: {} });
        s.commit(principal, (ctx) => {
          connections.delete(ctx.sql, platform);
          for (const { userId } of linksOf(ctx.sql, platform)) links.delete(ctx.sql, linkKey(platform, userId));
          for (const { key, value } of outbox.entries(ctx.sql))
            if (value.platform === platform) outbox.delete(ctx.sql, key);
          ctx.audit("chats.disconnected", platform, { platform });
        });
        parts.changed();
      }
      return { chats: viewFor(principal.id) };
    };

    const linkCode = async (principal: Principal, platform: ChatPlatform) => {
      if (!isPerson(principal)) throw new RoomError("forbidden", "people link their chat accounts; an agent has none");
      const connection = connections.get(s.sql, platform);
      if (!connection)
        throw new RoomError(
          "conflict",
          "the workspace is not connected to Telegram: an owner or admin connects it first",
        );
      const bytes = crypto.getRandomValues(new Uint8Array(8));
      const code = [...bytes].map((b) => CODE_ALPHABET[b % CODE_ALPHABET.length]).join("");
      const codeHash = await sha256Hex(`${platform}:${code}`);
      const expiresAt = Date.now() + LINK_CODE_TTL_MS;
      s.commit(principal, (ctx) => {
        linkCodes.deleteWrittenBefore(ctx.sql, ctx.now - LINK_CODE_TTL_MS);
        const doc = { platform, principalId: principal.id, name: principal.name, expiresAt };
        linkCodes.put(ctx.sql, codeHash, doc, ctx.now);
      });
      return { code, botUsername: connection.botUsername, expiresAt };
    };

    return {
      methods: methods({
        "chats.get": local(({ principal }) => ({ chats: viewFor(principal.id) })),
        "chats.connect": local(({ principal }, p) => connect(principal, p)),
        "chats.disconnect": local(({ principal }, p) => disconnect(principal, p.platform)),
        "chats.linkCode": local(({ principal }, p) => linkCode(principal, p.platform)),
        "chats.unlink": mutate((ctx, p) => {
          for (const { userId, link } of linksOf(ctx.sql, p.platform))
            if (link.principalId === ctx.principal.id) {
              links.delete(ctx.sql, linkKey(p.platform, userId));
              ctx.audit("chats.unlinked", ctx.principal.id, { platform: p.platform });
            }
          return { chats: viewFor(ctx.principal.id) };
        }),
      }),
      answered: { "chats.unlink": () => parts.changed() },
      reactions: {
        "approval.requested": ({ approval }) => void s.keepAliveWhile(() => deliverApproval(parts, approval.id)),
        "approval.resolved": ({ approval }) => showOutcome(parts, approval),
      },
      rpc: {
        /** RPC from the Worker (party/api/chat-webhooks.ts): one update a platform sent, with the secret it came with. */
        chatWebhook: (call: { platform: ChatPlatform; secret: string; body: unknown }) => inbound.webhook(call),
      },
      schedules: { drainChats: () => parts.outbox.drain() },
      start: () => {
        if (outbox.entries(s.sql).length > 0) parts.outbox.drain();
      },
    };
  },
});
