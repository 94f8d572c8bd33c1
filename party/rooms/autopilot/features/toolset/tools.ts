// The Autopilot's room tools, derived from the method registry: a tool per method the
// policy table allows, its input schema the method's params minus the idempotencyKey (the
// room derives that from the run and the tool call, so a replayed call is answered from
// the idempotency table instead of acting twice). Execution goes through the caller's
// `call` (the room's dispatch), which checks the scope and validates the params again.
import {
  asSchema,
  type JSONSchema7,
  jsonSchema,
  type Schema,
  type ToolApprovalStatus,
  type ToolExecutionOptions,
  type ToolSet,
  tool,
  zodSchema,
} from "ai";
import { z } from "zod";
import { type MethodName, Methods } from "../../../../../shared/protocol/methods";
import type { Scope } from "../../../../../shared/protocol/principal";
import { hasScope } from "../../../../../shared/scopes";
import { utf8Bytes } from "../billing/index";
import { aroundExecute, type ToolAround } from "../model/index";
import { type Risk, TOOL_POLICY, type ToolPolicy } from "../../../../../shared/protocol/tool-policy";

/** Scopes a run may ever hold: the Autopilot never approves and never administers. */
const RUN_SCOPES: readonly Scope[] = ["read", "write"];
const ALL_SCOPES: readonly Scope[] = ["read", "write", "approve", "admin"];

/**
 * The scopes a run acts with: the triggering person's, capped at read + write. `admin`
 * is expanded first — `hasScope` treats it as every scope, so it must not survive into a
 * run (the run would then "hold" approve).
 */
export function runScopes(triggerScopes: readonly Scope[]): Scope[] {
  const expanded = triggerScopes.includes("admin") ? ALL_SCOPES : triggerScopes;
  return RUN_SCOPES.filter((scope) => expanded.includes(scope));
}

/** Provider tool names must match `^[a-zA-Z0-9_-]{1,64}$` (OpenAI): `threads.rename` → `threads_rename`. */
export const toolName = (method: MethodName): string => method.replaceAll(".", "_");

const METHOD_BY_TOOL = new Map<string, MethodName>(
  (Object.keys(Methods) as MethodName[]).map((method) => [toolName(method), method]),
);

/** The registry method behind a room tool's name, if it is one. */
export const methodOfTool = (name: string): MethodName | undefined => METHOD_BY_TOOL.get(name);

/**
 * Params the model never sets: the idempotency key (derived per call), who answers a
 * thread (`threads.create`'s responder), which is the people's choice, as with
 * `threads.configure` (tool-policy.ts), and a message's files (`chat.send`'s attachments:
 * it uploads none, and only a file's uploader may attach it).
 */
const NOT_FOR_THE_MODEL = ["idempotencyKey", "responder", "reply", "agents", "attachments"] as const;

/** The model-facing input schema of a registry method: its params object without NOT_FOR_THE_MODEL. */
export function toolInputSchema(params: z.ZodType): z.ZodObject {
  let schema: z.ZodType = params;
  while (schema instanceof z.ZodDefault || schema instanceof z.ZodOptional) schema = schema.unwrap() as z.ZodType;
  if (!(schema instanceof z.ZodObject)) throw new Error("method params must be an object schema");
  const shape = schema.shape as Record<string, unknown>;
  const omitted = NOT_FOR_THE_MODEL.filter((key) => key in shape);
  const mask: Record<string, true> = Object.fromEntries(omitted.map((key) => [key, true]));
  return omitted.length > 0 ? schema.omit(mask as Parameters<typeof schema.omit>[0]) : schema;
}

export interface AgentTool {
  method: MethodName;
  name: string;
  scope: Scope;
  policy: Exclude<ToolPolicy, { kind: "never" }>;
}

/** Every method the model may call, whatever the run's scopes. */
export const AGENT_TOOLS: readonly AgentTool[] = (Object.keys(Methods) as MethodName[]).flatMap((method) => {
  const policy = TOOL_POLICY[method];
  return policy.kind === "never" ? [] : [{ method, name: toolName(method), scope: Methods[method].scope, policy }];
});

const AGENT_TOOL_BY_NAME = new Map(AGENT_TOOLS.map((agentTool) => [agentTool.name, agentTool]));

/**
 * Each tool's input schema, made once per isolate (the registry does not change): the
 * wrapper keeps its JSON Schema once computed, so the context budget (toolSchemaChars)
 * and every model request reuse it. Converted per run, the ~35 zod schemas cost a few ms
 * of CPU twice before each run could ask the model (more on a loaded machine).
 */
const INPUT_SCHEMAS = new Map<string, Schema<Record<string, unknown>>>(
  AGENT_TOOLS.map((agentTool) => [agentTool.name, modelInputSchema(toolInputSchema(Methods[agentTool.method].params))]),
);

/**
 * A tool's input schema as a model is sent it: zod's JSON Schema less its `$schema`, the
 * draft's address, which each of the room's definitions repeated in every model call and
 * which tells a model nothing (a provider takes tool parameters as JSON Schema by contract).
 * The input is validated by zod as before.
 */
