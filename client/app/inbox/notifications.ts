import { useEffect, useRef, useState } from "react";
import { channelsFor, type Inbox, type InboxItem } from "../../../shared/protocol/inbox";

/**
 * Browser notifications while a tab is open (the Notification API). Opt-in twice: the
 * person turns them on in this browser (a button: the permission is asked then, never on
 * load), and per kind of item in their inbox preferences (kept in the room). Only items
 * that arrive while the tab is open notify; those already there when it loaded do not.
 */

const OPT_IN = "autopilot:notifications";

export type NotificationState = "unsupported" | "off" | "on" | "blocked";

/**
 * The site's notification permission. The Permissions API answers first where it can:
 * some Chromium builds (the headless shell) report `Notification.permission` as denied
 * even once the permission is granted.
 */
let permission: NotificationPermission = typeof Notification === "undefined" ? "denied" : Notification.permission;

export async function readPermission(): Promise<NotificationPermission> {
  try {
    const { state } = await navigator.permissions.query({ name: "notifications" });
    permission = state === "prompt" ? "default" : state;
  } catch {
    // No Permissions API for notifications here: Notification.permission stands.
  }
  return permission;
}

function currentState(): NotificationState {
  if (typeof Notification === "undefined") return "unsupported";
  if (permission === "denied") return "blocked";
  return permission === "granted" && localStorage.getItem(OPT_IN) === "1" ? "on" : "off";
}

/** This browser's notification state and the person's switch for it. */
export function useNotificationSwitch(): { state: NotificationState; turnOn(): Promise<void>; turnOff(): void } {
  const [state, setState] = useState(currentState);
  useEffect(() => {
    if (typeof Notification !== "undefined") void readPermission().then(() => setState(currentState()));
  }, []);
  return {
    state,
    async turnOn() {
      if (typeof Notification === "undefined") return;
      permission = await Notification.requestPermission();
      if (permission === "granted") localStorage.setItem(OPT_IN, "1");
      setState(currentState());
    },
    turnOff() {
      localStorage.removeItem(OPT_IN);
      setState(currentState());
    },
  };
}

/** Shows a notification for each unread item that arrives while the tab is open. */
export function useItemNotifications(inbox: Inbox | null, open: (item: InboxItem) => void): void {
  const seen = useRef<Set<string> | null>(null);
  const openRef = useRef(open);
  openRef.current = open;
  useEffect(() => {
    if (typeof Notification !== "undefined") void readPermission();
  }, []);
  useEffect(() => {
    if (!inbox) return;
    const known = seen.current;
    seen.current = new Set(inbox.items.map((item) => item.key));
    // The first inbox of this tab is what was already waiting: nothing to announce.
    if (known === null || currentState() !== "on") return;
    for (const item of inbox.items) {
      if (item.read || known.has(item.key) || !channelsFor(inbox.preferences, item.kind).browser) continue;
      // The tag folds the same item's notifications from several tabs into one.
      const note = new Notification(item.title, { body: item.detail, tag: item.key });
      note.onclick = () => {
        window.focus();
        openRef.current(item);
        note.close();
      };
    }
  }, [inbox]);
}
