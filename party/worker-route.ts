// A Worker route as the module that answers it declares it (the Hocuspocus extension's
// `onRequest`): which paths are its and how it answers them. party/index.ts dispatches from
// the table of these, in its order; each route keeps its own checks (a session, a key, a
// platform's proof, the gateway's pairing, none).
import type { Auth } from "./auth/auth";
import type { Env } from "./env";

export interface WorkerRoute {
  /** What it is, for whoever reads the table. */
  readonly name: string;
  /** Whether a request's path is this route's. */
  matches(pathname: string): boolean;
  /** Its answer; `auth` builds the request's Better Auth only when the route reads a session. */
  handle(request: Request, env: Env, ctx: ExecutionContext, auth: () => Auth): Promise<Response> | Response;
}

/** Paths under `prefix` (which ends with its `/`, or is a prefix as the route's paths spell it). */
export const under =
  (prefix: string) =>
  (pathname: string): boolean =>
    pathname.startsWith(prefix);
