import { parseArgs } from "node:util";
import { InstanceOperation } from "../../../shared/protocol/instances";
import { ApprovalStatus, MAX_APPROVAL_TTL_MS, Risk } from "../../../shared/protocol/approvals";

export class UsageError extends Error {
  override readonly name = "UsageError";
  /** The command the mistake was made in, so the hint can point at its help. */
  readonly command: string | undefined;

  constructor(message: string, command?: string) {
    super(message);
    this.command = command;
  }
}

export interface Connection {
  url: string;
  workspace: string;
  apiKey: string;
  device: string;
}

type RiskLevel = (typeof Risk.options)[number];
type ApprovalState = (typeof ApprovalStatus.options)[number];

export type Command =
  | { name: "watch" }
  | { name: "threads"; includeArchived: boolean }
  | { name: "thread new"; title: string }
  | { name: "thread rename"; threadId: string; title: string }
  | { name: "thread archive"; threadId: string; archived: boolean }
  | { name: "send"; threadId: string; text: string; waitReply?: { timeoutMs: number } }
  | { name: "chat abort"; threadId: string }
  | { name: "sessions"; instanceId: string }
  | { name: "session open"; instanceId: string; sessionKey: string }
  | { name: "messages"; threadId: string; limit?: number; before?: number }
  | { name: "approvals"; status?: ApprovalState; limit?: number }
  | { name: "approve" | "deny"; approvalId: string; note?: string }
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
  | { name: "instance op"; operation: InstanceOperation; instanceId: string; displayName?: string; wait: boolean }
  | { name: "instance attach"; instanceId: string; threadId: string; attach: boolean }
  | { name: "audit"; limit?: number; before?: number };

export type Invocation = { kind: "help"; text: string } | { kind: "run"; command: Command; connection: Connection };

/** How long `send --wait-reply` waits for the instance's reply by default (10 min). */
export const DEFAULT_REPLY_TIMEOUT_MS = 600_000;

const OPTIONS = {
  url: { type: "string", value: "<url>", help: "server, e.g. https://autopilot.example.com (env AUTOPILOT_URL)" },
  workspace: { type: "string", value: "<id>", help: "workspace id (env AUTOPILOT_WORKSPACE)" },
  key: { type: "string", value: "<key>", help: "agent API key (env AUTOPILOT_KEY; prefer the env var)" },
  device: { type: "string", value: "<label>", help: "device label shown in presence (env AUTOPILOT_DEVICE)" },
  help: { type: "boolean", short: "h", help: "show help" },
  archived: { type: "boolean", help: "include archived threads" },
  restore: { type: "boolean", help: "un-archive instead" },
  limit: { type: "string", value: "<n>", help: "how many to return" },
  before: { type: "string", value: "<n>", help: "page: entries older than this ordinal" },
  status: { type: "string", value: "<status>", help: `filter: ${ApprovalStatus.options.join("|")}` },
  note: { type: "string", value: "<text>", help: "note recorded with the decision" },
  details: { type: "string", value: "<text>", help: "what exactly will happen" },
  risk: { type: "string", value: "<level>", help: `${Risk.options.join("|")} (default medium)` },
  thread: { type: "string", value: "<threadId>", help: "attach to a thread" },
  "expires-in": { type: "string", value: "<seconds>", help: "expire the request after this long" },
  wait: { type: "boolean", help: "wait for the decision: exit 0 approved, 1 denied or expired" },
  active: { type: "boolean", help: "only unfinished jobs" },
  message: { type: "string", value: "<text>", help: "status message" },
  reason: { type: "string", value: "<text>", help: "why" },
  name: { type: "string", value: "<text>", help: "display name (default: the id)" },
  "wait-done": { type: "boolean", help: "wait for the decision and the outcome: exit 0 done, 1 denied or expired, 3 failed" },
  "wait-reply": {
    type: "boolean",
    help: "gateway threads: print the instance's reply as it streams (plain text, not JSON); exit 1 on a gateway error or a stopped run",
  },
  "timeout-ms": { type: "string", value: "<ms>", help: `with --wait-reply: give up after this long (default ${DEFAULT_REPLY_TIMEOUT_MS})` },
} as const satisfies Record<string, { type: "string" | "boolean"; short?: string; value?: string; help: string }>;

type OptionName = keyof typeof OPTIONS;
type Values = { [K in OptionName]?: (typeof OPTIONS)[K]["type"] extends "boolean" ? boolean : string };

const GLOBAL_OPTIONS: readonly OptionName[] = ["url", "workspace", "key", "device", "help"];

interface CommandSpec {
  /** Positional argument names; a trailing `...` takes the rest of the words. */
  args: readonly string[];
  options: readonly OptionName[];
  summary: string;
  build: (args: string[], values: Values) => Command;
}

