// The Autopilot's effective toolset in a thread or a project (agent.toolset): what a run
// would get there if the requester triggered it. The tools are built with runTools, the
// function every run and task builds its own with, for the scopes runScopes gives the
// requester, and each is described by the approval policy runTools returns with them: the
// answer cannot say something a run does not get. What a run is not given is listed too,
// with why: a scope the requester lacks, a method the Autopilot is never offered, an
// instance whose gateway cannot be reached or is not attached to a thread here.
import type { MethodName } from "../../../../../shared/protocol/methods";
import { Methods } from "../../../../../shared/protocol/methods";
import type { Principal, Scope } from "../../../../../shared/protocol/principal";
import type { Thread } from "../../../../../shared/protocol/threads";
import {
  type AgentToolsetResult,
  MAX_TOOLSET_INSTANCES,
  MAX_TOOLSET_TOOLS,
  type ToolsetInstance,
  type ToolsetTool,
} from "../../../../../shared/protocol/toolset";
import { hasScope } from "../../../../../shared/scopes";
import type { GatewayCatalogEntry } from "../instances/index";
import type { Sql } from "../../../../domain/sql";
import { bindingForThread } from "../instances/index";
import { getInstance } from "../instances/index";
import { requireProject } from "../projects/index";
import { getThread, requireThread } from "../threads/index";
import type { ModelConfig } from "../model/index";
import { GATEWAY_TOOL } from "../instances/index";
import type { GatewayAccess } from "../instances/index";
import { GATEWAY_TOOL_SCOPE, type RunTools, runTools } from "./run-tools";
import { TOOL_POLICY } from "../../../../../shared/protocol/tool-policy";
import { METHOD_WORDS } from "../../../../../shared/plain-words";
import { runScopes, toolName } from "./tools";
import { clip } from "../../../../../shared/clip";

/** An instance's own tools listed at most (the gateway's catalog holds at most 300). */
const MAX_CATALOG_LISTED = 300;

/** What the room gives: its SQL, the model's configuration, and an attached instance's gateway as a run reaches it. */
export interface ToolsetDeps {
  sql: Sql;
  config: ModelConfig;
  /** The gateway of the instance attached to a thread, exactly as a run gets it (null: none, or no link runs). */
  gateway(threadId: string): GatewayAccess | null;
}

/** Built for description only: a run's tools are never executed here. */
const notRun = async (): Promise<never> => {
  throw new Error("a toolset is described, not run");
};

/** The tools runTools builds for these scopes (and this gateway), as a run gets them. */
export function builtTools(scopes: readonly Scope[], risky: readonly string[], gateway: GatewayAccess | null) {
  return runTools({
    sql: null as unknown as Sql,
    runId: "toolset",
    scopes,
    riskyGatewayTools: risky,
    call: notRun,
    gateway,
  });
}

/** Titles of the methods the Autopilot is never offered (they have no model-facing description). */
const NEVER_TITLES: Partial<Record<MethodName, string>> = {
  "threads.configure": "Choose who answers a thread",
  "chat.abort": "Stop a reply in progress",
  "chat.goAhead": "Let a waiting run go on without its approvals",
  "approvals.resolve": "Decide an approval",
  "settings.update": "Change the workspace's approval policy",
  "instances.startChat": "Start a chat with a new OpenClaw instance",
  "instances.link": "Link a gateway that runs elsewhere",
  "instances.deviceSetup": "Make a code to pair a device",
  "instances.configureChannel": "Connect a chat channel with a bot token",
  "presence.update": "Set who is online",
  "threads.view": "Choose the threads a connection follows live",
  "usage.list": "Read what the model costs",
  "inbox.get": "Read an inbox",
  "inbox.markRead": "Mark inbox items read",
  "inbox.follow": "Follow a thread",
  "inbox.configure": "Change inbox settings",
  "inbox.pushSubscribe": "Turn on push notifications",
  "inbox.pushUnsubscribe": "Turn off push notifications",
  "tasks.pause": "Pause a task",
  "tasks.resume": "Resume a task",
  "tasks.cancel": "Cancel a task",
  "billing.setBudget": "Set or remove a budget",
  "billing.setAlerts": "Set when owners are told about the money",
  "billing.setAllowance": "Set an agent key's spending allowance",
  "tasks.estimate": "Work out what a task may cost before starting it",
  "community.moderate": "Hide posts or ban keys in the community",
  "community.queue": "Read the community's moderation queue",
  "threads.markRead": "Mark a thread read",
  "threads.pins": "Read your pinned threads",
  "threads.pin": "Pin or unpin a thread",
  "chats.get": "See the workspace's chats",
  "chats.connect": "Connect the workspace to a chat",
  "chats.disconnect": "Disconnect the workspace from a chat",
  "chats.linkCode": "Link your chat account",
  "chats.unlink": "Unlink your chat account",
  "chats.bindCode": "Bind a thread to a chat",
  "chats.unbind": "Unbind a thread from its chat",
  "chats.bindingAccess": "Choose who is answered in a bound chat",
  "traces.get": "See how the runs' traces are exported",
  "traces.configure": "Choose where the runs' traces go",
  "runs.stats": "See the runs over time",
};

