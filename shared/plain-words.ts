import { noLongerNeededWhy, spendNoLongerNeeded } from "./billing-words";
import type { Approval, DecidedIn } from "./protocol/approvals";
import { CHAT_PLATFORMS } from "./protocol/chat-platforms";
import type { ErrorCode } from "./protocol/errors";
import type { InstanceOperation, InstanceStatus } from "./protocol/instances";
import type { JobStatus } from "./protocol/jobs";
import type { MethodName } from "./protocol/methods";
import type { RuntimeErrorCode } from "./runtime/errors";

/**
 * The text table: internal names (methods and the tool names made from them, statuses,
 * error codes, durations, gateway session keys) as the words people read. The app's panels,
 * the canvas and the room's own sentences (approval titles, the run log, errors posted in
 * threads) say things through it, so no screen shows `threads_archive`, `approval.expired`,
 * `120000 ms` or `(gateway_failed)`. The audit log's lines are in audit-words.ts; what an
 * approval will do is approval-summary.ts. Pure: no DOM or Node APIs.
 */

/**
 * What each method does, as a phrase that follows "wants to" ("archive a thread"). Keyed by
 * every MethodName: a new method fails the type check here until it has its words.
 */
export const METHOD_WORDS: Record<MethodName, string> = {
  "threads.create": "start a thread",
  "threads.rename": "rename a thread",
  "threads.archive": "archive a thread",
  "threads.configure": "change who answers in a thread",
  "threads.list": "list the threads",
  "threads.markRead": "mark a thread read",
  "threads.pins": "list the threads they pinned",
  "threads.view": "choose the threads they follow live",
  "threads.pin": "pin or unpin a thread",
  "chats.get": "see the workspace's chats",
  "chats.connect": "connect the workspace to a chat",
  "chats.disconnect": "disconnect the workspace from a chat",
  "chats.linkCode": "link their chat account",
  "chats.unlink": "unlink their chat account",
  "chats.bindCode": "bind a thread to a chat",
  "chats.unbind": "unbind a thread from its chat",
  "chats.bindingAccess": "choose who is answered in a bound chat",
  "traces.get": "see how the runs' traces are exported",
  "traces.configure": "choose where the runs' traces go",
  "runs.stats": "see the runs over time",
  "messages.list": "read a thread's messages",
  "chat.send": "post a message",
  "chat.abort": "stop a reply",
  "chat.goAhead": "go ahead without the approvals a reply waits for",
  "sessions.list": "list an OpenClaw instance's sessions",
  "sessions.open": "open an OpenClaw session as a thread",
  "sessions.history": "read an OpenClaw session's history",
  "sessions.send": "send a message to an OpenClaw session",
  "approvals.request": "ask the people here for an approval",
  "approvals.resolve": "decide an approval",
  "approvals.list": "list the approvals",
  "approvals.get": "read an approval",
  "approvals.figures": "read how approvals reached people",
  "audit.list": "read the audit log",
  "jobs.start": "start a job",
  "jobs.update": "report a job's progress",
  "jobs.finish": "finish a job",
  "jobs.fail": "mark a job failed",
  "jobs.cancel": "cancel a job",
  "jobs.list": "list the jobs",
  "instances.provision": "start a new OpenClaw instance",
  "instances.restart": "restart an OpenClaw instance",
  "instances.backup": "back up an OpenClaw instance",
  "instances.delete": "delete an OpenClaw instance",
  "instances.restore": "restore an OpenClaw instance from a backup",
  "instances.unpair": "remove a device from an OpenClaw instance",
  "instances.startChat": "start a chat with a new OpenClaw instance",
  "instances.link": "link an OpenClaw gateway run elsewhere",
  "instances.details": "read an OpenClaw instance's details",
  "instances.guide": "read how to add an OpenClaw (managed or your own)",
  "instances.deviceSetup": "add a device to an OpenClaw instance",
  "instances.invokeNode": "run a command on a paired device",
  "instances.channels": "read an OpenClaw instance's chat apps",
  "instances.configureChannel": "connect an OpenClaw instance to a chat app",
  "instances.disconnectChannel": "disconnect an OpenClaw instance from a chat app",
  "instances.setChannelAccess": "change who may message an OpenClaw instance",
  "instances.skills": "read an OpenClaw instance's skills",
  "instances.uploadSkill": "install a skill on an OpenClaw instance",
  "instances.configureSkill": "turn on, turn off or set up a skill of an OpenClaw instance",
  "instances.removeSkill": "remove a skill from an OpenClaw instance",
  "instances.searchSkills": "search ClawHub for skills",
  "instances.installSkill": "install a skill from ClawHub on an OpenClaw instance",
  "instances.tools": "read an OpenClaw instance's tools",
  "instances.invokeTool": "run a tool of an OpenClaw instance",
  "instances.proposeConfig": "propose a change of an OpenClaw instance's config",
  "instances.linkWhatsApp": "link an OpenClaw instance to WhatsApp",
  "instances.whatsAppLogin": "see an OpenClaw instance's WhatsApp link (its QR code)",
  "instances.cancelWhatsAppLogin": "stop linking an OpenClaw instance to WhatsApp",
  "instances.attach": "let an OpenClaw instance answer in a thread",
  "instances.detach": "stop an OpenClaw instance answering in a thread",
  "instances.list": "list the OpenClaw instances",
  "instances.update": "rename an OpenClaw instance or set its model",
  "instances.models": "read an OpenClaw instance's model and the ones it may use",
  "graph.apply": "change the canvas",
  "presence.list": "see who is here",
  "presence.update": "set a status",
  "memory.list": "read the memory",
  "memory.put": "remember a note",
  "memory.delete": "forget a note",
  "usage.list": "read the usage",
  "settings.update": "change the workspace's settings",
  "inbox.get": "read the inbox",
  "inbox.markRead": "mark inbox items read",
  "inbox.follow": "follow a thread",
  "inbox.configure": "change notification settings",
  "inbox.pushSubscribe": "turn on notifications on a device",
  "inbox.pushUnsubscribe": "turn off notifications on a device",
  "search.query": "search the workspace",
  "projects.create": "create a project",
  "projects.update": "change a project",
  "projects.archive": "archive a project",
  "projects.list": "list the projects",
  "projects.get": "read a project",
  "tasks.start": "start a task",
  "tasks.pause": "pause a task",
  "tasks.resume": "resume a task",
  "tasks.cancel": "cancel a task",
  "tasks.get": "read a task",
  "tasks.list": "list the tasks",
  "runlog.list": "read a run log",
  "schedules.create": "create a schedule",
  "schedules.list": "list the schedules",
  "schedules.pause": "pause a schedule",
  "schedules.resume": "resume a schedule",
  "schedules.delete": "delete a schedule",
  "schedules.update": "change a schedule",
  "schedules.run": "run a schedule now",
  "schedules.runs": "read a schedule's runs",
  "schedules.hook": "give a schedule a webhook URL",
  "agent.toolset": "see which tools the Autopilot has",
  "billing.summary": "read the workspace's credits",
  "billing.entries": "read the receipts",
  "billing.instanceHours": "read the instances' awake and asleep hours",
  "billing.setBudget": "set a budget",
  "billing.setAlerts": "set when owners are told about the money",
  "billing.setAllowance": "set an agent key's spending allowance",
  "tasks.estimate": "work out what a task may cost",
  "community.feed": "read a community's posts",
  "community.post": "post in a community",
  "community.react": "react to a community post",
  "community.report": "report a community post",
  "community.moderate": "hide posts or ban keys in the community",
  "community.queue": "read the community's moderation queue",
  "community.identity": "read its Nostr keys",
};

