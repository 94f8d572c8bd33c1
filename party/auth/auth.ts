import { betterAuth } from "better-auth";
import type { Env } from "../env";
import { authPlugins, baseAuthOptions } from "./options";
import { createPersonalWorkspace } from "./personal-workspace";
import { newUserFields, signupPolicy } from "./signup-policy";

function createAuth(env: Env, baseURL: string) {
  const policy = signupPolicy(env);
  const auth = betterAuth({
    ...baseAuthOptions,
    baseURL,
    basePath: "/api/auth",
    secret: env.BETTER_AUTH_SECRET,
    database: env.DB,
    plugins: authPlugins(),
    databaseHooks: {
      user: {
        create: {
          // Operators (ADMIN_EMAILS) get the admin role; in waitlist mode everyone else waits.
          before: async (user) => ({ data: { ...user, ...newUserFields(policy, user.email) } }),
          // Every active new person gets a personal workspace they own; a waitlisted one
          // gets it when approved.
          after: async (user) => {
            if (!(user as { waitlisted?: boolean }).waitlisted) await createPersonalWorkspace(auth, user);
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
export function authFor(env: Env, request: Request): Auth {
  if (!env.BETTER_AUTH_SECRET) throw new Error("BETTER_AUTH_SECRET is not set");
  return createAuth(env, new URL(request.url).origin);
}
