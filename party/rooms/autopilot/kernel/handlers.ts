import type { MethodName, MethodParsedParams, MethodResult } from "../../../../shared/protocol/methods";
import type { Actor, Principal } from "../../../../shared/protocol/principal";
import type { PresenceEntry } from "../../../../shared/protocol/presence";
import type { ThreadsViewResult } from "../../../../shared/protocol/interest";
import type { z } from "zod";
import type { OpContext, RoomWriter } from "./commit";
import type { Page } from "./paging";
import type { Sql } from "../../../domain/sql";
import type { Via } from "./feature";

/**
 * One request to the room: who asks, through what and when, and the room's SQL and commit.
 * Nothing of a feature's: a handler reaches its own feature's live parts by closing over them
 * where the feature builds its methods.
 */
export interface RequestContext {
  /** The room's SQL and its one commit (the kernel's). */
  room: RoomWriter;
  principal: Principal;
  /** Where the request came from (a socket, MCP, a tool, a schedule, a decision link, a chat). */
  via: Via;
  /** Whose turn this request is done for, when not the principal's own (the Autopilot's run: its trigger). */
  onBehalfOf?: Actor;
  /** The approval a person granted for exactly this call (an MCP agent's gated tool): dispatch refuses the call unless the approval's gate names it. */
  approvedCall?: string;
  /** The schedule whose run this request is: a message it posts carries its id. */
  scheduleId?: string;
  /** The thread of the Autopilot's run this request is a tool call of: an approval it files for a person names it. */
  threadId?: string;
  now: number;
  /** Sets the requesting socket's presence status and tells everyone (a tool call has no socket). */
  setStatus(status: string | null): PresenceEntry;
  /** Sets the threads the requesting socket gets messages and streams of (a tool call has no socket). */
  view(threads: readonly string[]): z.output<typeof ThreadsViewResult>;
}

type Params<M extends MethodName> = MethodParsedParams<M>;
type Result<M extends MethodName> = MethodResult<M>;

/**
 * How the room answers a method:
 * - `mutate`: one transaction over the domain, its events committed with it; `prepare`
 *   (optional) runs first, outside it, and may make the request wait (e.g. for a gateway);
 * - `query`: a read;
 * - `local`: the room itself: the handler acts through its own feature's live parts.
 */
export type Handler<M extends MethodName> =
  | {
      kind: "mutate";
      run: (ctx: OpContext, params: Params<M>, req: RequestContext) => Result<M>;
      prepare?: (req: RequestContext, params: Params<M>) => Promise<() => void> | undefined;
      /** Committed on its own just before the request's transaction, so a rollback of the request leaves it written. */
      first?: (ctx: OpContext) => void;
    }
  | { kind: "query"; run: (sql: Sql, params: Params<M>) => Result<M> }
  | { kind: "local"; run: (req: RequestContext, params: Params<M>) => Result<M> | Promise<Result<M>> };

/** The methods a feature answers, each with its handler. */
export type Methods = { readonly [M in MethodName]?: Handler<M> };

/**
 * A feature's methods as a literal: each handler typed by its own method's params and result.
 * (Through the optional keys of `Methods` alone, TypeScript would infer every method at once.)
 */
export const methods = <K extends MethodName>(handlers: { readonly [M in K]: Handler<M> }): Methods =>
  handlers as Methods;

/** Every method of the registry with its handler. */
export type MethodTable = { readonly [M in MethodName]: Handler<M> };

export const mutate = <M extends MethodName>(
  run: (ctx: OpContext, params: Params<M>, req: RequestContext) => Result<M>,
  prepare?: (req: RequestContext, params: Params<M>) => Promise<() => void> | undefined,
  first?: (ctx: OpContext) => void,
): Handler<M> => ({ kind: "mutate", run, ...(prepare ? { prepare } : {}), ...(first ? { first } : {}) });

export const query = <M extends MethodName>(run: (sql: Sql, params: Params<M>) => Result<M>): Handler<M> => ({
  kind: "query",
  run,
});

export const local = <M extends MethodName>(
  run: (req: RequestContext, params: Params<M>) => Result<M> | Promise<Result<M>>,
): Handler<M> => ({
  kind: "local",
  run,
});

/** A list method's result: its page's items under their name, and where the next page starts. */
export const paged = <T, R>(page: Page<T>, wrap: (items: T[]) => R): R & { next: Page<T>["next"] } => ({
  ...wrap(page.items),
  next: page.next,
});

/**
 * The room's method table from its features' methods: each method of the registry answered
 * by exactly one feature. A method without one, or with two, is a wiring mistake the room
 * refuses to start with (a test builds the table, so it shows before a deploy).
 */
export function methodTable(
  features: readonly { name: string; methods?: Methods }[],
  registry: readonly MethodName[],
): MethodTable {
  const table: Partial<Record<MethodName, { handler: unknown; feature: string }>> = {};
  for (const feature of features) {
    for (const [method, handler] of Object.entries(feature.methods ?? {}) as [MethodName, unknown][]) {
      const taken = table[method];
      if (taken) throw new Error(`${method} is answered by two features: ${taken.feature} and ${feature.name}`);
      table[method] = { handler, feature: feature.name };
    }
  }
  const missing = registry.filter((method) => !table[method]);
  if (missing.length > 0) throw new Error(`no feature answers ${missing.join(", ")}`);
  return Object.fromEntries(Object.entries(table).map(([method, entry]) => [method, entry.handler])) as MethodTable;
}
