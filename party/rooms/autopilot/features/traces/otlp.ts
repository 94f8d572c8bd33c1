// Spans to OTLP/HTTP: encoded by OpenTelemetry's own serializers (@opentelemetry/otlp-transformer,
// JSON or protobuf), posted to the collector's /v1/traces. The transformer takes the SDK's
// finished spans; ours are stored documents, so each is shaped as one here.
import { JsonTraceSerializer, ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { within } from "../../../../domain/deadline";
import type { SpanDoc } from "./spans";

type ReadableSpan = Parameters<typeof JsonTraceSerializer.serializeRequest>[0][number];

import type { OtlpProtocol } from "../../../../../shared/otlp-endpoint";

export type { OtlpProtocol };

export interface OtlpTarget {
  /** The traces URL itself (…/v1/traces). */
  url: string;
  headers: Record<string, string>;
  protocol: OtlpProtocol;
}

/** Why an export failed, and whether trying the same spans again may help (the OTLP spec's retryable codes). */
export type ExportResult = { ok: true } | { ok: false; retry: boolean; error: string };

const SCOPE = { name: "autopilot", version: "1" };
const EXPORT_TIMEOUT_MS = 10_000;

const hrTime = (ms: number): [number, number] => {
  const seconds = Math.floor(ms / 1000);
  return [seconds, Math.round((ms - seconds * 1000) * 1e6)];
};

/** The resource every span of a workspace's room shares. */
export const roomResource = (workspaceId: string) => ({
  attributes: { "service.name": "autopilot", "autopilot.workspace.id": workspaceId },
});

function readable(span: SpanDoc, resource: ReturnType<typeof roomResource>): ReadableSpan {
  const context = { traceId: span.traceId, spanId: span.spanId, traceFlags: 1 };
  return {
    name: span.name,
    kind: span.kind,
    spanContext: () => context,
    parentSpanContext: span.parentSpanId
      ? { traceId: span.traceId, spanId: span.parentSpanId, traceFlags: 1 }
      : undefined,
    startTime: hrTime(span.start),
    endTime: hrTime(span.end),
    duration: hrTime(Math.max(0, span.end - span.start)),
    // SpanStatusCode: 1 ok, 2 error.
    status: span.error === null ? { code: 1 } : { code: 2, message: span.error },
    attributes: span.attributes,
    links: [],
    events: [],
    ended: true,
    resource,
    instrumentationScope: SCOPE,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  } as unknown as ReadableSpan;
}

/** The request body for `spans`, in the target's protocol. */
export function encodeSpans(spans: SpanDoc[], workspaceId: string, protocol: OtlpProtocol): Uint8Array {
  const resource = roomResource(workspaceId);
  const records = spans.map((span) => readable(span, resource));
  const body =
    protocol === "http/json"
      ? JsonTraceSerializer.serializeRequest(records)
      : ProtobufTraceSerializer.serializeRequest(records);
  return body ?? new Uint8Array();
}

/** Posts `spans` to the collector; never throws. */
export async function exportSpans(target: OtlpTarget, spans: SpanDoc[], workspaceId: string): Promise<ExportResult> {
  const body = encodeSpans(spans, workspaceId, target.protocol);
  try {
    const res = await within(EXPORT_TIMEOUT_MS, async (signal) => {
      const answer = await fetch(target.url, {
        method: "POST",
        headers: {
          ...target.headers,
          "content-type": target.protocol === "http/json" ? "application/json" : "application/x-protobuf",
        },
        body,
        signal,
      });
      await answer.body?.cancel();
      return answer;
    });
    if (res.ok) return { ok: true };
    return {
      ok: false,
      retry: [429, 502, 503, 504].includes(res.status),
      error: `the collector answered HTTP ${res.status}`,
    };
  } catch (error) {
    return { ok: false, retry: true, error: `the collector could not be reached (${String(error).slice(0, 200)})` };
  }
}
