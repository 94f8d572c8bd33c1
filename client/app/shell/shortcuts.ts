/**
 * The app's keyboard shortcuts: the single keys that work anywhere outside a text field (as
 * on GitHub), and the list the `?` sheet shows (ShortcutSheet.tsx). The canvas's own keys
 * (N, G, F, T) act only while focus is on the canvas, so the keys here leave them alone.
 */

export type GlobalAction = "shortcuts" | "palette" | "inbox" | "approvals" | "canvas" | "wide";

const SINGLE_KEYS: Record<string, GlobalAction> = {
  "?": "shortcuts",
  "/": "palette",
  i: "inbox",
  a: "approvals",
  c: "canvas",
  w: "wide",
};

export interface KeyPress {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  /** Whether focus is in something that takes text (an input, a text area, a select, an editable element). */
  inField: boolean;
  /** Whether a modal dialog or a menu is open (it has the keyboard). */
  modalOpen: boolean;
}

/** What a key press does outside fields, or null when it is left to whatever has focus. */
export function globalAction(press: KeyPress): GlobalAction | null {
  if (press.inField || press.modalOpen || press.ctrlKey || press.metaKey || press.altKey) return null;
  return SINGLE_KEYS[press.key] ?? SINGLE_KEYS[press.key.toLowerCase()] ?? null;
}

export interface Shortcut {
  keys: string[];
  what: string;
}

/** The sheet's groups; `mac` spells the modifier ⌘, elsewhere Ctrl. */
export function shortcutGroups(mac: boolean): { title: string; shortcuts: Shortcut[] }[] {
  const mod = mac ? "⌘" : "Ctrl";
  return [
    {
      title: "Anywhere",
      shortcuts: [
        { keys: [mod, "K"], what: "Open the command palette: jump to anything, run any command" },
        { keys: ["/"], what: "Search messages (the palette)" },
        { keys: ["?"], what: "Show these shortcuts" },
        { keys: ["I"], what: "Open the inbox" },
        { keys: ["A"], what: "Open the approvals" },
        { keys: ["C"], what: "Go to the canvas" },
        { keys: ["W"], what: "Give the panel the main area, or give it back to the canvas" },
        { keys: ["Tab"], what: "First stops: skip to the canvas, the chat or the threads" },
        { keys: ["Esc"], what: "Close a dialog, a menu or a panel" },
      ],
    },
    {
      title: "On the canvas",
      shortcuts: [
        { keys: ["Tab"], what: "Move between nodes" },
        { keys: ["Enter"], what: "Select the focused node" },
        { keys: ["←", "↑", "→", "↓"], what: "Move the selected node (Shift: bigger steps)" },
        { keys: ["N"], what: "Add a sticky note" },
        { keys: ["G"], what: "Add a group (of the selected nodes)" },
        { keys: ["F"], what: "Fit everything in view" },
        { keys: ["T"], what: "Tidy up the layout" },
        { keys: ["Delete"], what: "Delete the selected node" },
        { keys: [mod, "Z"], what: "Undo your last change" },
        { keys: mac ? ["⇧", "⌘", "Z"] : ["Ctrl", "Y"], what: "Redo" },
      ],
    },
    {
      title: "In a chat",
      shortcuts: [
        { keys: ["Enter"], what: "Send" },
        { keys: ["Shift", "Enter"], what: "New line" },
        { keys: ["@"], what: "Mention a person, an agent or the Autopilot" },
        { keys: ["↑", "↓"], what: "Choose a mention; Enter or Tab takes it" },
      ],
    },
    {
      title: "In the palette",
      shortcuts: [
        { keys: ["↑", "↓"], what: "Move through the results" },
        { keys: ["Enter"], what: "Open or run the highlighted one" },
        { keys: ["Esc"], what: "Close" },
      ],
    },
  ];
}

export const isMac = () => typeof navigator !== "undefined" && /Mac|iPhone|iPad/.test(navigator.platform);
