/**
 * The app's keyboard shortcuts: the single keys that work anywhere outside a text field (as
 * on GitHub), the canvas's own (N, G, F, T, only while focus is on the canvas), and the
 * list the `?` sheet shows (ShortcutSheet.tsx). One rule for both kinds: a single key never
 * acts while focus is where one types (a field, a note, an inline editor) or a dialog or a
 * menu has the keyboard, nor with a modifier.
 */

export type GlobalAction = "shortcuts" | "palette" | "inbox" | "approvals" | "canvas" | "wide" | "compose";
export type CanvasAction = "note" | "group" | "fit" | "tidy";

const SINGLE_KEYS: Record<string, GlobalAction> = {
  "?": "shortcuts",
  "/": "palette",
  i: "inbox",
  a: "approvals",
  c: "canvas",
  w: "wide",
  m: "compose",
};

const CANVAS_KEYS: Record<string, CanvasAction> = { n: "note", g: "group", f: "fit", t: "tidy" };

export interface KeyPress {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  /** Whether focus is where one types or reads a note (a field, a note, an inline editor): typingTarget. */
  inField: boolean;
  /** Whether a modal dialog or a menu is open (it has the keyboard). */
  modalOpen: boolean;
}

const isSingleKey = (press: KeyPress) =>
  !(press.inField || press.modalOpen || press.ctrlKey || press.metaKey || press.altKey);

/** What a key press does outside fields, or null when it is left to whatever has focus. */
export function globalAction(press: KeyPress): GlobalAction | null {
  if (!isSingleKey(press)) return null;
  return SINGLE_KEYS[press.key] ?? SINGLE_KEYS[press.key.toLowerCase()] ?? null;
}

/** What a key press on the canvas does, or null when it is left to whatever has focus. */
export function canvasAction(press: KeyPress): CanvasAction | null {
  if (!isSingleKey(press)) return null;
  return CANVAS_KEYS[press.key.toLowerCase()] ?? null;
}

/**
 * Where keys are typing, not commands: a field (input, text area, select, an editable
 * element) or a note's text (`.note-text`, which Enter opens for writing).
 */
export const typingTarget = (el: Element | null): boolean =>
  !!el?.closest("input, textarea, select, [contenteditable=''], [contenteditable='true'], .note-text");

/** A keyboard event as the rules above read it. */
export const keyPress = (e: Pick<KeyboardEvent, "key" | "ctrlKey" | "metaKey" | "altKey" | "target">): KeyPress => ({
  key: e.key,
  ctrlKey: e.ctrlKey,
  metaKey: e.metaKey,
  altKey: e.altKey,
  inField: typingTarget(e.target instanceof Element ? e.target : null),
  modalOpen: typeof document !== "undefined" && !!document.querySelector("dialog[open], [role=menu]"),
});

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
        { keys: ["M"], what: "Write a message in the open thread (its message box)" },
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
