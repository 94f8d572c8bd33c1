// Bench-only timing marks of the Autopilot's streamed reply, to split a delta's latency
// into its hops (docs/performance.md, bench:assistant). On only when the Worker var
// AUTOPILOT_DELTA_MARKS is "1" (`npm run bench:assistant` sets it); otherwise the runner
// gets no marks and nothing is recorded or logged.
//
// Per segment: the steps of its start, when the model's bytes reached this isolate (characters of reply text so
// far, read from the SSE stream) and when each delta was handed to the sockets. One log
// line at the segment's end: the body's chunks are kept as they arrive and counted then, so
// the marks neither parse nor log while the reply streams. Times are
// `Date.now()`: 1 ms resolution, the same wall clock as the bench's process. Locally
// (wrangler dev) it advances with CPU time too; deployed it only advances with I/O.

export interface DeltaMarks {
  /** The model's fetch, observing the response body as it arrives. */
  readonly fetch: typeof fetch;
  /** A step of the run's start (claimed, kept alive, context built…). */
  step(label: string): void;
  /** A delta whose text ends at `end` went to the sockets. */
  sent(end: number): void;
  /** Logs this segment's marks (one line) and starts over. */
  flush(runId: string): void;
}

export const DELTA_MARKS_LOG = "autopilot delta marks";

/** Characters of reply text in complete SSE lines (`data: {…choices[0].delta.content}`). */
export function sseContentChars(lines: string[]): number {
  let chars = 0;
  for (const line of lines) {
    if (!line.startsWith("data: ") || line === "data: [DONE]") continue;
    try {
      const content = (JSON.parse(line.slice(6)) as { choices?: { delta?: { content?: unknown } }[] }).choices?.[0]?.delta?.content;
      if (typeof content === "string") chars += content.length;
    } catch {
      // Not ours to judge: the SDK reports a malformed stream.
    }
  }
  return chars;
}

/** Marks for one run, or null when they are off. */
export function deltaMarks(enabled: boolean, now: () => number = Date.now, log: (line: string) => void = console.log): DeltaMarks | null {
  if (!enabled) return null;
  let steps: [label: string, at: number][] = [];
  /** Each body chunk as it arrived; decoded and counted only at `flush`, so the marks add no parsing to the deltas they time. */
  let chunks: [at: number, body: number, chunk: Uint8Array][] = [];
  let bodies = 0;
  let sent: [at: number, end: number][] = [];
  /** Characters of reply text so far after each chunk, in whole SSE lines (a response body's lines are split per body). */
  const received = () => {
    const out: [at: number, chars: number][] = [];
    const decoders = new Map<number, { decoder: TextDecoder; partial: string }>();
    let chars = 0;
    for (const [at, body, chunk] of chunks) {
      const state = decoders.get(body) ?? { decoder: new TextDecoder(), partial: "" };
      decoders.set(body, state);
      const lines = (state.partial + state.decoder.decode(chunk, { stream: true })).split("\n");
      state.partial = lines.pop() ?? "";
      chars += sseContentChars(lines);
      out.push([at, chars]);
    }
    return out;
  };
  return {
    fetch: async (input, init) => {
      steps.push(["fetch", now()]);
      const response = await fetch(input, init);
      const body = response.body;
      if (!response.ok || body === null) return response;
      const id = bodies++;
      Object.defineProperty(response, "body", { value: observedBody(body, (chunk) => chunks.push([now(), id, chunk])) });
      return response;
    },
    step: (label) => {
      steps.push([label, now()]);
    },
    sent: (end) => {
      sent.push([now(), end]);
    },
    flush: (runId) => {
      log(JSON.stringify({ msg: DELTA_MARKS_LOG, runId, steps, received: received(), sent }));
      steps = [];
      chunks = [];
      sent = [];
    },
  };
}

/**
 * The body as the SDK reads it — through `getReader()` alone (provider-utils'
 * `wrapResponseBodyStream`; the Node test checks it through the real SDK) — seeing each chunk
 * on the way. Not a stream stage: in the Worker the SDK's streams are JavaScript
 * (party/ai-sdk), and a stage of the runtime's here would bring back the per-chunk cost this
 * bench measures.
 */
function observedBody(body: ReadableStream<Uint8Array>, observe: (chunk: Uint8Array) => void): ReadableStream<Uint8Array> {
  const view = {
    getReader: () => {
      const reader = body.getReader();
      return {
        read: async () => {
          const result = await reader.read();
          if (!result.done) observe(result.value);
          return result;
        },
        releaseLock: () => reader.releaseLock(),
        cancel: (reason?: unknown) => reader.cancel(reason),
        closed: reader.closed,
      };
    },
  };
  return view as unknown as ReadableStream<Uint8Array>;
}
