// An asleep instance's channels (decision 78): the read answers that the gateway sleeps and
// what wakes it (or why its last wake was refused, or that it is waking), as `unavailable`
// naming its sleep, without asking the gateway: the room may have written it asleep while its
// bridge is still connected and the stop on its way, and a read then would wait on a gateway
// going away. Reading wakes nothing. The app's Channels section says the same
// (client/app/panels/gateway-section.tsx).
import { describe, expect, it } from "vitest";
import type { InstanceSleep } from "../../../../../shared/protocol/instances";
import { asRoom, connectTo, inRoom, linkAndGateway, ok } from "../../../../test/bridge-peer";
import { getInstance, putInstance } from "../instance-store";
import { instanceChannels } from "./status";

describe("the channels of an asleep instance", () => {
  it("answer that it sleeps and what wakes it, without asking its gateway", async () => {
    await inRoom(async (sql) => {
      const { link, gw } = linkAndGateway(sql);
      gw.on("channels.status", () => ok({ channelOrder: ["telegram"], channelAccounts: {} }));
      gw.on("config.get", () => ok({ hash: "h", config: {} }));
      link.connection = await connectTo(gw);
      const channels = {
        request: (m: string, p?: Record<string, unknown>, t?: number) => link.open().request(m, p, t),
      };
      const read = (connected: boolean) => instanceChannels({ sql, bridge: { connected, channels } }, "inst");
      const sleep = (state: InstanceSleep["state"], refused?: string) =>
        asRoom(sql, (ctx) =>
          putInstance(ctx, {
            ...getInstance(sql, "inst")!,
            sleep: { state, since: ctx.now, wakeMs: null, keptAwakeBy: null, ...(refused ? { refused } : {}) },
          }),
        );
      const refusal = (message: string, state: string) => ({
        code: "unavailable",
        message,
        details: { instanceId: "inst", sleep: state },
      });
      // Written asleep while its stop is on its way (the bridge still connected), and once stopped.
      sleep("asleep");
      const asleep = refusal("the gateway of Work is asleep: the next message to it wakes it", "asleep");
      await expect(read(true)).rejects.toMatchObject(asleep);
      await expect(read(false)).rejects.toMatchObject(asleep);
      sleep("asleep", "The Starter plan runs at most 1 OpenClaw instance at once.");
      await expect(read(false)).rejects.toMatchObject(
        refusal(
          "the gateway of Work is asleep and could not wake: The Starter plan runs at most 1 OpenClaw instance at once.",
          "asleep",
        ),
      );
      sleep("waking");
      await expect(read(false)).rejects.toMatchObject(
        refusal("the gateway of Work is waking up: try again once it shows connected", "waking"),
      );
      // Nothing was asked of the gateway (nor woken); awake and connected, it is read.
      expect(gw.requests("channels.status")).toEqual([]);
      sleep("awake");
      expect((await read(true)).channels.map((c) => c.channel)).toEqual(["telegram"]);
      expect(gw.requests("channels.status")).toHaveLength(1);
    });
  });
});
