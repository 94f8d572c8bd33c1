// The W3C trace context (https://www.w3.org/TR/trace-context/) of a gateway chat turn: derived
// from the turn's message id, so the bridge that sends the turn and the traces feature that
// ends its span name the same trace without keeping anything in between.
import { createHash } from "node:crypto";

const digest = (text: string): string => createHash("sha256").update(text).digest("hex");

/** The turn's trace id (32 hex digits) and its span in the room (16), never all zeros. */
export function turnTraceIds(workspaceId: string, messageId: string): { traceId: string; spanId: string } {
  const hash = digest(`${workspaceId}\n${messageId}\ngateway chat turn`);
  const traceId = hash.slice(0, 32);
  const spanId = hash.slice(32, 48);
  return {
    traceId: /^0+$/.test(traceId) ? `${traceId.slice(0, 31)}1` : traceId,
    spanId: /^0+$/.test(spanId) ? `${spanId.slice(0, 15)}1` : spanId,
  };
}

/** `traceparent` for a request made within the span `spanId` of trace `traceId`, sampled. */
export const traceparent = ({ traceId, spanId }: { traceId: string; spanId: string }): string =>
  `00-${traceId}-${spanId}-01`;
