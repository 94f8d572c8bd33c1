// The workspace's own collector and content capture (`traces.configure`), kept in the room:
// its headers (an API key) sealed under the Worker's secret, bound to the workspace (party/auth/seal.ts).
import { z } from "zod";
import type { TracesState } from "../../../../../shared/protocol/traces";
import { syncSealer } from "../../../../auth/seal";
import { RoomError } from "../../../../domain/errors";
import type { Sql } from "../../../../domain/sql";
import { CommittedMemo } from "../../../../domain/turn-memo";
import { defineRecord } from "../../../../records/codec";
import { featureStore } from "../../kernel/feature-store";
import type { Env } from "../../../../env";
import { operatorTarget } from "./config";
import type { OtlpTarget } from "./otlp";
import { counters, queued } from "./queue";

declare module "../../../../env" {
  interface Env {
    /** Tests only: `host:port` of a stand-in collector a workspace's own endpoint may name over plain http. Never set in production. */
    TRACES_TEST_ENDPOINT_HOST?: string;
  }
}

const TraceSettings = z.object({
  endpoint: z.string().max(2000).nullable(),
  headerNames: z.array(z.string().max(100)).max(20),
  /** The headers as JSON, sealed; null: none. */
  sealedHeaders: z.string().max(100_000).nullable(),
  protocol: z.enum(["http/json", "http/protobuf"]),
  captureContent: z.boolean(),
});
type TraceSettings = z.infer<typeof TraceSettings>;
const settingsRecord = defineRecord("trace settings", TraceSettings);
const store = featureStore(settingsRecord);
const KEY = "workspace";

const DEFAULTS: TraceSettings = {
  endpoint: null,
  headerNames: [],
  sealedHeaders: null,
  protocol: "http/protobuf",
  captureContent: false,
};

// Every log entry a run writes asks whether spans are made at all: the settings are kept in
// memory until `configure` writes them.
const kept = new CommittedMemo<typeof KEY, TraceSettings>(1);

export const traceSettings = (sql: Sql): TraceSettings => kept.read(sql, KEY, () => store.get(sql, KEY) ?? DEFAULTS);

/** Whether the workspace's spans go anywhere (its own collector or the operator's), without opening its headers. */
export const exporting = (sql: Sql, env: Env): boolean =>
  traceSettings(sql).endpoint !== null || operatorTarget(env) !== null;

const sealing = (env: Env) => syncSealer(env.BETTER_AUTH_SECRET, "trace-collector-headers");
const boundTo = (workspaceId: string) => `${workspaceId}\ntrace collector headers`;

/**
 * Why the room refuses to send a workspace's spans to `endpoint`, or null: https to a named
 * host (an owner's URL must not aim the room at its own network), no credentials in the URL.
 */
export function endpointRefusal(endpoint: string, testHost: string | null): string | null {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return "the collector's address is not a URL";
  }
  if (url.username || url.password) return "put credentials in a header, not in the collector's address";
  if (testHost && url.host === testHost && url.protocol === "http:") return null;
  if (url.protocol !== "https:") return "the collector's address must start with https://";
  const host = url.hostname.toLowerCase();
  if (host === "localhost" || host.endsWith(".localhost") || /^[\d.]+$/.test(host) || host.startsWith("["))
    return "the collector must be named by a host name, not localhost or an IP address";
  return null;
}

/** The traces URL of an owner's endpoint: as given when it ends in /v1/traces, else with it appended. */
const tracesPath = (endpoint: string): string => {
  const url = new URL(endpoint);
  if (!url.pathname.endsWith("/v1/traces")) url.pathname = `${url.pathname.replace(/\/+$/, "")}/v1/traces`;
  return url.toString();
};

export function configure(
  sql: Sql,
  env: Env,
  workspaceId: string,
  change: {
    endpoint?: string | null;
    headers?: Record<string, string>;
    protocol?: TraceSettings["protocol"];
    captureContent?: boolean;
  },
  now: number,
): void {
  const current = traceSettings(sql);
  const next: TraceSettings = { ...current };
  if (change.endpoint !== undefined) {
    if (change.endpoint === null) Object.assign(next, { endpoint: null, headerNames: [], sealedHeaders: null });
    else {
      const refusal = endpointRefusal(change.endpoint, env.TRACES_TEST_ENDPOINT_HOST || null);
      if (refusal) throw new RoomError("bad_request", refusal, { endpoint: change.endpoint.slice(0, 200) });
      next.endpoint = tracesPath(change.endpoint);
    }
  }
  if (change.headers !== undefined) {
    if (next.endpoint === null && Object.keys(change.headers).length > 0)
      throw new RoomError("bad_request", "set the collector's address before its headers", {});
    const headers = Object.fromEntries(Object.entries(change.headers).map(([k, v]) => [k.toLowerCase(), v]));
    next.headerNames = Object.keys(headers);
    next.sealedHeaders =
      next.headerNames.length === 0
        ? null
        : sealing(env).seal(new TextEncoder().encode(JSON.stringify(headers)), boundTo(workspaceId));
  }
  if (change.protocol) next.protocol = change.protocol;
  if (change.captureContent !== undefined) next.captureContent = change.captureContent;
  kept.written(sql, KEY);
  store.put(sql, KEY, next, now);
}

/** Where the workspace's spans go: its own collector when it set one, else the operator's. */
export function targetOf(sql: Sql, env: Env, workspaceId: string): OtlpTarget | null {
  const settings = traceSettings(sql);
  if (!settings.endpoint) return operatorTarget(env);
  let headers: Record<string, string> = {};
  if (settings.sealedHeaders) {
    try {
      const opened = sealing(env).open(settings.sealedHeaders, boundTo(workspaceId));
      headers = z.record(z.string(), z.string()).parse(JSON.parse(new TextDecoder().decode(opened)));
    } catch {
      // Headers that no longer open (the secret changed): sent without them, the collector says why.
    }
  }
  return { url: settings.endpoint, headers, protocol: settings.protocol };
}

export function tracesState(sql: Sql, env: Env): TracesState {
  const settings = traceSettings(sql);
  const c = counters(sql);
  return {
    destination: settings.endpoint ? "workspace" : operatorTarget(env) ? "operator" : "none",
    endpoint: settings.endpoint,
    headerNames: settings.headerNames,
    captureContent: settings.captureContent,
    exported: c.exported,
    dropped: c.dropped,
    queued: queued(sql),
    lastError: c.lastError,
    lastErrorAt: c.lastErrorAt,
    lastExportAt: c.lastExportAt,
  };
}
