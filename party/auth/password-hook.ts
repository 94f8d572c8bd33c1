import { APIError, createAuthMiddleware, getSessionFromCtx } from "better-auth/api";
import { passwordProblem } from "./password-policy";

/**
 * The one place a new password is judged, whichever endpoint sets it: the same rules
 * (password-policy.ts) against the address of the account it is for. Each endpoint knows
 * that account differently — sign-up from its body, change-password from the session,
 * reset-password from its token — and the rules are only whole with it: a hook that read
 * the address from the body alone let an account change its password to its own address.
 * better-auth has no other endpoint that sets a password or an address (`change-email` is
 * off: `user.changeEmail` is not enabled; the admin plugin's are closed in routes.ts).
 */

type HookContext = Parameters<Parameters<typeof createAuthMiddleware>[0]>[0];

interface PasswordEndpoint {
  /** Where the new password is in the body. */
  field: string;
  /** The address of the account the password is for; undefined when the endpoint itself will refuse the request. */
  email(ctx: HookContext, body: Record<string, unknown>): Promise<string | undefined>;
}

const text = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);

async function sessionEmail(ctx: HookContext): Promise<string | undefined> {
  return (await getSessionFromCtx(ctx, { disableRefresh: true }))?.user.email;
}

/** The reset token names its user (better-auth stores `reset-password:<token>` → user id); read, not consumed. */
async function resetTokenEmail(ctx: HookContext, body: Record<string, unknown>): Promise<string | undefined> {
  const token = text(body.token) ?? text((ctx.query as Record<string, unknown> | undefined)?.token);
  if (!token) return undefined;
  const verification = await ctx.context.internalAdapter.findVerificationValue(`reset-password:${token}`);
  if (!verification) return undefined;
  return (await ctx.context.internalAdapter.findUserById(verification.value))?.email;
}

const PASSWORD_ENDPOINTS: Record<string, PasswordEndpoint> = {
  "/sign-up/email": { field: "password", email: async (_ctx, body) => text(body.email) },
  "/change-password": { field: "newPassword", email: sessionEmail },
  "/reset-password": { field: "newPassword", email: resetTokenEmail },
};

/** Refuses a weak new password before better-auth hashes it (its own check is length only). */
export const passwordRules = createAuthMiddleware(async (ctx) => {
  const endpoint = PASSWORD_ENDPOINTS[ctx.path];
  const body = (ctx.body ?? {}) as Record<string, unknown>;
  const password = endpoint ? text(body[endpoint.field]) : undefined;
  if (!endpoint || password === undefined) return;
  const problem = passwordProblem(password, await endpoint.email(ctx, body));
  if (problem) throw new APIError("BAD_REQUEST", { message: problem, code: "WEAK_PASSWORD" });
});
