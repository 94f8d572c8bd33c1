import { useCallback, useEffect, useMemo, useState } from "react";
import type { NameLookup } from "../../../shared/approval-summary";
import { auditWords } from "../../../shared/audit-words";
import type { AuditEntry } from "../../../shared/protocol/audit";
import { errorText } from "../lib/api";
import { relativeTime } from "../lib/format";
import { FormError } from "../lib/form-error";
import { useRoom } from "../stores/room";

/**
 * The workspace's audit log (`audit.list`, newest first, paged by `before`): access changes
 * (keys, members, roles) recorded by the Worker, and approvals decided in the room. Not
 * pushed live: fetched when the view opens or is refreshed.
 */
const PAGE = 50;

/** Names the app still knows for the ids an entry names (a thread, a job, an instance). */
export function useNames(): NameLookup {
  const threads = useRoom((s) => s.state.threads);
  const instances = useRoom((s) => s.state.instances);
  const jobs = useRoom((s) => s.state.jobs);
  return useMemo(
    () => ({
      thread: (id) => threads.get(id)?.title ?? null,
      instance: (id) => instances.get(id)?.name ?? null,
      job: (id) => jobs.get(id)?.title ?? null,
    }),
    [threads, instances, jobs],
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

  return (
    <section className="audit-view" aria-labelledby="audit-h">
      <div className="audit-head">
        <h2 id="audit-h">Audit</h2>
        <button type="button" className="ghost" onClick={() => void load()} disabled={loading}>
          Refresh
        </button>
      </div>
      <p className="muted small">
        Who changed access to this workspace (keys, members, roles) and who decided approvals, newest first.
      </p>
      <FormError error={error} />
      {entries === null ? (
        <p className="muted">Loading…</p>
      ) : entries.length === 0 ? (
        <p className="empty">Nothing recorded yet.</p>
      ) : (
        <ol className="audit-list" aria-label="Audit log">
          {entries.map((e) => {
            // In words (shared/audit-words.ts): never an action's or a record's internal name.
            const { who, what, detail } = auditWords(e, names);
            return (
              <li key={e.n} className="audit-entry">
                <p>
                  {who === null ? (
                    `${what[0]?.toUpperCase() ?? ""}${what.slice(1)}`
                  ) : (
                    <>
                      <strong>{who}</strong>
                      {e.actor?.kind === "agent" && <span className="agent-chip">agent</span>} {what}
                    </>
                  )}
                </p>
                <p className="muted small">
                  <time dateTime={new Date(e.at).toISOString()} title={new Date(e.at).toLocaleString()}>
                    {relativeTime(e.at)}
                  </time>
                  {detail && ` · ${detail}`}
                </p>
              </li>
            );
          })}
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
