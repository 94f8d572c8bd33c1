import { useCallback, useEffect, useState } from "react";
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

const ACTIONS: Record<string, string> = {
  "key.created": "created the agent key",
  "key.revoked": "revoked the agent key",
  "key.updated": "changed the agent key",
  "member.added": "added",
  "member.removed": "removed",
  "member.left": "left the workspace",
  "member.role_changed": "changed the role of",
  "workspace.deleted": "deleted the workspace",
  "approval.approved": "approved",
  "approval.denied": "denied",
  "approval.expired": "expired",
};

/** One readable line: who did what to whom, with the details that matter. */
function describe(entry: AuditEntry): { what: string; detail: string } {
  const d = entry.details;
  const text = (k: string) => (typeof d[k] === "string" ? (d[k] as string) : null);
  const target = text("email") ?? text("name") ?? text("title") ?? entry.targetId;
  const what =
    `${ACTIONS[entry.action] ?? entry.action} ${entry.action === "member.left" || entry.action === "workspace.deleted" ? "" : target}`.trim();
  const parts: string[] = [];
  if (d.role !== undefined) parts.push(`role: ${String(d.role)}`);
  if (Array.isArray(d.scopes)) parts.push(`scopes: ${d.scopes.join(", ")}`);
  if (d.enabled !== undefined) parts.push(d.enabled ? "enabled" : "disabled");
  if (text("note")) parts.push(`“${text("note")}”`);
  return { what, detail: parts.join(" · ") };
}

export function AuditView() {
  const client = useRoom((s) => s.client);
  const status = useRoom((s) => s.status);
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [hasMore, setHasMore] = useState(false);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);

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
            const { what, detail } = describe(e);
            return (
              <li key={e.n} className="audit-entry">
                <p>
                  <strong>{e.actor?.name ?? "Autopilot"}</strong>
                  {e.actor?.kind === "agent" && <span className="agent-chip">agent</span>} {what}
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
