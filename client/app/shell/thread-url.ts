import { useUi } from "../stores/ui";

/**
 * The open thread is in the page's address, `?w=<workspace>&thread=<id>` (the form a mail's
 * link already has): a bookmark or a shared link opens it, Back and Forward go between the
 * threads opened, and a reload (with the server there or not) lands on it again
 * (docs/decisions/067-thread-in-the-url.md). Only the thread: the rest of the view (a note
 * selected, a tab of the panel) is this device's and stays out of links.
 */

const PARAM = "thread";
/** An id is at most 64 printable characters (EntityId); anything else in the address is ignored. */
const THREAD_ID = /^[\x21-\x7e]{1,64}$/;

/** The thread the address names, or null. */
export function threadInUrl(search: string = location.search): string | null {
  const id = new URLSearchParams(search).get(PARAM);
  return id && THREAD_ID.test(id) ? id : null;
}

const threadOf = (selectedId: string | null): string | null =>
  selectedId?.startsWith("thread:") ? selectedId.slice("thread:".length) : null;

/**
 * Opens the thread the address names (on the workspace's start), then keeps the address on
 * the thread open: a new history entry per thread opened, and Back opens the one before.
 * Returns what stops it.
 */
export function followThreadInUrl(): () => void {
  const fromUrl = threadInUrl();
  useUi.getState().select(fromUrl ? `thread:${fromUrl}` : null, { focus: fromUrl !== null });
  const unsubscribe = useUi.subscribe((now, before) => {
    const thread = threadOf(now.selectedId);
    if (thread === threadOf(before.selectedId) || thread === threadInUrl()) return;
    const url = new URL(location.href);
    if (thread) url.searchParams.set(PARAM, thread);
    else url.searchParams.delete(PARAM);
    history.pushState(history.state, "", url);
  });
  const onPop = () => {
    const thread = threadInUrl();
    if (thread === threadOf(useUi.getState().selectedId)) return;
    useUi.getState().select(thread ? `thread:${thread}` : null, { focus: thread !== null });
  };
  addEventListener("popstate", onPop);
  return () => {
    unsubscribe();
    removeEventListener("popstate", onPop);
  };
}
