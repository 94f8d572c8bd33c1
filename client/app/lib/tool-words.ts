import type { NameLookup } from "../../../shared/approval-summary";
import { approvalStatusWords, DECIDED_IN_WORDS, toolWords } from "../../../shared/plain-words";
import type { MessageTool } from "../../../shared/protocol/agent";
import type { Approval } from "../../../shared/protocol/approvals";
import type { Message } from "../../../shared/protocol/threads";

// The Autopilot's tool calls as a person reads them in a thread: what a call did, with the
// names the room knows for its ids; its arguments and result as facts in words (times as the
// reader's local time, yes/no, counts) rather than JSON; a run's calls in one line; and what
// a person decided about a gated call. Pure functions of the room's state, unit-tested; the
// arguments and results are whatever the model and the tool wrote, so every value is read
// as untrusted data and bounded.

/** How much of one value is shown (the JSON stays at hand in the call's details). */
const MAX_VALUE = 200;
/** How many facts a call shows before saying how many more there are. */
export const MAX_FACTS = 12;

const ID_FIELDS: Record<string, "thread" | "instance" | "job"> = {
  threadId: "thread",
  instanceId: "instance",
  jobId: "job",
};

/** Epoch milliseconds between 2001 and 2286: what a field named like a time holds when it is one. */
const isEpochMs = (value: number) => Number.isInteger(value) && value >= 1e12 && value < 1e13;
const TIME_KEY = /(At|Time|Until|Before|After|Since|Date)$|^(at|time|until|before|after|since|date|when)$/;
const DURATION_KEY = /(Ms|Millis)$/;

const clipped = (text: string) => (text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text);
const quoted = (text: string) => `“${text.length > 60 ? `${text.slice(0, 59)}…` : text}”`;

/** A moment in the reader's own time zone: "28 Nov 2026, 14:02". */
export const localTime = (at: number): string =>
  new Date(at).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });

/** A length of time as people say it: "45 s", "3 min", "2 h". */
function duration(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  if (ms < 172_800_000) return `${Math.round(ms / 3_600_000)} h`;
  return `${Math.round(ms / 86_400_000)} days`;
}

/** An argument's name in words: `threadId` → "Thread", `maxSteps` → "Max steps". */
export function argumentLabel(key: string): string {
  const words = key
    .replace(/Id$/, "")
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/[_-]+/g, " ")
    .trim()
    .toLowerCase();
  return words ? words[0]!.toUpperCase() + words.slice(1) : key;
}

export interface Fact {
  /** The field in words. */
  label: string;
  /** The field's key as written (a tooltip). */
  key: string;
  /** The value in words. */
  text: string;
  /** A name the room knows for an id (the id is then the tooltip). */
  named?: boolean;
  /** What the value was before it was put in words (an id, epoch ms), for a tooltip. */
  raw?: string;
}

/** A record id under an id's key (`id`, `threadId`…): an internal, never shown as words (the JSON has it). */
const isRecordId = (key: string, value: unknown): boolean =>
  (key === "id" || key.endsWith("Id")) && typeof value === "string" && /^[a-z]{2,12}_[A-Za-z0-9]{6,}$/.test(value);

