// Header values of a mail (party/auth/mail.ts, the one place mail is built). Pure, so the
// unit tests check them without a Worker.

/** The longest subject a mail gets; a longer one is cut. */
const SUBJECT_MAX = 200;

/** Line breaks and every other control character (C0, DEL, C1, the Unicode line and paragraph separators). */
const CONTROL = /[\p{Cc}\p{Zl}\p{Zp}]+/gu;

/**
 * `value` fit for a mail header: one line. Header values are built from what people and
 * agents wrote (an approval's title, a workspace's or an inviter's name), and a CR/LF in one
 * would start a header of its own (`Deploy\r\nBcc: …`) wherever the mail is serialized; each
 * run of control characters becomes one space, and the value is cut at `max` characters.
 */
export function headerValue(value: string, max = SUBJECT_MAX): string {
  const line = value.replace(CONTROL, " ").replace(/ {2,}/g, " ").trim();
  const chars = Array.from(line);
  return chars.length > max ? chars.slice(0, max).join("") : line;
}

/** An address fit for a header: no control character, no list or display-name syntax; else the mail is not sent. */
export function headerAddress(address: string): string {
  if (address.length > 254 || /[\p{Cc}\p{Zl}\p{Zp},;<>"]/u.test(address) || !/^[^@\s]+@[^@\s]+$/.test(address))
    throw new Error("mail address refused: not one plain address");
  return address;
}
