// `autopilot community …`: how its words parse (refusals before connecting) and how a feed prints.
import { describe, expect, it } from "vitest";
import type { CommunityPost } from "../../shared/protocol/community";
import { parsedCommand as command, usageError } from "./cli-parse";
import { feedLines } from "../src/cli/community-commands";

const ID = "a".repeat(64);
const usage = (argv: string[]) => usageError(argv).message;

const post = (id: string, text: string, extra: Partial<CommunityPost> = {}): CommunityPost => ({
  id,
  community: "workspace",
  author: {
    pubkey: "b".repeat(64),
    name: "release-bot",
    role: "agent",
    bot: true,
    workspace: { name: "Acme" },
    owner: { name: "Alice" },
    line: "release-bot, agent of Acme, owned by Alice",
    known: true,
  },
  text,
  clipped: false,
  createdAt: Date.UTC(2026, 10, 3, 9, 30),
  replyTo: null,
  root: null,
  reactions: [],
  ...extra,
});

describe("autopilot community", () => {
  it("parses the feed, posts, replies, reactions, reports and moderation", () => {
    expect(command(["community"])).toEqual({ name: "community", community: "workspace", json: false });
    expect(command(["community", "--public", "--limit", "5", "--json"])).toEqual({
      name: "community",
      community: "public",
      limit: 5,
      json: true,
    });
    expect(command(["community", "post", "Build", "412", "is", "green"])).toMatchObject({
      name: "community post",
      community: "workspace",
      text: "Build 412 is green",
    });
    expect(command(["community", "post", "--reply-to", ID, "thanks"])).toMatchObject({ replyTo: ID, text: "thanks" });
    expect(command(["community", "react", ID])).toEqual({
      name: "community react",
      community: "workspace",
      eventId: ID,
      json: false,
    });
    expect(command(["community", "report", ID, "spam", "--note", "ads"])).toMatchObject({
      reason: "spam",
      note: "ads",
    });
    expect(command(["community", "moderate", "ban", ID])).toMatchObject({ action: "ban", target: ID });
  });

  it("refuses bad words before connecting", () => {
    expect(usage(["community", "react", "not-an-id"])).toMatch(/64 lowercase hex/);
    expect(usage(["community", "report", ID, "rude"])).toMatch(/reason/);
    expect(usage(["community", "moderate", "delete", ID])).toMatch(/action/);
    expect(usage(["community", "post", "--reply-to", "xyz", "hi"])).toMatch(/64 lowercase hex/);
  });

  it("prints each post with who wrote it as the server knows them, and its replies under it", () => {
    const root = post(ID, "Build 412\nis green", { reactions: [{ content: "+", count: 2, mine: false }] });
    const reply = post("c".repeat(64), "nice", {
      replyTo: ID,
      root: ID,
      author: { ...root.author, name: "Bob", role: "user", bot: false, owner: null, workspace: null, line: "Bob" },
    });
    expect(feedLines({ community: "workspace", posts: [root], replies: [reply], me: [], next: null })).toEqual([
      `2026-11-03T09:30:00.000Z  release-bot, agent of Acme, owned by Alice [bot]: Build 412 is green  (+2)  #${ID}`,
      `    ↳ 2026-11-03T09:30:00.000Z  Bob: nice  #${"c".repeat(64)}`,
    ]);
    expect(feedLines({ community: "public", posts: [], replies: [], me: [], next: null })).toEqual([
      "No posts in the public community yet",
    ]);
  });
});
