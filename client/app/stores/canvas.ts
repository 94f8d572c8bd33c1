import { applyEdgeChanges, applyNodeChanges, type Connection, type EdgeChange, type NodeChange } from "@xyflow/react";
import type YProvider from "y-partyserver/provider";
import * as Y from "yjs";
import { create } from "zustand";
import {
  type Caret,
  PALETTE,
  paletteColor,
  paletteIndexFor,
  PresenceState,
  type Viewport,
} from "../../../shared/hatchery/awareness";
import {
  edgeId,
  edgesMap,
  type GraphEdge,
  isDomainKind,
  isFrameKind,
  NODE_SIZE,
  nodesMap,
  personNode,
  writeNode,
} from "../../../shared/hatchery/graph";
import { parseEdge } from "../../../shared/hatchery/node-schemas";
import { gatherGroup } from "../../../shared/hatchery/gather";
import { nearestFreeSpot, obstaclesOf } from "../../../shared/hatchery/placement";
import { byLayer, type FlowEdge, type FlowNode, readFlowNode, toFlowEdge } from "./flow-items";
import { type HatcheryRefusal, parseRefusal } from "../../../shared/hatchery/refusal";
import { fitGroups, writeLayout } from "../canvas/group-fit";
import { mayHost, type ProjectMove, projectMove, sendProjectMoves } from "../canvas/project-drop";
import { openCanvasProvider } from "../lib/canvas-provider";

/**
 * The Hatchery canvas: a Y.Doc synced with the workspace's Hatchery room, turned into
 * React Flow nodes and edges.
 *
 * Smooth at thousands of nodes because of two rules:
 * - per-node objects are stable: a Y event rebuilds only the nodes it touched, every
 *   other node keeps its identity, so React Flow re-renders only those;
 * - presence that changes often (cursors) lives outside the node objects; each node
 *   subscribes to its own entry in `remoteSelection`, so a peer selecting a node
 *   re-renders that node and nothing else.
 */

export type { FlowEdge, FlowNode } from "./flow-items";

export interface Peer {
  clientId: number;
  /** Whose tab it is (the room writes it; null from an older room). */
  principalId: string | null;
  /** When its presence last changed (awareness meta): the tab its person is using. */
  active: number;
  name: string;
  color: string;
  cursor: { x: number; y: number } | null;
  selection: string[];
  viewport: Viewport | null;
  caret: Caret | null;
  /** How many times that tab tidied up the canvas (0 before the first). */
  tidied: number;
}

export interface PeerMark {
  name: string;
  color: string;
}

export type CanvasStatus = "connecting" | "connected" | "disconnected";

interface CanvasStore {
  doc: Y.Doc | null;
  provider: YProvider | null;
  status: CanvasStatus;
  synced: boolean;
  /**
   * The document's first full state is drawn (it stays so while the socket reconnects): a note
   * or group added before it would be placed without the nodes it must not cover, and not open.
   */
  loaded: boolean;
  nodes: FlowNode[];
  edges: FlowEdge[];
  peers: readonly Peer[];
  remoteSelection: ReadonlyMap<string, readonly PeerMark[]>;
  /** The room's last refusal of this tab's write (shown until dismissed). */
  refusal: HatcheryRefusal | null;
  dismissRefusal(): void;
  /** Opens the workspace's canvas; name and colour come from the room (from who we are). */
  connect(workspaceId: string, user?: { id: string; name: string }): () => void;
  onNodesChange(changes: NodeChange<FlowNode>[]): void;
  onEdgesChange(changes: EdgeChange<FlowEdge>[]): void;
  onConnect(connection: Connection): void;
  addNote(at: { x: number; y: number }, text?: string): string | null;
  addGroup(at: { x: number; y: number }, label?: string, members?: string[]): string | null;
  setNodeData(id: string, data: Record<string, unknown>): void;
  /** Writes a whole layout (Tidy up) in one transaction of this tab: one step to undo. */
  applyLayout(
    positions: ReadonlyMap<string, { x: number; y: number }>,
    sizes: ReadonlyMap<string, { w: number; h: number }>,
  ): void;
  setSelected(ids: readonly string[]): void;
  setCursor(at: { x: number; y: number } | null): void;
}

/** Origin of this tab's own writes: what its undo manager tracks (stores/together.ts), and nothing else. */
export const LOCAL = "hatchery-ui";
const CURSOR_THROTTLE_MS = 50;
/** Our own palette: the room sends colour indexes, never colours, so no remote string reaches CSS. */
export const colorFor = (id: string): string => PALETTE[paletteIndexFor(id)]!;