/** The Autopilot's one tool for an attached OpenClaw instance's own tools (party/rooms/autopilot/features/gateway-bridge/gateway-catalog.ts). */
export const GATEWAY_TOOL_NAME = "openclaw_tool";

const capitalized = (text: string) => `${text[0]?.toUpperCase() ?? ""}${text.slice(1)}`;

/** A tool or method name as written on the wire: `threads_archive`, `threads.archive`, `openclaw_tool`. */
const TOOL_LIKE = /^[a-z][a-zA-Z0-9]*([._][a-zA-Z0-9]+)+$/;

const BY_TOOL = new Map<string, string>([
  ...(Object.entries(METHOD_WORDS) as [MethodName, string][]).flatMap(([method, words]): [string, string][] => [
    [method, words],
    [method.replaceAll(".", "_"), words],
  ]),
  // The Autopilot's own tool that offers it more of its tools (features/toolset/offer.ts).
  ["tools_load", "load more of its tools"],
]);

/**
 * What a tool call does, after "wants to": a method's tool (`threads_archive` → "archive a
 * thread"), the OpenClaw tool (naming the instance's tool when given) or, for a name the
 * table does not know, "use a tool".
 */
export function toolWords(tool: string, gatewayTool?: string | null): string {
  if (tool === GATEWAY_TOOL_NAME)
    return gatewayTool && !TOOL_LIKE.test(gatewayTool)
      ? `use the OpenClaw tool “${gatewayTool}”`
      : "use a tool of the OpenClaw instance";
  return BY_TOOL.get(tool) ?? "use a tool";
}

