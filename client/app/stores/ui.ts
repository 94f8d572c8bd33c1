import { create } from "zustand";

/**
 * Local view state: what is selected and which panels are open. Never shared; what
 * others see of our selection goes through Hatchery awareness (stores/canvas.ts).
 */
export type RightTab =
  | "inspector"
  | "inbox"
  | "approvals"
  | "tasks"
  | "schedules"
  | "jobs"
  | "memory"
  | "usage"
  | "runs"
  | "audit"
  | "community";

interface UiStore {
  /** A canvas node id (`thread:<id>`, `note:<id>`, …); the inspector shows it. */
  selectedId: string | null;
  rightTab: RightTab;
  /**
   * Narrow windows (a phone) show one part in the main area at a time: the threads
   * ("left"), the details panel ("right") or, with neither, the canvas.
   */
  drawer: "left" | "right" | null;
  /** Wide windows: the details panel (a chat, the inbox…) takes the main area; the canvas steps aside. */
  panelWide: boolean;
  /**
   * The person's choice for a thread opened from a list (the threads, ⌘K, the inbox): its
   * chat takes the main area (the default) or sits beside the canvas. Kept on this device;
   * W (or the panel's toggle) on an open thread changes it. A thread opened on the canvas
   * leaves the canvas in place; going to the canvas (a skip link, C) leaves the choice as it was.
   */
  chatWide: boolean;
  /** The `?` sheet of keyboard shortcuts. */
  shortcutsOpen: boolean;
  settingsOpen: boolean;
  /** Asks the canvas to bring a node into view (sidebar click, queue click). */
  focusRequest: { id: string; at: number } | null;
  /** The ⌘K palette. */
  paletteOpen: boolean;
  /** A message to bring into view in its thread (a search hit opened); cleared once shown. */
  messageFocus: { threadId: string; messageId: string; n: number } | null;
  /** `focus`: opened from a list, not on the canvas (the canvas brings it into view; a thread's chat may take the main area). */
  select(id: string | null, options?: { focus?: boolean }): void;
  setRightTab(tab: RightTab): void;
  setDrawer(drawer: UiStore["drawer"]): void;
  setSettingsOpen(open: boolean): void;
  setPaletteOpen(open: boolean): void;
  /** `remember`: the person chose it (W, the toggle); with a thread's chat open, it is kept for the next one. */
  setPanelWide(wide: boolean, options?: { remember?: boolean }): void;
  setShortcutsOpen(open: boolean): void;
  /** Opens the message's thread and asks it to scroll to the message. */
  openMessage(target: NonNullable<UiStore["messageFocus"]>): void;
  clearMessageFocus(): void;
}

const CHAT_WIDE_KEY = "autopilot.chatWide";

function storedChatWide(): boolean {
  try {
    return localStorage.getItem(CHAT_WIDE_KEY) !== "beside";
  } catch {
    return true;
  }
}

function storeChatWide(wide: boolean): void {
  try {
    if (wide) localStorage.removeItem(CHAT_WIDE_KEY);
    else localStorage.setItem(CHAT_WIDE_KEY, "beside");
  } catch {
    // Storage refused (private mode): the choice still holds for this tab.
  }
}

/** Where the layout turns into the phone's (layout.css). */
const NARROW = "(max-width: 860px)";
export const isNarrow = () => typeof matchMedia === "function" && matchMedia(NARROW).matches;

export const useUi = create<UiStore>((set) => ({
  selectedId: null,
  rightTab: "inspector",
  // A phone opens on the threads: what one comes to read or answer first.
  drawer: isNarrow() ? "left" : null,
  panelWide: false,
  chatWide: storedChatWide(),
  shortcutsOpen: false,
  settingsOpen: false,
  focusRequest: null,
  paletteOpen: false,
  messageFocus: null,
  select(id, options = {}) {
    set((s) => ({
      selectedId: id,
      ...(id && { rightTab: "inspector" as const }),
      ...(id && options.focus && { focusRequest: { id, at: Date.now() } }),
      // A thread opened from a list: its chat where the person last chose to read one.
      ...(id?.startsWith("thread:") && options.focus && { panelWide: s.chatWide }),
      // On a narrow window, choosing something from a drawer shows it in the inspector.
      ...(id && s.drawer === "left" && { drawer: "right" as const }),
    }));
  },
  setRightTab: (rightTab) => set({ rightTab }),
  setDrawer: (drawer) => set({ drawer }),
  setSettingsOpen: (settingsOpen) => set({ settingsOpen }),
  setPaletteOpen: (paletteOpen) => set({ paletteOpen }),
  setPanelWide(panelWide, options = {}) {
    set((s) => {
      const chatOpen = s.rightTab === "inspector" && !!s.selectedId?.startsWith("thread:");
      if (!options.remember || !chatOpen || isNarrow() || panelWide === s.chatWide) return { panelWide };
      storeChatWide(panelWide);
      return { panelWide, chatWide: panelWide };
    });
  },
  setShortcutsOpen: (shortcutsOpen) => set({ shortcutsOpen }),
  openMessage(target) {
    useUi.getState().select(`thread:${target.threadId}`, { focus: true });
    set({ messageFocus: target });
  },
  clearMessageFocus: () => set({ messageFocus: null }),
}));
