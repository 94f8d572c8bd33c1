import { z } from "zod";
import type { ErrorShape } from "../../shared/protocol/errors";
import { MAX_CLIENT_FRAME_BYTES, RequestFrame, type ResponseFrame } from "../../shared/protocol/frames";
import { isMethodName, type MethodName, Methods } from "../../shared/protocol/methods";
import type { Principal } from "../../shared/protocol/principal";
import { hasScope } from "../../shared/scopes";
import { expireDueApprovals, getApproval, listApprovals, requestApproval, resolveApproval } from "../domain/approvals";
import { listAudit } from "../domain/audit";
import { createOpContext, type OpContext, type OpEffects } from "../domain/context";
import { INTERNAL_ERROR, RoomError } from "../domain/errors";
import { recall, remember } from "../domain/idempotency";
import { attachInstance, listInstances, requestInstanceOperation } from "../domain/instances";
import { cancelJob, failJob, finishJob, listJobs, startJob, updateJob } from "../domain/jobs";
import { listSessions, openSession, sendToSession } from "../domain/gateway";
import { sendChat } from "../domain/gateway-outbox";
import type { Sql } from "../domain/sql";
import { archiveThread, createThread, listMessages, listThreads, renameThread } from "../domain/threads";

// biome-ignore lint/suspicious/noExplicitAny: params are validated by the method's schema before a handler sees them
type AnyParams = any;
type Mutation = { kind: "mutate"; run: (ctx: OpContext, params: AnyParams) => unknown };
type Query = { kind: "query"; run: (sql: Sql, params: AnyParams) => unknown };
/** Methods the room itself answers: presence needs its live connections, graph.apply the Hatchery. */
export type LocalHandler = (params: AnyParams) => unknown;
export type LocalMethod = "presence.list" | "presence.update" | "graph.apply" | "chat.abort" | "sessions.history";
const LOCAL_METHODS = new Set<string>(["presence.list", "presence.update", "graph.apply", "chat.abort", "sessions.history"]);

const mutate = (run: Mutation["run"]): Mutation => ({ kind: "mutate", run });
const query = (run: Query["run"]): Query => ({ kind: "query", run });

const HANDLERS: Record<Exclude<MethodName, LocalMethod>, Mutation | Query> = {
  "threads.create": mutate(createThread),
  "threads.rename": mutate(renameThread),
  "threads.archive": mutate(archiveThread),
  "threads.list": query((sql, p) => ({ threads: listThreads(sql, p.includeArchived) })),
  "messages.list": query(listMessages),
  "chat.send": mutate(sendChat),
  "approvals.request": mutate(requestApproval),
  "approvals.resolve": mutate(resolveApproval),
  "approvals.list": query((sql, p) => ({ approvals: listApprovals(sql, p) })),
  "approvals.get": query((sql, p) => {
    const approval = getApproval(sql, p.approvalId);
    if (!approval) throw new RoomError("not_found", `no approval ${p.approvalId}`);
    return { approval };
  }),
  "audit.list": query((sql, p) => listAudit(sql, p.before, p.limit)),
  "jobs.start": mutate(startJob),
  "jobs.update": mutate(updateJob),
  "jobs.finish": mutate(finishJob),
  "jobs.fail": mutate(failJob),
  "jobs.cancel": mutate(cancelJob),
  "jobs.list": query((sql, p) => ({ jobs: listJobs(sql, p) })),
  "instances.provision": mutate((ctx, p) => requestInstanceOperation(ctx, "provision", p)),
  "instances.restart": mutate((ctx, p) => requestInstanceOperation(ctx, "restart", p)),
  "instances.backup": mutate((ctx, p) => requestInstanceOperation(ctx, "backup", p)),
  "instances.delete": mutate((ctx, p) => requestInstanceOperation(ctx, "delete", p)),
  "instances.attach": mutate((ctx, p) => attachInstance(ctx, p, true)),
  "instances.detach": mutate((ctx, p) => attachInstance(ctx, p, false)),
  "instances.list": query((sql) => ({ instances: listInstances(sql) })),
  "sessions.list": query((sql, p) => listSessions(sql, p.instanceId)),
  "sessions.open": mutate(openSession),
  "sessions.send": mutate(sendToSession),
};

