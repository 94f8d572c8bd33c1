import { useShallow } from "zustand/react/shallow";
import {
  Background,
  BackgroundVariant,
  Controls,
  Panel,
  ReactFlow,
  ReactFlowProvider,
  useReactFlow,
  useStore,
  useStoreApi,
  type Viewport,
  ViewportPortal,
  type OnSelectionChangeParams,
} from "@xyflow/react";
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from "react";
import { isFrameKind } from "../../../shared/hatchery/graph";
import { useCanvas, type FlowEdge, type FlowNode } from "../stores/canvas";
import { useCan, useRoom } from "../stores/room";
import { useTheme } from "../stores/theme";
import { isNarrow, useUi } from "../stores/ui";
import { FarScale } from "./far";
import { FIRST_VIEW_MIN_ZOOM, firstViewport, fitViewport, focusViewport, overlayPadding } from "./first-view";
import { CanvasMiniMap } from "./MiniMap";
import { markOwn, NewNodesChip, useFresh, useNewNodes } from "./new-nodes";
import { registerCanvasCommands, runCanvasCommand } from "./commands";
import { openNewNote } from "./note-open";
import { canvasAction, keyPress } from "../shell/shortcuts";
import { nodeTypes } from "./nodes";
import { edgeTypes, tidyUp } from "./tidy";
import { CanvasFilters } from "./attention";
import { subjectOf } from "./attention-state";
import { fittedNodes, useShownItems } from "./filter";
import { FollowBanner, PresenceList, TidyNotice, UndoButtons, ViewportSync } from "./together";

/**
 * The Hatchery canvas. React Flow renders only what is on screen
 * (`onlyRenderVisibleElements`); the store hands it stable node objects (see
 * stores/canvas.ts). People with the write scope can drag, connect, group and write
 * notes; everyone else gets a read-only canvas that says why.
 */

const FIT_MS = 300;
/** Within this many pixels (and a hundredth of zoom) the view still counts as the fit. */
const SAME_VIEW = 2;

const NO_EDGES: FlowEdge[] = [];

function Cursors() {
  const peers = useCanvas((s) => s.peers);
  const zoom = useStore((s) => s.transform[2]);
  return (
    <ViewportPortal>
      {peers
        .filter((p) => p.cursor)
        .map((p) => (
          <div
            key={p.clientId}
            className="cursor"
            style={{ transform: `translate(${p.cursor!.x}px, ${p.cursor!.y}px) scale(${1 / zoom})`, color: p.color }}
            aria-hidden
          >
            <svg width="18" height="18" viewBox="0 0 18 18" aria-hidden="true">
              <path d="M2 2 L16 8 L9 10 L7 16 Z" fill="currentColor" stroke="white" strokeWidth="1.2" />
            </svg>
            <span style={{ background: p.color }}>{p.name}</span>
          </div>
        ))}
    </ViewportPortal>
  );
}

