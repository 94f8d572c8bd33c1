// The seam between the runtime's fetch and the SDK's streams (body-fetch.ts), with Node's
// streams in scope: which bodies cross over, what the observer sees, and that cancelling
// the SDK's side releases the runtime's.
import { describe, expect, it } from "vitest";
import { BODY_CHUNK_OBSERVER, sdkBodyFetch } from "../body-fetch";

const bytes = (text: string) => new TextEncoder().encode(text);

/** A fetch answering with the given chunks (and recording a cancel of its body). */
function fetchOf(chunks: string[], init: ResponseInit = { status: 200 }, observe?: (chunk: Uint8Array) => void) {
  const seen: { cancelled?: unknown; response?: Response } = {};
  const inner = (async () => {
    let i = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (i < chunks.length) controller.enqueue(bytes(chunks[i++]!));
        else controller.close();
      },
      cancel(reason) {
        seen.cancelled = reason;
      },
    });
    const response = new Response(body, init);
    if (observe) Object.defineProperty(response, BODY_CHUNK_OBSERVER, { value: observe });
    seen.response = response;
    return response;
  }) as typeof fetch;
  return { fetch: sdkBodyFetch(inner), seen };
}

describe("the SDK's fetch", () => {
  it("hands a successful body over as a stream of this scope, chunk by chunk, to the observer too", async () => {
    const observed: string[] = [];
    const { fetch, seen } = fetchOf(["data: a\n\n", "data: b\n\n"], { status: 200 }, (chunk) => observed.push(new TextDecoder().decode(chunk)));
    const response = await fetch("http://model.test/");
    const nativeBody = Object.getOwnPropertyDescriptor(Response.prototype, "body")!.get!.call(seen.response);
    expect(response.body).not.toBe(nativeBody);
    expect(response.body).toBe(response.body);
    expect(await new Response(response.body).text()).toBe("data: a\n\ndata: b\n\n");
    expect(observed).toEqual(["data: a\n\n", "data: b\n\n"]);
  });

  it("leaves the body alone for a caller that reads text()", async () => {
    const { fetch } = fetchOf(['{"ok":true}']);
    expect(await (await fetch("http://model.test/")).json()).toEqual({ ok: true });
  });

  it("keeps an error response as it came: the SDK reads its text", async () => {
    const observed: Uint8Array[] = [];
    const { fetch, seen } = fetchOf(['{"error":"boom"}'], { status: 500 }, (chunk) => observed.push(chunk));
    const response = await fetch("http://model.test/");
    expect(response).toBe(seen.response);
    expect(response.status).toBe(500);
    expect(await response.text()).toBe('{"error":"boom"}');
    expect(observed).toEqual([]);
  });

  it("cancels the runtime's body when the SDK cancels its stream (an abort mid-reply)", async () => {
    const { fetch, seen } = fetchOf(["data: a\n\n", "data: b\n\n"]);
    const reader = (await fetch("http://model.test/")).body!.getReader();
    expect((await reader.read()).done).toBe(false);
    await reader.cancel("stopped");
    expect(seen.cancelled).toBe("stopped");
  });
});
