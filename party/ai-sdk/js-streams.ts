// The streams the AI SDK builds its pipeline from in the Worker: web-streams-polyfill's pure
// JavaScript implementation, injected in place of the global stream classes — in the SDK's
// own bundle only (build.mjs), never in the rest of the Worker.
//
// Why: workerd implements JavaScript-constructed streams natively, and each chunk through
// each of the SDK's many stages (SSE parsing, the provider's transform, streamText's
// stitching) allocates promises and handles from the runtime's side. Measured in the room's
// isolate (docs/decisions/007-js-streams-ai-sdk.md): those objects outlived scavenges and filled
// the old generation, so the room paid frequent full collections and long scavenges — the tail of
// every delta. Plain JavaScript promises die young instead.
import { ReadableStream, TransformStream, WritableStream } from "web-streams-polyfill";

/** `TextDecoderStream` over the injected TransformStream (the polyfill has none). */
class TextDecoderStream extends TransformStream<ArrayBufferView | ArrayBuffer, string> {
  readonly encoding: string;
  readonly fatal: boolean;
  readonly ignoreBOM: boolean;
  constructor(label?: string, options?: ConstructorParameters<typeof TextDecoder>[1]) {
    const decoder = new TextDecoder(label, options);
    super({
      transform(chunk, controller) {
        const text = decoder.decode(chunk, { stream: true });
        if (text) controller.enqueue(text);
      },
      flush(controller) {
        const text = decoder.decode();
        if (text) controller.enqueue(text);
      },
    });
    this.encoding = decoder.encoding;
    this.fatal = decoder.fatal;
    this.ignoreBOM = decoder.ignoreBOM;
  }
}

/**
 * `TextEncoderStream` over the injected TransformStream. Only the SDK's `Response` helpers use
 * it (not in the Worker, entry.ts): it does not carry a surrogate pair split across chunks.
 */
class TextEncoderStream extends TransformStream<string, Uint8Array> {
  readonly encoding = "utf-8";
  constructor() {
    const encoder = new TextEncoder();
    super({
      transform(chunk, controller) {
        const bytes = encoder.encode(chunk);
        if (bytes.byteLength > 0) controller.enqueue(bytes);
      },
    });
  }
}

export { ReadableStream, TextDecoderStream, TextEncoderStream, TransformStream, WritableStream };
