import { type DependencyList, type UIEvent, useLayoutEffect, useRef } from "react";

/** How close to the end (px) still counts as reading at the end. */
const AT_END_PX = 40;

/**
 * A list that follows its newest entry while the reader is at its end (a thread's messages,
 * a task's run log): scrolled to the bottom whenever `growth` changes, unless the reader has
 * scrolled up. `list` goes on the scrolling element with `onScroll`; `stick` can be set by
 * hand (to follow again after sending, to stop on a found message).
 */
export function useStickToBottom<E extends HTMLElement>(growth: DependencyList) {
  const list = useRef<E>(null);
  const stick = useRef(true);
  useLayoutEffect(
    () => {
      const el = list.current;
      if (el && stick.current) el.scrollTop = el.scrollHeight;
    },
    // biome-ignore lint/correctness/useExhaustiveDependencies: runs whenever the list grows, which the caller's `growth` says
    growth,
  );
  const onScroll = (e: UIEvent<E>) => {
    const el = e.currentTarget;
    stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < AT_END_PX;
  };
  return { list, stick, onScroll };
}
