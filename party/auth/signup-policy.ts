import { z } from "zod";

/**
 * Who may use the product once they sign up, from the operator's configuration:
 * `SIGNUP_MODE` (`open`: everyone at once; `waitlist`: an operator approves each account)
 * and `ADMIN_EMAILS` (comma-separated: these addresses become operators at sign-up and
 * never wait; an account made before its address was listed, at its next sign-in with the
 * address verified: listed-operators.ts). An unknown `SIGNUP_MODE` fails closed, as a waitlist: a typo must not open
 * sign-up to everyone.
 */
export type SignupMode = "open" | "waitlist";

export interface SignupPolicy {
  mode: SignupMode;
  operatorEmails: ReadonlySet<string>;
}

export interface SignupPolicyEnv {
  SIGNUP_MODE?: string;
  ADMIN_EMAILS?: string;
}

const Mode = z.enum(["open", "waitlist"]);

export function signupPolicy(env: SignupPolicyEnv): SignupPolicy {
  const raw = env.SIGNUP_MODE?.trim().toLowerCase();
  const mode = raw ? (Mode.safeParse(raw).data ?? "waitlist") : "open";
  const operatorEmails = new Set(
    (env.ADMIN_EMAILS ?? "")
      .split(",")
      .map((e) => e.trim().toLowerCase())
      .filter(Boolean),
  );
  return { mode, operatorEmails };
}

export const isOperatorEmail = (policy: SignupPolicy, email: string): boolean =>
  policy.operatorEmails.has(email.trim().toLowerCase());

/** The fields a new account starts with (better-auth's user.create.before hook). */
export function newUserFields(policy: SignupPolicy, email: string): { waitlisted: boolean; role?: "admin" } {
  if (isOperatorEmail(policy, email)) return { waitlisted: false, role: "admin" };
  return { waitlisted: policy.mode === "waitlist" };
}
