// A run's tools with each execute going through an `around` first: how a run checks its
// trigger's access before a call (features/agent/run-access.ts). The room's own tools take the
// `around` as they are made (toolset/tools.ts `roomTools`), the rest are wrapped here: a wrap
// is a second copy of every tool, alive for the whole run. When a call starts is the SDK's
// own `onToolExecutionStart` (run-stream.ts), no wrap at all.
import type { ToolSet } from "ai";

type ToolOptions = Parameters<NonNullable<ToolSet[string]["execute"]>>[1];

/** What a call goes through before the tool runs (`execute` runs it). */
export type ToolAround = (
  name: string,
  input: unknown,
  options: ToolOptions,
  execute: () => unknown,
) => Promise<unknown>;

/**
 * The same tools, each execute going through `around` first (`execute` runs the tool; a
 * tool without an execute stays as it is). A run's tools are wrapped this way to check its
 * trigger's access (features/agent/run-access.ts).
 */
export function aroundTools(tools: ToolSet, around: ToolAround): ToolSet {
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