function Toolbar({ fit, tidy }: { fit: () => void; tidy: () => void }) {
  // A note or group goes where the canvas's nodes leave room, and opens once drawn: not before the canvas is.
  const mayWrite = useCan("write");
  const loaded = useCanvas((s) => s.loaded);
  const canEdit = mayWrite && loaded;
  const rf = useReactFlow<FlowNode>();
  const store = useStoreApi<FlowNode>();
  const addNote = useCanvas((s) => s.addNote);
  const addGroup = useCanvas((s) => s.addGroup);
  const select = useUi((s) => s.select);
  const setSelected = useCanvas((s) => s.setSelected);
  const selectedCount = useCanvas((s) =>
    s.nodes.reduce((n, node) => n + (node.selected && !isFrameKind(node.type) ? 1 : 0), 0),
  );

  const centre = () => {
    const box = document.querySelector(".canvas")?.getBoundingClientRect();
    return rf.screenToFlowPosition({
      x: (box?.left ?? 0) + (box?.width ?? 800) / 2 - 100,
      y: (box?.top ?? 0) + (box?.height ?? 600) / 2 - 60,
    });
  };
  const created = (id: string | null) => {
    if (!id) return;
    markOwn(id);
    setSelected([id]);
    select(id);
  };
  const note = () => {
    const id = addNote(centre());
    created(id);
    if (id) openNewNote(rf, id, store.getState());
  };
  const group = () => {
    const members = rf
      .getNodes()
      .filter((n) => n.selected && !isFrameKind(n.type))
      .map((n) => n.id);
    created(addGroup(centre(), "New group", members));
  };
  // The palette's "Add a note" and "Add a group", and the keys N and G, run these same two (commands.ts).
  const commands = useRef({ note, group });
  commands.current = { note, group };
  useEffect(() => {
    if (!canEdit) return;
    return registerCanvasCommands({ note: () => commands.current.note(), group: () => commands.current.group() });
  }, [canEdit]);
  return (
    <div className="canvas-toolbar" role="toolbar" aria-label="Canvas tools">
      <button type="button" disabled={!canEdit} onClick={note} title="Add a sticky note (N)">
        + Note
      </button>
      <button
        type="button"
        disabled={!canEdit}
        onClick={group}
        title={selectedCount ? `Group the ${selectedCount} selected nodes (G)` : "Add an empty group (G)"}
      >
        {selectedCount > 1 ? `Group ${selectedCount}` : "+ Group"}
      </button>
      <button type="button" onClick={fit} title="Fit everything in view (F)">
        Fit view
      </button>
      <button type="button" disabled={!canEdit} onClick={tidy} title="Lay out every node cleanly (T)">
        Tidy up
      </button>
      <UndoButtons />
    </div>
  );
}

function ReadOnlyBanner() {
  const principal = useRoom((s) => s.principal);
  const canEdit = useCan("write");
  if (!principal || canEdit) return null;
  return (
    <div className="readonly-banner" role="status">
      View only — your role{principal.role ? ` (${principal.role})` : ""} can look but not move, connect or write on the
      canvas. Ask an owner for the member role.
    </div>
  );
}

/** The room set back or refused this tab's last write (shared/hatchery/refusal.ts): say so. */
function RefusalBanner() {
  const refusal = useCanvas((s) => s.refusal);
  const dismiss = useCanvas((s) => s.dismissRefusal);
  if (!refusal) return null;
  return (
    <div className="readonly-banner refusal-banner" role="alert">
      {refusal.code === "repaired"
        ? "Part of your change was not allowed and was set back."
        : `Your last change was not saved: ${refusal.message}.`}{" "}
      <button type="button" className="link" onClick={dismiss}>
        Dismiss
      </button>
    </div>
  );
}

function EmptyCanvas() {
  const synced = useCanvas((s) => s.synced);
  const empty = useCanvas((s) => s.nodes.length === 0);
  const status = useCanvas((s) => s.status);
  if (!empty) return null;
  return (
    <div className="canvas-empty">
      {!synced ? (
        <p>{status === "disconnected" ? "Canvas offline — reconnecting…" : "Loading the canvas…"}</p>
      ) : (
        <>
          <h2>The canvas is empty</h2>
          <p>
            Start a thread on the left — it appears here. Agents’ jobs, approval requests and tool calls show up in
            their thread’s activity as they happen.
          </p>
        </>
      )}
    </div>
  );
}

