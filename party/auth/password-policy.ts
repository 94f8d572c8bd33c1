import { COMMON_PASSWORDS } from "./common-passwords";

export const MIN_PASSWORD_LENGTH = 10;

/** Characters in a row that step by +1 or -1 ("abcdef", "987654", "qwerty" rows not included). */
function isSequence(text: string): boolean {
  if (text.length < 3) return false;
  const step = text.charCodeAt(1) - text.charCodeAt(0);
  if (step !== 1 && step !== -1) return false;
  for (let i = 2; i < text.length; i++) if (text.charCodeAt(i) - text.charCodeAt(i - 1) !== step) return false;
  return true;
}

/** The shortest prefix that, repeated, makes up the whole text ("abcabcabc" → "abc"). */
function repeatedUnit(text: string): string {
  for (let size = 1; size <= text.length / 2; size++) {
    if (text.length % size === 0 && text.slice(0, size).repeat(text.length / size) === text) return text.slice(0, size);
  }
  return text;
}

/**
 * Why a new password is refused, as a sentence for the person choosing it, or null when it
 * is acceptable: at least MIN_PASSWORD_LENGTH characters, not a well-known password, not
 * one character or a short pattern repeated, not a plain run like "abcdefghij", and not
 * the e-mail address or its name part.
 */
export function passwordProblem(password: string, email?: string): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) return `Use at least ${MIN_PASSWORD_LENGTH} characters for your password.`;
  const lower = password.toLowerCase();
  const name = (email?.toLowerCase().split("@")[0] ?? "").replace(/[^a-z]/g, "");
  const isEmail = Boolean(email) && lower === email?.toLowerCase();
  const isName = name.length >= 3 && lower.replace(/[^a-z]/g, "") === name;
  const trivial =
    COMMON_PASSWORDS.has(lower) || repeatedUnit(lower).length <= 3 || isSequence(lower) || isEmail || isName;
  return trivial ? "That password is too easy to guess: choose a longer phrase that is not a common password." : null;
}
