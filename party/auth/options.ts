import { apiKey } from "@better-auth/api-key";
import type { BetterAuthOptions } from "better-auth";
import { organization } from "better-auth/plugins";
import { ac, roles } from "./access";

export const API_KEY_PREFIX = "ap_";

/**
 * Everything about auth except the database, shared by the Worker and by the
 * migration generator (`npm run db:generate`), so the generated schema always matches.
 */
export function authPlugins() {
  return [
    organization({ ac, roles, allowUserToCreateOrganization: true }),
    apiKey({
      references: "organization",
      enableMetadata: true,
      defaultPrefix: API_KEY_PREFIX,
      // The room rate-limits per connection; the plugin's default (10 verifications a
      // day per key) would lock an agent out after a few reconnects.
      rateLimit: { enabled: false },
    }),
  ];
}

export const baseAuthOptions = {
  emailAndPassword: { enabled: true, minPasswordLength: 8 },
} satisfies Partial<BetterAuthOptions>;
