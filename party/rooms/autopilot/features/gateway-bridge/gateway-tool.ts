// The one model tool for an attached OpenClaw instance's gateway tools. The gateway's
// catalog has names and one-line descriptions but no input schemas, so the model gets a
// generic `openclaw_tool {tool, args}` whose description lists the catalog (bounded), and
// the gateway validates the arguments. Risky tools (an operator's list) are approval-gated
// like the room's gated tools; every call is sent at most once (party/rooms/autopilot/features/gateway-bridge/gateway-invokes.ts).
import { type ToolSet, tool } from "ai";
import { z } from "zod";
import type { GatewayCatalogEntry, GatewayToolOutcome } from "./gateway-frames";
import { beginInvoke, finishInvoke } from "./gateway-invokes";
import type { Sql } from "../../../../domain/sql";
import { catalogDescription, GATEWAY_TOOL } from "./gateway-catalog";

export const GATEWAY_TOOL_ARGS_CHARS = 8_000;

/** What the model sends: a tool name from the catalog and its arguments. */
export const GatewayToolInput = z.object({
  tool: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,100}$/, "a tool name from the catalog")
    .describe("the OpenClaw tool's name, from the list in this tool's description"),
  args: z
    .record(z.string(), z.unknown())
    .default({})
    .refine(
      (args) => JSON.stringify(args).length <= GATEWAY_TOOL_ARGS_CHARS,
      `arguments longer than ${GATEWAY_TOOL_ARGS_CHARS} characters`,
    )
    .describe("the tool's arguments as a JSON object"),
});
export type GatewayToolInput = z.output<typeof GatewayToolInput>;

export const UNKNOWN_OUTCOME =
  "the outcome of this call is unknown: it was sent to the OpenClaw gateway but its answer was lost (the room restarted), and it is not sent twice. Check its effect before trying again.";

/** What a run's gateway tool reaches: the attached instance's gateway. */
export interface GatewayAccess {
  instanceId: string;
  instanceName: string;
  sessionKey: string;
  catalog(): Promise<GatewayCatalogEntry[]>;
  invoke(request: {
    name: string;
    args: Record<string, unknown>;
    sessionKey: string;
    idempotencyKey: string;
  }): Promise<GatewayToolOutcome>;
}

/** The `openclaw_tool` of a run: each call recorded before it is sent, never sent twice. */
export async function gatewayTools(options: {
  sql: Sql;
  runId: string;
  access: GatewayAccess;
  risky: readonly string[];
  now?: () => number;
}): Promise<ToolSet> {
  const { sql, runId, access, risky } = options;
  const now = options.now ?? Date.now;
  const catalog = await access.catalog().catch(() => null);
  return {
    [GATEWAY_TOOL]: tool({
      description: catalogDescription(access.instanceName, catalog, risky),
      inputSchema: GatewayToolInput,
      execute: async (input: GatewayToolInput, { toolCallId }) => {
        const key = { runId, toolCallId };
        const start = beginInvoke(sql, { ...key, instanceId: access.instanceId, tool: input.tool }, now());
        if (start.state === "unknown") throw new Error(UNKNOWN_OUTCOME);
        if (start.state === "finished") {
          if (!start.ok) throw new Error(start.result);
          return start.result;
        }
        let outcome: GatewayToolOutcome;
        try {
          outcome = await access.invoke({
            name: input.tool,
            args: input.args,
            sessionKey: access.sessionKey,
            idempotencyKey: `ap-${runId}-${toolCallId}`.slice(0, 200),
          });
        } catch (error) {
          // No answer (connection lost, timeout): it may have run, so it is finished as failed, not retried.
          const result = `no answer from the OpenClaw gateway (${error instanceof Error ? error.message : String(error)}); the tool may or may not have run`;
          finishInvoke(sql, key, { ok: false, result }, now());
          throw new Error(result);
        }
        const result = outcome.ok ? outcome.text : `${outcome.code}: ${outcome.message}`;
        finishInvoke(sql, key, { ok: outcome.ok, result }, now());
        if (!outcome.ok) throw new Error(result);
        return result;
      },
    }),
  };
}
