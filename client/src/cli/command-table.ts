import { InstanceOperation } from "../../../shared/protocol/instances";
import { MAX_MEMORY_ENTRIES, Responder, UsageListParams } from "../../../shared/protocol/agent";
import { ApprovalStatus, MAX_APPROVAL_TTL_MS, Risk } from "../../../shared/protocol/approvals";
import { MAX_SEARCH_LIMIT } from "../../../shared/protocol/search";
import { integer, number, oneOf, optional, time } from "./option-values";
import { AGENTS_HELP, responderOptions } from "./responder-options";
import { FAMILY_COMMANDS, FAMILY_OPTIONS, type FamilyCommand } from "./families";
import { UsageError } from "./usage-error";
import { type CliOperation, NOT_OPERATIONS } from "./instance-tool-commands";
import { valued, onOff } from "./option-spec";
export { UsageError };

/**
 * What the `autopilot` CLI offers: every command with its arguments, options, one-line
 * summary and how its words become a typed `Command`, and every option with its help.
 * `args.ts` turns this table into the command-line parser and the help.
 */

export interface Connection {
  url: string;
  workspace: string;
  apiKey: string;
  device: string;
}

type RiskLevel = (typeof Risk.options)[number];
type ApprovalState = (typeof ApprovalStatus.options)[number];
type ResponderKind = Responder["kind"];
type ReplyMode = Responder["reply"];
const GROUP_BY = UsageListParams.unwrap().shape.groupBy.unwrap().options;
type UsageGroupBy = (typeof GROUP_BY)[number];
export type Command =
  | FamilyCommand
  | { name: "signup"; agentName: string; invitation?: string }
  | { name: "watch"; view?: string[] }
  | { name: "threads"; includeArchived: boolean }
  | { name: "thread new"; title: string; responder?: ResponderKind; reply?: ReplyMode; agents?: boolean }
  | { name: "thread rename"; threadId: string; title: string }
  | { name: "thread archive"; threadId: string; archived: boolean }
  | { name: "send"; threadId: string; text: string; waitReply?: { timeoutMs: number } }
  | { name: "chat abort"; threadId: string }
  | { name: "chat go-ahead"; runId: string }
  | { name: "sessions"; instanceId: string }
  | { name: "session open"; instanceId: string; sessionKey: string }
  | { name: "messages"; threadId: string; limit?: number; before?: number }
  | { name: "search"; q: string; limit?: number; before?: number; includeArchived: boolean }
  | { name: "approvals"; status?: ApprovalState; limit?: number }
  | { name: "approve" | "deny"; approvalId: string; note?: string; confirmOwn?: true; amount?: number }
  | {
      name: "request-approval";
      title: string;
      details?: string;
      risk?: RiskLevel;
      threadId?: string;
      expiresInMs?: number;
      wait: boolean;
    }
  | { name: "jobs"; active: boolean; limit?: number }
  | { name: "job start"; title: string; threadId?: string; message?: string }
  | { name: "job progress"; jobId: string; progress: number; message?: string }
  | { name: "job finish"; jobId: string; message?: string }
  | { name: "job fail"; jobId: string; error: string }
  | { name: "job cancel"; jobId: string; reason?: string }
  | { name: "instances" }
  | {
      name: "instance op";
      operation: CliOperation;
      instanceId: string;
      displayName?: string;
      target?: string;
      wait: boolean;
    }
  | { name: "instance details"; instanceId: string }
  | { name: "instance link"; instanceId: string; url: string; displayName?: string; wait: boolean }
  | { name: "instance guide"; path?: "managed" | "own" }
  | { name: "instance attach"; instanceId: string; threadId: string; attach: boolean }
  | { name: "audit"; limit?: number; before?: number }
  | { name: "thread configure"; threadId: string; responder?: ResponderKind; reply?: ReplyMode; agents?: boolean }
  | { name: "memory"; prefix?: string; limit?: number }
  | { name: "memory put"; key: string; value: string }
  | { name: "memory delete"; key: string }
  | {
      name: "usage";
      since?: number;
      until?: number;
      threadId?: string;
      principalId?: string;
      groupBy?: UsageGroupBy;
      limit?: number;
    };