/**
 * A description's first sentence, without what the approval column says already, and
 * without the input shapes and paging the model is shown (a parenthesis with braces, an
 * "e.g.", "page back with"), nor the approval a request files (the approval column says so).
 */
export function titleOf(description: string): string {
  const first = description.split(/\.\s+(?=[A-Z])/)[0] ?? description;
  const plain = first
    .replace(/\s*\([^()]*(?:[{}]|e\.g\.)[^()]*\)/g, "")
    .replace(/,? e\.g\..*$/, "")
    .replace(/; (answers with the approval|page back with) .*$/, "")
    .replace(/\.$/, "");
  return clip(plain, 160);
}

const scopeWords: Record<Scope, string> = {
  read: "read access",
  write: "write access",
  approve: "the right to decide approvals",
  admin: "admin rights",
};

/** Why a tool that needs `scope` is not offered: the requester lacks it, or a run never holds it. */
const scopeRefusal = (scope: Scope, requester: readonly Scope[]): string =>
  hasScope(requester, scope)
    ? `Needs ${scopeWords[scope]}: the Autopilot never acts with it, for anyone.`
    : `Needs ${scopeWords[scope]}, which you do not have here.`;

/**
 * The room's own tools as a run with `scopes` gets them (runTools without a gateway), then
 * every method it is not given, with why.
 */
export async function ownTools(
  scopes: readonly Scope[],
  risky: readonly string[],
  requester: readonly Scope[],
): Promise<ToolsetTool[]> {
  const built = await builtTools(scopes, risky, null);
  const offered: ToolsetTool[] = [];
  const refused: ToolsetTool[] = [];
  for (const method of Object.keys(Methods) as MethodName[]) {
    const policy = TOOL_POLICY[method];
    const name = toolName(method);
    const base = { name, source: "autopilot" as const };
    if (policy.kind === "never") {
      // A method without its own title is named by its plain words ("link an OpenClaw instance to WhatsApp").
      const words = METHOD_WORDS[method];
      const title = NEVER_TITLES[method] ?? `${words.charAt(0).toUpperCase()}${words.slice(1)}`;
      refused.push({ ...base, title, approval: "refused", why: clip(`People only: ${policy.why}.`, 400) });
      continue;
    }
    const title = titleOf(policy.description);
    if (!(name in built.tools)) {
      refused.push({ ...base, title, approval: "refused", why: scopeRefusal(Methods[method].scope, requester) });
      continue;
    }
    offered.push({ ...base, title, ...approvalOf(built, name, undefined, policy.kind === "approval-method") });
  }
  return [...offered, ...refused];
}

/** What the run's own approval policy says of a call of `name` (with `input`), in plain words. */
function approvalOf(
  built: RunTools,
  name: string,
  input: unknown,
  filesRequest: boolean,
): Pick<ToolsetTool, "approval" | "why"> {
  const status = built.approval({ toolCall: { toolName: name, input } });
  if (status === "user-approval") return { approval: "person", why: "A person approves each call before it runs." };
  if (typeof status === "object" && status?.type === "denied")
    return {
      approval: "refused",
      why: clip(`Refused when called: ${status.reason ?? "the run may not use it"}.`, 400),
    };
  if (filesRequest)
    return {
      approval: "person",
      why: "It only files a request: a person decides it before anything happens.",
    };
  return { approval: "none", why: "Runs as soon as the Autopilot calls it." };
}

export interface InstanceHere {
  id: string;
  name: string;
  /** Where here its tools reach the Autopilot: a thread it is attached to (null: none is). */
  threadId: string | null;
  /** Plain words: in which threads here (a project's), appended to what is said of it. */
  where: string;
}

