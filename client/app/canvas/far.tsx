import { useStore, useStoreApi } from "@xyflow/react";
import { useEffect } from "react";

/**
 * Semantic zoom. Below FAR_ZOOM a node's body text would render under about 10 px on
 * screen: nodes draw their title only, as large as the zoom needs to keep it readable, and
 * groups become labelled regions. The size is one CSS variable on the pane, set on every
 * zoom step without a React render; nodes re-render only when FAR_ZOOM is crossed.
 */
export const FAR_ZOOM = 0.75;
/** On-screen size of a far title, in pixels. */
const FAR_TITLE_PX = 11;
const FAR_LABEL_PX = 15;
const LINE_HEIGHT = 1.12;
/** The inside height of the lowest card (a session's or an instance's, less its padding). */
const CARD_TEXT_HEIGHT = 84 - 10;

export const useFar = () => useStore((s) => s.transform[2] < FAR_ZOOM);

export function FarScale({ pane }: { pane: () => HTMLElement | null }) {
  const store = useStoreApi();
  useEffect(() => {
    let last = Number.NaN;
    const apply = (zoom: number) => {
      if (zoom === last) return;
      last = zoom;
      const el = pane();
      if (!el) return;
      el.style.setProperty("--far-title", `${(FAR_TITLE_PX / zoom).toFixed(1)}px`);
      // As many whole lines as the card holds: a long title ends in an ellipsis, not a half line.
      el.style.setProperty("--far-lines", String(Math.max(1, Math.floor((CARD_TEXT_HEIGHT * zoom) / (FAR_TITLE_PX * LINE_HEIGHT)))));
      el.style.setProperty("--far-label", `${(FAR_LABEL_PX / zoom).toFixed(1)}px`);
    };
    apply(store.getState().transform[2]);
    return store.subscribe((s) => apply(s.transform[2]));
  }, [store, pane]);
  return null;
}
