import { useStoreApi } from "@xyflow/react";
import { useEffect, useRef } from "react";
import { create } from "zustand";
import type { FlowNode } from "../stores/canvas";
import { useUi } from "../stores/ui";

/**
 * Nodes that arrive while the canvas is open (an agent's thread, a colleague's note):
 * - while the view is still at the app's Fit view (nobody panned or zoomed since), the
 *   fit follows them;
 * - otherwise they pulse once, and the ones outside the view are counted in a chip
 *   ("3 new — show") that frames them.
 * Nodes this tab made itself are left alone (it put them in view already).
 */
interface Fresh {
  /** Nodes pulsing now. */
  pulse: ReadonlySet<string>;
  /** New nodes outside the view, until shown or dismissed. */
  unseen: readonly string[];
}

export const useFresh = create<Fresh>(() => ({ pulse: new Set(), unseen: [] }));

const own = new Set<string>();
/** A node this tab is creating (a note, a group): no hint for it. */
export const markOwn = (id: string | null) => {
  if (id) own.add(id);
};

const PULSE_MS = 2400;

/**
 * Watches the nodes for new ids once the canvas has its first view. `atFit` says whether
 * the view is still the one the app's last fit set; `fit` re-fits (animated).
 */
export function useNewNodes(nodes: readonly FlowNode[], ready: boolean, atFit: () => boolean, fit: () => void): void {
  const known = useRef<Set<string> | null>(null);
  const count = useRef(0);
  const store = useStoreApi<FlowNode>();
  useEffect(() => {
    if (!ready) return;
    if (!known.current) {
      known.current = new Set(nodes.map((n) => n.id));
      count.current = nodes.length;
      return;
    }
    // A node was added only if the count grew (removals and edits keep or shrink it).
    const grew = nodes.length > count.current;
    count.current = nodes.length;
    if (!grew) return;
    const seen = known.current;
    const fresh = nodes.filter((n) => !seen.has(n.id));
    for (const n of fresh) seen.add(n.id);
    // A thread this tab created is brought into view by its focus request (Canvas.tsx).
    const focus = useUi.getState().focusRequest?.id;
    const theirs = fresh.filter((n) => !own.delete(n.id) && n.id !== focus);
    if (theirs.length === 0) return;
    if (atFit()) {
      fit();
      return;
    }
    const { transform, width, height } = store.getState();
    const [tx, ty, zoom] = transform;
    const inView = (n: FlowNode) => {
      const x = n.position.x * zoom + tx;
      const y = n.position.y * zoom + ty;
      return x + (n.width ?? 0) * zoom > 0 && y + (n.height ?? 0) * zoom > 0 && x < width && y < height;
    };
    const ids = theirs.map((n) => n.id);
    useFresh.setState((s) => ({
      pulse: new Set([...s.pulse, ...ids]),
      unseen: [...s.unseen, ...theirs.filter((n) => !inView(n)).map((n) => n.id)],
    }));
    setTimeout(() => {
      useFresh.setState((s) => ({ pulse: new Set([...s.pulse].filter((id) => !ids.includes(id))) }));
    }, PULSE_MS);
  }, [nodes, ready, atFit, fit, store]);
}

/** "3 new — show": frames the new nodes outside the view. */
export function NewNodesChip({ show }: { show: (ids: string[]) => void }) {
  const unseen = useFresh((s) => s.unseen);
  if (unseen.length === 0) return null;
  return (
    <div className="new-chip" role="status">
      <button
        type="button"
        onClick={() => {
          show([...unseen]);
          useFresh.setState({ unseen: [] });
        }}
      >
        {unseen.length} new — show
      </button>
      <button
        type="button"
        className="new-chip-dismiss"
        aria-label="Dismiss"
        onClick={() => useFresh.setState({ unseen: [] })}
      >
        ×
      </button>
    </div>
  );
}
