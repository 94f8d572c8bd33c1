import type { BetterAuthPlugin } from "better-auth";
import { APIError, createAuthMiddleware, getSessionFromCtx } from "better-auth/api";
import { ACCOUNT_REFUSAL, accountStatus } from "./account-status";

/**
 * What a waitlisted account may still do through better-auth's own endpoints: manage its
 * own session and account. Everything else (creating a workspace, minting a key,
 * inviting, …) is refused until an operator approves it, whichever endpoint is called.
 */
const OPEN_TO_WAITLISTED = new Set([
  "/get-session",
  // Proving they read their address is theirs to do while they wait: an operator may add
  // them to a workspace meanwhile, which needs a verified address.
  "/verify-email",
  "/send-verification-email",
  "/sign-out",
  "/change-password",
  "/update-user",
  "/delete-user",
  "/list-sessions",
  "/revoke-session",
  "/revoke-sessions",
  "/revoke-other-sessions",
]);

const openToWaitlisted = (path: string) =>
  OPEN_TO_WAITLISTED.has(path) || path.startsWith("/sign-in/") || path.startsWith("/sign-up/");

/**
 * better-auth plugin: the `waitlisted` column on the user (set at sign-up by the signup
 * policy, cleared when an operator approves) and the gate that keeps a waitlisted account
 * out of every other better-auth endpoint.
 */
export const waitlist = () =>
  ({
    id: "waitlist",
    schema: {
      user: { fields: { waitlisted: { type: "boolean", required: false, defaultValue: false, input: false } } },
    },
    hooks: {
      before: [
        {
          // Only calls that carry someone's credentials: the server's own header-less calls
          // (creating a personal workspace on approval) act for the operator's decision.
          matcher: (ctx) => Boolean(ctx.headers) && !openToWaitlisted(ctx.path ?? ""),
          handler: createAuthMiddleware(async (ctx) => {
            const session = await getSessionFromCtx(ctx);
            if (session && accountStatus({ waitlisted: session.user.waitlisted }) === "waitlisted") {
              throw new APIError("FORBIDDEN", { message: ACCOUNT_REFUSAL.waitlisted, code: "WAITLISTED" });
            }
          }),
        },
      ],
    },
  }) satisfies BetterAuthPlugin;
