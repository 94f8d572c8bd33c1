import type { MethodName } from "../../../../../shared/protocol/methods";
import { defineFeature } from "../../kernel/feature";
import { local, methods } from "../../kernel/handlers";
import { instances } from "../instances";
import { model } from "../model";
import { effectiveToolset } from "./toolset";
import { toolName } from "./tools";

// What other features use of this one.
export {
  answerFor,
  approvalFor,
  GATEWAY_TOOL_SCOPE,
  nodeCallTitle,
  type RunTools,
  runTools,
  toolCallKey,
} from "./run-tools";
export { LOAD_TOOL, offeredToolBytes, offeredToolNames, offeredTools } from "./offer";
export {
  AGENT_TOOLS,
  type AgentTool,
  agentTool,
  roomTools,
  runScopes,
  toolApprovalPolicy,
  toolDefinitionBytes,
  toolInputSchema,
  toolName,
  toolSchemaChars,
} from "./tools";

/**
 * The Autopilot's tools: one per registry method its policy offers (the same tools an agent
 * gets over MCP), an attached instance's gateway tools, the approval policy over them and
 * what an approval of a call says (what a spending method may cost, as its feature says);
 * `agent.toolset` tells a person what a run would get where they ask.
 */
export const toolset = defineFeature({
  name: "toolset",
  needs: [model, instances],
  build: (s, { model, instances }) => {
    /** What a call of a tool that spends may cost, by tool name, as the feature that owns the method says. */
    const toolCosts = new Map<string, (input: unknown) => string | null>();
    return {
      api: {
        /** A method that spends when the Autopilot calls it: its tool approval says `words(input)` first. */
        toolCost: (method: MethodName, words: (input: unknown) => string | null) =>
          void toolCosts.set(toolName(method), words),
        /** What an approval of a call of `tool` with `input` says it may cost (null: nothing to say). */
        costOf: (tool: string, input: unknown): string | null => toolCosts.get(tool)?.(input) ?? null,
      },
      methods: methods({
        // What a run would get here if the requester triggered it: built as runs build theirs.
        // Asked by the Autopilot's own tool, the requester is whom its run acts for, with the run's scopes.
        "agent.toolset": local((req, params) =>
          effectiveToolset(
            { sql: s.sql, config: model.config(), gateway: (threadId) => instances.bridges.gatewayFor(threadId) },
            req.onBehalfOf ? { ...req.onBehalfOf, scopes: req.principal.scopes } : req.principal,
            params,
          ),
        ),
      }),
    };
  },
});
