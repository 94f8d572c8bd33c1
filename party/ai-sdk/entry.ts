// The AI SDK as the Worker imports it: wrangler.toml aliases `ai` and
// `@ai-sdk/openai-compatible` to this module's bundle (build.mjs), where the SDK's stream
// classes are the JavaScript ones of js-streams.ts. Both packages are re-exported as they
// are. The runtime's response body does not need converting: the provider reads it through
// one reader into a stream of its own (provider-utils' `wrapResponseBodyStream`), which in
// this bundle is a JavaScript one.
//
// What does not work in the Worker, because it would meet the runtime's own streams:
// - the SDK's helpers that put one of its streams in a `Response`
//   (`toTextStreamResponse`, `createUIMessageStreamResponse`…) or send a native body into
//   its streams (`callCompletionApi` and the other UI client helpers);
// - the gateway provider (a model given as a plain string such as "openai/gpt-4o");
// - a stream made outside this bundle handed to the SDK (an `experimental_transform` from
//   the room's code would be a native TransformStream).
// The room uses none of them: it streams through `streamText`'s async iteration to its sockets.
export * from "ai";
export { createOpenAICompatible } from "@ai-sdk/openai-compatible";
