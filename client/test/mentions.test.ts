// @mention autocomplete's pure parts (client/app/lib/mentions.ts): the query at the
// caret, the filter, the insertion, the candidates, and that what it inserts is what the
// room recognizes as a mention.
import { describe, expect, it } from "vitest";
import { mentions } from "../../shared/mentions";
import { mentionsAutopilot } from "../../shared/responder";
import {
  activeMention,
  filterMentions,
  insertMention,
  type MentionCandidate,
  mentionCandidates,
  mentionName,
} from "../app/lib/mentions";

const person = (id: string, name: string): MentionCandidate => ({ id, kind: "person", name });

describe("the @query at the caret", () => {
  it("starts at an @ at the start or after a blank or punctuation", () => {
    expect(activeMention("@", 1)).toEqual({ start: 0, query: "" });
    expect(activeMention("hi @ad", 6)).toEqual({ start: 3, query: "ad" });
    expect(activeMention("(@ad", 4)).toEqual({ start: 1, query: "ad" });
    expect(activeMention("hi @Ada Lo", 10)).toEqual({ start: 3, query: "Ada Lo" });
  });
  it("not in an e-mail address, a double @, after a line break or a leading blank, nor past the caret", () => {
    expect(activeMention("mail ada@example", 16)).toBeNull();
    expect(activeMention("@@ada", 5)).toBeNull();
    expect(activeMention("@ada\nmore", 9)).toBeNull();
    expect(activeMention("@ done", 6)).toBeNull();
    expect(activeMention("hello", 5)).toBeNull();
    expect(activeMention("@ada and more", 0)).toBeNull();
  });
  it("not once the query is longer than any name", () => {
    expect(activeMention(`@${"a".repeat(100)}`, 101)).toBeNull();
  });
});

describe("filtering", () => {
  const list = [
    person("1", "Ada Lovelace"),
    person("2", "Grace Hopper"),
    person("3", "Adam"),
    person("4", "Linus"),
    { id: "autopilot", kind: "autopilot", name: "autopilot" } as const,
  ];
  it("an empty query lists everyone, in order, at most the limit", () => {
    expect(filterMentions(list, "").map((c) => c.id)).toEqual(["1", "2", "3", "4", "autopilot"]);
    expect(filterMentions(list, "", 2)).toHaveLength(2);
  });
  it("names starting with the query first, then a word starting with it, then containing it; any case", () => {
    expect(filterMentions(list, "ad").map((c) => c.id)).toEqual(["1", "3"]);
    expect(filterMentions(list, "HOP").map((c) => c.id)).toEqual(["2"]);
    expect(filterMentions(list, "a").map((c) => c.id)).toEqual(["1", "3", "autopilot", "2"]);
    expect(filterMentions(list, "nus").map((c) => c.id)).toEqual(["4"]);
    expect(filterMentions(list, "zz")).toEqual([]);
  });
});

describe("inserting", () => {
  it("replaces the @query with @Name and a space, the caret after it", () => {
    expect(insertMention("hi @ad", 3, 6, "Ada Lovelace")).toEqual({ text: "hi @Ada Lovelace ", caret: 17 });
    expect(insertMention("@gr, thanks", 0, 3, "Grace Hopper")).toEqual({ text: "@Grace Hopper , thanks", caret: 14 });
    expect(insertMention("hi @ad there", 3, 6, "Ada")).toEqual({ text: "hi @Ada there", caret: 8 });
  });
  it("what it inserts is what the room recognizes: the inbox's mention matcher (shared/mentions.ts) and the Autopilot's trigger", () => {
    const { text } = insertMention("ping @ad", 5, 8, "Ada Lovelace");
    expect(mentions(`${text}please`, "Ada Lovelace")).toBe(true);
    const autopilot = insertMention("@au", 0, 3, "autopilot").text;
    expect(mentionsAutopilot(`${autopilot}what changed?`)).toBe(true);
  });
});

describe("candidates", () => {
  it("people, then agent keys, the Autopilot and live instances, once each; not oneself", () => {
    const got = mentionCandidates({
      members: [
        { userId: "u1", name: "Ada", email: "ada@example.com" },
        { userId: "u2", name: "", email: "grace@example.com" },
        { userId: "me", name: "Me", email: "me@example.com" },
      ],
      presence: [
        { principalId: "u1", kind: "user", name: "Ada" },
        { principalId: "k1", kind: "agent", name: "deploy-bot" },
        { principalId: "u3", kind: "user", name: "Linus" },
      ],
      authors: [
        { id: "autopilot", kind: "agent", name: "Autopilot" },
        { id: "instance:i1", kind: "agent", name: "Claw" },
        { id: "k2", kind: "agent", name: "ci" },
      ],
      keys: [
        { id: "k9", name: "nightly" },
        { id: "k1", name: "deploy-bot" },
      ],
      instances: [
        { id: "i1", name: "Claw", status: "running" },
        { id: "i2", name: "Gone", status: "stopped" },
      ],
      selfId: "me",
    });
    expect(got.map((c) => [c.kind, c.name])).toEqual([
      ["person", "Ada"],
      ["person", "Linus"],
      ["agent", "deploy-bot"],
      ["agent", "ci"],
      ["agent", "nightly"],
      ["autopilot", "autopilot"],
      ["instance", "Claw"],
    ]);
  });
  it("hostile names: control characters and blank runs flattened; too long, empty or holding @ left out", () => {
    expect(mentionName("  Ada\n\tLovelace\u0000 ")).toBe("Ada Lovelace");
    expect(mentionName("x".repeat(65))).toBeNull();
    expect(mentionName(" \n ")).toBeNull();
    expect(mentionName("a@b")).toBeNull();
    const got = mentionCandidates({
      presence: [
        { principalId: "u1", kind: "user", name: "Evil\nName" },
        { principalId: "u2", kind: "user", name: "x".repeat(500) },
      ],
    });
    expect(got.filter((c) => c.kind === "person").map((c) => c.name)).toEqual(["Evil Name"]);
  });
});