/** One value in words. */
function valueWords(key: string, value: unknown, names: NameLookup): Omit<Fact, "label" | "key"> {
  if (value === null || value === undefined) return { text: "none" };
  if (typeof value === "boolean") return { text: value ? "yes" : "no" };
  if (typeof value === "number") {
    if (TIME_KEY.test(key) && isEpochMs(value)) return { text: localTime(value), raw: String(value) };
    if (DURATION_KEY.test(key) && value >= 0 && Number.isFinite(value))
      return { text: duration(value), raw: String(value) };
    return { text: Number.isFinite(value) ? value.toLocaleString() : String(value) };
  }
  if (typeof value === "string") {
    const kind = ID_FIELDS[key];
    const name = kind ? names[kind](value) : null;
    if (name) return { text: clipped(name), named: true, raw: value };
    return { text: clipped(value) };
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return { text: "none" };
    if (value.every((v) => typeof v === "string" || typeof v === "number" || typeof v === "boolean"))
      return { text: clipped(value.map(String).join(", ")) };
    return { text: `${value.length} item${value.length === 1 ? "" : "s"}` };
  }
  if (typeof value === "object") {
    const record = value as Record<string, unknown>;
    // A record the tool returned (a thread, an instance) goes by its name.
    const name = typeof record.title === "string" ? record.title : typeof record.name === "string" ? record.name : null;
    if (name) return { text: clipped(name), named: true, ...(typeof record.id === "string" ? { raw: record.id } : {}) };
    const entries = Object.entries(record).filter(([k, v]) => !isRecordId(k, v));
    if (entries.length === 0) return { text: "none" };
    // One level in: "Key: value, …" (deeper values as counts).
    const inner = entries.map(([k, v]) => {
      const words =
        v !== null && typeof v === "object"
          ? Array.isArray(v)
            ? `${v.length} item${v.length === 1 ? "" : "s"}`
            : "…"
          : valueWords(k, v, names).text;
      return `${argumentLabel(k)}: ${words}`;
    });
    return { text: clipped(inner.join(", ")) };
  }
  return { text: clipped(String(value)) };
}

const nameFor = (key: string, value: unknown, names: NameLookup): string | null => {
  const kind = ID_FIELDS[key];
  return kind && typeof value === "string" ? names[kind](value) : null;
};

