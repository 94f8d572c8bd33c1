import { useCallback } from "react";
import type { ModerationView } from "../../../shared/protocol/community";
import { adminApi } from "../lib/api";
import { FormError } from "../lib/form-error";
import { useLoaded } from "../lib/loaded";
import { ModerationQueue } from "../panels/community/ModerationQueue";
import "../panels/community/community.css";

/**
 * `/admin`'s part of the public community, which no workspace moderates: the reports its
 * readers file, and what operators hid or banned there. Loaded with the page and on Refresh
 * (`generation`).
 */
export function PublicCommunity({ generation }: { generation: number }) {
  const {
    value: view,
    error,
    setValue: setView,
  } = useLoaded<ModerationView | null>(
    useCallback(async () => {
      void generation; // a new generation is the page's Refresh: read again
      return (await adminApi.community()).moderation;
    }, [generation]),
    null,
  );
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
