import type { MethodName, MethodParsedParams, MethodResult } from "../../../../shared/protocol/methods";
import type { OpContext } from "./commit";
import type { Page } from "./paging";
import type { Sql } from "../../../domain/sql";
import type { RequestContext } from "../request-context";

type Params<M extends MethodName> = MethodParsedParams<M>;
type Result<M extends MethodName> = MethodResult<M>;

/**
 * How the room answers a method:
 * - `mutate`: one transaction over the domain, its events committed with it; `prepare`
 *   (optional) runs first, outside it, and may make the request wait (e.g. for a gateway);
 * - `query`: a read;
 * - `local`: the room itself, with its live parts (context.ts).
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
