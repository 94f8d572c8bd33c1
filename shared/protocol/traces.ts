import { z } from "zod";
import { mutatingParams, Timestamp } from "./common";

/**
 * Traces (decision 80): each run of the Autopilot is one OpenTelemetry trace, exported over
 * OTLP/HTTP to the operator's collector or the workspace's own. Owners and admins read how the
 * export stands (what was sent, what was dropped and why) and set the workspace's collector;
 * its headers (an API key) are sealed in the room and never sent back, only their names.
 */

export const MAX_TRACE_HEADERS = 10;

export const TracesState = z.object({
  /** Where spans go: the workspace's own collector, the operator's, or nowhere. */
  destination: z.enum(["workspace", "operator", "none"]),
  /** The workspace's own collector's traces URL (https), null when it has none. */
  endpoint: z.string().max(2000).nullable(),
  /** The names of the headers sent to it; their values never leave the room. */
  headerNames: z.array(z.string().max(100)).max(MAX_TRACE_HEADERS),
  /** Whether spans carry tool arguments, results and errors' words (off unless an owner turns it on). */
  captureContent: z.boolean(),
  exported: z.number().int().nonnegative(),
  /** Spans given up on: the collector refused or was unreachable past the retries, or the queue's bound pushed them out. */
  dropped: z.number().int().nonnegative(),
  /** Spans waiting to be sent. */
  queued: z.number().int().nonnegative(),
  lastError: z.string().max(500).nullable(),
  lastErrorAt: Timestamp.nullable(),
  lastExportAt: Timestamp.nullable(),
});
export type TracesState = z.infer<typeof TracesState>;

export const TracesGetParams = z.object({});
export const TracesResult = z.object({ traces: TracesState });

/**
 * Capability `traces.live`: how the export stands, pushed to owners' and admins' sockets as it
 * changes (a batch sent, a try failed, spans dropped, the collector set), at most once a second
 * and the newest state, so the app never reads it again on a timer. The same state
 * `traces.get` answers: the collector's header values are never in it.
 */
export const TracesChangedPayload = z.object({ traces: TracesState });

export function tracesLiveCapability() {
  return {
    name: "traces.live",
    since: 19,
    summary: "how the export of the runs' traces stands, pushed to owners and admins as it changes (traces.changed)",
    adds: ["events.traces.changed"],
    // A socket that did not ask reads `traces.get` when it wants to know.
    events: { "traces.changed": () => null },
    results: {},
  };
}

const HeaderName = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, "a header name is letters, digits and !#$%&'*+.^_`|~-");

/**
 * Sets the workspace's own collector (`endpoint` null: back to the operator's, its headers
 * dropped) and whether spans carry content. Omitted fields stay; `headers` replaces the sealed
 * headers whole.
 */
export const TracesConfigureParams = mutatingParams({
  endpoint: z.string().max(2000).nullable().optional(),
  headers: z
    .record(HeaderName, z.string().max(4000))
    .refine((h) => Object.keys(h).length <= MAX_TRACE_HEADERS, `at most ${MAX_TRACE_HEADERS} headers`)
    .optional(),
  protocol: z.enum(["http/json", "http/protobuf"]).optional(),
  captureContent: z.boolean().optional(),
});
