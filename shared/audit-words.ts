import type { NameLookup } from "./approval-summary";
import { noLongerNeededWhy } from "./billing-words";
import type { AuditEntry } from "./protocol/audit";

/**
 * The audit log in words (part of the text table, plain-words.ts): one line per entry, who
 * did what to what, with names instead of ids. The room and the Worker record entries by
 * action name (`approval.requested`, `run.went_ahead`, …) and target id; an entry's details
 * carry the names known then (a title, an e-mail), and `names` resolves what the app still
 * knows (a thread, a job). An action this table does not know yet reads "made a change".
 */
export interface AuditLine {
  /** Who did it (the actor's name), or null when the line says it itself (the room acted: an expiry). */
  who: string | null;
  what: string;
  /** Details worth a glance (a role, scopes, a note), or "". */
  detail: string;
}

type Details = Record<string, unknown>;
const text = (d: Details, key: string): string | null => {
  const value = d[key];
  return typeof value === "string" && value.trim() ? value : null;
};
const quoted = (value: string) => `“${value.length > 80 ? `${value.slice(0, 79)}…` : value}”`;

const NO_NAMES: NameLookup = { thread: () => null, instance: () => null, job: () => null };

/** A thread by the id in the details, named when known. */
const threadIn = (d: Details, names: NameLookup): string => {
  const id = text(d, "threadId");
  const name = id ? names.thread(id) : null;
  return name ? `the thread ${quoted(name)}` : "a thread";
};

const BUDGET_SCOPES: Record<string, string> = {
  workspace: "the workspace's",
  key: "an agent key's",
  project: "a project's",
  task: "a task's",
};

/** `the task “Release 1.4”` by the goal the entry carries (or the app still knows), else "a task". */
const taskIn = (entry: AuditEntry, names: NameLookup): string => {
  const goal = text(entry.details, "goal") ?? names.task?.(entry.targetId) ?? null;
  return goal ? `the task ${quoted(goal)}` : "a task";
};

/** `the schedule “Stand-up”` by the name the entry carries (or the app still knows), else "a schedule". */
const scheduleIn = (entry: AuditEntry, names: NameLookup): string => {
  const name = text(entry.details, "name") ?? names.schedule?.(entry.targetId) ?? null;
  return name ? `the schedule ${quoted(name)}` : "a schedule";
};

/** The actions told as a verb on the task or the schedule they name. */
const VERB_ON: ReadonlyMap<string, [verb: string, subject: typeof taskIn]> = new Map([
  ["task.paused", ["paused", taskIn]],
  ["task.resumed", ["resumed", taskIn]],
  ["task.cancelled", ["cancelled", taskIn]],
  ["schedules.create", ["created", scheduleIn]],
  ["schedules.pause", ["paused", scheduleIn]],
  ["schedule.paused", ["paused", scheduleIn]],
  ["schedules.resume", ["resumed", scheduleIn]],
  ["schedules.delete", ["deleted", scheduleIn]],
]);

function whatOf(entry: AuditEntry, names: NameLookup): string {
  const d = entry.details;
  const verbOn = VERB_ON.get(entry.action);
  if (verbOn) return `${verbOn[0]} ${verbOn[1](entry, names)}`;
  const title = text(d, "title");
  const titled = title ? quoted(title) : null;
  const email = text(d, "email");
  const name = text(d, "name");
  switch (entry.action) {
    case "key.created":
      return `created the agent key ${name ? quoted(name) : ""}`.trim();
    case "key.revoked":
      return `revoked ${name ? `the agent key ${quoted(name)}` : "an agent key"}`;
    case "key.updated":
      return "changed an agent key";
    case "key.rotated":
      return `replaced ${name ? `the agent key ${quoted(name)}` : "an agent key"} with a new one`;
    case "member.added":
      // Accepting an invitation, the new member is the one who acted: they joined, nobody added them.
      if (text(d, "invitation") && entry.actor?.id === entry.targetId) return "joined the workspace";
      return `added ${email ?? "a member"}`;
    case "member.removed":
      return `removed ${email ?? "a member"}`;
    case "member.left":
      return "left the workspace";
    case "member.role_changed":
      return `changed the role of ${email ?? "a member"}`;
    case "workspace.deleted":
      return "deleted the workspace";
    case "approval.requested":
      return `asked for approval: ${titled ?? "an approval"}`;
    case "approval.approved":
      return `approved ${titled ?? "an approval"}`;
    case "approval.denied":
      return `denied ${titled ?? "an approval"}`;
    case "approval.expired":
      // A spend approval someone's raise made unneeded was not withdrawn by them (billing-words.ts).
      if (entry.actor && noLongerNeededWhy(text(d, "note")) !== null)
        return `made ${titled ?? "a spend approval"} no longer needed`;
      // The room's own expiry has no actor; a person or agent who withdrew it does.
      return entry.actor
        ? `withdrew ${titled ?? "an approval"}`
        : `${titled ?? "An approval"} expired: nobody decided in time`;
    case "run.went_ahead":
      return `went ahead without waiting for approval in ${threadIn(d, names)}`;
    case "run.stopped":
      return `stopped the Autopilot's reply in ${threadIn(d, names)}`;
    case "settings.changed":
      return "changed who decides approvals and how long they wait";
    case "memory.put":
      return `saved the memory note ${quoted(entry.targetId)}`;
    case "memory.delete":
      return `deleted the memory note ${quoted(entry.targetId)}`;
    case "job.cancel_requested": {
      const job = title ?? names.job(entry.targetId);
      return `asked to cancel the job${job ? ` ${quoted(job)}` : ""}`;
    }
    case "project.created":
      return `created the project ${name ? quoted(name) : ""}`.trim();
    case "project.archived":
      return `archived the project ${name ? quoted(name) : ""}`.trim();
    case "project.restored":
      return `restored the project ${name ? quoted(name) : ""}`.trim();
    case "task.started": {
      const goal = text(d, "goal");
      return `started the task ${goal ? quoted(goal) : ""}`.trim();
    }
    case "schedules.update": {
      const changed = Array.isArray(d.changed) ? d.changed.filter((f): f is string => typeof f === "string") : [];
      const words = changed.map((f) => (f === "when" ? "times" : f === "text" ? "words" : f));
      const which = scheduleIn(entry, names);
      return words.length > 0 ? `changed the ${words.join(" and ")} of ${which}` : `changed ${which}`;
    }
    case "schedules.run":
      return `ran ${scheduleIn(entry, names)} now`;
    case "schedules.hook":
      return d.enabled === false
        ? `took the webhook of ${scheduleIn(entry, names)} away`
        : `gave ${scheduleIn(entry, names)} a new webhook URL`;
    case "billing.budget": {
      const scope = BUDGET_SCOPES[text(d, "scope") ?? ""] ?? "a";
      const limit = d.limit;
      return typeof limit === "number"
        ? `set ${scope} budget to ${limit.toLocaleString("en-US")} credits a month`
        : `removed ${scope} budget`;
    }
    case "billing.plan":
      return `changed the plan${text(d, "plan") ? ` to ${quoted(text(d, "plan")!)}` : ""}`;
    case "billing.grant":
      return typeof d.amount === "number" ? `granted ${d.amount.toLocaleString("en-US")} credits` : "granted credits";
    case "billing.topup":
      return typeof d.amount === "number"
        ? `added ${d.amount.toLocaleString("en-US")} credits (a top-up)`
        : "added credits (a top-up)";
    case "community.hide":
      return "hid a post in the community";
    case "community.unhide":
      return "brought back a hidden post in the community";
    case "community.ban":
      return "banned a key from the community";
    case "community.unban":
      return "lifted a key's ban from the community";
    default:
      return "made a change";
  }
}