export interface DispatchOutcome {
  response: ResponseFrame;
  effects: OpEffects;
  /** For server logs: set when the request failed. */
  error?: { method: string; error: ErrorShape; cause?: unknown };
}

const NO_EFFECTS: OpEffects = { events: [], wakeups: [] };

function fail(id: string, error: ErrorShape, method = "?", cause?: unknown): DispatchOutcome {
  return { response: { type: "res", id, ok: false, error }, effects: NO_EFFECTS, error: { method, error, cause } };
}

function summarize(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
    .join("; ");
}

/**
 * UTF-16 length bounds UTF-8 bytes from below (×1) and above (×3): only strings in
 * between need encoding, and a huge one is refused without ever being encoded.
 */
export function frameTooLarge(data: string): boolean {
  if (data.length > MAX_CLIENT_FRAME_BYTES) return true;
  if (data.length * 3 <= MAX_CLIENT_FRAME_BYTES) return false;
  return new TextEncoder().encode(data).byteLength > MAX_CLIENT_FRAME_BYTES;
}

/** Best-effort request id of a frame we refuse before parsing, so the client can match it. */
export function sniffRequestId(data: string | ArrayBuffer): string {
  if (typeof data !== "string") return "";
  return /^\s*\{[^{}]*?"id"\s*:\s*"([^"\\]{1,64})"/.exec(data.slice(0, 512))?.[1] ?? "";
}

export type ParsedFrame = { ok: true; frame: RequestFrame } | { ok: false; outcome: DispatchOutcome };

/** Turns raw socket data into a request frame, or the typed error to answer with. */
export function parseFrame(data: string | ArrayBuffer): ParsedFrame {
  const bad = (id: string, code: ErrorShape["code"], message: string, details?: Record<string, unknown>): ParsedFrame => ({
    ok: false,
    outcome: fail(id, { code, message, retryable: false, ...(details ? { details } : {}) }),
  });
  if (typeof data !== "string") return bad("", "bad_request", "binary frames are not supported: send JSON text");
  if (frameTooLarge(data)) {
    return bad("", "payload_too_large", `frame exceeds ${MAX_CLIENT_FRAME_BYTES} bytes`, { maxBytes: MAX_CLIENT_FRAME_BYTES });
  }
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return bad("", "bad_request", "frame is not valid JSON");
  }
  const parsed = RequestFrame.safeParse(json);
  if (!parsed.success) {
    const id = typeof (json as { id?: unknown })?.id === "string" ? ((json as { id: string }).id.slice(0, 64)) : "";
    return bad(id, "bad_request", `not a request frame: ${summarize(parsed.error)}`);
  }
  return { ok: true, frame: parsed.data };
}

export interface DispatchContext {
  sql: Sql;
  principal: Principal;
  now: number;
  retain: number;
  local: Record<LocalMethod, LocalHandler>;
  /**
   * Runs before a validated, authorized request (after the scope check): a promise makes
   * the request wait for it (e.g. a decision that must reach a gateway first), and what it
   * resolves to is called once the request is done. Throwing a RoomError refuses it.
   */
  prepare?: (method: MethodName, params: AnyParams) => Promise<(() => void) | void> | undefined;
}

