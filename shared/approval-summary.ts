import { toolWords } from "./plain-words";
import type { Approval } from "./protocol/approvals";

/**
 * What an approval will do, in plain words, with ids resolved to names: the one line every
 * view (queue, thread, inspector, inbox, canvas, CLI, mail) leads with. The room writes it
 * when the approval is filed (`approval.summary`), when it still knows every name.
 */

/** Names the room knows for the ids an action may carry; null when it knows none. */
export interface NameLookup {
  thread(id: string): string | null;
  instance(id: string): string | null;
  job(id: string): string | null;
  /** A task's goal and a schedule's name, for audit entries written before they carried them. */
  task?(id: string): string | null;
  schedule?(id: string): string | null;
}

export const MAX_SUMMARY = 500;

const quoted = (text: string) => `“${text.length > 80 ? `${text.slice(0, 79)}…` : text}”`;
const str = (value: unknown): string | null => (typeof value === "string" && value.trim() ? value : null);

function clip(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > MAX_SUMMARY ? `${line.slice(0, MAX_SUMMARY - 1)}…` : line;
}

/** `“Work gateway”`, or the instance's id (one its creator chose) when the room has no name for it. */
const named = (kind: "instance", id: string | null, names: NameLookup): string => {
  if (!id) return "(none given)";
  const name = names[kind](id);
  return name ? quoted(name) : id;
};

/** `the thread “Plans”`; a record id the room does not know is never shown: it says so instead. */
const the = (kind: "thread" | "job", id: string | null, names: NameLookup): string => {
  const name = id ? names[kind](id) : null;
  return name ? `the ${kind} ${quoted(name)}` : `a ${kind} that is not in this workspace`;
};

/** OpenClaw's operator scopes a device asks for, in words; one not listed by its last part. */
const SCOPE_WORDS: Record<string, string> = {
  "operator.read": "read access",
  "operator.write": "write access",
  "operator.admin": "admin access",
  "operator.approvals": "approvals",
  "operator.pairing": "pairing",
};
const scopeWords = (scope: string): string => SCOPE_WORDS[scope] ?? scope.split(".").pop() ?? scope;

/**
 * Where a gateway runs a command, for the line a person decides on: inside the instance's own
 * directory (the process host keeps each under `…/instances/<workspace>/<instance>/`) as the folder
 * within it, since the host's path before it says nothing to them; any other path as it is.
 * The details keep the whole path.
 */
function whereIn(cwd: string, instanceId: string): string {
  const parts = cwd.split("/");
  for (let i = parts.length - 3; i >= 0; i--) {
    if (parts[i] !== "instances" || parts[i + 2] !== instanceId) continue;
    const inside = parts.slice(i + 3).filter(Boolean);
    // The gateway reports the path: one that climbs back out is not inside, whatever it names.
    if (inside.some((part) => part === ".." || part === ".")) return cwd;
    return inside.length > 0 ? `its folder “${inside.join("/")}”` : "its own folder";
  }
  return cwd;
}

type Args = Record<string, unknown>;

/** The Autopilot's gated tools, by tool name (shared/protocol/tool-policy.ts marks which are gated). */
const TOOLS: Record<string, (a: Args, n: NameLookup) => string> = {
  threads_archive: (a, n) =>
    `${a.archived === false ? "Restore" : "Archive"} ${the("thread", str(a.threadId), n)}${a.archived === false ? "" : ": it leaves the thread list"}.`,
  jobs_cancel: (a, n) => `Cancel ${the("job", str(a.jobId), n)}.`,
  sessions_open: (a, n) =>
    `Open a thread on session ${quoted(str(a.sessionKey) ?? "?")} of OpenClaw instance ${named("instance", str(a.instanceId), n)}.`,
  sessions_send: (a, n) =>
    `Send ${quoted(str(a.text) ?? "")} to session ${quoted(str(a.sessionKey) ?? "?")} of OpenClaw instance ${named("instance", str(a.instanceId), n)}.`,
  instances_attach: (a, n) =>
    `Let OpenClaw instance ${named("instance", str(a.instanceId), n)} answer in ${the("thread", str(a.threadId), n)}.`,
  instances_detach: (a, n) =>
    `Stop OpenClaw instance ${named("instance", str(a.instanceId), n)} answering in ${the("thread", str(a.threadId), n)}.`,
};

/**
 * The task whose step asks, when a task's step files the approval: the approver reads which
 * task and step wants it, not a bare "the Autopilot will" (a task runs with nobody watching).
 */
export interface AskingStep {
  step: number;
  /** The task's goal (its first line is quoted). */
  goal: string;
  /** Who started the task. */
  startedBy: string;
}

/** "Step 4 of Alice's task “Release 1.4 …”". */
export function stepWords(asker: AskingStep): string {
  const goal = asker.goal.split("\n").find((line) => line.trim()) ?? "";
  const line = goal.replace(/\s+/g, " ").trim();
  return `Step ${asker.step} of ${asker.startedBy}’s task ${quoted(line.length > 60 ? `${line.slice(0, 59)}…` : line)}`;
}