function detailOf(entry: AuditEntry): string {
  const d = entry.details;
  const parts: string[] = [];
  if (typeof d.role === "string") parts.push(`role: ${d.role}`);
  if (Array.isArray(d.scopes) && d.scopes.every((s) => typeof s === "string")) parts.push(`may ${d.scopes.join(", ")}`);
  if (typeof d.enabled === "boolean") parts.push(d.enabled ? "enabled" : "disabled");
  const note = text(d, "note") ?? text(d, "reason");
  // "no longer needed: Ana raised the budget …" says its first words in the line already.
  if (note) parts.push(quoted(noLongerNeededWhy(note) ?? note));
  return parts.join(" · ");
}

/** One entry of the audit log in words. */
export function auditWords(entry: AuditEntry, names: NameLookup = NO_NAMES): AuditLine {
  const what = whatOf(entry, names);
  const roomItself = entry.actor === null && entry.action === "approval.expired";
  return { who: roomItself ? null : (entry.actor?.name ?? "The Autopilot"), what, detail: detailOf(entry) };
}

/** What an entry is about, for the audit's filters. */
export type AuditKind = "access" | "approvals" | "money" | "work" | "memory" | "community";

export const AUDIT_KIND_LABELS: Record<AuditKind, string> = {
  access: "Access",
  approvals: "Approvals",
  money: "Money",
  work: "Tasks and schedules",
  memory: "Memory",
  community: "Community",
};

/** An entry's kind by its action's family; one this table does not know (a newer room's) counts as access. */
export function auditKind(action: string): AuditKind {
  const family = action.split(".")[0] ?? "";
  if (family === "approval" || family === "run" || family === "settings") return "approvals";
  if (family === "billing") return "money";
  if (["task", "schedule", "schedules", "job", "project"].includes(family)) return "work";
  if (family === "memory") return "memory";
  if (family === "community") return "community";
  return "access";
}

/** A line of the audit as shown: one entry, or a run of one actor's memory writes folded into one. */
export type AuditItem = { kind: "entry"; entry: AuditEntry } | { kind: "memory"; entries: AuditEntry[] };

/**
 * The entries as lines, memory writes folded: a task saves a note at each step, and those
 * would bury the rest, so consecutive memory writes by one actor become one line (opened to
 * list them). A single write stays a line of its own.
 */
export function foldMemoryWrites(entries: readonly AuditEntry[]): AuditItem[] {
  const items: AuditItem[] = [];
  for (const entry of entries) {
    const last = items.at(-1);
    if (auditKind(entry.action) === "memory") {
      if (last?.kind === "memory" && last.entries[0]!.actor?.id === entry.actor?.id) {
        last.entries.push(entry);
        continue;
      }
      if (
        last?.kind === "entry" &&
        auditKind(last.entry.action) === "memory" &&
        last.entry.actor?.id === entry.actor?.id
      ) {
        items[items.length - 1] = { kind: "memory", entries: [last.entry, entry] };
        continue;
      }
    }
    items.push({ kind: "entry", entry });
  }
  return items;
}

/** A folded run of memory writes in words: "saved 8 memory notes and deleted 1". */
export function memoryWritesWords(entries: readonly AuditEntry[]): string {
  const saved = entries.filter((e) => e.action === "memory.put").length;
  const deleted = entries.length - saved;
  const notes = (n: number) => `${n} memory ${n === 1 ? "note" : "notes"}`;
  if (saved === 0) return `deleted ${notes(deleted)}`;
  return deleted === 0 ? `saved ${notes(saved)}` : `saved ${notes(saved)} and deleted ${deleted}`;
}
