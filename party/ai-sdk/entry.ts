// The AI SDK as the Worker imports it: wrangler.toml aliases `ai` and
// `@ai-sdk/openai-compatible` to this module's bundle (build.mjs), where the SDK's stream
// classes are the JavaScript ones of js-streams.ts. Everything of `ai` is re-exported as
// is; the provider factory gets the fetch that hands the SDK its response bodies in those
// streams (body-fetch.ts).
//
// Not for the Worker: the SDK's helpers that wrap a stream in a `Response`
// (`toTextStreamResponse`, `createUIMessageStreamResponse`…) — the runtime's Response takes
// only its own streams. The room sends over its sockets and uses none of them.
import { createOpenAICompatible as createProvider } from "@ai-sdk/openai-compatible";
import { sdkBodyFetch } from "./body-fetch";

export * from "ai";

export const createOpenAICompatible = ((settings) => createProvider({ ...settings, fetch: sdkBodyFetch(settings.fetch ?? ((input, init) => fetch(input, init))) })) as typeof createProvider;
