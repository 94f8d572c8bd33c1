import type { z } from "zod";
import { frameOver } from "../../../domain/frame-size";
import type { ErrorShape } from "../../../../shared/protocol/errors";
import { MAX_CLIENT_FRAME_BYTES, RequestFrame, type ResponseFrame } from "../../../../shared/protocol/frames";
import { isMethodName, type MethodName, type MethodParsedParams, Methods } from "../../../../shared/protocol/methods";
import { hasScope } from "../../../../shared/scopes";
import { INTERNAL_ERROR, RoomError } from "../../../domain/errors";
import { and, eq } from "drizzle-orm";
import { param, preparedPerRoom } from "../../../domain/db/client";
import { idempotency } from "./tables";
import type { Sql } from "../../../domain/sql";
import { decodeResult, encodeResult } from "../../../records/results";
import type { Handler, MethodTable, RequestContext } from "./handlers";
import type { RoomWriter } from "./commit";
import type { ThreadsViewResult } from "../../../../shared/protocol/interest";
import type { Answered, ClaimApprovedCall } from "./feature";

// Looked up by every request that carries a key: prepared once per room.
const statements = preparedPerRoom((db) => ({
  recall: db
    .select({ method: idempotency.method, result: idempotency.result })
    .from(idempotency)
    .where(and(eq(idempotency.principalId, param("principalId")), eq(idempotency.key, param("key"))))
    .prepare(),
  remember: db
    .insert(idempotency)
    .values({
      principalId: param("principalId"),
      key: param("key"),
      method: param("method"),
      result: param("result"),
      at: param("at"),
    })
    .prepare(),
}));

/** The stored result of an earlier request with this key, if any. Keys are per principal. */
export function recall(sql: Sql, principalId: string, key: string, method: string): unknown | undefined {
  const row = statements(sql.db).recall.get({ principalId, key });
  if (!row) return undefined;
  if (row.method !== method) {
    throw new RoomError("idempotency_conflict", `idempotency key was already used for ${row.method}`, {
      method: row.method,
    });
  }
  return decodeResult(method, row.result);
}

export function remember(
  sql: Sql,
  principalId: string,
  key: string,
  method: string,
  result: unknown,
  now: number,
): void {
  statements(sql.db).remember.run({ principalId, key, method, result: encodeResult(method, result), at: now });
}

/** A request's answer: what it changed was committed and published before it returns. */
export interface DispatchOutcome {
  response: ResponseFrame;
  /** For server logs: set when the request failed. */
  error?: { method: string; error: ErrorShape; cause?: unknown };
}

function fail(id: string, error: ErrorShape, method = "?", cause?: unknown): DispatchOutcome {
  return { response: { type: "res", id, ok: false, error }, error: { method, error, cause } };
}

function summarize(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
    .join("; ");
}

/** Best-effort request id of a frame we refuse before parsing, so the client can match it. */
export function sniffRequestId(data: string | ArrayBuffer): string {
  if (typeof data !== "string") return "";
  return /^\s*\{[^{}]*?"id"\s*:\s*"([^"\\]{1,64})"/.exec(data.slice(0, 512))?.[1] ?? "";
}

export type ParsedFrame = { ok: true; frame: RequestFrame } | { ok: false; outcome: DispatchOutcome };

