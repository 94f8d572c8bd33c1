import type { Approval } from "../../../shared/protocol/approvals";
import type { Instance } from "../../../shared/protocol/instances";
import type { SearchHit } from "../../../shared/protocol/search";
import type { Thread } from "../../../shared/protocol/threads";

/** One row of the ⌘K palette: what it says and what Enter does. */
export interface PaletteItem {
  id: string;
  group: "Actions" | "Threads" | "Instances" | "Approvals" | "Messages";
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
}

/** Threads, instances and approvals whose names contain the query (all of them when it is empty), newest first. */
export function byName(named: Named, rawQuery: string, open: (selection: string) => void): PaletteItem[] {
  const query = rawQuery.trim().toLocaleLowerCase();
  const threads = [...named.threads]
    .filter((t) => !t.archived && matches(t.title, query))
    .sort((a, b) => (b.lastMessageAt ?? b.createdAt) - (a.lastMessageAt ?? a.createdAt))
    .slice(0, PER_GROUP)
    .map(
      (t): PaletteItem => ({
        id: `thread:${t.id}`,
        group: "Threads",
        label: t.title,
        run: () => open(`thread:${t.id}`),
      }),
    );
  const instances = [...named.instances]
    .filter((i) => matches(i.name, query) || matches(i.id, query))
    .slice(0, PER_GROUP)
    .map(
      (i): PaletteItem => ({
        id: `instance:${i.id}`,
        group: "Instances",
        label: i.name,
        detail: { text: i.status },
        run: () => open(`instance:${i.id}`),
      }),
    );
  const approvals = [...named.approvals]
    .filter((a) => a.status === "pending" && (matches(a.title, query) || matches(a.summary, query)))
    .slice(0, PER_GROUP)
    .map(
      (a): PaletteItem => ({
        id: `approval:${a.id}`,
        group: "Approvals",
        label: a.title,
        detail: { text: a.summary },
        run: () => open(`approval:${a.id}`),
      }),
    );
  return [...threads, ...instances, ...approvals];
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
            detail: { text: hit.snippet, ranges: hit.ranges },
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
