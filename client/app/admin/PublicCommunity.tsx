import { useCallback, useEffect, useState } from "react";
import type { ModerationView } from "../../../shared/protocol/community";
import { adminApi, errorText } from "../lib/api";
import { FormError } from "../lib/form-error";
import { ModerationQueue } from "../panels/community/ModerationQueue";
import "../panels/community/community.css";

/**
 * `/admin`'s part of the public community, which no workspace moderates: the reports its
 * readers file, and what operators hid or banned there. Loaded with the page and on Refresh
 * (`generation`).
 */
export function PublicCommunity({ generation }: { generation: number }) {
  const [view, setView] = useState<ModerationView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(async () => {
    try {
      setView((await adminApi.community()).moderation);
      setError(null);
    } catch (err) {
      setError(errorText(err));
    }
  }, []);
  useEffect(() => {
    void generation;
    void load();
  }, [generation, load]);
  const open = view?.queue.length ?? 0;
  return (
    <section className="admin-section" aria-labelledby="admin-community">
      <h2 id="admin-community">Public community {open > 0 && <span className="badge">{open} reported</span>}</h2>
      <p className="muted small">
        Open to anyone on this server and any Nostr client; no workspace moderates it. What you hide or ban here holds
        on the relay for every client.
      </p>
      <FormError error={error} />
      {view ? (
        <ModerationQueue
          view={view}
          label="Reports in the public community"
          moderate={async (action) => (await adminApi.moderate(action)).moderation}
          onView={setView}
        />
      ) : (
        !error && <p className="muted">Loading…</p>
      )}
    </section>
  );
}