/** How long `send --wait-reply` waits for the instance's reply by default (10 min). */
export const DEFAULT_REPLY_TIMEOUT_MS = 600_000;

export const OPTIONS = {
  url: valued("<url>", "server, e.g. https://autopilot.example.com (env AUTOPILOT_URL)"),
  workspace: valued("<id>", "workspace id (env AUTOPILOT_WORKSPACE)"),
  key: valued("<key>", "agent API key (env AUTOPILOT_KEY; prefer the env var)"),
  device: valued("<label>", "device label shown in presence (env AUTOPILOT_DEVICE)"),
  archived: onOff("include archived threads"),
  restore: onOff("un-archive instead"),
  limit: valued("<n>", "how many to return"),
  before: valued("<n>", "page: entries older than this ordinal"),
  status: valued("<status>", `filter: ${ApprovalStatus.options.join("|")}`),
  note: valued("<text>", "note recorded with the decision"),
  "confirm-own": onOff("approve what you asked for (or was asked on your behalf): recorded as self-confirmed"),
  amount: valued("<credits>", "a spend approval: grant this many credits instead of what it asks"),
  details: valued("<text>", "what exactly will happen"),
  risk: valued("<level>", `${Risk.options.join("|")} (default medium)`),
  thread: valued("<threadId>", "the thread (to attach to, or to count only)"),
  "expires-in": valued("<seconds>", "expire the request after this long"),
  wait: onOff("wait for the decision: exit 0 approved, 1 denied or expired"),
  active: onOff("only unfinished jobs"),
  message: valued("<text>", "status message"),
  reason: valued("<text>", "why"),
  name: valued("<text>", "display name (default: the id)"),
  invitation: valued("<token>", "join the workspace this invitation is for (a person creates it in Settings)"),
  "wait-done": onOff("wait for the decision and the outcome: exit 0 done, 1 denied or expired, 3 failed"),
  "wait-reply": onOff(
    "print the reply (the Autopilot's or the OpenClaw instance's) as it streams (plain text, not JSON); exit 1 on an error message or a stopped run",
  ),
  "timeout-ms": valued("<ms>", `with --wait-reply: give up after this long (default ${DEFAULT_REPLY_TIMEOUT_MS})`),
  responder: valued("<who>", `who answers: ${Responder.shape.kind.options.join("|")}`),
  reply: valued("<when>", `${Responder.shape.reply.options.join("|")} (answer every message, or only @autopilot)`),
  agents: valued("<answer|ignore>", AGENTS_HELP),
  prefix: valued("<text>", "only keys starting with this"),
  since: valued("<time>", "from this time (ISO 8601 or epoch ms)"),
  until: valued("<time>", "until this time (ISO 8601 or epoch ms)"),
  principal: valued("<id>", "only runs this principal triggered"),
  "group-by": valued("<key>", `${GROUP_BY.join("|")} (default none: the calls themselves)`),
  ...FAMILY_OPTIONS,
} as const satisfies Record<string, { type: "string" | "boolean"; short?: string; value?: string; help: string }>;

export type OptionName = keyof typeof OPTIONS;
export type Values = { [K in OptionName]?: (typeof OPTIONS)[K]["type"] extends "boolean" ? boolean : string };

/** Options every command takes: where to connect, as whom. */
export const CONNECTION_OPTIONS = ["url", "workspace", "key", "device"] as const satisfies readonly OptionName[];

export interface CommandSpec {
  /** Positional argument names; a trailing `...` takes the rest of the words. */
  args: readonly string[];
  options: readonly OptionName[];
  summary: string;
  build: (args: string[], values: Values) => Command;
}

