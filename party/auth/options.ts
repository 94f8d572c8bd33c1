import { apiKey } from "@better-auth/api-key";
import type { BetterAuthOptions } from "better-auth";
import { admin, type OrganizationOptions, organization } from "better-auth/plugins";
import { ac, roles } from "./access";
import { ACCOUNT_REFUSAL } from "./account-status";
import { MIN_PASSWORD_LENGTH } from "./password-policy";
import { waitlist } from "./waitlist-plugin";

export const API_KEY_PREFIX = "ap_";

/** better-auth's defaults, named because the socket gate applies them too (socket-session.ts): a session lives 7 days and slides forward once a day of it is used. */
export const SESSION_EXPIRES_IN_S = 7 * 24 * 3600;
export const SESSION_UPDATE_AGE_S = 24 * 3600;

/** A tuple, not an array of the union: better-auth infers the user's plugin fields (role, banned, waitlisted) only from a tuple. */
const tuple = <T extends unknown[]>(items: [...T]): T => items;

type InvitationMail = (invitation: {
  id: string;
  email: string;
  role: string;
  organization: { name: string };
  inviter: { user: { name: string; email: string } };
}) => Promise<void>;

/**
 * Everything about auth except the database, shared by the Worker and by the
 * migration generator (`npm run db:generate`), so the generated schema always matches.
 */
export function authPlugins(sendInvitationEmail?: InvitationMail, seats?: OrganizationOptions["organizationHooks"]) {
  return tuple([
    organization({
      ac,
      roles,
      allowUserToCreateOrganization: true,
      // An invitation goes to an address; only someone who proved they read that
      // address may see, accept or decline it (someone who registered it first cannot).
      requireEmailVerificationOnInvitation: true,
      // Seats are the plan's, counted over people only (party/api/seats.ts says what frees
      // one). The plugin's own cap (100 members by default, agents' accounts included) would
      // be a second, hidden limit that refuses a workspace's 101st member whatever its plan.
      membershipLimit: Number.MAX_SAFE_INTEGER,
      ...(sendInvitationEmail && { sendInvitationEmail }),
      // The plan's seats, held at every way in (party/auth/seats.ts).
      ...(seats && { organizationHooks: seats }),
    }),
    apiKey({
      references: "organization",
      enableMetadata: true,
      defaultPrefix: API_KEY_PREFIX,
      // The room rate-limits per connection; the plugin's default (10 verifications a
      // day per key) would lock an agent out after a few reconnects.
      rateLimit: { enabled: false },
      // Its bookkeeping writes (`lastRequest`, `updatedAt`: two statements after the read)
      // go to the request's waitUntil (auth.ts `backgroundTasks`) instead of holding up
      // every key's upgrade on a D1 that runs one statement at a time.
      deferUpdates: true,
    }),
    // Operators (user role `admin`, given at sign-up to ADMIN_EMAILS). Its HTTP endpoints
    // are closed (party/api/routes.ts): `/admin` uses ours, which call the plugin server-side.
    admin({ bannedUserMessage: ACCOUNT_REFUSAL.disabled }),
    waitlist(),
  ]);
}

export const baseAuthOptions = {
  emailAndPassword: { enabled: true, minPasswordLength: MIN_PASSWORD_LENGTH },
  session: { expiresIn: SESSION_EXPIRES_IN_S, updateAge: SESSION_UPDATE_AGE_S },
  // The schema generator needs to know the limiter keeps its counters in the database.
  rateLimit: { storage: "database" },
} satisfies Partial<BetterAuthOptions>;
