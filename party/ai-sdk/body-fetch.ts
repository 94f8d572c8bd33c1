// The boundary between the runtime's fetch and the AI SDK's streams. A successful response's
// body is handed to the SDK as a `ReadableStream` of the class in scope — in the SDK's
// Worker bundle that is the injected JavaScript implementation (js-streams.ts), which
// cannot pipe from the runtime's native body: only this reader crosses over, one read per
// network chunk. Error responses keep their native body: the SDK reads those with `text()`.

/** Set on a response by a fetch that wants to see each body chunk as it arrives (the bench's delta marks). */
export const BODY_CHUNK_OBSERVER = Symbol.for("autopilot.bodyChunkObserver");

type ChunkObserver = (chunk: Uint8Array) => void;

/** `inner`, with each successful response's body read into this scope's `ReadableStream`. */
export function sdkBodyFetch(inner: typeof fetch): typeof fetch {
  return async (input, init) => {
    const response = await inner(input, init);
    const native = response.body;
    if (!response.ok || native === null) return response;
    const observe = (response as Response & { [BODY_CHUNK_OBSERVER]?: ChunkObserver })[BODY_CHUNK_OBSERVER];
    let body: ReadableStream<Uint8Array> | undefined;
    // Lazily: a caller that reads `text()` instead (a non-streaming call) keeps the native body.
    Object.defineProperty(response, "body", { configurable: true, get: () => (body ??= readInto(native, observe)) });
    return response;
  };
}

function readInto(native: ReadableStream<Uint8Array>, observe: ChunkObserver | undefined): ReadableStream<Uint8Array> {
  const reader = native.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) {
        controller.close();
        return;
      }
      observe?.(value);
      controller.enqueue(value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
}
