// A gateway chat turn's span in the room: the same trace and span ids the bridge sent the
// gateway as `traceparent` (party/domain/trace-context.ts), once per turn, and none for a run
// id that is no message sent to a gateway.
import { describe, expect, it } from "vitest";
import { traceparent, turnTraceIds } from "../../../../domain/trace-context";
import { asPerson, inRoom, seedThread } from "../../../../test/bridge-peer";
import { uniq } from "../../../../test/harness";
import { sendChat } from "../instance-store/gateway-outbox";
import { gatewayTurnSpan } from "./gateway-turns";

const WS = "ws_traces";

describe("a gateway chat turn's span", () => {
  it("carries the ids of the traceparent the turn was sent with, once, and only for a message sent to a gateway", async () => {
    await inRoom(async (sql) => {
      const thread = seedThread(sql);
      const { message } = asPerson(sql, (ctx) =>
        sendChat(ctx, { threadId: thread.id, text: "hello", attachments: [], idempotencyKey: uniq("k") }),
      );
      const now = message.createdAt + 1500;
      const span = gatewayTurnSpan(sql, message.id, { workspaceId: WS, now, outcome: "done" });
      const ids = turnTraceIds(WS, message.id);
      expect(traceparent(ids)).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      expect(span).toMatchObject({
        traceId: ids.traceId,
        spanId: ids.spanId,
        parentSpanId: null,
        name: "invoke_agent OpenClaw",
        start: message.createdAt,
        end: now,
        error: null,
        attributes: {
          "gen_ai.operation.name": "invoke_agent",
          "gen_ai.conversation.id": thread.id,
          "autopilot.instance.id": "inst",
          "autopilot.run.kind": "gateway",
          "autopilot.triggered_by.id": "user_1",
        },
      });
      // Heard twice (a final and a late error), it is one span.
      expect(gatewayTurnSpan(sql, message.id, { workspaceId: WS, now, outcome: "failed" })).toBeNull();
      // Another workspace's turn with the same message id is another trace.
      expect(turnTraceIds("ws_other", message.id).traceId).not.toBe(ids.traceId);

      // An id that is no message sent to a gateway (a reply's segment) makes none.
      expect(gatewayTurnSpan(sql, "run_nope.0", { workspaceId: WS, now, outcome: "done" })).toBeNull();
    });
  });
});
