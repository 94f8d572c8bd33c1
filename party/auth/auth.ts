import { betterAuth } from "better-auth";
import { appOrigins } from "../access/origin";
import type { Env } from "../env";
import { authPlugins, baseAuthOptions } from "./options";

function createAuth(env: Env, baseURL: string) {
  const auth = betterAuth({
    ...baseAuthOptions,
    baseURL,
    basePath: "/api/auth",
    // The same origins our own routes and the room gate accept (party/access/origin.ts).
    trustedOrigins: appOrigins(env, baseURL),
    secret: env.BETTER_AUTH_SECRET,
    database: env.DB,
    plugins: authPlugins(),
    databaseHooks: {
      user: {
        create: {
          // Every new person gets a personal workspace they own.
          after: async (user) => {
            await auth.api.createOrganization({
              body: {
                name: `${user.name || user.email.split("@")[0]}'s workspace`,
                slug: `personal-${user.id.toLowerCase()}`,
                userId: user.id,
              },
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
export function authFor(env: Env, request: Request): Auth {
  if (!env.BETTER_AUTH_SECRET) throw new Error("BETTER_AUTH_SECRET is not set");
  return createAuth(env, new URL(request.url).origin);
}
