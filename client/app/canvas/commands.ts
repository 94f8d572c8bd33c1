/**
 * What the ⌘K palette (and the keyboard outside the canvas) can ask of the canvas: fit the
 * view, tidy up, add a note or a group. The canvas registers its own handlers while it is
 * mounted, so the palette runs exactly what the toolbar's buttons run.
 */
export type CanvasCommand = "fit" | "tidy" | "note" | "group";

const handlers = new Map<CanvasCommand, () => void>();

/** Registers handlers; the returned function removes them (an effect's cleanup). */
export function registerCanvasCommands(entries: Partial<Record<CanvasCommand, () => void>>): () => void {
  const added = Object.entries(entries) as [CanvasCommand, () => void][];
  for (const [command, run] of added) handlers.set(command, run);
  return () => {
    for (const [command, run] of added) if (handlers.get(command) === run) handlers.delete(command);
  };
}

/** Runs a command; false when no canvas is mounted to run it. */
export function runCanvasCommand(command: CanvasCommand): boolean {
  const run = handlers.get(command);
  run?.();
  return run !== undefined;
}