/** Turns raw socket data into a request frame, or the typed error to answer with. */
export function parseFrame(data: string | ArrayBuffer): ParsedFrame {
  const bad = (
    id: string,
    code: ErrorShape["code"],
    message: string,
    details?: Record<string, unknown>,
  ): ParsedFrame => ({
    ok: false,
    outcome: fail(id, { code, message, retryable: false, ...(details ? { details } : {}) }),
  });
  if (typeof data !== "string") return bad("", "bad_request", "binary frames are not supported: send JSON text");
  if (frameOver(data, MAX_CLIENT_FRAME_BYTES)) {
    return bad("", "payload_too_large", `frame exceeds ${MAX_CLIENT_FRAME_BYTES} bytes`, {
      maxBytes: MAX_CLIENT_FRAME_BYTES,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return bad("", "bad_request", "frame is not valid JSON");
  }
  const parsed = RequestFrame.safeParse(json);
  if (!parsed.success) {
    const id = typeof (json as { id?: unknown })?.id === "string" ? (json as { id: string }).id.slice(0, 64) : "";
    return bad(id, "bad_request", `not a request frame: ${summarize(parsed.error)}`);
  }
  return { ok: true, frame: parsed.data };
}

type Release = () => void;

/** The request's idempotency key, for methods that carry one (every mutating method). */
function idempotencyKeyOf(params: unknown): string | undefined {
  return typeof params === "object" &&
    params !== null &&
    "idempotencyKey" in params &&
    typeof params.idempotencyKey === "string"
    ? params.idempotencyKey
    : undefined;
}

function refused(id: string, method: string, cause: unknown): DispatchOutcome {
  return cause instanceof RoomError
    ? fail(id, cause.toShape(), method, cause)
    : fail(id, INTERNAL_ERROR, method, cause);
}

/** Validates, authorizes and runs one request; mutations commit atomically with their events. */
export function dispatch(
  table: MethodTable,
  req: RequestContext,
  frame: RequestFrame,
  claimApprovedCall: ClaimApprovedCall = refuseApprovedCalls,
): DispatchOutcome | Promise<DispatchOutcome> {
  const { id, method } = frame;
  if (!isMethodName(method)) return unknownMethod(id, method);
  return dispatchMethod(table, req, id, method, frame.params ?? {}, claimApprovedCall);
}

/** Where no feature files approvals for exactly one call, no call runs on one. */
const refuseApprovedCalls: ClaimApprovedCall = () =>
  Promise.reject(new RoomError("forbidden", "no feature runs calls on an approval"));

/** What a request for a method the server does not have gets (also one the socket's older protocol lacks). */
export const unknownMethod = (id: string, method: string): DispatchOutcome =>
  fail(id, { code: "unknown_method", message: `unknown method ${method}`, retryable: false }, method);

function dispatchMethod<M extends MethodName>(
  table: MethodTable,
  req: RequestContext,
  id: string,
  method: M,
  raw: unknown,
  claimApprovedCall: ClaimApprovedCall,
): DispatchOutcome | Promise<DispatchOutcome> {
  const spec = Methods[method];
  if (!hasScope(req.principal.scopes, spec.scope)) {
    return fail(
      id,
      {
        code: "forbidden",
        message: `${method} needs the ${spec.scope} scope`,
        retryable: false,
        details: { scope: spec.scope },
      },
      method,
    );
  }
  // Each method's schema parses to its MethodParsedParams; indexed by a generic M,
  // TypeScript only sees the union of all schemas.
  const schema = spec.params as unknown as z.ZodType<MethodParsedParams<M>>;
  const params = schema.safeParse(raw);
  if (!params.success) {
    return fail(
      id,
      { code: "bad_request", message: `invalid params: ${summarize(params.error)}`, retryable: false },
      method,
    );
  }
  // A call that runs on a person's approval (an MCP agent's gated call) runs only on the
  // one filed for exactly it (this principal's, this method, these arguments), and only
  // once: a second copy of the call sent at the same time is refused, a repeat after it
  // answered gets the recorded answer.
  const approvedCall = req.approvedCall;
  if (approvedCall !== undefined) {
    const answered = () => answeredBefore(req, method, params.data);
    return claimApprovedCall(
      approvedCall,
      req.principal,
      method,
      params.data as Record<string, unknown>,
      answered,
    ).then(
      () => prepareAndRun(table[method], { ...req, now: Date.now() }, id, method, params.data),
      (cause): DispatchOutcome => refused(id, method, cause),
    );
  }
  return prepareAndRun(table[method], req, id, method, params.data);
}

/** The recorded result of this mutation's earlier answer under its idempotency key, if it has one. */
function earlierAnswer(req: RequestContext, method: MethodName, params: unknown): unknown | undefined {
  const key = Methods[method].mutating ? idempotencyKeyOf(params) : undefined;
  return key === undefined ? undefined : recall(req.room.sql, req.principal.id, key, method);
}

/** Whether this mutation answered before under its idempotency key: a repeat answers from its recorded result. */
function answeredBefore(req: RequestContext, method: MethodName, params: unknown): boolean {
  return earlierAnswer(req, method, params) !== undefined;
}

/** What run() needs not read again: the earlier answer looked up in this same synchronous turn. */
type Looked = { earlier: unknown | undefined } | null;

function prepareAndRun<M extends MethodName>(
  handler: Handler<M>,
  req: RequestContext,
  id: string,
  method: M,
  params: MethodParsedParams<M>,
): DispatchOutcome | Promise<DispatchOutcome> {
  let gate: Promise<Release> | undefined;
  let looked: Looked;
  try {
    looked = { earlier: earlierAnswer(req, method, params) };
    // A repeated mutation answers from its recorded result: it must not reach prepare
    // (which may act outside the room, e.g. send a decision to a gateway) a second time.
    if (looked.earlier === undefined && handler.kind === "mutate") gate = handler.prepare?.(req, params);
  } catch (cause) {
    return refused(id, method, cause);
  }
  if (gate) {
    return gate.then(
      async (release) => {
        try {
          // The wait let other requests in: the key is looked up again in the transaction.
          return await run({ ...req, now: Date.now() }, id, method, handler, params, null);
        } finally {
          release();
        }
      },
      (cause): DispatchOutcome => refused(id, method, cause),
    );
  }
  return run(req, id, method, handler, params, looked);
}

function run<M extends MethodName>(
  req: RequestContext,
  id: string,
  method: M,
  handler: Handler<M>,
  params: MethodParsedParams<M>,
  looked: Looked,
): DispatchOutcome | Promise<DispatchOutcome> {
  try {
    if (handler.kind === "local") {
      // Mutating local methods keep the idempotency contract too: a repeat answers with
      // the first result instead of acting again.
      const key = Methods[method].mutating ? idempotencyKeyOf(params) : undefined;
      if (key !== undefined) {
        const earlier = looked ? looked.earlier : recall(req.room.sql, req.principal.id, key, method);
        if (earlier !== undefined) return { response: { type: "res", id, ok: true, payload: earlier } };
      }
      const keep = (result: unknown) => {
        if (key !== undefined)
          req.room.sql.transaction(() => remember(req.room.sql, req.principal.id, key, method, result, Date.now()));
        return result;
      };
      const payload = handler.run(req, params);
      if (!(payload instanceof Promise)) return { response: { type: "res", id, ok: true, payload: keep(payload) } };
      return payload.then(
        (result): DispatchOutcome => ({ response: { type: "res", id, ok: true, payload: keep(result) } }),
        (cause): DispatchOutcome => refused(id, method, cause),
      );
    }
    if (handler.kind === "query") {
      return { response: { type: "res", id, ok: true, payload: handler.run(req.room.sql, params) } };
    }
    const key = idempotencyKeyOf(params);
    if (key === undefined) throw new Error(`${method} is a mutation without an idempotency key`);
    const as = { now: req.now, ...(req.onBehalfOf ? { onBehalfOf: req.onBehalfOf } : {}) };
    // What the handler commits first stays committed if the request's own transaction rolls back.
    if (handler.first) req.room.commit(req.principal, handler.first, as);
    // A transaction that throws rolled back: nothing of it is published.
    const payload = req.room.commit(
      req.principal,
      (ctx) => {
        const earlier = looked ? looked.earlier : recall(ctx.sql, req.principal.id, key, method);
        if (earlier !== undefined) return earlier;
        const result = handler.run(ctx, params, req);
        remember(ctx.sql, req.principal.id, key, method, result, req.now);
        return result;
      },
      as,
    );
    return { response: { type: "res", id, ok: true, payload } };
  } catch (cause) {
    return refused(id, method, cause);
  }
}

/**
 * What a request's dispatch needs besides the frame: the RequestContext without the room,
 * the socket's own parts (its presence status, the threads it views) only where a socket asks.
 */
export type Execution = Omit<RequestContext, "room" | "setStatus" | "view"> &
  Partial<Pick<RequestContext, "setStatus" | "view">>;

/** The threads a socket views now and their replies streaming. */
export type ViewAnswer = z.output<typeof ThreadsViewResult>;

export type Dispatch = (
  as: Execution & Required<Pick<Execution, "setStatus" | "view">>,
  frame: RequestFrame,
) => DispatchOutcome | Promise<DispatchOutcome>;

/** What only a client's socket has, asked of a request without one (MCP, a tool, a schedule). */
const noSocket = (what: string) => (): never => {
  throw new RoomError("forbidden", `only a client's socket ${what}`);
};

/**
 * The one entry every request takes, from a socket, an MCP session or the Autopilot's
 * tools: dispatch (scope, validation, idempotency, commit and publish), then the answer to
 * the requester, then the features that care that this method was answered
 * (Feature.answered), in that order.
 */
export class Executor {
  constructor(
    private readonly dispatch: Dispatch,
    private readonly answered: (answer: Answered) => void,
  ) {}

  execute(as: Execution, frame: RequestFrame, reply: (outcome: DispatchOutcome) => void): void | Promise<void> {
    const execution = {
      ...as,
      setStatus: as.setStatus ?? noSocket("has a presence to update"),
      view: as.view ?? noSocket("views threads"),
    };
    const done = (outcome: DispatchOutcome): void => {
      reply(outcome);
      const { response } = outcome;
      // Only a registry method can have answered ok (dispatch refuses any other name).
      if (response.ok)
        this.answered({
          method: frame.method as MethodName,
          principal: as.principal,
          via: as.via,
          ...(as.onBehalfOf ? { onBehalfOf: as.onBehalfOf } : {}),
          payload: response.payload as never,
        });
    };
    const outcome = this.dispatch(execution, frame);
    if (outcome instanceof Promise) return outcome.then(done);
    done(outcome);
  }

  /** A registry method as `principal`, with no socket (MCP, the Autopilot's tools): its outcome. */
  async call(
    as: Omit<Execution, "now" | "setStatus" | "view">,
    method: MethodName,
    params: Record<string, unknown>,
  ): Promise<DispatchOutcome> {
    let answer: DispatchOutcome | undefined;
    await this.execute({ ...as, now: Date.now() }, { type: "req", id: as.via, method, params }, (outcome) => {
      answer = outcome;
    });
    return answer as DispatchOutcome;
  }

  /** As `call`, for the Autopilot's tools: the payload, or the refusal thrown as "code: message". */
  async invoke(
    as: Omit<Execution, "now" | "setStatus" | "view">,
    method: MethodName,
    params: Record<string, unknown>,
  ): Promise<unknown> {
    const { response } = await this.call(as, method, params);
    if (!response.ok) throw new Error(`${response.error.code}: ${response.error.message}`);
    return response.payload;
  }
}

/**
 * The room's one entry: requests dispatched over its method table with the room's SQL and
 * commit, a gated call claimed by the feature that files such approvals, answers to the features.
 */
export function roomExecutor(
  methods: MethodTable,
  room: RoomWriter,
  claimApprovedCall: ClaimApprovedCall | undefined,
  answered: (answer: Answered) => void,
): Executor {
  return new Executor((as, frame) => dispatch(methods, { room, ...as }, frame, claimApprovedCall), answered);
}
