import type { AccountStatus } from "../../shared/api/admin";

/** The account columns that decide its status (better-auth's admin plugin and ours). */
export interface AccountFlags {
  banned?: boolean | number | null;
  banExpires?: Date | string | number | null;
  waitlisted?: boolean | number | null;
}

/** Disabled wins over waitlisted; a ban with a past expiry no longer counts (the admin plugin lifts it at the next sign-in). */
export function accountStatus(flags: AccountFlags, now = Date.now()): AccountStatus {
  const expires = flags.banExpires == null ? null : new Date(flags.banExpires).getTime();
  if (flags.banned && (expires === null || expires > now)) return "disabled";
  if (flags.waitlisted) return "waitlisted";
  return "active";
}

/** Why an account that is not active is refused: the room's close reason and the API's 403 message. */
export const ACCOUNT_REFUSAL: Record<Exclude<AccountStatus, "active">, string> = {
  waitlisted: "this account is on the waitlist: an operator has not approved it yet",
  disabled: "this account is disabled",
};

/** An operator holds the admin plugin's `admin` user role (which the plugin stores comma-separated when several). */
export const isOperatorRole = (role: string | null | undefined): boolean =>
  (role ?? "").split(",").some((r) => r.trim() === "admin");
