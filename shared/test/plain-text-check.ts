import { Methods } from "../protocol/methods";

/**
 * What user-facing text must never show (issue: "Autopilot wants to run threads_archive",
 * "run.went_ahead run_…", "…120000 ms (gateway_failed)"): raw record ids, the names of
 * methods, tools, audit actions, events or codes (with a dot or an underscore), and
 * millisecond counts. Quoted spans (“…”) are content — a thread's title, a command, the
 * name a third party's gateway gives its own tool — and are left out of the check, as are
 * e-mail addresses. Written apart from the text table (shared/plain-words.ts), so the table
 * does not check itself.
 */
const RAW_ID = /\b(?:thr|run|apr|msg|job|prj|sch|task|file|idem|call)_[0-9a-zA-Z]{3,}/g;
const MS = /\b\d+\s?ms\b/g;
/** `chat.send`, `approval.expired`, `threads_archive`, `gateway_failed`, `cancel_requested`. */
const IDENTIFIER = /(?<![\w@/.-])[a-z][a-zA-Z0-9]*(?:[._][a-zA-Z0-9]+)+(?![\w@/-])/g;
const METHOD_NAMES = Object.keys(Methods).flatMap((m) => [m, m.replaceAll(".", "_")]);

const withoutContent = (text: string) =>
  text
    .replace(/“[^”]*”/g, "“…”")
    .replace(/[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g, "(address)")
    // A sentence's own full stop followed by nothing is not an identifier's dot.
    .replace(/\.(?=\s|$)/g, " ");

/** Each way `text` shows internals, empty when it says everything in words. */
export function rawInternals(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(RAW_ID)) found.push(`raw id ${m[0]}`);
  for (const m of text.matchAll(MS)) found.push(`milliseconds ${m[0]}`);
  const prose = withoutContent(text);
  for (const m of prose.matchAll(IDENTIFIER)) found.push(`internal name ${m[0]}`);
  for (const name of METHOD_NAMES) if (new RegExp(`\\b${name.replace(".", "\\.")}\\b`).test(prose)) found.push(name);
  return [...new Set(found)];
}

/** Every text that shows internals, with where it came from: what a test expects to be empty. */
export function textsWithInternals(texts: Record<string, string>): Record<string, string[]> {
  return Object.fromEntries(
    Object.entries(texts)
      .map(([where, text]) => [where, rawInternals(text)] as const)
      .filter(([, found]) => found.length > 0),
  );
}