function Flow() {
  const allNodes = useCanvas((s) => s.nodes);
  // The tab's filter dims what does not match and hides internal sessions (filter.ts).
  const { nodes, edges } = useShownItems(
    allNodes,
    useCanvas((s) => s.edges),
  );
  const [onNodesChange, onEdgesChange, onConnect, setCursor, setSelected, synced] = useCanvas(
    useShallow((s) => [s.onNodesChange, s.onEdgesChange, s.onConnect, s.setCursor, s.setSelected, s.synced] as const),
  );
  const canEdit = useCan("write");
  const theme = useTheme((s) => s.theme);
  const select = useUi((s) => s.select);
  const focusRequest = useUi((s) => s.focusRequest);
  const rf = useReactFlow<FlowNode>();
  const store = useStoreApi<FlowNode>();
  const fitted = useRef(false);
  const [edgesShown, setEdgesShown] = useState(false);
  const [ready, setReady] = useState(false);
  const section = useRef<HTMLElement>(null);
  const pane = useCallback(() => section.current, []);

  // The view the app's last fit set, while nobody has moved it since (new nodes then
  // re-fit); until `fittingUntil` that fit animates. A deadline rather than the animation's
  // promise, which never settles when a zoom interrupts the animation.
  const lastFit = useRef<Viewport | null>(null);
  const fittingUntil = useRef(0);
  const atFit = useCallback(() => {
    if (performance.now() < fittingUntil.current) return true;
    const v = lastFit.current;
    const [x, y, zoom] = store.getState().transform;
    return !!v && Math.abs(v.x - x) <= SAME_VIEW && Math.abs(v.y - y) <= SAME_VIEW && Math.abs(v.zoom - zoom) < 0.01;
  }, [store]);
  const fit = useCallback(() => {
    const { width, height } = store.getState();
    const current = fittedNodes(useCanvas.getState().nodes);
    if (current.length === 0 || width === 0) return;
    const v = fitViewport(current, width, height, overlayPadding(section.current));
    lastFit.current = v;
    // Everything is in view now: nothing new is left unseen.
    useFresh.setState({ unseen: [] });
    fittingUntil.current = performance.now() + FIT_MS;
    void rf.setViewport(v, { duration: FIT_MS });
  }, [rf, store]);
  const tidy = useCallback(() => {
    if (!canEdit) return;
    void tidyUp(rf, fit);
  }, [canEdit, rf, fit]);
  useNewNodes(nodes, ready, atFit, fit);
  useEffect(() => registerCanvasCommands({ fit, tidy }), [fit, tidy]);

  // The first view, once the first full document arrived and the pane has its size: set
  // in the commit that hands React Flow the nodes (a layout effect runs before React
  // Flow's own effects adopt them), so its first render of nodes is already at this view
  // and renders only the nodes in it (first-view.ts).
  const paneReady = useStore((s) => s.width > 0 && s.height > 0 && s.panZoom !== null);
  useLayoutEffect(() => {
    if (!synced || fitted.current || nodes.length === 0 || !paneReady) return;
    fitted.current = true;
    const { width, height } = store.getState();
    const padding = overlayPadding(section.current);
    const first = firstViewport(nodes, width, height, padding);
    void rf.setViewport(first);
    // Everything fitted without the first view's floor: that is the app's fit, and new nodes follow it.
    if (first.zoom > FIRST_VIEW_MIN_ZOOM || fitViewport(nodes, width, height, padding).zoom >= FIRST_VIEW_MIN_ZOOM)
      lastFit.current = first;
    setReady(true);
    // Edges a frame later: the nodes paint first. On a large graph with many long edges
    // across the first view, rendering the edges dominates the first frame.
    requestAnimationFrame(() => setTimeout(() => setEdgesShown(true), 0));
  }, [synced, nodes, paneReady, rf, store]);

  // Someone picked a node in a panel: bring it into view and select it here too. A thread
  // just created may reach the canvas a moment later, so the request waits for its node.
  // An approval or a job is not a node: its subject comes into view, and the inspector
  // stays on what was picked (attention-state.ts).
  const handled = useRef<typeof focusRequest>(null);
  const focusTarget = useRoom((s) => (focusRequest ? subjectOf(focusRequest.id, s.state) : null));
  const focusTargetExists = useCanvas((s) => (focusTarget ? s.nodes.some((n) => n.id === focusTarget) : false));
  useEffect(() => {
    if (!focusRequest || !focusTarget || handled.current === focusRequest || !focusTargetExists) return;
    handled.current = focusRequest;
    // What is open is not a node: nothing stays selected, so a click on the subject opens it again.
    setSelected(focusTarget === focusRequest.id ? [focusTarget] : []);
    requestAnimationFrame(() => {
      const { width, height } = store.getState();
      if (width === 0 || height === 0) return;
      const bounds = rf.getNodesBounds([focusTarget]);
      const current = rf.getViewport();
      const ui = useUi.getState();
      const offScreen = ui.panelWide || (isNarrow() && ui.drawer !== null);
      const next = focusViewport(current, bounds, width, height, overlayPadding(section.current), offScreen);
      if (next !== current) void rf.setViewport(next, { duration: FIT_MS });
    });
  }, [focusRequest, focusTarget, focusTargetExists, rf, setSelected, store]);

  const onSelectionChange = useCallback(
    ({ nodes: selected }: OnSelectionChangeParams) => {
      const ids = selected.map((n) => n.id);
      useCanvas.getState().provider?.awareness.setLocalStateField("selection", ids);
      // Clicking the empty canvas keeps the inspector on what was open (a chat is not lost).
      // React Flow reports the selection again when a selected node changes (a live update):
      // only a newly selected node opens, or the panel would leave the tab the person is on.
      if (ids.length === 1 && ids[0] !== useUi.getState().selectedId) select(ids[0]!);
    },
    [select],
  );

  // The canvas's single keys (shell/shortcuts.ts): never in a field, a note or an open dialog, never held down;
  // each runs what its toolbar button runs (commands.ts).
  const onKeyDown = (e: React.KeyboardEvent) => {
    const action = e.repeat ? null : canvasAction(keyPress(e.nativeEvent));
    if (action) runCanvasCommand(action);
  };

  return (
    // A region holding the toolbar and React Flow, which marks its own pane as the
    // application: one application role, so a screen reader stays in browse mode on the toolbar.
    <section
      ref={section}
      id="canvas"
      // Focusable from code only: "Skip to the canvas" lands here when no node is drawn.
      tabIndex={-1}
      className="canvas"
      aria-label="Canvas"
      onKeyDown={onKeyDown}
      onPointerMove={(e) => setCursor(rf.screenToFlowPosition({ x: e.clientX, y: e.clientY }))}
      onPointerLeave={() => setCursor(null)}
    >
      <ReactFlow<FlowNode, FlowEdge>
        nodes={nodes}
        edges={edgesShown ? edges : NO_EDGES}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        onSelectionChange={onSelectionChange}
        // On a phone the details panel is not beside the canvas: a tap on a node opens it there.
        onNodeClick={() => isNarrow() && useUi.getState().setDrawer("right")}
        onlyRenderVisibleElements
        elevateNodesOnSelect={false}
        nodesDraggable={canEdit}
        nodesConnectable={canEdit}
        edgesReconnectable={false}
        // Tab walks the nodes (React Flow renders edges first, so focusable edges came
        // before every node); an edge is still selected by clicking it. A focused, selected
        // node moves with the arrow keys (Shift for bigger steps), Enter or Space selects.
        edgesFocusable={false}
        deleteKeyCode={canEdit ? ["Backspace", "Delete"] : null}
        multiSelectionKeyCode={["Shift", "Meta", "Control"]}
        minZoom={0.05}
        maxZoom={2}
        proOptions={{ hideAttribution: true }}
        colorMode={theme}
        aria-label="Hatchery canvas"
      >
        <Background variant={BackgroundVariant.Dots} gap={24} size={1} />
        <Panel position="bottom-right" className="minimap-panel">
          <CanvasMiniMap />
        </Panel>
        <Controls showInteractive={false} showFitView={false} aria-label="Zoom controls" />
        <Cursors />
        <FarScale pane={pane} />
        <ViewportSync />
        <PresenceList />
      </ReactFlow>
      {/* The toolbar, and under it what comes and goes (the "N new" chip, following, banners): stacked, never over each other. */}
      <div className="canvas-top">
        <Toolbar fit={fit} tidy={tidy} />
        <NewNodesChip
          show={(ids) =>
            void rf.fitView({
              nodes: ids.map((id) => ({ id })),
              duration: FIT_MS,
              maxZoom: 1,
              padding: overlayPadding(section.current),
            })
          }
        />
        <FollowBanner />
        <TidyNotice />
        <ReadOnlyBanner />
        <RefusalBanner />
      </div>
      <CanvasFilters nodes={allNodes} />
      <EmptyCanvas />
    </section>
  );
}

export function Canvas() {
  return (
    <ReactFlowProvider>
      <Flow />
    </ReactFlowProvider>
  );
}
