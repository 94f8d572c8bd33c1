import { Panel, useReactFlow, useStore } from "@xyflow/react";
import { useEffect, useMemo } from "react";
import { shallow } from "zustand/shallow";
import { useShallow } from "zustand/react/shallow";
import { devicesText, type PersonHere, peopleHere } from "../lib/presence";
import { colorFor, useCanvas } from "../stores/canvas";
import { useCan, useRoom } from "../stores/room";
import { useTogether } from "../stores/together";

/**
 * The canvas's "together" parts (stores/together.ts): who is here (click to follow their
 * view), the banner while following, who tidied up, undo/redo of one's own changes, and
 * publishing this tab's own viewport for the others' minimaps and for whoever follows it.
 */

const FOLLOW_MS = 200;

/** Everyone else here (the room's presence), one entry per person, with the view to follow. */
function usePeopleHere(): PersonHere[] {
  const presence = useRoom((s) => s.state.presence);
  const me = useRoom((s) => s.principal?.id ?? null);
  const peers = useCanvas((s) => s.peers);
  return useMemo(() => peopleHere(presence.values(), peers, me), [presence, peers, me]);
}

/** Publishes this tab's view; while following, moves it to the followed person's. Inside <ReactFlow>. */
export function ViewportSync() {
  const [tx, ty, zoom] = useStore((s) => s.transform);
  const [width, height, domNode] = useStore((s) => [s.width, s.height, s.domNode] as const, shallow);
  const [publish, following, stop] = useTogether(
    useShallow((s) => [s.publishViewport, s.following, s.stopFollowing] as const),
  );
  const people = usePeopleHere();
  const target = following === null ? null : (people.find((p) => p.principalId === following)?.viewport ?? null);
  const rf = useReactFlow();

  useEffect(() => {
    if (width > 0 && height > 0 && zoom > 0)
      publish({ x: -tx / zoom, y: -ty / zoom, w: width / zoom, h: height / zoom, zoom });
  }, [tx, ty, zoom, width, height, publish]);

  // Show what they see: their view's centre, at the zoom that fits their view in ours.
  useEffect(() => {
    if (!target || width === 0 || height === 0) return;
    const z = Math.max(0.05, Math.min(2, Math.min(width / target.w, height / target.h)));
    const cx = target.x + target.w / 2;
    const cy = target.y + target.h / 2;
    void rf.setViewport({ x: width / 2 - cx * z, y: height / 2 - cy * z, zoom: z }, { duration: FOLLOW_MS });
  }, [target, width, height, rf]);

  // Panning or zooming oneself (pointer on the pane, the wheel, the zoom controls, the minimap) or Esc stops following.
  useEffect(() => {
    if (following === null || !domNode) return;
    const onPointer = (e: Event) => {
      if ((e.target as Element | null)?.closest?.(".react-flow__pane, .react-flow__controls, .minimap")) stop();
    };
    const onWheel = () => stop();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") stop();
    };
    domNode.addEventListener("pointerdown", onPointer, true);
    domNode.addEventListener("wheel", onWheel, { capture: true, passive: true });
    window.addEventListener("keydown", onKey);
    return () => {
      domNode.removeEventListener("pointerdown", onPointer, true);
      domNode.removeEventListener("wheel", onWheel, true);
      window.removeEventListener("keydown", onKey);
    };
  }, [following, domNode, stop]);
  return null;
}

const initials = (name: string) =>
  name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((w) => w[0]!.toUpperCase())
    .join("") || "?";

/**
 * Who else is here, one button per person (however many tabs and devices they have; one's
 * own other tabs are not someone else): it follows (or stops following) their view.
 */
export function PresenceList() {
  const people = usePeopleHere();
  const following = useTogether((s) => s.following);
  const follow = useTogether((s) => s.follow);
  const stop = useTogether((s) => s.stopFollowing);
  if (people.length === 0) return null;
  return (
    <Panel position="top-right" className="presence-panel">
      <ul className="presence-list" aria-label="People here">
        {people.map((p) => {
          const on = following === p.principalId;
          const where = devicesText(p);
          return (
            <li key={p.principalId} data-devices={p.devices}>
              <button
                type="button"
                className={`presence-avatar ${on ? "is-following" : ""}`}
                style={{ background: colorFor(p.principalId) }}
                aria-pressed={on}
                aria-label={on ? `Stop following ${p.name}` : `Follow ${p.name}`}
                aria-description={`${p.kind === "agent" ? "agent, " : ""}${where}`}
                title={
                  on
                    ? `Following ${p.name} — click or Esc to stop`
                    : p.viewport
                      ? `Follow ${p.name}'s view (${where})`
                      : `${p.name} is here (${where}), not on the canvas`
                }
                disabled={!p.viewport && !on}
                onClick={() => (on ? stop() : follow(p))}
              >
                {/* Drawn by CSS (together.css): the label says whom in words; the initials are only a picture of it. */}
                <span aria-hidden className="presence-initials" data-initials={initials(p.name)} />
              </button>
            </li>
          );
        })}
      </ul>
    </Panel>
  );
}

export function FollowBanner() {
  const following = useTogether((s) => s.following);
  const notice = useTogether((s) => s.followNotice);
  const stop = useTogether((s) => s.stopFollowing);
  const name = useRoom((s) =>
    following === null
      ? undefined
      : [...s.state.presence.values()].find((entry) => entry.principalId === following)?.name,
  );
  if (following === null && !notice) return null;
  return (
    <div className="follow-banner" role="status">
      {following !== null ? `Following ${name ?? "…"} — Esc to stop` : notice}{" "}
      <button type="button" className="link" onClick={() => stop()}>
        {following !== null ? "Stop" : "Dismiss"}
      </button>
    </div>
  );
}

/** Someone else tidied up: their layout is now everyone's, and only they can undo it (stores/together.ts). */
export function TidyNotice() {
  const notice = useTogether((s) => s.tidyNotice);
  const dismiss = useTogether((s) => s.dismissTidyNotice);
  if (!notice) return null;
  return (
    <div className="follow-banner tidy-notice" role="status">
      {notice}{" "}
      <button type="button" className="link" onClick={dismiss}>
        Dismiss
      </button>
    </div>
  );
}

/** Undo and redo of this tab's own changes; ⌘Z / Ctrl+Z, ⇧⌘Z / Ctrl+Y on the canvas. */
export function UndoButtons() {
  const canEdit = useCan("write");
  const canUndo = useTogether((s) => s.canUndo);
  const canRedo = useTogether((s) => s.canRedo);
  const undo = useTogether((s) => s.undo);
  const redo = useTogether((s) => s.redo);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!(e.metaKey || e.ctrlKey) || e.altKey) return;
      const target = e.target as HTMLElement | null;
      // Fields keep their own undo (a note's text field binds it to this one: live-text.ts).
      if (target?.closest("input, textarea, select, [contenteditable]")) return;
      if (target !== document.body && !target?.closest(".canvas")) return;
      const key = e.key.toLowerCase();
      if (key === "z" && !e.shiftKey) undo();
      else if ((key === "z" && e.shiftKey) || key === "y") redo();
      else return;
      e.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [undo, redo]);
  if (!canEdit) return null;
  return (
    <>
      <button
        type="button"
        onClick={undo}
        disabled={!canUndo}
        title="Undo your last change (⌘Z / Ctrl+Z)"
        aria-label="Undo"
      >
        ↶ Undo
      </button>
      <button type="button" onClick={redo} disabled={!canRedo} title="Redo (⇧⌘Z / Ctrl+Y)" aria-label="Redo">
        ↷ Redo
      </button>
    </>
  );
}
