// The agents framework's per-socket steps the room switches off (framework-skips.ts) are
// internals: these tests pin them to the installed version, and the room's other tests
// show connects, messages and closes still behave with them off.
import { Agent } from "agents";
import { describe, expect, it } from "vitest";
import { SKIPPED_STEPS, skipUnusedFrameworkWork } from "../rooms/framework-skips";

describe("framework steps the room does not use", () => {
  it("still exist in the installed agents under these names", () => {
    expect(SKIPPED_STEPS).toEqual(["_cf_forwardSubAgentWebSocketConnect", "_cf_forwardSubAgentWebSocketMessage", "_cf_forwardSubAgentWebSocketClose", "_replayAgentToolRuns"]);
    for (const name of SKIPPED_STEPS) expect(typeof (Agent.prototype as unknown as Record<string, unknown>)[name]).toBe("function");
  });

  it("are switched off on the instance, and the switch refuses an object without them", async () => {
    const room = Object.create(Agent.prototype) as Record<string, (...args: unknown[]) => unknown>;
    skipUnusedFrameworkWork(room);
    expect(room._cf_forwardSubAgentWebSocketConnect!({}, new Request("http://x/agents/autopilot/w/sub/x/y"), { gate: false })).toBe(false);
    await expect(room._replayAgentToolRuns!({})).resolves.toBeUndefined();
    expect(() => skipUnusedFrameworkWork({})).toThrow(/agents no longer has _cf_forwardSubAgentWebSocketConnect/);
  });
});
