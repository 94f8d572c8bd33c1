// The one change this bundle makes to the AI SDK's code. `streamText` pipes every stream
// part of a step through one more TransformStream whenever the call has tools
// (`invokeToolCallbacksFromStream`): the stage only calls a tool's input callbacks
// (`onInputStart`, `onInputDelta`, `onInputAvailable`) and forwards every part unchanged. The
// room's tools have none, so for every text delta of every reply the stage cost a stream hop
// (an async transform, its promise, the read and the write of the injected JavaScript streams)
// and did nothing. Here the SDK's own early return (`tools == null`) also takes a tool set in
// which no tool has one of those callbacks. A tool that has one keeps the stage.
//
// The build fails if the SDK's code no longer reads as this expects (an upgrade moved it), and
// test/sdk-bundle.test.ts holds both cases: parts unchanged without callbacks, callbacks called
// with them.
import { readFile } from "node:fs/promises";

/** The SDK's guard, as `ai`'s dist writes it, inside the function it guards. */
const HEAD =
  "function invokeToolCallbacksFromStream({ stream, tools, stepInputMessages, abortSignal, toolsContext }) {";
const GUARD = "\tif (tools == null) return stream;";
const WIDER_GUARD =
  "\tif (tools == null || !Object.values(tools).some((tool) => tool != null && (tool.onInputStart != null || tool.onInputDelta != null || tool.onInputAvailable != null))) return stream;";

/** Rewrites the guard in `ai`'s dist; throws when the function or its guard is not where it was. */
export function widenToolCallbackGuard(source) {
  const at = source.indexOf(HEAD);
  if (at < 0 || source.indexOf(HEAD, at + 1) >= 0)
    throw new Error(
      "party/ai-sdk: `invokeToolCallbacksFromStream` not found once in ai's dist (see tool-callback-stage.mjs)",
    );
  const guardAt = at + HEAD.length + 1;
  if (source.slice(guardAt, guardAt + GUARD.length) !== GUARD)
    throw new Error(
      "party/ai-sdk: `invokeToolCallbacksFromStream` no longer starts with its `tools == null` guard (see tool-callback-stage.mjs)",
    );
  return source.slice(0, guardAt) + WIDER_GUARD + source.slice(guardAt + GUARD.length);
}

/** esbuild plugin: the guard widened in `ai`'s dist/index.js as it is bundled. */
export const skipIdleToolCallbackStage = {
  name: "skip-idle-tool-callback-stage",
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/]ai[\\/]dist[\\/]index\.js$/ }, async (args) => ({
      contents: widenToolCallbackGuard(await readFile(args.path, "utf8")),
      loader: "js",
    }));
  },
};
