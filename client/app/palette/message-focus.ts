import { type RefObject, useEffect, useRef } from "react";
import type { ThreadMessages } from "../stores/room";
import { useUi } from "../stores/ui";

/** Pages of older messages loaded at most to reach a searched message. */
const MAX_PAGES = 40;

/**
 * A search hit opened in this thread: loads older pages until the message is there, then
 * scrolls it into view, marks it and gives it focus (so a keyboard user lands on it).
 */
export function useMessageFocus(
  threadId: string,
  page: ThreadMessages | undefined,
  list: RefObject<HTMLOListElement | null>,
  stickToBottom: { current: boolean },
  loadOlder: () => void,
) {
  const focus = useUi((s) => s.messageFocus);
  const pages = useRef(0);
  useEffect(() => {
    if (!focus || focus.threadId !== threadId || !page || page.loading) return;
    const el = list.current?.querySelector<HTMLElement>(`[data-message-id="${CSS.escape(focus.messageId)}"]`);
    if (el) {
      stickToBottom.current = false;
      // A tool call folded into its run's block (panels/ToolCall.tsx) opens to show it.
      for (let fold = el.closest("details"); fold; fold = fold.parentElement?.closest("details") ?? null)
        fold.open = true;
      el.setAttribute("data-found", "");
      el.setAttribute("tabindex", "-1");
      // Only the list scrolls: scrollIntoView would scroll every scrollable ancestor, the page's too.
      const box = list.current!;
      box.scrollTop +=
        el.getBoundingClientRect().top - box.getBoundingClientRect().top - (box.clientHeight - el.offsetHeight) / 2;
      el.focus({ preventScroll: true });
      pages.current = 0;
      useUi.getState().clearMessageFocus();
      return;
    }
    const oldest = page.messages[0]?.n;
    if (page.hasMore && (oldest === undefined || oldest > focus.n) && pages.current < MAX_PAGES) {
      pages.current += 1;
      loadOlder();
    } else {
      pages.current = 0;
      useUi.getState().clearMessageFocus();
    }
  }, [focus, threadId, page, list, stickToBottom, loadOlder]);
}
