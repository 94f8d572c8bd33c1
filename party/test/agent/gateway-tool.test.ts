// The Autopilot's `openclaw_tool` over a room's real SQLite: each call is recorded before
// it is sent and never sent twice — a call found started without an answer tells the
// model its outcome is unknown. The gateway is a plain function here (this is the tool's
// own contract; the end-to-end test runs it against a real gateway).
import { describe, expect, it } from "vitest";
import type { GatewayToolOutcome } from "../../rooms/autopilot/features/gateway-bridge/gateway-frames";
import { GATEWAY_TOOL } from "../../rooms/autopilot/features/gateway-bridge/gateway-catalog";
import {
  type GatewayAccess,
  gatewayTools,
  UNKNOWN_OUTCOME,
} from "../../rooms/autopilot/features/gateway-bridge/gateway-tool";
import { beginInvoke } from "../../rooms/autopilot/features/gateway-bridge/gateway-invokes";
import { inRoom } from "../bridge-peer";

function gateway(answer: () => Promise<GatewayToolOutcome>) {
  const sent: { name: string; args: Record<string, unknown>; idempotencyKey: string }[] = [];
  const access: GatewayAccess = {
    instanceId: "work",
    instanceName: "Work",
    sessionKey: "autopilot-t1",
    catalog: async () => [{ name: "agents_list", description: "List agents" }],
    invoke: async (request) => {
      sent.push(request);
      return answer();
    },
  };
  return { access, sent };
}

const options = (toolCallId: string) => ({ toolCallId, messages: [], context: undefined }) as never;
async function call(
  tools: Awaited<ReturnType<typeof gatewayTools>>,
  input: unknown,
  toolCallId: string,
): Promise<unknown> {
  return tools[GATEWAY_TOOL]!.execute!(input as never, options(toolCallId));
}

describe("openclaw_tool", () => {
  it("describes the catalog, sends a call once, and answers a replay of it from the ledger", async () => {
    await inRoom(async (sql) => {
      const { access, sent } = gateway(async () => ({ ok: true, text: "main" }));
      const tools = await gatewayTools({ sql, runId: "run-1", access, risky: [] });
      expect(tools[GATEWAY_TOOL]!.description).toContain("- agents_list: List agents");
      expect(await call(tools, { tool: "agents_list", args: {} }, "call_1")).toBe("main");
      expect(await call(tools, { tool: "agents_list", args: {} }, "call_1")).toBe("main");
      expect(sent).toHaveLength(1);
      expect(sent[0]).toMatchObject({
        name: "agents_list",
        args: {},
        sessionKey: "autopilot-t1",
        idempotencyKey: "ap-run-1-call_1",
      });
    });
  });

  it("never sends a call that was started and not answered (a restart in between): the model is told the outcome is unknown", async () => {
    await inRoom(async (sql) => {
      expect(
        beginInvoke(sql, { runId: "run-2", toolCallId: "call_1", instanceId: "work", tool: "agents_list" }, Date.now()),
      ).toEqual({ state: "new" });
      const { access, sent } = gateway(async () => ({ ok: true, text: "ran again" }));
      const tools = await gatewayTools({ sql, runId: "run-2", access, risky: [] });
      await expect(call(tools, { tool: "agents_list", args: {} }, "call_1")).rejects.toThrow(UNKNOWN_OUTCOME);
      expect(sent).toHaveLength(0);
    });
  });

  it("turns a gateway refusal into a tool error, recorded once; a lost answer is not retried either", async () => {
    await inRoom(async (sql) => {
      const refused = gateway(async () => ({ ok: false, code: "not_found", message: "Tool not available: exec" }));
      const tools = await gatewayTools({ sql, runId: "run-3", access: refused.access, risky: [] });
      await expect(call(tools, { tool: "exec", args: {} }, "call_1")).rejects.toThrow(
        "not_found: Tool not available: exec",
      );
      await expect(call(tools, { tool: "exec", args: {} }, "call_1")).rejects.toThrow("not_found");
      expect(refused.sent).toHaveLength(1);
      const lost = gateway(async () => {
        throw new Error("tools.invoke: the gateway connection closed");
      });
      const again = await gatewayTools({ sql, runId: "run-3", access: lost.access, risky: [] });
      await expect(call(again, { tool: "agents_list", args: {} }, "call_2")).rejects.toThrow("may or may not have run");
      await expect(call(again, { tool: "agents_list", args: {} }, "call_2")).rejects.toThrow("may or may not have run");
      expect(lost.sent).toHaveLength(1);
    });
  });

  it("still offers the tool when the catalog cannot be read, saying so", async () => {
    await inRoom(async (sql) => {
      const { access } = gateway(async () => ({ ok: true, text: "" }));
      const tools = await gatewayTools({
        sql,
        runId: "run-4",
        access: { ...access, catalog: () => Promise.reject(new Error("not connected")) },
        risky: [],
      });
      expect(tools[GATEWAY_TOOL]!.description).toContain("could not be read");
    });
  });
});
