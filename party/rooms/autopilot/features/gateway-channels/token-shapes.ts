// Channel tokens cut out of what the gateway says about a channel (its status, its errors),
// which every reader of the workspace sees, viewers included. The room no longer holds a
// token to cut it out by value, so anything shaped like one goes, also when a URL in an
// error carries it escaped (`…/bot123456789%3AAA…`).
import { z } from "zod";
import { cutText } from "../../../../../shared/clip";

const HIDDEN = "[hidden]";

/**
 * Token shapes a channel's error could quote (a Bot API URL carries `bot<token>`): Telegram's
 * `<digits>:<secret>`, Slack's `xox?-…` and `xapp-…`, Discord's three dotted parts.
 */
const TOKEN_SHAPES =
  /(?<!\d)\d{5,}:[A-Za-z0-9_-]{30,}|\bxox[abpr]-[A-Za-z0-9-]{10,}|\bxapp-[A-Za-z0-9-]{10,}|\b[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{20,}/g;

/**
 * How a text may carry a token's characters escaped: percent-encoding in either case and
 * encoded again any number of times (`%3A`, `%3a`, `%253A`), JSON's and JavaScript's
 * `\u003a` and `\x3a`, HTML's `&#58;`, `&#x3a;` and `&colon;`.
 */
const ESCAPE =
  /%(?:25)*([0-9a-f]{2})|\\u00([0-9a-f]{2})|\\x([0-9a-f]{2})|&#x0*([0-9a-f]{1,2});|&#0*(\d{1,3});|&colon;/gi;

/** One escape as the character it stands for. */
function unescapeOne(
  match: string,
  percent?: string,
  unicode?: string,
  hex?: string,
  htmlHex?: string,
  htmlDecimal?: string,
): string {
  const code =
    htmlDecimal !== undefined
      ? Number.parseInt(htmlDecimal, 10)
      : Number.parseInt(percent ?? unicode ?? hex ?? htmlHex ?? "", 16);
  if (match.toLowerCase() === "&colon;") return ":";
  return Number.isNaN(code) || code > 0xff ? match : String.fromCharCode(code);
}

/** How far past what is kept a token may begin and still be cut out whole (longer than any token shape). */
const TOKEN_MARGIN = 1024;

/**
 * `value` with anything shaped like a channel token replaced by `[hidden]`. Each run of
 * non-blank characters that holds escapes is read unescaped too; when that reading shows a
 * token, the run is kept as read, the token hidden. A word of its own in either reading.
 */
export function withoutTokenShapes(value: string): string {
  return value.replace(/\S+/g, (run) => {
    const plain = run.replace(TOKEN_SHAPES, HIDDEN);
    const unescaped = run.replace(ESCAPE, unescapeOne);
    if (unescaped === run) return plain;
    const hidden = unescaped.replace(TOKEN_SHAPES, HIDDEN);
    return hidden === unescaped ? plain : hidden;
  });
}

/**
 * `value` from a gateway as a reader may see it: at most `max` characters, no token shape.
 * Cut before it is searched as well (a hostile gateway's megabyte of `a-a-a-…` would cost
 * the token patterns the square of its length), with room for a token that begins within
 * the kept part.
 */
export function redactedText(value: string, max: number): string {
  return cutText(withoutTokenShapes(cutText(value, max + TOKEN_MARGIN)), max);
}

/** A gateway's text for every reader: bounded, token shapes gone, null when absent or not text. */
export const redactedTextField = (max: number) =>
  z
    .string()
    .transform((value) => redactedText(value, max))
    .nullable()
    .optional()
    .catch(null);