/**
 * A tool call's label ("Archive a thread"). Idempotent: a label already in words stays as it
 * is, so text written before this table (a canvas entry titled `threads_rename`) reads the
 * same as new.
 */
export function toolLabel(nameOrLabel: string): string {
  if (BY_TOOL.has(nameOrLabel) || nameOrLabel === GATEWAY_TOOL_NAME || TOOL_LIKE.test(nameOrLabel))
    return capitalized(toolWords(nameOrLabel));
  return nameOrLabel;
}

// --- durations ---------------------------------------------------------------

const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? "" : "s"}`;

/** A duration in a sentence: "less than a second", "45 seconds", "2 minutes", "1 hour 5 minutes", "3 days". */
export function durationWords(ms: number): string {
  if (!Number.isFinite(ms) || ms < 1000) return "less than a second";
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return plural(seconds, "second");
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return plural(minutes, "minute");
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${plural(hours, "hour")}${minutes % 60 ? ` ${plural(minutes % 60, "minute")}` : ""}`;
  return plural(Math.round(hours / 24), "day");
}

/** A duration beside a number (a chip, a column): "0.4 s", "12 s", "3 min", "2 h 5 min". */
export function shortDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "";
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h${minutes % 60 ? ` ${minutes % 60} min` : ""}`;
}

// --- statuses ----------------------------------------------------------------

/**
 * An approval's state in a word or two. An approval withdrawn by someone (they went ahead
 * without it, stopped the reply that asked, lost access) resolves `expired` with why in its
 * note: that reads "Withdrawn", not "Expired", which is for one nobody decided in time.
 */
export function approvalStatusWords(approval: Pick<Approval, "status" | "note">): string {
  switch (approval.status) {
    case "pending":
      return "Waiting";
    case "approved":
      return "Approved";
    case "denied":
      return "Denied";
    case "expired":
      // A spend approval whose budget someone made fit was not withdrawn: nobody needs to decide it now.
      return noLongerNeededWhy(approval.note) !== null ? "No longer needed" : approval.note ? "Withdrawn" : "Expired";
  }
}

/**
 * How a decided approval's outcome line reads: the words first, then whether "by <who>" follows,
 * then the note to quote. A spend approval the room resolved because someone made its budget
 * fit (they raised or removed it) was not withdrawn by them: it reads "No longer needed: Alice
 * raised the budget to 1,000 credits", the reason said once, not also quoted.
 */
export function approvalOutcomeWords(approval: Pick<Approval, "status" | "resolvedBy" | "note">): {
  label: string;
  byWhom: boolean;
  note: string | null;
} {
  if (spendNoLongerNeeded(approval)) {
    const why = noLongerNeededWhy(approval.note)!.trim();
    return { label: why ? `No longer needed: ${why}` : "No longer needed", byWhom: false, note: null };
  }
  return { label: approvalStatusWords(approval), byWhom: approval.resolvedBy !== null, note: approval.note };
}

/** Where a person decided an approval, as a sentence ends: "Approved by Bob in Telegram". */
export const DECIDED_IN_WORDS: Record<DecidedIn, string> = {
  app: "in the app",
  link: "with a link from a mail or notification",
  ...(Object.fromEntries(Object.entries(CHAT_PLATFORMS).map(([name, { label }]) => [name, `in ${label}`])) as Record<
    keyof typeof CHAT_PLATFORMS,
    string
  >),
  allowance: "through the spending allowance they gave the key",
};

export const JOB_STATUS_WORDS: Record<JobStatus, string> = {
  running: "Running",
  cancel_requested: "Cancelling",
  succeeded: "Done",
  failed: "Failed",
  cancelled: "Cancelled",
};

export const INSTANCE_STATUS_WORDS: Record<InstanceStatus, string> = {
  provisioning: "Setting up",
  starting: "Starting",
  ready: "Ready",
  error: "Failed",
  stopped: "Deleted",
};

/** What an instance operation an approval asks for does (the approval's summary says it whole). */
export const INSTANCE_OPERATION_WORDS: Record<InstanceOperation, string> = {
  provision: "Start a new instance",
  restart: "Restart",
  backup: "Back up",
  restore: "Restore from a backup",
  unpair: "Remove a device",
  delete: "Delete",
  link: "Link a gateway run elsewhere",
  configureChannel: "Connect a chat app",
  disconnectChannel: "Disconnect a chat app",
  channelAccess: "Change who may message it",
  installSkill: "Install a skill",
  configureSkill: "Change a skill",
  removeSkill: "Remove a skill",
  invokeTool: "Run a tool",
  patchConfig: "Change its config",
};

/** A tool call's outcome (`message.tool.status`). */
export const TOOL_STATUS_WORDS: Record<string, string> = {
  ok: "Done",
  error: "Failed",
  denied: "Not allowed",
  expired: "Not run",
  pending: "Waiting",
};

/** A status from a closed list, in words; one the table does not know (a newer room's) as "Other". */
export function statusWords(kind: "approval" | "job" | "instance" | "tool", status: string): string {
  const table: Record<string, string> =
    kind === "approval"
      ? { pending: "Waiting", approved: "Approved", denied: "Denied", expired: "Expired", withdrawn: "Withdrawn" }
      : kind === "job"
        ? JOB_STATUS_WORDS
        : kind === "instance"
          ? INSTANCE_STATUS_WORDS
          : TOOL_STATUS_WORDS;
  return table[status] ?? "Other";
}

// --- errors --------------------------------------------------------------------

/** What a refusal means for the person who asked, by the room's (and the client's own) codes. */
export const ERROR_WORDS: Record<
  ErrorCode | "timeout" | "aborted" | "closed" | "protocol_unsupported" | "invalid_response",
  string
> = {
  bad_request: "That request was not understood.",
  unknown_method: "The server does not know this action; it may be older than this app.",
  payload_too_large: "That is too large to send.",
  unauthenticated: "You are signed out. Sign in again.",
  forbidden: "You may not do that here.",
  not_found: "That is no longer here.",
  conflict: "That changed meanwhile. Look again, then retry.",
  already_resolved: "Someone decided it first.",
  idempotency_conflict: "That request was already used for something else. Try again.",
  rate_limited: "Too many requests at once. Wait a moment and try again.",
  payment_required: "The workspace is out of credits. Top up in Billing.",
  unavailable: "That is not available right now. Try again in a moment.",
  internal: "Something went wrong on the server. Try again.",
  timeout: "The workspace did not answer in time. Check the connection and try again.",
  aborted: "Stopped.",
  closed: "The connection closed before an answer came.",
  protocol_unsupported: "This app and the server speak different versions. Reload the page.",
  invalid_response: "The server's answer could not be read. Reload the page.",
};

/** What went wrong with an OpenClaw instance's gateway, by the runtime's codes (shared/runtime/errors.ts). */
export const RUNTIME_ERROR_WORDS: Record<RuntimeErrorCode, string> = {
  unauthenticated: "The runtime refused the Autopilot's credentials",
  invalid_request: "The runtime did not understand the request",
  not_found: "The runtime does not know this instance",
  method_not_allowed: "The runtime does not allow that",
  conflict: "The instance was busy with another operation",
  capacity_exceeded: "There is no room for another gateway right now",
  not_ready: "The gateway is not ready yet",
  gateway_unavailable: "The gateway could not be reached",
  gateway_failed: "The gateway failed",
  backup_failed: "The backup failed",
  internal: "The runtime failed",
};

const RAW_ID = /\b(?:thr|run|apr|msg|job|prj|sch|task|file|idem)_[0-9a-zA-Z]{6,}\b/;
/** A method, tool, event or code name: `chat.send`, `threads_archive`, `approval.expired`, `gateway_failed`. */
const INTERNAL_NAME = /(?<![@\w.\-/])[a-z][a-zA-Z]*(?:[._][a-z][a-zA-Z]*)+\b(?![.\-/@]\w)/;

/** Whether a text shows internals: raw record ids, method or code names, millisecond counts. */
export function showsInternals(text: string): boolean {
  return RAW_ID.test(text) || INTERNAL_NAME.test(text) || /\b\d+\s?ms\b/.test(text);
}

/**
 * A message in words: millisecond counts as durations ("within 120000 ms" → "within 2
 * minutes") and a runtime code in parentheses ("… (gateway_failed)") left out. Other
 * internals stay (showsInternals tells).
 */
export function plainMessage(text: string): string {
  return text
    .replace(/\b(\d+)\s?ms\b/g, (_, ms: string) => durationWords(Number(ms)))
    .replace(/\s*\((?:[a-z]+_)+[a-z]+\)/g, "")
    .trim();
}

/** An error for a person: the message when it says something plainly, else what its code means. */
export function errorWords(code: string, message: string): string {
  const plain = plainMessage(message);
  if (plain && !showsInternals(plain)) return capitalized(plain);
  return (ERROR_WORDS as Record<string, string>)[code] ?? "Something went wrong. Try again.";
}

/**
 * An instance's error as the room stores it, from the runtime's `{code, message}`: the
 * message in words ("the gateway did not complete a connect handshake within 2 minutes"),
 * or what the code means when the message shows internals.
 */
export function runtimeErrorWords(error: { code: string; message: string }): string {
  const plain = plainMessage(error.message);
  if (plain && !showsInternals(plain)) return capitalized(plain);
  return (RUNTIME_ERROR_WORDS as Record<string, string>)[error.code] ?? "The gateway failed";
}

// --- OpenClaw sessions -----------------------------------------------------------

const CHANNEL_NAMES: Record<string, string> = {
  telegram: "Telegram",
  discord: "Discord",
  slack: "Slack",
  whatsapp: "WhatsApp",
  signal: "Signal",
  imessage: "iMessage",
};

/**
 * A gateway session's key (`agent:main:telegram:direct:12345`) as what the session is: "The
 * agent's main session", "A Telegram chat", "A Telegram group", "A scheduled run", "A
 * helper agent's run", "A session". The key itself is for a tooltip.
 */
export function sessionWords(key: string): string {
  const parts = key.split(":");
  const rest = parts[0] === "agent" ? parts.slice(2) : parts;
  const [first = "", second = ""] = rest;
  if (rest.length === 1 && first === "main") return "The agent's main session";
  if (first === "cron" || rest.includes("cron")) return "A scheduled run";
  if (first === "hook" || rest.includes("hook")) return "A hook's run";
  if (first === "subagent" || rest.includes("subagent")) return "A helper agent's run";
  if (first === "heartbeat") return "The agent's heartbeat";
  const channel = CHANNEL_NAMES[first.toLowerCase()];
  if (channel) {
    const a = /^[AEIOUi]/.test(channel) ? "An" : "A";
    return second === "group" || second === "channel" ? `${a} ${channel} group` : `${a} ${channel} chat`;
  }
  return "A session";
}
