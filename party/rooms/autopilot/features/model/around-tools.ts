// A run's tools with each execute wrapped: how a run checks its trigger's access before a call
// (features/agent/run-access.ts) and times its calls (run-stream.ts).
import type { ToolSet } from "ai";

type ToolOptions = Parameters<NonNullable<ToolSet[string]["execute"]>>[1];

/**
 * The same tools, each execute going through `around` first (`execute` runs the tool; a
 * tool without an execute stays as it is). A run's tools are wrapped this way to check its
 * trigger's access (features/agent/run-access.ts) and to time the calls (run-stream.ts).
 */
export function aroundTools(
  tools: ToolSet,
  around: (name: string, input: unknown, options: ToolOptions, execute: () => unknown) => Promise<unknown>,
): ToolSet {
  const wrapped: ToolSet = {};
  for (const [name, definition] of Object.entries(tools)) {
    const execute = definition.execute;
    wrapped[name] = execute
      ? {
          ...definition,
          execute: (input: unknown, options: ToolOptions) =>
            around(name, input, options, () => execute(input as never, options)),
        }
      : definition;
  }
  return wrapped;
}
