// `autopilot community …` (shared/protocol/community.ts): the workspace's and the public
// community over Nostr, through the room, which signs with your custodial key. Posts print
// as lines ("<time>  <who>: <text>") by default, the method's result as JSON with --json.
// The table joins command-table.ts's; the runner is called from commands.ts.
import { type CommunityPost, ReportReason } from "../../../shared/protocol/community";
import type { MethodResult } from "../../../shared/protocol/methods";
import type { AutopilotClient } from "../client";
import type { CommandSpec } from "./command-table";
import type { CliIO } from "./io";
import { integer, oneOf, optional } from "./option-values";
import { UsageError } from "./usage-error";
import { valued, onOff } from "./option-spec";

export const COMMUNITY_OPTIONS = {
  public: onOff("the server's public community instead of the workspace's"),
  "reply-to": valued("<eventId>", "answer this post (NIP-10 reply)"),
  reaction: valued("<text>", '"+" (the upvote, the default), "-" or one emoji'),
} as const;

type Community = "workspace" | "public";
type Reason = (typeof ReportReason.options)[number];
type Moderation = "hide" | "unhide" | "ban" | "unban";

export type CommunityCommand =
  | { name: "community"; community: Community; limit?: number; json: boolean }
  | { name: "community post"; community: Community; text: string; replyTo?: string; json: boolean }
  | { name: "community react"; community: Community; eventId: string; reaction?: string; json: boolean }
  | { name: "community report"; community: Community; eventId: string; reason: Reason; note?: string; json: boolean }
  | { name: "community moderate"; action: Moderation; target: string; json: boolean }
  | { name: "community queue"; json: boolean }
  | { name: "community whoami"; json: boolean };

export const isCommunityCommand = (command: { name: string }): command is CommunityCommand =>
  command.name === "community" || command.name.startsWith("community ");

const HEX64 = /^[0-9a-f]{64}$/;
const eventId = (word: string | undefined): string => {
  if (!word || !HEX64.test(word)) throw new UsageError("an event id or a pubkey is 64 lowercase hex characters");
  return word;
};
const which = (v: { public?: boolean }): Community => (v.public === true ? "public" : "workspace");

export const COMMUNITY_COMMANDS: Record<string, CommandSpec> = {
  community: {
    args: [],
    options: ["public", "limit", "json"],
    summary: "the community's newest posts with their replies (the workspace's, or --public)",
    build: (_, v) => ({
      name: "community",
      community: which(v),
      ...optional("limit", integer("limit", v.limit, 1, 100)),
      json: v.json === true,
    }),
  },
  "community post": {
    args: ["text..."],
    options: ["public", "reply-to", "json"],
    summary: "post in the community, signed with your custodial Nostr key (posting needs write)",
    build: ([text], v) => ({
      name: "community post",
      community: which(v),
      text: text!,
      ...optional("replyTo", v["reply-to"] === undefined ? undefined : eventId(v["reply-to"])),
      json: v.json === true,
    }),
  },
  "community react": {
    args: ["eventId"],
    options: ["public", "reaction", "json"],
    summary: 'react to a post: "+" (the upvote) unless --reaction says otherwise',
    build: ([id], v) => ({
      name: "community react",
      community: which(v),
      eventId: eventId(id),
      ...optional("reaction", v.reaction?.trim() || undefined),
      json: v.json === true,
    }),
  },
  "community report": {
    args: ["eventId", "reason"],
    options: ["public", "note", "json"],
    summary: `report a post to the moderators; reason: ${ReportReason.options.join("|")}`,
    build: ([id, reason], v) => ({
      name: "community report",
      community: which(v),
      eventId: eventId(id),
      reason: oneOf("reason", reason, ReportReason.options) as Reason,
      ...optional("note", v.note),
      json: v.json === true,
    }),
  },
  "community moderate": {
    args: ["action", "target"],
    options: ["json"],
    summary: "owners and admins, in the workspace's community: hide|unhide <eventId>, ban|unban <pubkey>",
    build: ([action, target], v) => {
      const chosen = oneOf("action", action, ["hide", "unhide", "ban", "unban"] as const) as Moderation;
      return { name: "community moderate", action: chosen, target: eventId(target), json: v.json === true };
    },
  },
  "community queue": {
    args: [],
    options: ["json"],
    summary: "owners and admins: the moderation queue (open reports), hidden posts and banned pubkeys",
    build: (_, v) => ({ name: "community queue", json: v.json === true }),
  },
  "community whoami": {
    args: [],
    options: ["json"],
    summary: "your Nostr pubkeys here, the workspace's key and the relays' paths",
    build: (_, v) => ({ name: "community whoami", json: v.json === true }),
  },
};

