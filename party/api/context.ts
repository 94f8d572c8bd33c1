import { zValidator } from "@hono/zod-validator";
import type { Context } from "hono";
import type { z } from "zod";
import { type Auth, authFor } from "../auth/auth";
import type { Env } from "../env";
import type { Principal } from "../../shared/protocol/principal";
import type { Manager } from "./caller";
import { HTTP_ERROR_STATUS, type HttpErrorBody, type HttpErrorCode } from "../../shared/api/errors";

/** What every route of the auth HTTP API shares: its Hono environment, the request's auth instance, body validation. */
export type Session = NonNullable<Awaited<ReturnType<Auth["api"]["getSession"]>>>;
/** Who is calling: a person, or the app signed in with an agent's key (caller.ts). */
export type Caller =
  | { kind: "user"; session: Session }
  | { kind: "agent"; principal: Principal; keyId: string; workspaceId: string };

/**
 * `session` is set for a person only; `caller` says who is calling; `manager` is set only on
 * the routes behind `managesWorkspace` (caller.ts).
 */
export type ApiEnv = {
  Bindings: Env;
  Variables: { auth: Auth | undefined; session: Session; caller: Caller; manager: Manager };
};
export type ApiContext = Context<ApiEnv>;

/**
 * The request's better-auth instance, made on first use only. Making one starts its
 * context initialisation; a request that ends with that still pending (a health check, a
 * rejected body) leaves a promise the next request awaits in vain, since workerd never
 * settles a promise for a request other than the one that created it.
 */
export function authOf(c: ApiContext): Auth {
  let auth = c.get("auth");
  if (!auth) {
    auth = authFor(c.env, c.req.raw, (promise) => c.executionCtx.waitUntil(promise));
    c.set("auth", auth);
  }
  return auth;
}

/** A JSON body checked against its schema; a bad one is a 400 saying what was expected. */
export const jsonBody = <T extends z.ZodType>(schema: T, expected: string) =>
  zValidator("json", schema, (result, c) => {
    if (!result.success) return httpError(c, "bad_request", expected);
  });

/** Our error body, with the status its code stands for. */
export function httpError(c: Context, code: HttpErrorCode, message: string): Response {
  return c.json({ error: { code, message } } satisfies HttpErrorBody, HTTP_ERROR_STATUS[code]);
}

/** Logs what went wrong (stack included) and tells the client nothing more than that it did. */
export function internalError(path: string, error: unknown): Response {
  console.error(
    JSON.stringify({
      msg: "worker error",
      path,
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    }),
  );
  return Response.json({ error: { code: "internal", message: "internal error" } } satisfies HttpErrorBody, {
    status: 500,
  });
}