function sameMarks(a: readonly PeerMark[] | undefined, b: readonly PeerMark[]): boolean {
  return !!a && a.length === b.length && a.every((m, i) => m.name === b[i]!.name && m.color === b[i]!.color);
}

/** A canvas whose document has not synced yet: nothing drawn, no one else seen. */
const opening = () =>
  ({
    status: "connecting",
    synced: false,
    loaded: false,
    nodes: [],
    edges: [],
    peers: [],
    remoteSelection: new Map(),
  }) satisfies Partial<CanvasStore>;

const newId = () => (crypto.randomUUID?.() ?? `${Date.now()}${Math.random()}`).replaceAll("-", "").slice(0, 16);

export const useCanvas = create<CanvasStore>((set, get) => {
  let lastCursorAt = 0;
  let pendingCursor: ReturnType<typeof setTimeout> | null = null;

  const transact = (fn: (doc: Y.Doc) => void) => {
    const { doc } = get();
    if (doc) doc.transact(() => fn(doc), LOCAL);
  };

  return {
    doc: null,
    provider: null,
    ...opening(),
    refusal: null,
    dismissRefusal: () => set({ refusal: null }),

    connect(workspaceId) {
      let stop = () => {};
      const open = (): (() => void) => {
        const doc = new Y.Doc();
        // Same origin, so the session cookie authenticates the socket like the Autopilot's.
        const { provider, close } = openCanvasProvider(location.host, workspaceId, doc);
        set({ doc, provider, ...opening() });
        const current = () => get().doc === doc;

        const nodes = nodesMap(doc);
        const edges = edgesMap(doc);
        // The first full state is built once, on "sync" (below). Applying it fires the
        // observers first, for every node and edge: building them there too cost the same
        // again before the first paint.
        let built = false;

        // Incremental: only the node ids an update touched are rebuilt.
        const onNodes = (events: Array<Y.YEvent<Y.Map<unknown>>>) => {
          if (!current() || !built) return;
          const touched = new Set<string>();
          for (const event of events) {
            if (event.target === nodes)
              for (const key of (event as unknown as Y.YMapEvent<unknown>).keysChanged) touched.add(key);
            else if (typeof event.path[0] === "string") touched.add(event.path[0]);
          }
          if (touched.size === 0) return;
          const previous = get().nodes;
          const next: FlowNode[] = [];
          let layering = false;
          for (const node of previous) {
            if (!touched.has(node.id)) {
              next.push(node);
              continue;
            }
            touched.delete(node.id);
            const m = nodes.get(node.id);
            if (m !== undefined) next.push(readFlowNode(node.id, m, node));
          }
          for (const id of touched) {
            const m = nodes.get(id);
            if (m === undefined) continue;
            const created = readFlowNode(id, m);
            if (created.type === "group") layering = true;
            next.push(created);
          }
          if (layering) next.sort(byLayer);
          set({ nodes: next });
        };

        const onEdges = (event: Y.YMapEvent<GraphEdge>) => {
          if (!current() || !built) return;
          const byId = new Map(get().edges.map((e) => [e.id, e]));
          for (const key of event.keysChanged) {
            const value = parseEdge(key, edges.get(key));
            if (value) byId.set(key, toFlowEdge(value, byId.get(key)));
            else byId.delete(key);
          }
          set({ edges: [...byId.values()] });
        };

        nodes.observeDeep(onNodes);
        edges.observe(onEdges);

        const onStatus = ({ status }: { status: CanvasStatus }) => {
          if (!current()) return;
          set({ status });
        };
        const onSync = (synced: boolean) => {
          if (!current()) return;
          if (synced && !get().synced) {
            // First full state: build everything once.
            const all: FlowNode[] = [];
            nodes.forEach((m, id) => {
              all.push(readFlowNode(id, m));
            });
            all.sort(byLayer);
            const readable: FlowEdge[] = [];
            edges.forEach((value, key) => {
              const e = parseEdge(key, value);
              if (e) readable.push(toFlowEdge(e));
            });
            built = true;
            set({ nodes: all, edges: readable, loaded: true });
          }
          set({ synced });
        };
        provider.on("status", onStatus);
        provider.on("sync", onSync);
        const onCustom = (message: string) => {
          const refusal = parseRefusal(`__YPS:${message}`);
          if (!current() || !refusal) return;
          set({ refusal });
          // Nothing of that write was kept (what it deleted would stay deleted here only): start over from the room's document.
          if (
            refusal.code === "payload_too_large" ||
            refusal.code === "document_full" ||
            refusal.code === "not_applied"
          ) {
            setTimeout(() => {
              if (!current()) return;
              stop();
              stop = open();
              set({ refusal });
            }, 0);
          }
        };
        provider.on("custom-message", onCustom);

        const awareness = provider.awareness;
        // The room writes our name and colour from who we are; we send only cursor and selection.
        awareness.setLocalState({ cursor: null, selection: [] });
        const onAwareness = () => {
          if (!current()) return;
          const peers: Peer[] = [];
          for (const [clientId, raw] of awareness.getStates()) {
            if (clientId === awareness.clientID) continue;
            const state = PresenceState.safeParse(raw);
            if (!state.success) continue;
            // What it shows of itself: cursor, selection, viewport, caret.
            const { user: u, tidied = 0, ...shown } = state.data;
            const active = awareness.meta.get(clientId)?.lastUpdated ?? 0;
            const principalId = u.id ?? null;
            const color = paletteColor(u.color);
            peers.push({ ...shown, clientId, principalId, active, name: u.name, color, tidied });
          }
          const before = get().remoteSelection;
          const marks = new Map<string, PeerMark[]>();
          for (const peer of peers)
            for (const id of peer.selection)
              marks.set(id, [...(marks.get(id) ?? []), { name: peer.name, color: peer.color }]);
          // Keep the old array where nothing changed, so those nodes do not re-render.
          const remoteSelection = new Map<string, readonly PeerMark[]>();
          for (const [id, list] of marks)
            remoteSelection.set(id, sameMarks(before.get(id), list) ? before.get(id)! : list);
          const selectionChanged =
            remoteSelection.size !== before.size || [...remoteSelection].some(([id, list]) => before.get(id) !== list);
          set(selectionChanged ? { peers, remoteSelection } : { peers });
        };
        awareness.on("change", onAwareness);

        return () => {
          nodes.unobserveDeep(onNodes);
          edges.unobserve(onEdges);
          awareness.off("change", onAwareness);
          provider.off("status", onStatus);
          provider.off("sync", onSync);
          provider.off("custom-message", onCustom);
          if (pendingCursor) clearTimeout(pendingCursor);
          close();
          doc.destroy();
          if (current())
            set({
              doc: null,
              provider: null,
              nodes: [],
              edges: [],
              peers: [],
              remoteSelection: new Map(),
              synced: false,
              loaded: false,
              status: "connecting",
            });
        };
      };
      stop = open();
      return () => stop();
    },

    onNodesChange(changes) {
      const before = get().nodes;
      // Local first (selection, measuring, the drag itself) so the UI never waits for Yjs.
      set({ nodes: applyNodeChanges(changes, before) });
      const { doc } = get();
      if (!doc) return;
      const byId = new Map(before.map((n) => [n.id, n]));
      const moved = changes.filter(
        (c): c is Extract<NodeChange<FlowNode>, { type: "position" }> => c.type === "position" && !!c.position,
      );
      const removed = changes.filter((c) => c.type === "remove").map((c) => c.id);
      if (moved.length === 0 && removed.length === 0) return;
      const movingIds = new Set(moved.map((c) => c.id));
      /** Groups that gained, lost or moved a member on this drop: their boxes are refitted. */
      const refit = new Set<string>();
      /** Threads dropped into or dragged out of a project's frame: the room is asked (project-drop.ts). */
      const moves: ProjectMove[] = [];
      transact((d) => {
        const map = nodesMap(d);
        for (const change of moved) {
          const m = map.get(change.id);
          const old = byId.get(change.id);
          if (!m || !old || !change.position) continue;
          const x = Math.round(change.position.x);
          const y = Math.round(change.position.y);
          m.set("x", x);
          m.set("y", y);
          if (m.get("placed") !== "pinned") m.set("placed", "pinned");
          // A frame (a group, a project) carries its members along.
          if (isFrameKind(old.type)) {
            const dx = x - old.position.x;
            const dy = y - old.position.y;
            if (dx || dy) {
              for (const n of before) {
                if (n.data.g.parent !== change.id || movingIds.has(n.id)) continue;
                const child = map.get(n.id);
                if (!child) continue;
                child.set("x", n.position.x + dx);
                child.set("y", n.position.y + dy);
                if (child.get("placed") !== "pinned") child.set("placed", "pinned");
              }
            }
          }
          // Dropped (or moved by keyboard): join the frame under its centre, or leave one.
          if (!change.dragging && !isFrameKind(old.type)) {
            const cx = x + old.data.g.w / 2;
            const cy = y + old.data.g.h / 2;
            const host = get()
              .nodes.filter((n) => n.id !== change.id && mayHost(n, old))
              .filter(
                (g) =>
                  cx >= g.position.x &&
                  cx <= g.position.x + g.data.g.w &&
                  cy >= g.position.y &&
                  cy <= g.position.y + g.data.g.h,
              )
              .sort((a, b) => a.data.g.w * a.data.g.h - b.data.g.w * b.data.g.h)[0];
            const parent = host?.id ?? null;
            const was = (m.get("parent") as string | null | undefined) ?? null;
            if (was !== parent) m.set("parent", parent);
            for (const g of [was, parent]) if (g) refit.add(g);
            const move = projectMove(old, was, parent);
            if (move) moves.push(move);
          }
        }
        fitGroups(d, refit);
        for (const id of removed) {
          const m = map.get(id);
          if (!m || isDomainKind(m.get("kind"))) continue;
          map.delete(id);
          // Members of a deleted group stay where they are, ungrouped.
          map.forEach((child) => {
            if (child.get("parent") === id) child.set("parent", null);
          });
          const e = edgesMap(d);
          for (const [eid, edge] of e.entries()) if (edge.source === id || edge.target === id) e.delete(eid);
        }
      });
      sendProjectMoves(moves);
    },

    onEdgesChange(changes) {
      set({ edges: applyEdgeChanges(changes, get().edges) });
      const removed = changes.filter((c) => c.type === "remove").map((c) => c.id);
      if (removed.length === 0) return;
      transact((d) => {
        const e = edgesMap(d);
        for (const id of removed) if (e.get(id)?.kind === "person") e.delete(id);
      });
    },

    onConnect({ source, target }) {
      if (!source || !target || source === target) return;
      transact((d) => {
        const id = edgeId(source, target);
        if (!edgesMap(d).has(id)) edgesMap(d).set(id, { id, source, target, kind: "person" });
      });
    },

    addNote(at, text = "") {
      const id = `note:${newId()}`;
      const size = NODE_SIZE.note;
      transact((d) =>
        writeNode(d, personNode("note", id, { text }, nearestFreeSpot(obstaclesOf(d).obstacles, at, size))),
      );
      return get().doc ? id : null;
    },

    addGroup(at, label = "New group", members = []) {
      const id = `group:${newId()}`;
      const memberIds = get().nodes.flatMap((n) => (members.includes(n.id) && n.type !== "group" ? [n.id] : []));
      const box = { x: Math.round(at.x), y: Math.round(at.y), ...NODE_SIZE.group };
      transact((d) => {
        // Members they left behind: those groups' boxes follow (fitGroups, as after a drag out).
        const left = new Set(
          memberIds.map((m) => nodesMap(d).get(m)?.get("parent")).filter((p): p is string => typeof p === "string"),
        );
        writeNode(d, personNode("group", id, { label }, box));
        // With members, they are gathered into the new box in free space (decision 26).
        gatherGroup(d, id, memberIds);
        fitGroups(d, left);
      });
      return get().doc ? id : null;
    },

    setNodeData(id, data) {
      transact((d) => {
        const m = nodesMap(d).get(id);
        if (!m || isDomainKind(m.get("kind"))) return;
        m.set("data", { ...((m.get("data") as Record<string, unknown> | undefined) ?? {}), ...data });
      });
    },

    applyLayout(positions, sizes) {
      transact((d) => writeLayout(d, positions, sizes));
    },

    setSelected(ids) {
      const wanted = new Set(ids);
      const nodes = get().nodes;
      if (nodes.some((n) => Boolean(n.selected) !== wanted.has(n.id))) {
        set({
          nodes: nodes.map((n) =>
            Boolean(n.selected) === wanted.has(n.id) ? n : { ...n, selected: wanted.has(n.id) },
          ),
        });
      }
      get().provider?.awareness.setLocalStateField("selection", [...wanted]);
    },

    setCursor(at) {
      const provider = get().provider;
      if (!provider) return;
      const send = () => {
        pendingCursor = null;
        lastCursorAt = Date.now();
        provider.awareness.setLocalStateField("cursor", at);
      };
      if (pendingCursor) clearTimeout(pendingCursor);
      // Throttle: at most one cursor update per 50 ms, and the last position always goes out.
      const wait = CURSOR_THROTTLE_MS - (Date.now() - lastCursorAt);
      if (wait <= 0 || at === null) send();
      else pendingCursor = setTimeout(send, wait);
    },
  };
});