const print = (io: CliIO, value: unknown): number => {
  io.out(JSON.stringify(value));
  return 0;
};

/** One post in a line: its time, who wrote it as the server knows them, its reactions, its text on one line. */
export function postLine(post: CommunityPost, indent = ""): string {
  const reactions = post.reactions.map((r) => `${r.content}${r.count}`).join(" ");
  const text = post.text.replace(/\s+/g, " ").trim();
  return `${indent}${new Date(post.createdAt).toISOString()}  ${post.author.line}${post.author.bot ? " [bot]" : ""}: ${text}${reactions ? `  (${reactions})` : ""}  #${post.id}`;
}

export function feedLines(feed: MethodResult<"community.feed">): string[] {
  if (feed.posts.length === 0) return [`No posts in the ${feed.community} community yet`];
  const lines: string[] = [];
  for (const post of feed.posts) {
    lines.push(postLine(post));
    for (const reply of feed.replies.filter((r) => r.root === post.id)) lines.push(postLine(reply, "    ↳ "));
  }
  return lines;
}

export async function runCommunityCommand(
  client: AutopilotClient,
  command: CommunityCommand,
  io: CliIO,
): Promise<number> {
  switch (command.name) {
    case "community": {
      const feed = await client.community.feed({ community: command.community, ...optional("limit", command.limit) });
      if (command.json) return print(io, feed);
      for (const line of feedLines(feed)) io.out(line);
      return 0;
    }
    case "community post": {
      const { post } = await client.community.post({
        community: command.community,
        text: command.text,
        ...optional("replyTo", command.replyTo),
      });
      if (command.json) return print(io, { post });
      io.out(postLine(post));
      return 0;
    }
    case "community react": {
      const result = await client.community.react({
        community: command.community,
        eventId: command.eventId,
        ...optional("reaction", command.reaction),
      });
      if (command.json) return print(io, result);
      io.out(`Reacted: ${result.reactionId}`);
      return 0;
    }
    case "community report": {
      const result = await client.community.report({
        community: command.community,
        eventId: command.eventId,
        reason: command.reason,
        ...optional("note", command.note),
      });
      if (command.json) return print(io, result);
      io.out(`Reported: ${result.reportId}`);
      return 0;
    }
    case "community moderate": {
      const hiding = command.action === "hide" || command.action === "unhide";
      const result = await client.community.moderate({
        action: command.action,
        ...(hiding ? { eventId: command.target } : { pubkey: command.target }),
      });
      if (command.json) return print(io, result);
      io.out(result.changed ? `Done: ${command.action} ${command.target}` : `Nothing to do: already so`);
      return 0;
    }
    case "community queue": {
      const { moderation } = await client.community.queue({});
      if (command.json) return print(io, { moderation });
      if (moderation.queue.length === 0) io.out("No open reports");
      for (const item of moderation.queue) {
        io.out(`${item.post ? postLine(item.post) : `${item.author.line} (a pubkey)`}`);
        for (const r of item.reports)
          io.out(`    reported by ${r.by.line}: ${r.reason}${r.note ? ` — ${r.note}` : ""}`);
      }
      for (const h of moderation.hidden) io.out(`hidden by ${h.by}: #${h.eventId}`);
      for (const b of moderation.banned) io.out(`banned by ${b.by}: ${b.author.line} ${b.author.pubkey}`);
      return 0;
    }
    case "community whoami": {
      const identity = await client.community.identity({});
      if (command.json) return print(io, identity);
      io.out(`Custodial key: ${identity.custodial ?? "none yet (made with your first post)"}`);
      for (const pubkey of identity.own) io.out(`Your own key: ${pubkey}`);
      io.out(`Workspace key: ${identity.workspace ?? "none yet"}`);
      io.out(`Relays: ${identity.relays.workspace} (this workspace), ${identity.relays.public} (public)`);
      return 0;
    }
  }
}
