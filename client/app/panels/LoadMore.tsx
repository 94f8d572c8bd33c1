import { useCallback, useEffect, useRef, useState } from "react";
import type { PagedKind } from "../../src/state";
import { useRoom } from "../stores/room";

/**
 * "N more" at the end of a list the hello sent only the newest of (protocol 7). It loads
 * the next page when it scrolls into view, or when clicked; it is gone once nothing is left.
 */
export function LoadMore({ kind, noun }: { kind: PagedKind; noun: string }) {
  const left = useRoom((s) => s.state.more[kind].left);
  const client = useRoom((s) => s.client);
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState(false);
  const ref = useRef<HTMLButtonElement>(null);

  const load = useCallback(async () => {
    if (!client || busy) return;
    setBusy(true);
    setFailed(false);
    try {
      await client.loadMore(kind);
    } catch {
      // Shown on the button; scrolling or clicking tries again.
      setFailed(true);
    } finally {
      setBusy(false);
    }
  }, [client, kind, busy]);

  useEffect(() => {
    const button = ref.current;
    if (!button || left === 0 || busy || failed || typeof IntersectionObserver === "undefined") return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) void load();
    });
    observer.observe(button);
    return () => observer.disconnect();
  }, [left, busy, failed, load]);

  if (left === 0) return null;
  return (
    <button
      ref={ref}
      type="button"
      className="link load-more"
      data-testid={`load-more-${kind}`}
      onClick={() => void load()}
      disabled={busy}
    >
      {busy ? "Loading…" : failed ? `Could not load ${left} more ${noun}: try again` : `${left} more ${noun}`}
    </button>
  );
}
