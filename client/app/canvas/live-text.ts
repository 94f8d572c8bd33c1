import { useCallback, useEffect, useRef } from "react";

/**
 * How long a burst of keystrokes may wait before it goes out: typing shows in others' tabs
 * while it happens, without one Yjs update (and one room review) per key.
 */
export const LIVE_TEXT_MS = 150;

/**
 * Writes text while it is typed: the first keystroke of a burst starts a timer, the latest
 * text goes out when it fires, and whatever is still pending goes out at once on `flush`
 * (leaving the field) or when the component goes away. Each write is the whole text, so
 * the room reviews it against the note's schema (size included) like any other change.
 */
export function useLiveText(write: (text: string) => void): { push(text: string): void; flush(): void } {
  const latest = useRef(write);
  latest.current = write;
  const pending = useRef<string | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const flush = useCallback(() => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = null;
    const text = pending.current;
    pending.current = null;
    if (text !== null) latest.current(text);
  }, []);
  const push = useCallback(
    (text: string) => {
      pending.current = text;
      timer.current ??= setTimeout(flush, LIVE_TEXT_MS);
    },
    [flush],
  );
  useEffect(() => flush, [flush]);
  return { push, flush };
}