/**
 * An instance's gateway tool as runTools builds it for a thread it is attached to, and its
 * own tools from the catalog the same build reads, each with the approval the run's policy
 * gives a call of it.
 */
export async function instanceTools(
  instance: InstanceHere,
  scopes: readonly Scope[],
  risky: readonly string[],
  requester: readonly Scope[],
  access: GatewayAccess | null,
  /** How many entries it may list, its gateway tool included. */
  share: number,
): Promise<{ instance: ToolsetInstance; tools: ToolsetTool[] }> {
  const base = { source: "instance" as const, instanceId: instance.id, instanceName: clip(instance.name, 200) };
  const described = (catalog: ToolsetInstance["catalog"], why: string, tools: ToolsetTool[]) => ({
    instance: { instanceId: instance.id, name: clip(instance.name, 200), catalog, why: clip(why, 400) },
    tools,
  });
  const gatewayEntry = (approval: ToolsetTool["approval"], why: string): ToolsetTool => ({
    ...base,
    name: GATEWAY_TOOL,
    title: `Use ${clip(instance.name, 80)}'s tools`,
    approval,
    why: clip(why, 400),
  });
  if (!instance.threadId) {
    const why = `The Autopilot uses an instance's tools only in a thread it is attached to${instance.where}.`;
    return described("unused", why, [gatewayEntry("refused", why)]);
  }
  if (!hasScope(scopes, GATEWAY_TOOL_SCOPE)) {
    const why = scopeRefusal(GATEWAY_TOOL_SCOPE, requester);
    return described("unused", why, [gatewayEntry("refused", why)]);
  }
  if (!access) {
    const why = `No link to its gateway runs right now, so the Autopilot has none of its tools${instance.where}.`;
    return described("unavailable", why, [gatewayEntry("refused", why)]);
  }
  // The catalog as the run's own build reads it: one read, seen through the access it is given.
  let catalog: GatewayCatalogEntry[] | null = null;
  const built = await builtTools(scopes, risky, {
    ...access,
    catalog: async () => {
      catalog = await access.catalog();
      return catalog;
    },
  });
  if (!(GATEWAY_TOOL in built.tools)) {
    const why = `A run is not given its tools here${instance.where}.`;
    return described("unused", why, [gatewayEntry("refused", why)]);
  }
  const read = catalog as GatewayCatalogEntry[] | null;
  if (!read) {
    const why = `Its gateway is not connected right now, so its tool list could not be read. The Autopilot can still ask for its tools by name${instance.where}; those the operator marks risky (${riskyWords(risky)}) wait for a person's approval.`;
    return described("unavailable", why, [gatewayEntry("none", why)]);
  }
  const fits = Math.max(0, Math.min(MAX_CATALOG_LISTED, share - 1));
  const listed = read.slice(0, fits).map(
    (entry): ToolsetTool => ({
      ...base,
      name: entry.name,
      title: clip(entry.description || entry.name, 400),
      ...approvalOf(built, GATEWAY_TOOL, { tool: entry.name }, false),
    }),
  );
  const gated = listed.filter((tool) => tool.approval === "person").length;
  const more = read.length > listed.length ? ` (${read.length - listed.length} more not listed)` : "";
  return described(
    "ready",
    `${read.length} tool${read.length === 1 ? "" : "s"}${more}, ${gated} of them waiting for a person's approval${instance.where}.`,
    [
      gatewayEntry(
        "none",
        `Calls one of ${clip(instance.name, 80)}'s tools by name; those marked below wait for a person's approval${instance.where}.`,
      ),
      ...listed,
    ],
  );
}

function riskyWords(risky: readonly string[]): string {
  if (risky.length === 0) return "none";
  const shown = risky.slice(0, 4).join(", ");
  return risky.length > 4 ? `${shown} and ${risky.length - 4} more` : shown;
}

