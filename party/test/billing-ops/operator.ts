import { expect } from "vitest";
import { api } from "../harness";

/** This project's one operator (ADMIN_EMAILS in vitest.worker.config.ts). */
export const OPERATOR_EMAIL = "operator@billing.test";
const PASSWORD = "correct horse battery";

/** The operator's session: signed up here, or signed in when another file of this project made the account. */
export async function operatorCookie(): Promise<string> {
  const body = JSON.stringify({ email: OPERATOR_EMAIL, password: PASSWORD, name: "Olga Operator" });
  const up = await api<unknown>("/api/auth/sign-up/email", { method: "POST", body });
  const res = up.status === 200 ? up : await api<unknown>("/api/auth/sign-in/email", { method: "POST", body });
  expect(res.status).toBe(200);
  return res.headers.get("set-cookie")!.split(";")[0]!;
}
