import { useMemo } from "react";
import { create } from "zustand";
import { createJSONStorage, persist } from "zustand/middleware";
import type { FlowEdge, FlowNode } from "../stores/canvas";
import { useRoom } from "../stores/room";
import { attentionBySubject, needsAttention } from "./attention-state";

/**
 * The canvas's filter chips and the internal-sessions toggle, per tab (sessionStorage):
 * what one tab looks at is nobody else's business and need not follow to the next device.
 *
 * - A node that does not match the chip is dimmed, not hidden: it keeps its place, its
 *   edges and its click, so the canvas does not rearrange under the filter.
 * - The gateway's internal sessions (data.internal, shared/hatchery/session-nodes.ts) are
 *   hidden unless asked for; their edges go with them, so React Flow never gets an edge
 *   whose end it does not have.
 */
export type CanvasFilter = "all" | "attention" | "running" | "mine";

interface FilterStore {
  filter: CanvasFilter;
  showInternal: boolean;
  attentionOpen: boolean;
  setFilter(filter: CanvasFilter): void;
  setShowInternal(show: boolean): void;
  setAttentionOpen(open: boolean): void;
}

export const useCanvasFilter = create<FilterStore>()(
  persist(
    (set) => ({
      filter: "all",
      showInternal: false,
      attentionOpen: false,
      setFilter: (filter) => set({ filter }),
      setShowInternal: (showInternal) => set({ showInternal }),
      setAttentionOpen: (attentionOpen) => set({ attentionOpen }),
    }),
    { name: "hatchery-canvas-filter", storage: createJSONStorage(() => sessionStorage) },
  ),
);

const isInternal = (n: FlowNode) => n.type === "session" && n.data.g.data.internal === true;

// One dimmed copy per node object: React Flow keeps comparing stable objects (stores/canvas.ts).
const dimmedCopies = new WeakMap<FlowNode, FlowNode>();
function dimmed(n: FlowNode): FlowNode {
  const copy = dimmedCopies.get(n) ?? { ...n, className: `${n.className ?? ""} is-dimmed`.trim() };
  dimmedCopies.set(n, copy);
  return copy;
}

/** Which nodes the chip keeps bright: null for "all". */
function useMatching(nodes: FlowNode[], filter: CanvasFilter): Set<string> | null {
  const approvals = useRoom((s) => s.state.approvals);
  const jobs = useRoom((s) => s.state.jobs);
  const instances = useRoom((s) => s.state.instances);
  const threads = useRoom((s) => s.state.threads);
  const pages = useRoom((s) => s.threadMessages);
  const me = useRoom((s) => s.principal?.id ?? null);
  return useMemo(() => {
    if (filter === "all") return null;
    const attention = attentionBySubject({ approvals, jobs, instances });
    const match = (n: FlowNode): boolean => {
      const d = n.data.g.data;
      const ref = n.data.g.ref ?? "";
      if (filter === "attention") return needsAttention(attention.get(n.id));
      if (filter === "running") {
        if (n.type === "session") return d.running === true;
        if (n.type === "instance") return ["provisioning", "starting"].includes(instances.get(ref)?.status ?? "");
        return (attention.get(n.id)?.running.length ?? 0) > 0;
      }
      // Mine: threads I started or wrote in (as far as this tab loaded them), instances I
      // created, sessions open as my threads; notes, groups and projects' frames carry no
      // author here, so they are everyone's and always count.
      if (n.type === "note" || n.type === "group" || n.type === "project") return true;
      const mineThread = (id: string) =>
        threads.get(id)?.createdBy.id === me || (pages.get(id)?.messages.some((m) => m.author.id === me) ?? false);
      if (n.type === "thread") return mineThread(ref);
      if (n.type === "instance") return instances.get(ref)?.createdBy.id === me;
      if (n.type === "session") return typeof d.threadId === "string" && mineThread(d.threadId);
      return false;
    };
    return new Set(nodes.filter(match).map((n) => n.id));
  }, [nodes, filter, approvals, jobs, instances, threads, pages, me]);
}

/** The nodes and edges the canvas shows under the tab's filter. */
export function useShownItems(nodes: FlowNode[], edges: FlowEdge[]): { nodes: FlowNode[]; edges: FlowEdge[] } {
  const filter = useCanvasFilter((s) => s.filter);
  const showInternal = useCanvasFilter((s) => s.showInternal);
  const matching = useMatching(nodes, filter);
  return useMemo(() => {
    const hidden = showInternal ? null : new Set(nodes.filter(isInternal).map((n) => n.id));
    let shown = hidden?.size ? nodes.filter((n) => !hidden.has(n.id)) : nodes;
    if (matching) shown = shown.map((n) => (matching.has(n.id) ? n : dimmed(n)));
    const keptEdges = hidden?.size ? edges.filter((e) => !hidden.has(e.source) && !hidden.has(e.target)) : edges;
    return { nodes: shown, edges: keptEdges };
  }, [nodes, edges, matching, showInternal]);
}

/** The nodes a fit frames: not the internal sessions this tab hides. */
export const fittedNodes = (nodes: FlowNode[]): FlowNode[] =>
  useCanvasFilter.getState().showInternal ? nodes : nodes.filter((n) => !isInternal(n));

/** How many internal sessions the toggle would show. */
export const useInternalCount = (nodes: FlowNode[]): number =>
  useMemo(() => nodes.reduce((n, node) => n + Number(isInternal(node)), 0), [nodes]);