/** JSON text as an object, or null when it is not one (clipped text, an error line). */
export function jsonObject(text: string | null): Record<string, unknown> | null {
  if (!text) return null;
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * A tool call's arguments (or an object result) as facts in words: each field named in
 * words, ids as the names the room knows, times in local time, flags as yes/no, nested
 * values as one line or a count. Null when the text is not a JSON object.
 */
export function factsOf(text: string | null, names: NameLookup): { facts: Fact[]; more: number } | null {
  const object = jsonObject(text);
  if (!object) return null;
  // An id the room has no name for stays in the JSON below, not in the words.
  const entries = Object.entries(object).filter(
    ([key, value]) => !isRecordId(key, value) || nameFor(key, value, names),
  );
  const facts = entries.slice(0, MAX_FACTS).map(([key, value]) => ({
    label: argumentLabel(key),
    key,
    ...valueWords(key, value, names),
  }));
  return { facts, more: Math.max(0, entries.length - MAX_FACTS) };
}

/** A result that is not an object, in words: a list's count, a plain line. */
export function resultLine(text: string): string {
  try {
    const parsed: unknown = JSON.parse(text);
    if (Array.isArray(parsed))
      return parsed.length === 0 ? "Nothing" : `${parsed.length} item${parsed.length === 1 ? "" : "s"}`;
    if (typeof parsed === "string") return clipped(parsed);
    if (typeof parsed === "boolean") return parsed ? "Yes" : "No";
    if (parsed === null) return "Nothing";
    if (typeof parsed === "number") return parsed.toLocaleString();
  } catch {
    // Not JSON: the line the tool wrote.
  }
  return clipped(text.replace(/\s+/g, " ").trim());
}

/**
 * What a call does, with what it acts on named: "archive the thread “Plans”", "read a
 * thread's messages in “Plans”", "remember a note".
 */
export function callWords(tool: string, argumentsText: string, names: NameLookup): string {
  const args = jsonObject(argumentsText) ?? {};
  const gatewayTool = typeof args.tool === "string" ? args.tool : typeof args.name === "string" ? args.name : null;
  const words = toolWords(tool, gatewayTool);
  for (const [key, kind] of Object.entries(ID_FIELDS)) {
    const id = args[key];
    const name = typeof id === "string" ? names[kind](id) : null;
    if (!name) continue;
    const the = new RegExp(`\\ban? ${kind}$`);
    return the.test(words) ? words.replace(the, `the ${kind} ${quoted(name)}`) : `${words} in ${quoted(name)}`;
  }
  return words;
}

/**
 * A run's consecutive calls in one line: "4 tool calls: archive the thread “X”, remember a
 * note ×2, …", and how many did not go through.
 */
export function callsLine(
  tools: readonly Pick<MessageTool, "name" | "arguments" | "status">[],
  names: NameLookup,
): string {
  const phrases: { words: string; count: number }[] = [];
  for (const tool of tools) {
    const words = callWords(tool.name, tool.arguments, names);
    const last = phrases[phrases.length - 1];
    if (last?.words === words) last.count++;
    else phrases.push({ words, count: 1 });
  }
  const shown = phrases.slice(0, 4).map((p) => (p.count > 1 ? `${p.words} ×${p.count}` : p.words));
  const rest = phrases.length > 4 ? ", …" : "";
  const failed = tools.filter((t) => t.status === "error").length;
  const notRun = tools.filter((t) => t.status === "denied" || t.status === "expired").length;
  const notes = [failed ? `${failed} failed` : "", notRun ? `${notRun} not run` : ""].filter(Boolean);
  return `${tools.length} tool call${tools.length === 1 ? "" : "s"}: ${shown.join(", ")}${rest}${notes.length ? ` · ${notes.join(", ")}` : ""}`;
}

/**
 * What a person decided about a gated call, in one line where its card was: "✓ Ada approved:
 * archive the thread “Plans” · 14:02", "✕ Denied by Bob: …", "Expired: nobody decided: …".
 * Null while it waits.
 */
export function decisionLine(approval: Approval, names: NameLookup, clock: (at: number) => string): string | null {
  if (approval.status === "pending") return null;
  const action = approval.action;
  const what =
    action?.kind === "tool"
      ? callWords(action.tool, action.arguments, names)
      : approval.title.replace(/^The Autopilot wants to /, "");
  const by = approval.resolvedBy?.name ?? null;
  const where = approval.decidedIn && approval.decidedIn !== "app" ? ` ${DECIDED_IN_WORDS[approval.decidedIn]}` : "";
  const when = approval.resolvedAt ? ` · ${clock(approval.resolvedAt)}` : "";
  const note = approval.note
    ? ` — “${approval.note.length > 120 ? `${approval.note.slice(0, 119)}…` : approval.note}”`
    : "";
  if (approval.status === "approved")
    return `✓ ${by ?? "Someone"} ${approval.selfConfirmed ? "confirmed their own request" : "approved"}${where}: ${what}${when}${note}`;
  if (approval.status === "denied") return `✕ Denied by ${by ?? "someone"}${where}: ${what}${when}${note}`;
  // Expired: nobody decided in time, or someone went ahead without it (approvalStatusWords says which).
  const status = approvalStatusWords(approval);
  return `⌛ ${status}${by ? ` by ${by}` : status === "Expired" ? ", nobody decided" : ""}: ${what}${when}${note}`;
}

/**
 * The task whose gated tool call an approval is for, when it is one's: a task's run is named
 * after the task (features/tasks). A spend approval links its task in its own details
 * (billing/SpendDetails.tsx); null for it, as for any other.
 */
export function approvalTaskId(approval: Pick<Approval, "action">): string | null {
  const action = approval.action;
  return action?.kind === "tool" && action.runId.startsWith("task_") ? action.runId : null;
}

/** A thread's messages as shown: one by one, except a run's consecutive tool calls, folded into one block. */
export type MessageRun = { kind: "one"; message: Message } | { kind: "calls"; messages: Message[] };

/**
 * Folds each run of two or more consecutive tool calls of one Autopilot run (one task, one
 * reply) into one block; everything else stays a message of its own, in order.
 */
export function foldToolRuns(messages: readonly Message[]): MessageRun[] {
  const out: MessageRun[] = [];
  let calls: Message[] = [];
  const flush = () => {
    if (calls.length === 1) out.push({ kind: "one", message: calls[0]! });
    else if (calls.length > 1) out.push({ kind: "calls", messages: calls });
    calls = [];
  };
  for (const m of messages) {
    const prev = calls[calls.length - 1];
    if (m.tool && prev && (prev.tool?.runId !== m.tool.runId || prev.author.id !== m.author.id)) flush();
    if (m.tool) calls.push(m);
    else {
      flush();
      out.push({ kind: "one", message: m });
    }
  }
  flush();
  return out;
}