function toolSummary(
  tool: string,
  argumentsText: string,
  instanceName: string | null,
  names: NameLookup,
  asker: AskingStep | null,
): string {
  let args: Args = {};
  try {
    const parsed: unknown = JSON.parse(argumentsText);
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) args = parsed as Args;
  } catch {
    // Clipped arguments are not JSON: the summary names the tool only.
  }
  if (tool === "openclaw_tool") {
    // The gateway's own tool keeps the name its gateway gives it, quoted: that is what a person looks up there.
    const name = str(args.tool) ?? str(args.name);
    if (asker)
      return `${stepWords(asker)} wants to run ${name ? `the OpenClaw tool ${quoted(name)}` : "a tool of the OpenClaw instance"} once on instance ${instanceName ? quoted(instanceName) : "(detached)"}.`;
    return `The Autopilot runs ${name ? `the OpenClaw tool ${quoted(name)}` : "a tool of the OpenClaw instance"} once on instance ${instanceName ? quoted(instanceName) : "(detached)"}.`;
  }
  const known = TOOLS[tool];
  const who = asker ? `${stepWords(asker)} wants to` : "The Autopilot will";
  return known
    ? `${who} ${lowerFirst(known(args, names))}`
    : `${who} ${toolWords(tool)} once, with the arguments below.`;
}

const CHANNEL_LABELS: Record<string, string> = { telegram: "Telegram", discord: "Discord", slack: "Slack" };
const channelName = (channel: { channel: string; accountId: string } | undefined): string =>
  channel
    ? `${CHANNEL_LABELS[channel.channel] ?? channel.channel}${channel.accountId === "default" ? "" : ` (account ${channel.accountId})`}`
    : "a channel";

const BUDGET_NAMES = { workspace: "workspace's", key: "agent key's", project: "project's", task: "task's" } as const;
const budgetName = (scope: keyof typeof BUDGET_NAMES): string => BUDGET_NAMES[scope];

const lowerFirst = (text: string) => `${text[0]?.toLowerCase() ?? ""}${text.slice(1)}`;

/** The summary of an action; `title` for an approval without one (an agent's own words). */
export function approvalSummary(
  action: Approval["action"],
  title: string,
  names: NameLookup,
  instanceName: string | null = null,
  /** A task's step asks (a tool call of its run). */
  asker: AskingStep | null = null,
): string {
  if (!action) return clip(title);
  switch (action.kind) {
    case "spend":
      return clip(
        `${action.amount.toLocaleString("en-US")} more credits for ${action.what}, once; the ${budgetName(action.budget.scope)} budget is raised by that for this period.`,
      );
    case "tool":
      return clip(toolSummary(action.tool, action.arguments, instanceName, names, asker));
    case "exec":
      return clip(
        `An agent on OpenClaw instance ${named("instance", action.instanceId, names)} runs \`${action.command}\` once${action.cwd ? ` in ${whereIn(action.cwd, action.instanceId)}` : ""}.`,
      );
    case "pairing": {
      const who =
        action.target === "channel"
          ? `The ${action.channel?.channel ?? "channel"} sender ${action.subject}`
          : `${action.target === "node" ? "Node" : "Device"} ${action.subject}`;
      const instance = named("instance", action.instanceId, names);
      // A node's request is its command surface: approving it lets the gateway run those commands there.
      if (action.target === "node")
        return clip(
          `${who} may run the commands it lists in the details for OpenClaw instance ${instance}, and the Autopilot may use them, each call approved by a person.`,
        );
      return clip(
        `${who} may connect to OpenClaw instance ${instance}${action.scopes.length ? ` with ${action.scopes.map(scopeWords).join(", ")}` : ""}.`,
      );
    }
    case "instance": {
      const instance = action.name ? quoted(action.name) : named("instance", action.instanceId, names);
      const lines: Record<typeof action.operation, string> = {
        provision: `A new OpenClaw instance ${instance} starts for this workspace: a gateway of its own that keeps running until it is deleted.`,
        restart: `OpenClaw instance ${instance} restarts: its gateway stops and starts again, cutting replies in progress.`,
        backup: `OpenClaw instance ${instance} is backed up: a copy of its state is stored; it keeps running.`,
        restore: `OpenClaw instance ${instance} is restored from backup ${action.backupId ?? "?"}: its current state is replaced.`,
        unpair: `Device ${action.deviceId ?? "?"} is removed from OpenClaw instance ${instance}: it can no longer connect.`,
        delete: `OpenClaw instance ${instance} is deleted: its gateway and state are removed, and its threads are no longer answered by it.`,
        link: `The OpenClaw gateway ${instance} is linked: the room connects to it with the token given and people chat with it here.`,
        configureChannel: `OpenClaw instance ${instance} connects to ${channelName(action.channel)} with the bot token given (kept hidden): people who message the bot reach its agent.`,
        disconnectChannel: `OpenClaw instance ${instance} is logged out of ${channelName(action.channel)}: its bot token is removed and the bot stops answering.`,
        channelAccess: `Who may message OpenClaw instance ${instance} on ${channelName(action.channel)} changes as listed below.`,
        installSkill: `OpenClaw instance ${instance} installs the skill ${quoted(action.skill?.key ?? "?")} (where from: below): its agent follows the skill's instructions from then on.`,
        configureSkill: `The skill ${quoted(action.skill?.key ?? "?")} of OpenClaw instance ${instance} changes as listed below (a key or value given stays hidden).`,
        removeSkill: `The skill ${quoted(action.skill?.key ?? "?")} is removed from OpenClaw instance ${instance}: its folder is deleted and its agent no longer has it.`,
        invokeTool: `OpenClaw instance ${instance}'s agent runs its tool ${quoted(action.tool?.name ?? "?")} once, with the arguments shown below; its answer is the job's result.`,
        patchConfig: `OpenClaw instance ${instance}'s gateway config changes as shown below, checked by the gateway itself; refused if its config changed since it was proposed.`,
      };
      return clip(lines[action.operation]);
    }
  }
}
