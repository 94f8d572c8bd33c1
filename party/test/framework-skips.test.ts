// The agents framework's per-socket steps the room switches off (party/rooms/autopilot/framework/skips.ts) are
// internals: these tests pin them to the installed version, and the room's other tests
// show connects, messages and closes still behave with them off.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { Agent } from "agents";
import { describe, expect, it } from "vitest";
import { SKIPPED_STEPS, skipUnusedFrameworkWork } from "../rooms/autopilot/framework/skips";
import { uniq } from "./harness";

const frameworkStep = (name: string) => (Agent.prototype as unknown as Record<string, unknown>)[name];

describe("framework steps the room does not use", () => {
  it("still exist in the installed agents under these names", () => {
    expect(SKIPPED_STEPS.length).toBeGreaterThan(0);
    for (const name of SKIPPED_STEPS) expect(typeof frameworkStep(name), name).toBe("function");
  });

  it("are switched off on the instance, and the switch refuses an object without them", async () => {
    const room = Object.create(Agent.prototype) as Record<string, (...args: unknown[]) => unknown>;
    skipUnusedFrameworkWork(room);
    for (const name of SKIPPED_STEPS) expect(room[name], name).not.toBe(frameworkStep(name));
    // Each step by name does nothing: the framework's own would reach its sub-agent registry.
    expect(room._cf_forwardSubAgentWebSocketConnect!({}, new Request("http://x/agents/autopilot/w/sub/x/y"), { gate: false })).toBe(false);
    expect(room._cf_forwardSubAgentWebSocketMessage!({}, "{}", {})).toBe(false);
    expect(room._cf_forwardSubAgentWebSocketClose!({}, 1000, "bye", true)).toBe(false);
    await expect(room._replayAgentToolRuns!({})).resolves.toBeUndefined();
    expect(() => skipUnusedFrameworkWork({})).toThrow(/agents no longer has _cf_forwardSubAgentWebSocketConnect/);
  });

  it("are switched off in the Autopilot room itself", async () => {
    const rooms = (env as unknown as { Autopilot: DurableObjectNamespace }).Autopilot;
    const own = await runInDurableObject(rooms.get(rooms.idFromName(uniq("skips-"))), (room: object) =>
      SKIPPED_STEPS.filter((name) => (room as Record<string, unknown>)[name] !== frameworkStep(name)),
    );
    expect(own).toEqual(SKIPPED_STEPS);
  });
});
