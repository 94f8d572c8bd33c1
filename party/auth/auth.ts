import { betterAuth } from "better-auth";
import { appOrigins, requireLinkOrigin } from "./origin";
import type { Env } from "../env";
import { sendMail } from "./mail";
import { authPlugins, baseAuthOptions } from "./options";
import { seatHooks } from "./seats";
import { newUserFields, signupPolicy } from "./signup-policy";
import { passwordRules } from "./password-hook";
import { authRateLimit, rateLimitWindow } from "./rate-limits";
import { promoteListedOperator } from "./listed-operators";
import { invitationLink } from "./invitation-links";
import { roomCall } from "../room-rpc";

/**
 * better-auth's verification URL moved to `origin` (requireLinkOrigin: a configured one, not
 * the Host the request named): its path and token, and a callback only when it is a path of
 * the app (where the reader lands once verified), never another site.
 */
export function verificationLink(origin: string, url: string): string {
  const given = new URL(url);
  const link = new URL(given.pathname, origin);
  link.searchParams.set("token", given.searchParams.get("token") ?? "");
  const callback = given.searchParams.get("callbackURL") ?? "/";
  link.searchParams.set("callbackURL", /^\/(?![/\\])[^\s\\\p{Cc}]*$/u.test(callback) ? callback : "/");
  return link.toString();
}

/** Runs a promise past the response (the request's `waitUntil`). */
export type Background = (promise: Promise<unknown>) => void;

/**
 * A sign-up through an invitation's link (party/api/invitation-routes.ts): the link proved the
 * address, so the account starts verified and active, and without a workspace of its own (it
 * is about to join the one it was invited to).
 */
export interface Joining {
  email: string;
}

function createAuth(env: Env, baseURL: string, background?: Background, joining?: Joining) {
  const policy = signupPolicy(env);
  const limits = authRateLimit(rateLimitWindow(env));
  const auth = betterAuth({
    ...baseAuthOptions,
    ...limits,
    baseURL,
    basePath: "/api/auth",
    // The same origins our own routes and the room gate accept (party/auth/origin.ts).
    trustedOrigins: appOrigins(env, baseURL),
    secret: env.BETTER_AUTH_SECRET,
    database: env.DB,
    hooks: { before: passwordRules },
    advanced: {
      ...limits.advanced,
      // The schema is ours (party/migrations, applied before the Worker serves). Left on,
      // every instance (one per request, below) checked it with 14 introspection queries
      // on D1, which runs statements one at a time: a reconnect storm queued them before
      // every session read.
      database: { validateSchema: false },
      // Without a handler better-auth would leave deferred writes (api keys' bookkeeping)
      // dangling; workerd may cancel them once the response is out.
      ...(background && { backgroundTasks: { handler: background } }),
    },
    // Signing in unverified stays allowed (your personal workspace works at once); what
    // needs a verified address is being added to, or invited into, someone's workspace.
    emailVerification: {
      sendOnSignUp: true,
      autoSignInAfterVerification: true,
      sendVerificationEmail: async ({ user, url }) => {
        // Joined through an invitation's link: verified already.
        if (user.emailVerified) return;
        const link = verificationLink(requireLinkOrigin(env, baseURL), url);
        await sendMail(env, {
          to: user.email,
          subject: "Verify your e-mail for Autopilot",
          text: `Open this link to verify ${user.email}:\n\n${link}\n`,
          link,
        });
      },
    },
    plugins: authPlugins(
      async (invitation) => {
        const link = await invitationLink(requireLinkOrigin(env, baseURL), env.BETTER_AUTH_SECRET, invitation.id);
        const inviter = invitation.inviter.user.name || invitation.inviter.user.email;
        await sendMail(env, {
          to: invitation.email,
          subject: `${inviter} invited you to ${invitation.organization.name}`,
          text: `${inviter} invited you to the workspace ${invitation.organization.name} as ${invitation.role}. Open this link to join (with a new account, or the one you have for this address):\n\n${link}\n`,
          link,
        });
      },
      seatHooks(env.DB, (workspaceId) => roomCall(env.Autopilot.getByName(workspaceId), "planOf")),
    ),
    databaseHooks: {
      user: {
        create: {
          // Operators (ADMIN_EMAILS) get the admin role; in waitlist mode everyone else waits.
          before: async (user) => {
            const fields = newUserFields(policy, user.email);
            // Vouched for by the workspace that invited the address, which the link proved: no waitlist, no verifying again.
            const joined = joining && joining.email.toLowerCase() === user.email.toLowerCase();
            return { data: { ...user, ...fields, ...(joined && { emailVerified: true, waitlisted: false }) } };
          },
          // Every active new person gets a personal workspace they own; a waitlisted one
          // gets it when approved; one who joins through an invitation starts in that workspace.
          after: async (user) => {
            if (joining || (user as { waitlisted?: boolean }).waitlisted) return;
            await createPersonalWorkspace(auth, user);
          },
        },
      },
      session: {
        create: {
          // ADMIN_EMAILS applies at sign-in too, to accounts made before their address was listed.
          after: async (session) => {
            if (policy.operatorEmails.size === 0) return;
            const { internalAdapter } = await auth.$context;
            await promoteListedOperator(policy, session.userId, {
              findUser: (id) => internalAdapter.findUserById(id),
              promote: async (id) => {
                await internalAdapter.updateUser(id, { role: "admin", waitlisted: false });
              },
              createPersonalWorkspace: (user) => createPersonalWorkspace(auth, user),
            });
          },
        },
      },
    },
  });
  return auth;
}

export type Auth = ReturnType<typeof createAuth>;

/**
 * One auth instance per request. better-auth memoizes promises (its lazy context) on the
 * instance; workerd refuses to settle a promise created by an earlier request, so an
 * instance shared across requests fails on the second one.
 */
export function authFor(env: Env, request: Request, background?: Background, joining?: Joining): Auth {
  if (!env.BETTER_AUTH_SECRET) throw new Error("BETTER_AUTH_SECRET is not set");
  return createAuth(env, new URL(request.url).origin, background, joining);
}

export const personalWorkspaceSlug = (userId: string) => `personal-${userId.toLowerCase()}`;

/**
 * The workspace every active person owns: made at sign-up, or, for an account that waited
 * on the waitlist, when an operator approves it (a waitlisted account owns nothing).
 */
export async function createPersonalWorkspace(
  auth: Auth,
  user: { id: string; name: string; email: string },
): Promise<void> {
  await auth.api.createOrganization({
    body: {
      name: `${user.name || user.email.split("@")[0]}'s workspace`,
      slug: personalWorkspaceSlug(user.id),
      userId: user.id,
    },
  });
}
