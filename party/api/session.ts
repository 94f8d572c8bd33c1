import { createMiddleware } from "hono/factory";
import { ACCOUNT_REFUSAL, accountStatus } from "../auth/account-status";
import type { ApiEnv } from "./context";
import { httpError } from "./context";

/**
 * After `requireCaller`: a waitlisted account may read who it is (and wait for approval),
 * nothing more. (A disabled one has no session: disabling deletes them.) A key session is
 * active by construction: its key and account were checked when it was read.
 */
export const requireActiveAccount = createMiddleware<ApiEnv>(async (c, next) => {
  if (c.var.caller.kind === "agent") return next();
  const status = accountStatus(c.var.session.user);
  if (status !== "active") return httpError(c, "forbidden", ACCOUNT_REFUSAL[status]);
  await next();
});
