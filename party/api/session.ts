import { createMiddleware } from "hono/factory";
import { ACCOUNT_REFUSAL, accountStatus } from "../auth/account-status";
import { type ApiEnv, authOf } from "./context";
import { httpError } from "./http";

export const requireSession = createMiddleware<ApiEnv>(async (c, next) => {
  const session = await authOf(c).api.getSession({ headers: c.req.raw.headers });
  if (!session) return httpError(c, "unauthenticated", "sign in first");
  c.set("session", session);
  await next();
});

/**
 * After `requireSession`: a waitlisted account may read who it is (and wait for approval),
 * nothing more. (A disabled one has no session: disabling deletes them.)
 */
export const requireActiveAccount = createMiddleware<ApiEnv>(async (c, next) => {
  const status = accountStatus(c.var.session.user);
  if (status !== "active") return httpError(c, "forbidden", ACCOUNT_REFUSAL[status]);
  await next();
});