const COMMANDS: Record<string, CommandSpec> = {
  watch: {
    args: [],
    options: [],
    summary: "print every event (hello included) as one JSON line until interrupted",
    build: () => ({ name: "watch" }),
  },
  threads: {
    args: [],
    options: ["archived"],
    summary: "list threads",
    build: (_, v) => ({ name: "threads", includeArchived: v.archived ?? false }),
  },
  "thread new": {
    args: ["title..."],
    options: [],
    summary: "create a thread",
    build: ([title]) => ({ name: "thread new", title: title! }),
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
  send: {
    args: ["threadId", "text..."],
    options: ["wait-reply", "timeout-ms"],
    summary: 'post a message to a thread ("-" reads stdin; --wait-reply prints the OpenClaw reply)',
    build: ([threadId, text], v) => {
      const timeoutMs = integer("timeout-ms", v["timeout-ms"], 1, 24 * 60 * 60 * 1000);
      if (timeoutMs !== undefined && !v["wait-reply"]) throw new UsageError("--timeout-ms only applies with --wait-reply");
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
    options: ["note"],
    summary: "approve a pending approval",
    build: ([approvalId], v) => ({ name: "approve", approvalId: approvalId!, ...optional("note", v.note) }),
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
    build: (_, v) => ({ name: "jobs", active: v.active ?? false, ...optional("limit", integer("limit", v.limit, 1, 500)) }),
  },
  "job start": {
    args: ["title..."],
    options: ["thread", "message"],
    summary: "report that you started a long-running job",
    build: ([title], v) => ({ name: "job start", title: title!, ...optional("threadId", v.thread), ...optional("message", v.message) }),
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
    InstanceOperation.options.map((operation): [string, CommandSpec] => [
      `instance ${operation}`,
      {
        args: ["instanceId"],
        options: operation === "provision" ? ["name", "wait-done"] : ["wait-done"],
        summary: `ask a person to approve: ${operation} an OpenClaw instance (runs once approved)`,
        build: ([instanceId], v) => ({ name: "instance op", operation, instanceId: instanceId!, wait: v["wait-done"] ?? false, ...optional("displayName", v.name) }),
      },
    ]),
  ),
  "instance attach": {
    args: ["instanceId", "threadId"],
    options: [],
    summary: "bind an instance to a thread",
    build: ([instanceId, threadId]) => ({ name: "instance attach", instanceId: instanceId!, threadId: threadId!, attach: true }),
  },
  "instance detach": {
    args: ["instanceId", "threadId"],
    options: [],
    summary: "unbind an instance from a thread",
    build: ([instanceId, threadId]) => ({ name: "instance attach", instanceId: instanceId!, threadId: threadId!, attach: false }),
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
};

/** Commands whose name is two words (`thread new`, `job start`, …). */
const GROUPS = new Set(["thread", "job", "instance", "chat", "session"]);

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function number(name: string, raw: string, min: number, max: number): number {
  const value = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(value) || value < min || value > max) {
    throw new UsageError(`${name} must be a number from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function integer(name: string, raw: string | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (raw === undefined) return undefined;
  const value = number(name, raw, min, max);
  if (!Number.isInteger(value)) throw new UsageError(`${name} must be a whole number, got "${raw}"`);
  return value;
}

function oneOf<T extends string>(name: string, raw: string | undefined, allowed: readonly T[]): T | undefined {
  if (raw === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(raw)) throw new UsageError(`${name} must be one of ${allowed.join(", ")}, got "${raw}"`);
  return raw as T;
}

function usageLine(name: string, spec: CommandSpec): string {
  const args = spec.args.map((arg) => `<${arg}>`).join(" ");
  const options = spec.options.map((option) => {
    const o = OPTIONS[option];
    return `[--${option}${"value" in o ? ` ${o.value}` : ""}]`;
  });
  return ["autopilot", name, args, ...options].filter(Boolean).join(" ");
}

function optionLines(names: readonly OptionName[]): string[] {
  return names.map((name) => {
    const o = OPTIONS[name];
    const flag = `${"short" in o ? `-${o.short}, ` : ""}--${name}${"value" in o ? ` ${o.value}` : ""}`;
    return `  ${flag.padEnd(28)} ${o.help}`;
  });
}

export function generalHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length)) + 2;
  return [
    "autopilot — talk to an Autopilot workspace from the command line",
    "",
    "Usage: autopilot <command> [arguments] [options]",
    "",
    "Commands:",
    ...Object.entries(COMMANDS).map(([name, spec]) => `  ${name.padEnd(width)} ${spec.summary}`),
    "",
    "Options for every command:",
    ...optionLines(GLOBAL_OPTIONS),
    "",
    "Results are printed on stdout as one JSON object per line (the method's result as",
    "the room sent it, e.g. {\"thread\":{...}}); errors as one line on stderr.",
    "send --wait-reply prints the instance's reply as plain text instead, as it streams.",
    "Exit codes: 0 ok, 1 approval denied or expired (request-approval --wait) or a gateway",
    "error or stopped run (send --wait-reply), 2 usage error, 3 server or connection error",
    "(or no reply in time), 130 interrupted.",
    "Run `autopilot <command> --help` for a command's options.",
  ].join("\n");
}

function commandHelp(name: string, spec: CommandSpec): string {
  return [
    `Usage: ${usageLine(name, spec)}`,
    "",
    spec.summary,
    ...(spec.options.length ? ["", "Options:", ...optionLines(spec.options)] : []),
    "",
    "Options for every command:",
    ...optionLines(GLOBAL_OPTIONS),
  ].join("\n");
}

function readOptions(argv: readonly string[]): { values: Values; positionals: string[] } {
  try {
    const parsed = parseArgs({
      args: [...argv],
      options: Object.fromEntries(
        Object.entries(OPTIONS).map(([name, o]) => [name, { type: o.type, ...("short" in o && { short: o.short }) }]),
      ),
      allowPositionals: true,
      strict: true,
    });
    return { values: parsed.values as Values, positionals: parsed.positionals };
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message.split("\n")[0]! : String(error));
  }
}

function resolveCommand(positionals: string[]): { name: string; spec: CommandSpec; rest: string[] } | { name: string | undefined } {
  const [first, second] = positionals;
  if (first === undefined) return { name: undefined };
  if (GROUPS.has(first)) {
    const name = `${first} ${second ?? ""}`.trim();
    const spec = COMMANDS[name];
    if (!spec) {
      const choices = Object.keys(COMMANDS).filter((command) => command.startsWith(`${first} `));
      throw new UsageError(`${second === undefined ? "missing" : `unknown`} ${first} command${second ? ` "${second}"` : ""}; one of: ${choices.join(", ")}`);
    }
    return { name, spec, rest: positionals.slice(2) };
  }
  const spec = COMMANDS[first];
  if (!spec) throw new UsageError(`unknown command "${first}"`);
  return { name: first, spec, rest: positionals.slice(1) };
}

function bindArgs(name: string, spec: CommandSpec, rest: string[]): string[] {
  const bound: string[] = [];
  for (const [index, arg] of spec.args.entries()) {
    const variadic = arg.endsWith("...");
    const words = variadic ? rest.slice(index) : rest.slice(index, index + 1);
    const value = words.join(" ");
    if (!words.length || value.trim() === "") throw new UsageError(`missing <${arg.replace("...", "")}>`, name);
    bound.push(value);
  }
  const last = spec.args.at(-1);
  if (!last?.endsWith("...") && rest.length > spec.args.length) {
    throw new UsageError(`unexpected argument "${rest[spec.args.length]}"`, name);
  }
  return bound;
}

export function parseCli(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  defaultDevice = "cli",
): Invocation {
  const { values, positionals } = readOptions(argv);
  if (positionals[0] === "help") {
    const topic = positionals.slice(1);
    if (!topic.length) return { kind: "help", text: generalHelp() };
    const resolved = resolveCommand(topic);
    return { kind: "help", text: "spec" in resolved ? commandHelp(resolved.name, resolved.spec) : generalHelp() };
  }
  let resolved: ReturnType<typeof resolveCommand>;
  try {
    resolved = resolveCommand(positionals);
  } catch (error) {
    // `autopilot job --help`: show what there is rather than scold.
    if (values.help && error instanceof UsageError) return { kind: "help", text: generalHelp() };
    throw error;
  }
  if (!("spec" in resolved)) {
    if (values.help) return { kind: "help", text: generalHelp() };
    throw new UsageError("missing command");
  }
  const { name, spec, rest } = resolved;
  if (values.help) return { kind: "help", text: commandHelp(name, spec) };

  for (const option of Object.keys(values) as OptionName[]) {
    if (!GLOBAL_OPTIONS.includes(option) && !spec.options.includes(option)) {
      throw new UsageError(`--${option} is not an option of "${name}"`, name);
    }
  }
  const args = bindArgs(name, spec, rest);
  let command: Command;
  try {
    command = spec.build(args, values);
  } catch (error) {
    throw error instanceof UsageError && !error.command ? new UsageError(error.message, name) : error;
  }

  const url = values.url ?? env.AUTOPILOT_URL;
  const workspace = values.workspace ?? env.AUTOPILOT_WORKSPACE;
  const apiKey = values.key ?? env.AUTOPILOT_KEY;
  if (!url) throw new UsageError("no server: pass --url or set AUTOPILOT_URL");
  if (!/^https?:\/\//i.test(url)) throw new UsageError(`--url must start with http:// or https://, got "${url}"`);
  if (!workspace) throw new UsageError("no workspace: pass --workspace or set AUTOPILOT_WORKSPACE");
  if (!apiKey) throw new UsageError("no API key: set AUTOPILOT_KEY (or pass --key)");
  const device = values.device ?? env.AUTOPILOT_DEVICE ?? defaultDevice;
  return { kind: "run", command, connection: { url, workspace, apiKey, device } };
}
