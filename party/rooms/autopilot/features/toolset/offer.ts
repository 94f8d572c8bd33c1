// Which of a run's tools a model call is offered (decision 113). The room's ~80 tool
// definitions are some 40 KB of JSON Schema, sent with every model call of every reply and
// every task step, and billed as input each time; most runs touch a handful. So a call is
// offered the everyday families (threads, messages, chat, memory, search, tasks, jobs,
// approvals), whatever else the run has (gateway tools), and `tools_load`, whose description
// names every other tool by family. A tool the model loads, or has already called, is offered
// from the next call on. Which tools are loaded is read from the conversation itself (the
// `tools_load` calls in it), never kept beside it: a task that resumes after a restart, a
// reply that resumes after an approval and the next turn in the thread offer what it says.
// What a call may cost is bounded by the tools that call is offered (`offeredToolBytes`).
import type { ModelMessage, ToolSet } from "ai";
import { tool, zodSchema } from "ai";
import { z } from "zod";
import { aroundExecute, type ToolAround } from "../model/index";
import { AGENT_TOOLS, agentTool, toolDefinitionBytes } from "./tools";

/** The tool that offers the model more tools. */
export const LOAD_TOOL = "tools_load";

/** Method families every call offers (the registry's `family.verb`): what most runs use. */
const ALWAYS_OFFERED = new Set(["threads", "messages", "chat", "memory", "search", "tasks", "jobs", "approvals"]);

/** What each family offered on request is for, in words for a model. */
const FAMILY_WORDS: Record<string, string> = {
  instances: "the workspace's OpenClaw instances, or gateways, with their channels, skills, nodes, tools and lifecycle",
  sessions: "an OpenClaw instance's sessions",
  schedules: "recurring and timed work, and hooks that start it",
  projects: "projects that group threads",
  community: "the workspace's community feed",
  billing: "credits, budgets and what was spent",
  graph: "the Hatchery canvas",
  runlog: "what runs did, step by step",
  audit: "the workspace's audit log",
  presence: "who is here now",
  agent: "what tools a run would get",
};

const familyOf = (name: string): string | undefined => agentTool(name)?.method.split(".")[0];

const ON_REQUEST = AGENT_TOOLS.filter((t) => !ALWAYS_OFFERED.has(familyOf(t.name)!));
const ON_REQUEST_NAMES = new Set(ON_REQUEST.map((t) => t.name));

/** A room tool offered only once loaded (or called). Other tools (a gateway's) are always offered. */
export const isOnRequest = (name: string): boolean => ON_REQUEST_NAMES.has(name);

/** The most names one load may give; a family's name counts as one. */
const MAX_NAMES = 40;

const LoadInput = z.object({ tools: z.array(z.string().max(64)).min(1).max(MAX_NAMES) });

/** Its JSON Schema made once per isolate (a zod schema given to the SDK is converted on every call). */
const LOAD_SCHEMA = zodSchema(LoadInput);

/** tools_load's description, by the on-request tools it names (a run's scopes give one of a few sets). */
const CATALOGS = new Map<string, string>();

/** The tool names a load's `names` stand for: a tool's own name, or a family's for all its tools. */
function namedTools(names: readonly string[]): { tools: string[]; unknown: string[] } {
  const tools = new Set<string>();
  const unknown: string[] = [];
  for (const name of names) {
    const matched = ON_REQUEST.filter((t) => t.name === name || familyOf(t.name) === name);
    if (matched.length === 0) unknown.push(name);
    for (const t of matched) tools.add(t.name);
  }
  return { tools: [...tools], unknown };
}

function catalog(offered: readonly string[]): string {
  const byFamily = new Map<string, string[]>();
  for (const name of offered) {
    const family = familyOf(name)!;
    byFamily.set(family, [...(byFamily.get(family) ?? []), name]);
  }
  const lines = [...byFamily].map(
    ([family, names]) => `${family} (${FAMILY_WORDS[family] ?? family}): ${names.join(", ")}`,
  );
  return [
    "Load more of your tools: give tool names, or a family's name for all of its tools. They are offered to you from your next step on, for the rest of this conversation. Tools you can load, by family:",
    ...lines,
  ].join("\n");
}

/**
 * The run's tools with `tools_load` among them, when some of them are offered on request;
 * its description lists those by family. Loading only changes what later calls are offered:
 * it runs at once, for a guest's run too. `around`: what its call goes through, as the run's other tools' do.
 */
export function withLoadTool(tools: ToolSet, around?: ToolAround): ToolSet {
  const onRequest = Object.keys(tools).filter(isOnRequest);
  if (onRequest.length === 0) return tools;
  const key = onRequest.join(",");
  let description = CATALOGS.get(key);
  if (description === undefined) {
    description = catalog(onRequest);
    CATALOGS.set(key, description);
  }
  const load = ({ tools: names }: { tools: string[] }) => {
    const { tools: found, unknown } = namedTools(names);
    const loaded = found.filter((name) => name in tools);
    return {
      loaded,
      ...(unknown.length > 0 || loaded.length < found.length
        ? { notLoaded: [...unknown, ...found.filter((name) => !(name in tools))] }
        : {}),
    };
  };
  return {
    ...tools,
    [LOAD_TOOL]: tool({
      description,
      inputSchema: LOAD_SCHEMA,
      execute: aroundExecute(LOAD_TOOL, load, around),
    }),
  };
}

/** The tools a conversation has loaded or called: names the model may be offered again. */
function usedTools(messages: readonly ModelMessage[]): Set<string> {
  const used = new Set<string>();
  for (const message of messages) {
    if (message.role !== "assistant" || !Array.isArray(message.content)) continue;
    for (const part of message.content) {
      if (part.type !== "tool-call") continue;
      if (part.toolName !== LOAD_TOOL) {
        used.add(part.toolName);
        continue;
      }
      const input = LoadInput.safeParse(part.input);
      if (input.success) for (const name of namedTools(input.data.tools).tools) used.add(name);
    }
  }
  return used;
}

/** The names of the tools a call with this conversation is offered (`activeTools`). */
export function offeredToolNames(tools: ToolSet, messages: readonly ModelMessage[]): string[] {
  const names = Object.keys(tools);
  if (!(LOAD_TOOL in tools)) return names;
  let used: Set<string> | null = null;
  return names.filter((name) => {
    if (!isOnRequest(name)) return true;
    used ??= usedTools(messages);
    return used.has(name);
  });
}

/** Only the tools a call with this conversation is offered. */
export function offeredTools(tools: ToolSet, messages: readonly ModelMessage[]): ToolSet {
  const offered: ToolSet = {};
  for (const name of offeredToolNames(tools, messages)) offered[name] = tools[name]!;
  return offered;
}

/**
 * The bytes of the definitions a call with this conversation sends (its offered tools'): part of
 * the bound on what the call may cost (features/billing/token-bound.ts `inputTokenBound`), so a
 * call is bounded by what it was really sent, whichever tools it had loaded by then.
 */
export async function offeredToolBytes(tools: ToolSet): Promise<(messages: readonly ModelMessage[]) => number> {
  const bytes = new Map<string, number>();
  for (const [name, definition] of Object.entries(tools))
    bytes.set(name, await toolDefinitionBytes({ [name]: definition }));
  return (messages) => offeredToolNames(tools, messages).reduce((sum, name) => sum + (bytes.get(name) ?? 0), 0);
}
