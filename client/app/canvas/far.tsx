import { useStore, useStoreApi } from "@xyflow/react";
import { useEffect } from "react";
import { NODE_SIZE } from "../../../shared/hatchery/graph";

/**
 * Semantic zoom. Below FAR_ZOOM a node's body text would render under about 10 px on
 * screen: nodes draw their title only, as large as the zoom needs to keep it readable, and
 * groups become labelled regions. The size is one CSS variable on the pane, set on every
 * zoom step without a React render; nodes re-render only when FAR_ZOOM is crossed.
 */
export const FAR_ZOOM = 0.75;
/** On-screen size of a far title, in pixels. */
const FAR_TITLE_PX = 10.5;
const FAR_LABEL_PX = 15;
/** As in styles.css (.far-title's line height, .node.far's padding and border). */
const LINE_HEIGHT = 1.08;
const CARD_CHROME = 6;
/** Inside heights of a thread card and of the lower cards (sessions, instances, jobs). */
const TALL = NODE_SIZE.thread.h - CARD_CHROME;
const SHORT = Math.min(NODE_SIZE.session.h, NODE_SIZE.instance.h) - CARD_CHROME;

export const useFar = () => useStore((s) => s.transform[2] < FAR_ZOOM);

export function FarScale({ pane }: { pane: () => HTMLElement | null }) {
  const store = useStoreApi();
  useEffect(() => {
    let last = Number.NaN;
    const apply = (exact: number) => {
      // In steps of 3 %, rounded down (the text comes out a little larger, never smaller):
      // a zoom gesture restyles the nodes a few times, not on every frame.
      const step = Math.floor(Math.log(exact) / Math.log(1.03));
      if (step === last) return;
      last = step;
      const zoom = 1.03 ** step;
      const el = pane();
      if (!el) return;
      el.style.setProperty("--far-title", `${(FAR_TITLE_PX / zoom).toFixed(1)}px`);
      // As many whole lines as the card holds: a long title ends in an ellipsis, not a half line.
      const lines = (inside: number) => String(Math.max(1, Math.floor((inside * zoom) / (FAR_TITLE_PX * LINE_HEIGHT))));
      el.style.setProperty("--far-lines", lines(TALL));
      el.style.setProperty("--far-lines-short", lines(SHORT));
      el.style.setProperty("--far-label", `${(FAR_LABEL_PX / zoom).toFixed(1)}px`);
    };
    apply(store.getState().transform[2]);
    return store.subscribe((s) => apply(s.transform[2]));
  }, [store, pane]);
  return null;
}