function modelInputSchema(params: z.ZodObject): Schema<Record<string, unknown>> {
  const zod = zodSchema(params) as Schema<Record<string, unknown>>;
  return jsonSchema<Record<string, unknown>>(
    () => {
      // zod's conversion is synchronous: the getter returns the schema itself, never a promise.
      const { $schema: _draft, ...schema } = zod.jsonSchema as JSONSchema7;
      return schema;
    },
    { validate: zod.validate! },
  );
}

/** The agent tool behind a name (room tools only). */
export const agentTool = (name: string): AgentTool | undefined => AGENT_TOOL_BY_NAME.get(name);

/** The risk an approval for a gated tool carries; undefined for a tool that runs at once. */
export function gatedRisk(name: string): Risk | undefined {
  const policy = AGENT_TOOL_BY_NAME.get(name)?.policy;
  return policy?.kind === "gated" ? policy.risk : undefined;
}

/** What an approval policy sees of a call. */
export interface ToolCallSeen {
  toolName: string;
  input?: unknown;
}

export type CallMethod = (
  method: MethodName,
  params: Record<string, unknown>,
  options: ToolExecutionOptions<unknown>,
) => Promise<unknown>;

/**
 * The room tools a run with these scopes may call, each executing through `call` — after
 * `around`, when given: made with it, rather than wrapped afterwards (model/around-tools.ts),
 * so that a run holds one copy of its tools.
 */
export function roomTools(scopes: readonly Scope[], call: CallMethod, around?: ToolAround): ToolSet {
  const tools: ToolSet = {};
  for (const agentTool of AGENT_TOOLS) {
    if (!hasScope(scopes, agentTool.scope)) continue;
    const { name, method } = agentTool;
    tools[name] = tool({
      description: agentTool.policy.description,
      inputSchema: INPUT_SCHEMAS.get(name)!,
      execute: aroundExecute(name, (input: Record<string, unknown>, options) => call(method, input, options), around),
    });
  }
  return tools;
}

/**
 * An input schema's JSON Schema as text, measured once per schema object: the room tools'
 * schemas live as long as the isolate (INPUT_SCHEMAS), and stringifying all of them before
 * every run made garbage per run — each run's share of the isolate's collections.
 */
const SCHEMA_SIZE = new WeakMap<object, { chars: number; bytes: number }>();

async function schemaSize(inputSchema: ToolSet[string]["inputSchema"]): Promise<{ chars: number; bytes: number }> {
  const known = SCHEMA_SIZE.get(inputSchema);
  if (known) return known;
  const text = JSON.stringify(await asSchema(inputSchema).jsonSchema);
  const size = { chars: text.length, bytes: utf8Bytes(text) };
  SCHEMA_SIZE.set(inputSchema, size);
  return size;
}

/** How much of the context window the tool definitions take (name, description, JSON schema), for the budget. */
export async function toolSchemaChars(tools: ToolSet): Promise<number> {
  let chars = 0;
  for (const [name, definition] of Object.entries(tools))
    chars += name.length + (definition.description?.length ?? 0) + (await schemaSize(definition.inputSchema)).chars;
  return chars;
}

/** The JSON around one definition as a provider receives it: `{"type":"function","function":{"name":…}}`. */
const DEFINITION_FRAME_BYTES = 64;

/**
 * One definition's bytes, by its input schema (the room tools' live as long as the isolate):
 * a task measures its tools before every step, and encoding each name and description again
 * each time was most of what that cost. Kept with the name and description it was measured
 * with, so a definition that shares a schema but says something else is measured anew.
 */
const DEFINITION_SIZE = new WeakMap<object, { name: string; description: string; bytes: number }>();

/** UTF-8 bytes of the tool definitions a call sends: part of its input's bound (features/billing/token-bound.ts `inputTokenBound`). */
export async function toolDefinitionBytes(tools: ToolSet): Promise<number> {
  let bytes = 0;
  for (const [name, definition] of Object.entries(tools)) {
    const description = typeof definition.description === "string" ? definition.description : "";
    const known = DEFINITION_SIZE.get(definition.inputSchema);
    if (known && known.name === name && known.description === description) {
      bytes += known.bytes;
      continue;
    }
    const size =
      DEFINITION_FRAME_BYTES +
      utf8Bytes(name) +
      utf8Bytes(description) +
      (await schemaSize(definition.inputSchema)).bytes;
    DEFINITION_SIZE.set(definition.inputSchema, { name, description, bytes: size });
    bytes += size;
  }
  return bytes;
}

/**
 * The `toolApproval` policy of a run: gated room tools pause for a person. The SDK calls
 * it again when a run resumes with an approval response, so it re-checks the run's
 * scopes: a tool outside them is denied, approved or not. Tools that are not room tools
 * (e.g. the OpenClaw gateway tool) are decided by `other`.
 */
export function toolApprovalPolicy(
  scopes: readonly Scope[],
  other: (toolCall: ToolCallSeen) => ToolApprovalStatus = () => undefined,
) {
  return ({ toolCall }: { toolCall: ToolCallSeen }): ToolApprovalStatus => {
    const room = AGENT_TOOL_BY_NAME.get(toolCall.toolName);
    if (!room) return other(toolCall);
    if (!hasScope(scopes, room.scope)) return { type: "denied", reason: `the run may not use ${toolCall.toolName}` };
    return room.policy.kind === "gated" ? "user-approval" : undefined;
  };
}