/** Validates, authorizes and runs one request; mutations commit atomically with their events. */
export function dispatch(dc: DispatchContext, frame: RequestFrame): DispatchOutcome | Promise<DispatchOutcome> {
  const { id, method } = frame;
  if (!isMethodName(method)) return fail(id, { code: "unknown_method", message: `unknown method ${method}`, retryable: false }, method);
  const spec = Methods[method];
  if (!hasScope(dc.principal.scopes, spec.scope)) {
    return fail(id, { code: "forbidden", message: `${method} needs the ${spec.scope} scope`, retryable: false, details: { scope: spec.scope } }, method);
  }
  const params = spec.params.safeParse(frame.params ?? {});
  if (!params.success) {
    return fail(id, { code: "bad_request", message: `invalid params: ${summarize(params.error)}`, retryable: false }, method);
  }
  let gate: Promise<(() => void) | void> | undefined;
  try {
    // A repeated mutation answers from its recorded result: it must not reach prepare
    // (which may act outside the room, e.g. send a decision to a gateway) a second time.
    const key = spec.mutating ? (params.data as { idempotencyKey?: string }).idempotencyKey : undefined;
    const repeated = key !== undefined && recall(dc.sql, dc.principal.id, key, method) !== undefined;
    if (!repeated) gate = dc.prepare?.(method, params.data);
  } catch (cause) {
    return cause instanceof RoomError ? fail(id, cause.toShape(), method, cause) : fail(id, INTERNAL_ERROR, method, cause);
  }
  if (gate) {
    return gate.then(
      async (release) => {
        try {
          return await run({ ...dc, now: Date.now() }, id, method, params.data);
        } finally {
          release?.();
        }
      },
      (cause): DispatchOutcome => (cause instanceof RoomError ? fail(id, cause.toShape(), method, cause) : fail(id, INTERNAL_ERROR, method, cause)),
    );
  }
  return run(dc, id, method, params.data);
}

function run(dc: DispatchContext, id: string, method: MethodName, params: AnyParams): DispatchOutcome | Promise<DispatchOutcome> {
  try {
    if (LOCAL_METHODS.has(method)) {
      // Mutating local methods keep the idempotency contract too: a repeat answers with
      // the first result instead of acting again.
      const key = Methods[method].mutating ? (params as { idempotencyKey: string }).idempotencyKey : undefined;
      if (key !== undefined) {
        const earlier = recall(dc.sql, dc.principal.id, key, method);
        if (earlier !== undefined) return { response: { type: "res", id, ok: true, payload: earlier }, effects: NO_EFFECTS };
      }
      const keep = (result: unknown) => {
        if (key !== undefined) dc.sql.transaction(() => remember(dc.sql, dc.principal.id, key, method, result, Date.now()));
        return result;
      };
      const payload = dc.local[method as LocalMethod](params);
      if (!(payload instanceof Promise)) return { response: { type: "res", id, ok: true, payload: keep(payload) }, effects: NO_EFFECTS };
      return payload.then(
        (result): DispatchOutcome => ({ response: { type: "res", id, ok: true, payload: keep(result) }, effects: NO_EFFECTS }),
        (cause): DispatchOutcome => (cause instanceof RoomError ? fail(id, cause.toShape(), method, cause) : fail(id, INTERNAL_ERROR, method, cause)),
      );
    }
    const handler = HANDLERS[method as Exclude<MethodName, LocalMethod>];
    if (handler.kind === "query") {
      return { response: { type: "res", id, ok: true, payload: handler.run(dc.sql, params) }, effects: NO_EFFECTS };
    }
    const key = (params as { idempotencyKey: string }).idempotencyKey;
    const { ctx, effects } = createOpContext(dc.sql, dc.principal, dc.now, dc.retain);
    // Expiry commits on its own, before the decision: a resolve that loses to the clock
    // must leave the approval expired for everyone, not roll the expiry back with itself.
    if (method.startsWith("approvals.")) dc.sql.transaction(() => expireDueApprovals(ctx));
    const committed = { events: effects.events.length, wakeups: effects.wakeups.length };
    try {
      const payload = dc.sql.transaction(() => {
        const earlier = recall(dc.sql, dc.principal.id, key, method);
        if (earlier !== undefined) return earlier;
        const result = handler.run(ctx, params);
        remember(dc.sql, dc.principal.id, key, method, result, dc.now);
        return result;
      });
      return { response: { type: "res", id, ok: true, payload }, effects };
    } catch (cause) {
      // The transaction rolled back: forget what it emitted, keep what committed before.
      effects.events.length = committed.events;
      effects.wakeups.length = committed.wakeups;
      const outcome = cause instanceof RoomError ? fail(id, cause.toShape(), method, cause) : fail(id, INTERNAL_ERROR, method, cause);
      return { ...outcome, effects };
    }
  } catch (cause) {
    if (cause instanceof RoomError) return fail(id, cause.toShape(), method, cause);
    return fail(id, INTERNAL_ERROR, method, cause);
  }
}
