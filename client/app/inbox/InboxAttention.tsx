import { useEffect, useRef } from "react";
import type { InboxItem } from "../../../shared/protocol/inbox";
import { useRoom } from "../stores/room";
import { currentWorkspace, useSession } from "../stores/session";
import { useUi } from "../stores/ui";
import { useItemNotifications } from "./notifications";
import { LINKED_KINDS, selectionFromUrl, selectionOf, useInbox } from "./store";

/**
 * Opens an item: the inspector shows it, the canvas brings it into view; a community post opens
 * the Community tab, a money alert the Billing tab.
 */
export function openItem(item: Pick<InboxItem, "target">): void {
  if (item.target.kind === "community") return useUi.getState().setRightTab("community");
  if (item.target.kind === "billing") return useUi.getState().setRightTab("usage");
  useUi.getState().select(selectionOf(item.target), { focus: true });
}

/**
 * What reaches a person who is not looking at the tab: the unread count in the tab's
 * title, and browser notifications for items that arrive (notifications.ts). Also opens
 * the item a mail's link names (`?approval=` …) once the room is live.
 */
export function InboxAttention() {
  const inbox = useInbox((s) => s.inbox);
  const workspace = useSession(currentWorkspace);
  const status = useRoom((s) => s.status);
  const linked = useRef<string | null>(null);

  useEffect(() => {
    const name = workspace ? `Autopilot — ${workspace.name}` : "Autopilot";
    const unread = inbox?.unread ?? 0;
    document.title = unread > 0 ? `(${unread}) ${name}` : name;
  }, [inbox?.unread, workspace]);

  useItemNotifications(inbox, openItem);

  // After the workspace's own start (which opens the thread the address names): the first time it is live.
  useEffect(() => {
    if (status !== "connected" || linked.current === location.search) return;
    const params = new URLSearchParams(location.search);
    const selection = selectionFromUrl(location.search);
    if (params.has("community") || params.get("panel") === "billing") {
      // A mail's link to a mention in the community, or to a money alert: the tab where it is.
      useUi.getState().setRightTab(params.has("community") ? "community" : "usage");
      useUi.getState().setDrawer("right");
      const url = new URL(location.href);
      url.searchParams.delete("community");
      url.searchParams.delete("panel");
      history.replaceState(history.state, "", url);
    } else if (selection) {
      useUi.getState().select(selection, { focus: true });
      useUi.getState().setDrawer("right");
      // Opened once: the link's item must not follow the person into another workspace (the
      // thread in the address follows what is open instead).
      const url = new URL(location.href);
      for (const kind of LINKED_KINDS) url.searchParams.delete(kind);
      history.replaceState(history.state, "", url);
    }
    linked.current = location.search;
  }, [status]);
  return null;
}
