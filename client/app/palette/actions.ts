import { runCanvasCommand } from "../canvas/commands";
import { focusCanvas, focusThreads, openTab, showCanvas, togglePanelWide } from "../shell/navigate";
import { useScheduleDialog } from "../panels/schedules/ScheduleDialog";
import { useRoom } from "../stores/room";
import { useSession } from "../stores/session";
import { useTheme } from "../stores/theme";
import { useTogether } from "../stores/together";
import { isNarrow, useUi } from "../stores/ui";
import type { PaletteItem } from "./items";

/**
 * ⌘K's actions: every main command of the app, by its name, so the keyboard reaches all of
 * them. Each runs what its button runs (the canvas's through canvas/commands.ts).
 */

/** A field in the left column, focused once it shows (on a phone the threads take the screen first). */
const focusField = (id: string) => () => {
  useUi.getState().setDrawer("left");
  requestAnimationFrame(() => document.getElementById(id)?.focus({ preventScroll: true }));
};

/** "New schedule" for the thread open in the inspector; the Schedules tab (which says how) without one. */
function scheduleHere(): void {
  const selected = useUi.getState().selectedId;
  const thread = selected?.startsWith("thread:") ? useRoom.getState().state.threads.get(selected.slice(7)) : undefined;
  if (thread && !thread.archived) useScheduleDialog.getState().create({ threadId: thread.id, name: thread.title });
  else openTab("schedules");
}

/** A canvas command, with the canvas on screen first (a phone shows one part at a time). */
const onCanvas = (command: Parameters<typeof runCanvasCommand>[0]) => () => {
  if (isNarrow()) showCanvas();
  runCanvasCommand(command);
};

const ACTIONS: Array<{ name: string; label: string; run: () => void }> = [
  { name: "new-thread", label: "New thread", run: focusField("new-thread-title") },
  { name: "new-project", label: "New project", run: focusField("new-project-name") },
  { name: "new-instance", label: "Provision an OpenClaw instance", run: focusField("new-instance-id") },
  { name: "threads", label: "Go to threads", run: focusThreads },
  { name: "canvas", label: "Go to the canvas", run: focusCanvas },
  { name: "inbox", label: "Open inbox", run: () => openTab("inbox") },
  { name: "community", label: "Open the community", run: () => openTab("community") },
  { name: "approvals", label: "Open approvals", run: () => openTab("approvals") },
  { name: "tasks", label: "Open tasks", run: () => openTab("tasks") },
  { name: "schedules", label: "Open schedules", run: () => openTab("schedules") },
  { name: "new-schedule", label: "New schedule in this thread…", run: scheduleHere },
  { name: "jobs", label: "Open jobs", run: () => openTab("jobs") },
  { name: "memory", label: "Open memory", run: () => openTab("memory") },
  { name: "usage", label: "Open billing and usage", run: () => openTab("usage") },
  { name: "runs", label: "Open the runs over time", run: () => openTab("runs") },
  { name: "audit", label: "Open the audit log", run: () => openTab("audit") },
  { name: "wide", label: "Wide panel", run: togglePanelWide },
  { name: "fit", label: "Fit view", run: onCanvas("fit") },
  { name: "tidy", label: "Tidy up", run: onCanvas("tidy") },
  { name: "note", label: "Add a note", run: onCanvas("note") },
  { name: "group", label: "Add a group", run: onCanvas("group") },
  { name: "undo", label: "Undo my last change on the canvas", run: () => useTogether.getState().undo() },
  { name: "redo", label: "Redo on the canvas", run: () => useTogether.getState().redo() },
  { name: "settings", label: "Members, keys and settings", run: () => useUi.getState().setSettingsOpen(true) },
  {
    name: "theme",
    label: "Switch between the light and the dark theme",
    run: () => {
      const theme = useTheme.getState();
      theme.setChoice(theme.theme === "dark" ? "light" : "dark");
    },
  },
  { name: "shortcuts", label: "Keyboard shortcuts", run: () => useUi.getState().setShortcutsOpen(true) },
  { name: "sign-out", label: "Sign out", run: () => void useSession.getState().signOut() },
];

/** The actions whose names contain the query (all of them when it is empty); `close` runs first. */
export function actionItems(rawQuery: string, close: () => void): PaletteItem[] {
  const query = rawQuery.trim().toLocaleLowerCase();
  return ACTIONS.filter((a) => a.label.toLocaleLowerCase().includes(query)).map((a) => ({
    id: `action:${a.name}`,
    group: "Actions",
    label: a.label,
    run: () => {
      close();
      a.run();
    },
  }));
}
