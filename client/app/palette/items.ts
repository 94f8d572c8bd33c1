import type { Approval } from "../../../shared/protocol/approvals";
import type { Instance } from "../../../shared/protocol/instances";
import type { SearchHit } from "../../../shared/protocol/search";
import type { Schedule } from "../../../shared/protocol/schedules";
import type { Thread } from "../../../shared/protocol/threads";
import { markdownPlain } from "../lib/markdown-text";
import { whenWords } from "../lib/schedule-words";

/** One row of the ⌘K palette: what it says and what Enter does. */
export interface PaletteItem {
  id: string;
  group: "Actions" | "Threads" | "Instances" | "Approvals" | "Schedules" | "Messages";
  label: string;
  /** Second line: a message's snippet (with its match ranges), an approval's state. */
  detail?: { text: string; ranges?: SearchHit["ranges"] };
  run(): void;
}

/** Most rows of each group matched by name. */
const PER_GROUP = 6;

const matches = (text: string, query: string) => text.toLocaleLowerCase().includes(query);

export interface Named {
  threads: Iterable<Thread>;
  instances: Iterable<Instance>;
  approvals: Iterable<Approval>;
  schedules?: Iterable<Schedule>;
}

type NamedGroup = "Threads" | "Instances" | "Approvals" | "Schedules";

/** What a row of each group opens: the inspector's selection `<kind>:<id>`. */
const SELECTION: Record<NamedGroup, string> = {
  Threads: "thread",
  Instances: "instance",
  Approvals: "approval",
  Schedules: "schedule",
};

/** A group's rows: the first of what it `found`, each saying what `say` says and opening its own selection. */
function rows<T extends { id: string }>(
  group: NamedGroup,
  found: T[],
  open: (selection: string) => void,
  say: (item: T) => Pick<PaletteItem, "label" | "detail">,
): PaletteItem[] {
  return found.slice(0, PER_GROUP).map((item) => {
    const selection = `${SELECTION[group]}:${item.id}`;
    return { id: selection, group, ...say(item), run: () => open(selection) };
  });
}

/** Threads, instances, approvals and schedules whose names contain the query (all of them when it is empty), newest threads first. */
export function byName(named: Named, rawQuery: string, open: (selection: string) => void): PaletteItem[] {
  const query = rawQuery.trim().toLocaleLowerCase();
  const threads = [...named.threads]
    .filter((t) => !t.archived && matches(t.title, query))
    .sort((a, b) => (b.lastMessageAt ?? b.createdAt) - (a.lastMessageAt ?? a.createdAt));
  const instances = [...named.instances].filter((i) => matches(i.name, query) || matches(i.id, query));
  const approvals = [...named.approvals].filter(
    (a) => a.status === "pending" && (matches(a.title, query) || matches(a.summary, query)),
  );
  const schedules = [...(named.schedules ?? [])].filter((s) => matches(s.name, query));
  return [
    ...rows("Threads", threads, open, (t) => ({ label: t.title })),
    ...rows("Instances", instances, open, (i) => ({ label: i.name, detail: { text: i.status } })),
    ...rows("Approvals", approvals, open, (a) => ({ label: a.title, detail: { text: a.summary } })),
    ...rows("Schedules", schedules, open, (s) => ({
      label: s.name,
      detail: { text: `${s.status === "active" ? "" : `${s.status} · `}${whenWords(s.when)}` },
    })),
  ];
}

/** Message hits from search.query (title hits are already among the threads by name). */
export function messageItems(
  hits: readonly SearchHit[],
  titles: ReadonlyMap<string, Thread>,
  openMessage: (hit: SearchHit) => void,
): PaletteItem[] {
  return hits.flatMap((hit): PaletteItem[] =>
    hit.messageId
      ? [
          {
            id: `message:${hit.messageId}`,
            group: "Messages",
            label: titles.get(hit.threadId)?.title ?? "Thread",
            // The snippet is the message's own Markdown: shown as the words it renders to.
            detail: plainSnippet(hit.snippet, hit.ranges),
            run: () => openMessage(hit),
          },
        ]
      : [],
  );
}

/** A snippet as text runs, the matched ones flagged (rendered as <mark>). */
export function snippetRuns(text: string, ranges: SearchHit["ranges"] = []): { text: string; match: boolean }[] {
  const runs: { text: string; match: boolean }[] = [];
  let at = 0;
  for (const [start, end] of [...ranges].sort((a, b) => a[0] - b[0])) {
    if (start < at || end > text.length) continue;
    if (start > at) runs.push({ text: text.slice(at, start), match: false });
    runs.push({ text: text.slice(start, end), match: true });
    at = end;
  }
  if (at < text.length) runs.push({ text: text.slice(at), match: false });
  return runs;
}

/**
 * A search snippet (a message's Markdown, cut around its matches) as the words it shows:
 * the syntax goes, line breaks and runs of blanks become one space, and the match ranges
 * move with the text. A match that was only syntax is dropped.
 */
export function plainSnippet(
  text: string,
  ranges: SearchHit["ranges"] = [],
): { text: string; ranges: SearchHit["ranges"] } {
  // The same reading of Markdown as every other preview (lib/markdown-text.ts), with where each character went.
  const { text: out, at: to } = markdownPlain(text, text.length, { cut: true });
  const moved: SearchHit["ranges"] = [];
  for (const [start, end] of ranges) {
    let first = -1;
    let last = -1;
    for (let i = Math.max(0, start); i < Math.min(end, to.length); i++) {
      if (to[i]! < 0) continue;
      if (first < 0) first = to[i]!;
      last = to[i]!;
    }
    if (first >= 0) moved.push([first, last + 1]);
  }
  return { text: out, ranges: moved };
}
