import { apiKey } from "@better-auth/api-key";
import type { BetterAuthOptions } from "better-auth";
import { organization } from "better-auth/plugins";
import { ac, roles } from "./access";
import { MIN_PASSWORD_LENGTH } from "./password-policy";

export const API_KEY_PREFIX = "ap_";

type InvitationMail = (invitation: { id: string; email: string; role: string; organization: { name: string }; inviter: { user: { name: string; email: string } } }) => Promise<void>;

/**
 * Everything about auth except the database, shared by the Worker and by the
 * migration generator (`npm run db:generate`), so the generated schema always matches.
 */
export function authPlugins(sendInvitationEmail?: InvitationMail) {
  return [
    organization({
      ac,
      roles,
      allowUserToCreateOrganization: true,
      // An invitation goes to an address; only someone who proved they read that
      // address may see, accept or decline it (someone who registered it first cannot).
      requireEmailVerificationOnInvitation: true,
      ...(sendInvitationEmail && { sendInvitationEmail }),
    }),
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
  emailAndPassword: { enabled: true, minPasswordLength: MIN_PASSWORD_LENGTH },
  // The schema generator needs to know the limiter keeps its counters in the database.
  rateLimit: { storage: "database" },
} satisfies Partial<BetterAuthOptions>;
