// @mentions in the composer, the pure parts: which `@query` the caret is in, who matches
// it, and the text once one is picked. The format is the one the room recognizes: `@Name`
// where the `@` does not follow a letter, digit, `_` or `@` (the inbox's `mentions()`,
// shared/mentions.ts, matched case-insensitively on the whole name,
// spaces included) and `@autopilot` for the Autopilot (shared/responder.ts).

export type MentionKind = "person" | "agent" | "autopilot" | "instance";

export interface MentionCandidate {
  /** Unique among the candidates (a principal id, `instance:<id>`, `autopilot`). */
  id: string;
  kind: MentionKind;
  /** What the list shows and the text gets after the `@`. */
  name: string;
}

/** Longest name offered; a longer one is someone's attempt to flood the list. */
export const MAX_MENTION_NAME = 64;
/** Longest query looked at: past this the `@` is not a mention being typed. */
const MAX_QUERY = MAX_MENTION_NAME;
/** Entries the list shows at most. */
export const MAX_MENTION_OPTIONS = 8;

/** The Autopilot, addressed the way its trigger reads. */
export const AUTOPILOT_CANDIDATE: MentionCandidate = { id: "autopilot", kind: "autopilot", name: "autopilot" };

/**
 * A remote name made fit for a mention: control characters and runs of blanks become one
 * space, trimmed; null when nothing is left, it is too long, or it holds an `@` (it
 * could not be matched as one name).
 */
export function mentionName(raw: string): string | null {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this removes
  const name = raw.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\s]+/g, " ").trim();
  if (!name || name.length > MAX_MENTION_NAME || name.includes("@")) return null;
  return name;
}

/** A character that, before an `@`, makes it part of a word or an address, not a mention. */
const WORDY = /[\p{L}\p{N}_@]/u;

/** The `@query` the caret is in: where its `@` is and what follows it up to the caret. */
export function activeMention(text: string, caret: number): { start: number; query: string } | null {
  if (caret < 1) return null; // lastIndexOf would read a negative start as 0
  const from = Math.max(0, caret - MAX_QUERY - 1);
  const at = text.lastIndexOf("@", caret - 1);
  if (at < from || at === -1) return null;
  if (at > 0 && WORDY.test(text[at - 1]!)) return null;
  const query = text.slice(at + 1, caret);
  // A name may hold spaces, not a line break; a leading blank means the `@` stands alone.
  if (/[\n\r]/.test(query) || /^\s/.test(query)) return null;
  return { start: at, query };
}

/**
 * The candidates matching `query`, best first: names starting with it, then names with a
 * word starting with it, then names holding it; within each, the list's own order
 * (people before agents, say). An empty query matches everyone.
 */
export function filterMentions(
  candidates: readonly MentionCandidate[],
  query: string,
  limit = MAX_MENTION_OPTIONS,
): MentionCandidate[] {
  const q = query.toLocaleLowerCase();
  const ranked: { c: MentionCandidate; rank: number; i: number }[] = [];
  candidates.forEach((c, i) => {
    const name = c.name.toLocaleLowerCase();
    const rank = name.startsWith(q)
      ? 0
      : name.split(/[\s._-]+/).some((word) => word.startsWith(q))
        ? 1
        : name.includes(q)
          ? 2
          : -1;
    if (rank >= 0) ranked.push({ c, rank, i });
  });
  return ranked
    .sort((a, b) => a.rank - b.rank || a.i - b.i)
    .slice(0, limit)
    .map((r) => r.c);
}

/** `text` with the `@query` at `start`..`caret` replaced by `@Name ` and where the caret goes. */
export function insertMention(
  text: string,
  start: number,
  caret: number,
  name: string,
): { text: string; caret: number } {
  const inserted = `@${name} `;
  // A blank already after the caret serves as the separator.
  const rest = text.slice(caret).replace(/^ /, "");
  return { text: text.slice(0, start) + inserted + rest, caret: start + inserted.length };
}

/** What the room and the workspace say exists, hostile names and all. */
export interface MentionSources {
  /** Workspace members (the auth API's list), if loaded. */
  members?: readonly { userId: string; name: string; email: string }[];
  /** Connections in the room now (people and agent keys). */
  presence?: Iterable<{ principalId: string; kind: "user" | "agent"; name: string }>;
  /** Authors of the thread's messages (people and agent keys that wrote here). */
  authors?: Iterable<{ id: string; kind: "user" | "agent"; name: string }>;
  /** The workspace's agent keys (listed for owners and admins only). */
  keys?: readonly { id: string; name: string | null }[];
  /** OpenClaw instances of the workspace. */
  instances?: Iterable<{ id: string; name: string; status: string }>;
  /** Who is typing: not offered to themselves. */
  selfId?: string | null;
}

/**
 * Everyone a mention can name, once each: people (members, then whoever is here or wrote
 * here), agents (online or writing here, then the workspace's keys), the Autopilot, then
 * OpenClaw instances. A name shared by two
 * principals shows once: the text `@Name` would name both anyway.
 */
export function mentionCandidates(sources: MentionSources): MentionCandidate[] {
  const out: MentionCandidate[] = [];
  const ids = new Set<string>();
  const names = new Set<string>();
  const add = (id: string, kind: MentionKind, raw: string) => {
    const name = mentionName(raw);
    if (!name || ids.has(id) || id === sources.selfId) return;
    ids.add(id);
    const key = name.toLocaleLowerCase();
    if (names.has(key)) return;
    names.add(key);
    out.push({ id, kind, name });
  };
  for (const m of sources.members ?? []) add(m.userId, "person", m.name || m.email);
  const principals = [...(sources.presence ?? [])].map((p) => ({ id: p.principalId, kind: p.kind, name: p.name }));
  principals.push(...(sources.authors ?? []));
  for (const p of principals) if (p.kind === "user") add(p.id, "person", p.name);
  for (const p of principals)
    if (p.kind === "agent" && p.id !== AUTOPILOT_CANDIDATE.id && !p.id.startsWith("instance:"))
      add(p.id, "agent", p.name);
  for (const k of sources.keys ?? []) if (k.name) add(`key:${k.id}`, "agent", k.name);
  add(AUTOPILOT_CANDIDATE.id, "autopilot", AUTOPILOT_CANDIDATE.name);
  for (const i of sources.instances ?? []) if (i.status !== "stopped") add(`instance:${i.id}`, "instance", i.name);
  return out;
}