/** Whether the Autopilot answers a post of the requester's in this thread, in plain words. */
function repliesIn(
  thread: Thread,
  requester: Principal,
  instanceName: (id: string) => string,
): AgentToolsetResult["replies"] {
  const r = thread.responder;
  if (r.kind === "openclaw") {
    const name = thread.gateway ? clip(instanceName(thread.gateway.instanceId), 80) : "An OpenClaw instance";
    // A person's @autopilot here is the Autopilot's (shared/responder.ts); an agent's goes to the instance.
    return requester.kind === "agent"
      ? { answers: false, why: `${name} answers here, not the Autopilot. A task you start here has these tools.` }
      : {
          answers: true,
          why: `${name} answers here; the Autopilot answers a message that names @autopilot (it is not sent to ${name}).`,
        };
  }
  if (r.kind === "none")
    return { answers: false, why: "Nobody answers here: people and agents only. A task started here has these tools." };
  if (requester.kind === "agent" && !r.agents)
    return {
      answers: false,
      why: "The Autopilot answers people's messages here, not agents'. A task you start here has these tools.",
    };
  return {
    answers: true,
    why:
      r.reply === "every"
        ? "The Autopilot answers every message here."
        : "The Autopilot answers here when someone writes @autopilot.",
  };
}

export async function effectiveToolset(
  d: ToolsetDeps,
  requester: Principal,
  where: { threadId?: string | undefined; projectId?: string | undefined },
): Promise<AgentToolsetResult> {
  const scopes = runScopes(requester.scopes);
  const risky = d.config.configured ? d.config.riskyGatewayTools : [];
  const model = { configured: d.config.configured, id: d.config.configured ? d.config.modelId : null };
  const nameOf = (id: string) => getInstance(d.sql, id)?.name ?? id;
  let replies: AgentToolsetResult["replies"] = {
    answers: true,
    why: "The Autopilot answers in threads people give it to answer.",
  };
  let here: InstanceHere[] = [];
  if (where.threadId) {
    const thread = requireThread(d.sql, where.threadId);
    replies = repliesIn(thread, requester, nameOf);
    const binding = bindingForThread(d.sql, thread.id);
    if (binding) here = [{ id: binding.instanceId, name: nameOf(binding.instanceId), threadId: thread.id, where: "" }];
  } else if (where.projectId) {
    const project = requireProject(d.sql, where.projectId);
    const threads = project.threadIds.flatMap((id) => getThread(d.sql, id) ?? []);
    const answered = threads.filter((t) => repliesIn(t, requester, nameOf).answers).length;
    replies = {
      answers: answered > 0,
      why: `The Autopilot answers in ${answered} of this project's ${threads.length} thread${threads.length === 1 ? "" : "s"}. A task started in any of them has the tools of its thread.`,
    };
    here = projectInstances(d.sql, project.instanceIds, threads, nameOf);
  }
  if (!d.config.configured)
    replies = {
      answers: false,
      why: "No model is configured: the Autopilot answers nowhere until an operator sets one.",
    };
  const own = await ownTools(scopes, risky, requester.scopes);
  // The answer's bound, shared evenly: each instance lists at most its share of what is left.
  const share = Math.floor((MAX_TOOLSET_TOOLS - own.length) / Math.max(1, here.length));
  // Each instance's catalog is one gateway request: they are read at once.
  const described = await Promise.all(
    here.map((instance) =>
      instanceTools(
        instance,
        scopes,
        risky,
        requester.scopes,
        instance.threadId ? d.gateway(instance.threadId) : null,
        share,
      ),
    ),
  );
  return {
    scopes,
    model,
    replies,
    instances: described.map((entry) => entry.instance),
    tools: [...own, ...described.flatMap((entry) => entry.tools)],
  };
}

/** A project's instances (its own, then those its threads talk to), each with a thread of the project it is attached to. */
function projectInstances(
  sql: Sql,
  instanceIds: readonly string[],
  threads: readonly Thread[],
  nameOf: (id: string) => string,
): InstanceHere[] {
  const attached = new Map<string, string[]>();
  for (const thread of threads) {
    const binding = bindingForThread(sql, thread.id);
    if (binding) attached.set(binding.instanceId, [...(attached.get(binding.instanceId) ?? []), thread.id]);
  }
  const ids = [...new Set([...instanceIds, ...attached.keys()])].filter((id) => {
    const instance = getInstance(sql, id);
    return instance !== null && instance.status !== "stopped";
  });
  return ids.slice(0, MAX_TOOLSET_INSTANCES).map((id) => {
    const threadIds = attached.get(id) ?? [];
    const count = threadIds.length;
    return {
      id,
      name: nameOf(id),
      threadId: threadIds[0] ?? null,
      where:
        count === 0
          ? ", and none of this project's threads is"
          : ` (in ${count === 1 ? "the one thread" : `the ${count} threads`} of this project attached to it)`,
    };
  });
}
