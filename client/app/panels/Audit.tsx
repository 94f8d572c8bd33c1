import { useCallback, useEffect, useMemo, useState } from "react";
import type { NameLookup } from "../../../shared/approval-summary";
import {
  AUDIT_KIND_LABELS,
  type AuditKind,
  auditKind,
  auditWords,
  foldMemoryWrites,
  memoryWritesWords,
} from "../../../shared/audit-words";
import type { AuditEntry } from "../../../shared/protocol/audit";
import { errorText } from "../lib/api";
import { FilterChips } from "../lib/filter-chips";
import { relativeTime } from "../lib/format";
import { FormError } from "../lib/form-error";
import { useNames } from "../lib/names";
import { useRoom } from "../stores/room";

/**
 * The workspace's audit log (`audit.list`, newest first, paged by `before`): access changes
 * (keys, members, roles) recorded by the Worker, and approvals decided in the room. Not
 * pushed live: fetched when the view opens or is refreshed. Filters by kind and by who acted
 * narrow the entries read so far (Load older reads more); one actor's run of memory writes
 * is one line, opened to list them.
 */
const PAGE = 50;

type KindFilter = "all" | AuditKind;
const KIND_FILTERS: Array<{ id: KindFilter; label: string }> = [
  { id: "all", label: "Everything" },
  ...(Object.entries(AUDIT_KIND_LABELS) as Array<[AuditKind, string]>).map(([id, label]) => ({ id, label })),
];
/** The actor filter's value for the room's own entries (an expiry): no actor. */
const ROOM = "room";
const actorKey = (e: AuditEntry) => e.actor?.id ?? ROOM;

/** One entry's line: who, what, when and the detail worth a glance. */
function AuditLine({ entry, names }: { entry: AuditEntry; names: NameLookup }) {
  // In words (shared/audit-words.ts): never an action's or a record's internal name.
  const { who, what, detail } = auditWords(entry, names);
  return (
    <>
      <p>
        {who === null ? (
          `${what[0]?.toUpperCase() ?? ""}${what.slice(1)}`
        ) : (
          <>
            <strong>{who}</strong>
            {entry.actor?.kind === "agent" && <span className="agent-chip">agent</span>} {what}
          </>
        )}
      </p>
      <p className="muted small">
        <time dateTime={new Date(entry.at).toISOString()} title={new Date(entry.at).toLocaleString()}>
          {relativeTime(entry.at)}
        </time>
        {detail && ` · ${detail}`}
      </p>
    </>
  );
}

/** One actor's memory writes in a row, as one line; opened, each note. */
function MemoryWrites({ entries, names }: { entries: AuditEntry[]; names: NameLookup }) {
  const first = entries[0]!;
  const who = first.actor?.name ?? "The Autopilot";
  return (
    <details className="audit-memory">
      <summary>
        <strong>{who}</strong>
        {first.actor?.kind === "agent" && <span className="agent-chip">agent</span>} {memoryWritesWords(entries)}{" "}
        <span className="muted small">
          · {relativeTime(entries.at(-1)!.at)} to {relativeTime(first.at)}
        </span>
      </summary>
      <ol className="audit-list">
        {entries.map((e) => (
          <li key={e.n} className="audit-entry">
            <AuditLine entry={e} names={names} />
          </li>
        ))}
      </ol>
    </details>
  );
}

export function AuditView() {
  const client = useRoom((s) => s.client);
  const status = useRoom((s) => s.status);
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [hasMore, setHasMore] = useState(false);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const names = useNames();

  const load = useCallback(
    async (before?: number) => {
      if (!client) return;
      setLoading(true);
      setError(null);
      try {
        const page = await client.request("audit.list", { limit: PAGE, ...(before !== undefined && { before }) });
        setEntries((now) => (before === undefined ? page.entries : [...(now ?? []), ...page.entries]));
        setHasMore(page.hasMore);
      } catch (e) {
        setError(errorText(e));
      } finally {
        setLoading(false);
      }
    },
    [client],
  );

  useEffect(() => {
    if (status === "connected") void load();
  }, [status, load]);

  const [kind, setKind] = useState<KindFilter>("all");
  const [actor, setActor] = useState("");
  // Everyone who acted in the entries read so far, by name, for the actor filter.
  const actors = useMemo(() => {
    const seen = new Map<string, string>();
    for (const e of entries ?? []) if (!seen.has(actorKey(e))) seen.set(actorKey(e), e.actor?.name ?? "The room");
    return [...seen].sort((a, b) => a[1].localeCompare(b[1]));
  }, [entries]);
  const items = useMemo(() => {
    const shown = (entries ?? []).filter(
      (e) => (kind === "all" || auditKind(e.action) === kind) && (actor === "" || actorKey(e) === actor),
    );
    // Filtered to memory alone, each write is its own line: folding would hide what was asked for.
    return kind === "memory" ? shown.map((entry) => ({ kind: "entry" as const, entry })) : foldMemoryWrites(shown);
  }, [entries, kind, actor]);
  const filtered = kind !== "all" || actor !== "";

  return (
    <section className="audit-view" aria-labelledby="audit-h">
      <div className="audit-head">
        <h2 id="audit-h">Audit</h2>
        <button type="button" className="ghost" onClick={() => void load()} disabled={loading}>
          Refresh
        </button>
      </div>
      <p className="muted small">
        Who changed what in this workspace, newest first: access (keys, members, roles), approvals, money, tasks and
        schedules, memory.
      </p>
      <div className="queue-filters audit-filters" role="toolbar" aria-label="Show audit entries">
        <FilterChips options={KIND_FILTERS} value={kind} onChange={setKind} />
        <select aria-label="Who acted" value={actor} onChange={(e) => setActor(e.target.value)}>
          <option value="">Anyone</option>
          {actors.map(([id, name]) => (
            <option key={id} value={id}>
              {name}
            </option>
          ))}
        </select>
      </div>
      <FormError error={error} />
      {entries === null ? (
        <p className="muted">Loading…</p>
      ) : entries.length === 0 ? (
        <p className="empty">Nothing recorded yet.</p>
      ) : items.length === 0 ? (
        <p className="empty">
          Nothing of this kind in the {entries.length.toLocaleString("en-US")} entries read
          {hasMore ? "; load older ones to look further back." : "."}
        </p>
      ) : (
        <ol className="audit-list" aria-label={filtered ? "Audit log, filtered" : "Audit log"}>
          {items.map((item) =>
            item.kind === "entry" ? (
              <li key={item.entry.n} className="audit-entry">
                <AuditLine entry={item.entry} names={names} />
              </li>
            ) : (
              <li key={item.entries[0]!.n} className="audit-entry">
                <MemoryWrites entries={item.entries} names={names} />
              </li>
            ),
          )}
        </ol>
      )}
      {hasMore && entries && (
        <button
          type="button"
          className="ghost"
          disabled={loading}
          onClick={() => void load(entries[entries.length - 1]!.n)}
        >
          {loading ? "Loading…" : "Load older"}
        </button>
      )}
    </section>
  );
}
