// A Worker route as the module that answers it declares it (the Hocuspocus extension's
// `onRequest`): which paths are its and how it answers them. party/index.ts dispatches from
// the table of these, in its order; each route keeps its own checks (a session, a key, a
// platform's proof, the gateway's pairing, none).
import type { Auth } from "./auth/auth";
import type { Env } from "./env";
import type { Offered } from "./rooms/autopilot/kernel/feature";

declare module "./rooms/autopilot/kernel/feature" {
  interface FeatureOffers {
    /**
     * The Worker routes a feature answers (its webhooks), each made once from what the features
     * offer (the chats' route takes the platforms they offer): the Worker tries them first.
     */
    workerRoutes: readonly ((offered: Offered) => WorkerRoute)[];
  }
}

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

/** The routes the room's features declare (`workerRoutes`), each made once, in the features' order. */
export function featureRoutes(offered: Offered): WorkerRoute[] {
  return offered("workerRoutes")
    .flat()
    .map((make) => make(offered));
}