export const COMMANDS: Record<string, CommandSpec> = {
  signup: {
    args: ["name..."],
    options: ["invitation"],
    summary:
      "sign up as an agent (needs only --url): prints the new key once, for a workspace of its own or the invitation's",
    build: ([name], v) => ({ name: "signup", agentName: name!, ...(v.invitation && { invitation: v.invitation }) }),
  },
  watch: {
    args: [],
    options: ["thread"],
    summary:
      "print every event (hello included) as one JSON line until interrupted; with --thread (ids, comma-separated), only those threads' messages and streams and a bump for the others",
    build: (_, v) => ({ name: "watch", ...(v.thread !== undefined && { view: v.thread.split(",").filter(Boolean) }) }),
  },
  threads: {
    args: [],
    options: ["archived"],
    summary: "list threads",
    build: (_, v) => ({ name: "threads", includeArchived: v.archived ?? false }),
  },
  "thread new": {
    args: ["title..."],
    options: ["responder", "reply", "agents"],
    summary: "create a thread; the Autopilot answers an agent's thread only on @autopilot unless you pass --responder",
    build: ([title], v) => ({ name: "thread new", title: title!, ...responderOptions(v) }),
  },
  "thread rename": {
    args: ["threadId", "title..."],
    options: [],
    summary: "rename a thread",
    build: ([threadId, title]) => ({ name: "thread rename", threadId: threadId!, title: title! }),
  },
  "thread archive": {
    args: ["threadId"],
    options: ["restore"],
    summary: "archive a thread (or restore it with --restore)",
    build: ([threadId], v) => ({ name: "thread archive", threadId: threadId!, archived: !v.restore }),
  },
  "thread configure": {
    args: ["threadId"],
    options: ["responder", "reply", "agents"],
    summary:
      "set who answers a thread (the Autopilot, its OpenClaw instance or nobody), when, and whether agents' messages count",
    build: ([threadId], v) => {
      if (v.responder === undefined && v.reply === undefined && v.agents === undefined)
        throw new UsageError("pass --responder, --reply and/or --agents");
      return { name: "thread configure", threadId: threadId!, ...responderOptions(v) };
    },
  },
  send: {
    args: ["threadId", "text..."],
    options: ["wait-reply", "timeout-ms"],
    summary: 'post a message to a thread ("-" reads stdin; --wait-reply prints the reply)',
    build: ([threadId, text], v) => {
      const timeoutMs = integer("timeout-ms", v["timeout-ms"], 1, 24 * 60 * 60 * 1000);
      if (timeoutMs !== undefined && !v["wait-reply"])
        throw new UsageError("--timeout-ms only applies with --wait-reply");
      return {
        name: "send",
        threadId: threadId!,
        text: text!,
        ...optional("waitReply", v["wait-reply"] ? { timeoutMs: timeoutMs ?? DEFAULT_REPLY_TIMEOUT_MS } : undefined),
      };
    },
  },
  "chat abort": {
    args: ["threadId"],
    options: [],
    summary: "stop the OpenClaw reply running in a gateway thread",
    build: ([threadId]) => ({ name: "chat abort", threadId: threadId! }),
  },
  "chat go-ahead": {
    args: ["runId"],
    options: [],
    summary:
      "let the Autopilot's run waiting for approvals go on without them (a thread's waiting.runId, from `threads`)",
    build: ([runId]) => ({ name: "chat go-ahead", runId: runId! }),
  },
  messages: {
    args: ["threadId"],
    options: ["limit", "before"],
    summary: "list a thread's messages, oldest first",
    build: ([threadId], v) => ({
      name: "messages",
      threadId: threadId!,
      ...optional("limit", integer("limit", v.limit, 1, 200)),
      ...optional("before", integer("before", v.before, 1)),
    }),
  },
  search: {
    args: ["text..."],
    options: ["limit", "before", "archived"],
    summary:
      "search messages and thread titles: plain words, each matched by its start, all required; titles first, then messages newest first",
    build: ([q], v) => ({
      name: "search",
      q: q!,
      ...optional("limit", integer("limit", v.limit, 1, MAX_SEARCH_LIMIT)),
      ...optional("before", integer("before", v.before, 1)),
      includeArchived: v.archived ?? false,
    }),
  },
  approvals: {
    args: [],
    options: ["status", "limit"],
    summary: "list approvals",
    build: (_, v) => ({
      name: "approvals",
      ...optional("status", oneOf("status", v.status, ApprovalStatus.options)),
      ...optional("limit", integer("limit", v.limit, 1, 500)),
    }),
  },
  approve: {
    args: ["approvalId"],
    options: ["note", "confirm-own", "amount"],
    summary: "approve a pending approval",
    build: ([approvalId], v) => ({
      name: "approve",
      approvalId: approvalId!,
      ...optional("note", v.note),
      ...(v["confirm-own"] ? { confirmOwn: true as const } : {}),
      ...optional("amount", integer("amount", v.amount, 1, 1_000_000_000_000)),
    }),
  },
  deny: {
    args: ["approvalId"],
    options: ["note"],
    summary: "deny a pending approval",
    build: ([approvalId], v) => ({ name: "deny", approvalId: approvalId!, ...optional("note", v.note) }),
  },
  "request-approval": {
    args: ["title..."],
    options: ["details", "risk", "thread", "expires-in", "wait"],
    summary: "ask the humans for approval; with --wait also print the decision",
    build: ([title], v) => {
      const seconds = integer("expires-in", v["expires-in"], 1, MAX_APPROVAL_TTL_MS / 1000);
      return {
        name: "request-approval",
        title: title!,
        wait: v.wait ?? false,
        ...optional("details", v.details),
        ...optional("risk", oneOf("risk", v.risk, Risk.options)),
        ...optional("threadId", v.thread),
        ...optional("expiresInMs", seconds === undefined ? undefined : seconds * 1000),
      };
    },
  },
  jobs: {
    args: [],
    options: ["active", "limit"],
    summary: "list jobs",
    build: (_, v) => ({
      name: "jobs",
      active: v.active ?? false,
      ...optional("limit", integer("limit", v.limit, 1, 500)),
    }),
  },
  "job start": {
    args: ["title..."],
    options: ["thread", "message"],
    summary: "report that you started a long-running job",
    build: ([title], v) => ({
      name: "job start",
      title: title!,
      ...optional("threadId", v.thread),
      ...optional("message", v.message),
    }),
  },
  "job progress": {
    args: ["jobId", "percent"],
    options: ["message"],
    summary: "report progress (0-100)",
    build: ([jobId, percent], v) => ({
      name: "job progress",
      jobId: jobId!,
      progress: number("percent", percent!, 0, 100),
      ...optional("message", v.message),
    }),
  },
  "job finish": {
    args: ["jobId"],
    options: ["message"],
    summary: "report that a job succeeded",
    build: ([jobId], v) => ({ name: "job finish", jobId: jobId!, ...optional("message", v.message) }),
  },
  "job fail": {
    args: ["jobId", "error..."],
    options: [],
    summary: "report that a job failed",
    build: ([jobId, error]) => ({ name: "job fail", jobId: jobId!, error: error! }),
  },
  "job cancel": {
    args: ["jobId"],
    options: ["reason"],
    summary: "ask a job's owner to stop",
    build: ([jobId], v) => ({ name: "job cancel", jobId: jobId!, ...optional("reason", v.reason) }),
  },
  instances: {
    args: [],
    options: [],
    summary: "list OpenClaw instances",
    build: () => ({ name: "instances" }),
  },
  ...Object.fromEntries(
    InstanceOperation.options
      .filter((operation): operation is CliOperation => !NOT_OPERATIONS.has(operation))
      .map((operation): [string, CommandSpec] => [
        `instance ${operation}`,
        {
          // A restore names the backup, an unpair the device (ids from `instance details`).
          args:
            operation === "restore"
              ? ["instanceId", "backupId"]
              : operation === "unpair"
                ? ["instanceId", "deviceId"]
                : ["instanceId"],
          options: operation === "provision" ? ["name", "wait-done"] : ["wait-done"],
          summary: `ask a person to approve: ${operation} an OpenClaw instance (runs once approved)`,
          build: ([instanceId, target], v) => ({
            name: "instance op",
            operation,
            instanceId: instanceId!,
            wait: v["wait-done"] ?? false,
            ...optional("displayName", v.name),
            ...optional("target", target),
          }),
        },
      ]),
  ),
  "instance link": {
    args: ["instanceId", "url"],
    options: ["name", "wait-done"],
    summary:
      "ask a person to approve: link your own OpenClaw gateway at <url> (ws:// or wss://); its token is read from stdin, never an argument (a command line is public)",
    build: ([instanceId, url], v) => ({
      name: "instance link",
      instanceId: instanceId!,
      url: url!,
      wait: v["wait-done"] ?? false,
      ...optional("displayName", v.name),
    }),
  },
  "instance guide": {
    args: ["path?"],
    options: [],
    summary: 'how to have an OpenClaw here: "managed" (this service runs it), "own" (you run it and link it), or both',
    build: ([path]) => {
      if (path === undefined) return { name: "instance guide" };
      if (path !== "managed" && path !== "own")
        throw new UsageError('the path is "managed" or "own"', "instance guide");
      return { name: "instance guide", path };
    },
  },
  "instance details": {
    args: ["instanceId"],
    options: [],
    summary: "an instance's gateway version, model, uptime, backups and paired devices",
    build: ([instanceId]) => ({ name: "instance details", instanceId: instanceId! }),
  },
  "instance attach": {
    args: ["instanceId", "threadId"],
    options: [],
    summary: "bind an instance to a thread",
    build: ([instanceId, threadId]) => ({
      name: "instance attach",
      instanceId: instanceId!,
      threadId: threadId!,
      attach: true,
    }),
  },
  "instance detach": {
    args: ["instanceId", "threadId"],
    options: [],
    summary: "unbind an instance from a thread",
    build: ([instanceId, threadId]) => ({
      name: "instance attach",
      instanceId: instanceId!,
      threadId: threadId!,
      attach: false,
    }),
  },
  sessions: {
    args: ["instanceId"],
    options: [],
    summary: "list an OpenClaw instance's gateway sessions",
    build: ([instanceId]) => ({ name: "sessions", instanceId: instanceId! }),
  },
  "session open": {
    args: ["instanceId", "sessionKey"],
    options: [],
    summary: "get the thread bound to a gateway session (created if needed)",
    build: ([instanceId, sessionKey]) => ({ name: "session open", instanceId: instanceId!, sessionKey: sessionKey! }),
  },
  audit: {
    args: [],
    options: ["limit", "before"],
    summary: "list the audit log, newest first",
    build: (_, v) => ({
      name: "audit",
      ...optional("limit", integer("limit", v.limit, 1, 500)),
      ...optional("before", integer("before", v.before, 1)),
    }),
  },
  memory: {
    args: [],
    options: ["prefix", "limit"],
    summary: "list the workspace memory the Autopilot reads",
    build: (_, v) => ({
      name: "memory",
      ...optional("prefix", v.prefix),
      ...optional("limit", integer("limit", v.limit, 1, MAX_MEMORY_ENTRIES)),
    }),
  },
  "memory put": {
    args: ["key", "value..."],
    options: [],
    summary: 'set a memory entry ("-" reads the value from stdin)',
    build: ([key, value]) => ({ name: "memory put", key: key!, value: value! }),
  },
  "memory delete": {
    args: ["key"],
    options: [],
    summary: "delete a memory entry",
    build: ([key]) => ({ name: "memory delete", key: key! }),
  },
  usage: {
    args: [],
    options: ["since", "until", "thread", "principal", "group-by", "limit"],
    summary: "what the Autopilot's model calls cost: totals, and groups or the calls",
    build: (_, v) => ({
      name: "usage",
      ...optional("since", time("since", v.since)),
      ...optional("until", time("until", v.until)),
      ...optional("threadId", v.thread),
      ...optional("principalId", v.principal),
      ...optional("groupBy", oneOf("group-by", v["group-by"], GROUP_BY)),
      ...optional("limit", integer("limit", v.limit, 1, 500)),
    }),
  },
  ...FAMILY_COMMANDS,
};
