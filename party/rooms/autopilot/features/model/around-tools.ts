// A run's tools with each execute going through an `around` first: how a run checks its
// trigger's access before a call (features/agent/run-access.ts). Tools the room makes take the
// `around` as they are made (`aroundExecute`: toolset/tools.ts `roomTools`, toolset/offer.ts
// `withLoadTool`); tools made elsewhere (an instance's gateway tools) are wrapped here, a second
// copy of each that lives as long as the run. When a call starts is the SDK's own
// `onToolExecutionStart` (run-stream.ts), no wrap at all.
import type { ToolSet } from "ai";

type ToolOptions = Parameters<NonNullable<ToolSet[string]["execute"]>>[1];

/** What a call goes through before the tool runs (`execute` runs it). */
export type ToolAround = (
  name: string,
  input: unknown,
  options: ToolOptions,
  execute: () => unknown,
) => Promise<unknown>;

/** `execute`, going through `around` first when there is one: a tool made with it needs no wrap. */
export function aroundExecute<I, O>(
  name: string,
  execute: (input: I, options: ToolOptions) => O,
  around: ToolAround | undefined,
): (input: I, options: ToolOptions) => O | Promise<unknown> {
  return around ? (input, options) => around(name, input, options, () => execute(input, options)) : execute;
}

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
          execute: aroundExecute(name, execute as (input: unknown, options: ToolOptions) => unknown, around),
        }
      : definition;
  }
  return wrapped;
}
