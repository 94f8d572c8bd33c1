import { apiKey } from "@better-auth/api-key";
import type { BetterAuthOptions } from "better-auth";
import { admin, organization } from "better-auth/plugins";
import { ac, roles } from "./access";
import { ACCOUNT_REFUSAL } from "./account-status";
import { waitlist } from "./waitlist-plugin";

export const API_KEY_PREFIX = "ap_";

/** A tuple, not an array of the union: better-auth infers the user's plugin fields (role, banned, waitlisted) only from a tuple. */
const tuple = <T extends unknown[]>(items: [...T]): T => items;

/**
 * Everything about auth except the database, shared by the Worker and by the
 * migration generator (`npm run db:generate`), so the generated schema always matches.
 */
export function authPlugins() {
  return tuple([
    organization({ ac, roles, allowUserToCreateOrganization: true }),
    apiKey({
      references: "organization",
      enableMetadata: true,
      defaultPrefix: API_KEY_PREFIX,
      // The room rate-limits per connection; the plugin's default (10 verifications a
      // day per key) would lock an agent out after a few reconnects.
      rateLimit: { enabled: false },
    }),
    // Operators (user role `admin`, given at sign-up to ADMIN_EMAILS). Its HTTP endpoints
    // are closed (party/api/routes.ts): `/admin` uses ours, which call the plugin server-side.
    admin({ bannedUserMessage: ACCOUNT_REFUSAL.disabled }),
    waitlist(),
  ]);
}

export const baseAuthOptions = {
  emailAndPassword: { enabled: true, minPasswordLength: 8 },
} satisfies Partial<BetterAuthOptions>;
