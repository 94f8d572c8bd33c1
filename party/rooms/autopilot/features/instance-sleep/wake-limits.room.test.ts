// A wake is a start (decision 78): a workspace that went over its plan's limit of running
// instances while its instance slept (a downgrade, another instance started), or a runtime at
// its cap of gateways, does not get the gateway started again. The instance stays asleep and
// says why, the messages waiting for it stay queued and their thread is told, and the next
// wake once the limit allows it goes through.
import { describe, expect, it } from "vitest";
import { sleepWords } from "../../../../../shared/instance-sleep";
import { readyInstance } from "../../../../../shared/test/records";
import { asRoom, seedInstance, seedThread } from "../../../../test/bridge-peer";
import { readBillingConfig } from "../billing/config";
import { gatewayNotConnected, getInstance, listInstances, putInstance, queuedFor } from "../instance-store";
import { planLimitRefusal } from "../metering";
import { listMessages } from "../threads/threads";

const lastMessage = (sql: Parameters<typeof listMessages>[0], threadId: string) =>
  listMessages(sql, { threadId, limit: 10 }).messages.at(-1);
import { inSleepRoom, queueMessage, runtimeStandIn, sleeperIn, sleepOf, withTestClock } from "./test/sleeper";

withTestClock();

/** One running instance at most, as an operator's plan says it. */
const starter = readBillingConfig({
  BILLING_PLANS: JSON.stringify({ starter: { name: "Starter", includedCredits: 0, maxInstances: 1 } }),
});

const asleep = { state: "asleep" as const, since: 1, wakeMs: 8000, keptAwakeBy: null };

describe("a wake over the limits", () => {
  it("is refused while the plan's limit is reached: asleep, saying why, its message queued and its thread told; woken once the limit allows", async () => {
    await inSleepRoom(async (sql, scheduler) => {
      seedInstance(sql, { kind: "hosted", bridge: "offline", sleep: asleep });
      asRoom(sql, (ctx) => putInstance(ctx, readyInstance("other", { kind: "hosted", name: "Other" })));
      const thread = seedThread(sql, "s1");
      queueMessage(sql, "msg_1", thread.id);
      const { runtime, calls } = runtimeStandIn();
      const { sleeper, settled } = sleeperIn(sql, scheduler, runtime, {
        bridge: { connected: false, streams: [] },
        startRefusal: (id) => planLimitRefusal(sql, starter, listInstances(sql), id)?.message ?? null,
      });
      sleeper.wake("inst", [thread.id]);
      await settled();
      expect(calls).toEqual([]);
      const why =
        "The Starter plan runs at most 1 OpenClaw instance at once: stop or delete one first, or ask an operator for a larger plan.";
      expect(sleepOf(sql)).toMatchObject({ state: "asleep", refused: why });
      expect(sleepWords(getInstance(sql, "inst")!, Date.now())).toBe(`asleep, could not wake: ${why}`);
      expect(queuedFor(sql, "inst").map((m) => m.messageId)).toEqual(["msg_1"]);
      const told = lastMessage(sql, thread.id);
      expect(told).toMatchObject({ author: { id: "instance:inst" }, kind: "error" });
      expect(told?.text).toContain(why);
      expect(told?.text).toMatch(/wait and are sent when it next wakes/);
      // A read of its gateway meanwhile says the same.
      expect(gatewayNotConnected(getInstance(sql, "inst")!).message).toBe(
        `the gateway of Work is asleep and could not wake: ${why}`,
      );
      // A decision waiting for the wake does not wait out its time: it fails at once, in these words.
      expect(await sleeper.awake("inst", 60_000)).toBe(false);
      // The instance's word in the thread is no traffic (it would ask again, and again); a person's next message is.
      const count = () => listMessages(sql, { threadId: thread.id, limit: 50 }).messages.length;
      const before = count();
      sleeper.message("inst", told!);
      await settled();
      expect(count()).toBe(before);
      sleeper.message("inst", { threadId: thread.id, author: { id: "user_1" } });
      await settled();
      expect(count()).toBe(before + 1);
      expect(calls).toEqual([]);

      // The other instance falls asleep: the next traffic wakes this one, and the refusal goes.
      asRoom(sql, (ctx) =>
        putInstance(ctx, { ...getInstance(sql, "other")!, sleep: { ...asleep, since: Date.now() } }),
      );
      sleeper.wake("inst", [thread.id]);
      await settled();
      expect(calls).toEqual(["provision inst"]);
      expect(sleepOf(sql)).toMatchObject({ state: "waking", refused: null });
    });
  });

  it("is refused when the runtime runs as many gateways as it may: asleep again, saying why", async () => {
    await inSleepRoom(async (sql, scheduler) => {
      seedInstance(sql, { kind: "hosted", bridge: "offline", sleep: asleep });
      const thread = seedThread(sql, "s1");
      queueMessage(sql, "msg_1", thread.id);
      const cap =
        "workspace ws_test already runs 2 of at most 2 gateways per workspace; delete or stop one of its instances first";
      const { runtime, calls } = runtimeStandIn(null, cap);
      const { sleeper, settled } = sleeperIn(sql, scheduler, runtime, { bridge: { connected: false, streams: [] } });
      sleeper.wake("inst", [thread.id]);
      expect(sleepOf(sql)?.state).toBe("waking");
      await settled();
      expect(calls).toEqual(["provision inst"]);
      expect(sleepOf(sql)).toMatchObject({ state: "asleep", refused: `the runtime could not start it: ${cap}` });
      expect(queuedFor(sql, "inst")).toHaveLength(1);
      expect(lastMessage(sql, thread.id)?.text).toContain(cap);
    });
  });
});
