// An instance's channels on its record (Instance.channels): which are set up and whether each
// is connected, as the room last read them from the gateway, so the canvas's instance node and
// every client say it from the room's state without asking the gateway. The gateway sends no
// event when a channel connects or drops, so the room reads its status at the moments it is
// news: when the bridge connects, when anyone reads the channels, when a channel change ran.
import { type Instance, type InstanceChannel, MAX_INSTANCE_CHANNELS } from "../../../../../shared/protocol/instances";
import type { ChannelStatus } from "../../../../../shared/protocol/channels";
import type { Commit } from "../../kernel/commit";
import { getInstance, putInstance } from "../instance-store";
import { type GatewayCaller, readChannels } from "./gateway";

/** The channels with something set up, each connected only when every such account of it is. */
export function channelSummary(channels: readonly ChannelStatus[]): InstanceChannel[] {
  return channels
    .flatMap((c): InstanceChannel[] => {
      const setUp = c.accounts.filter((a) => a.configured);
      if (setUp.length === 0) return [];
      const connected = setUp.every((a) => a.enabled && a.connected && !a.lastError);
      return [{ channel: c.channel, label: c.label, state: connected ? "connected" : "attention" }];
    })
    .slice(0, MAX_INSTANCE_CHANNELS);
}

/** An instance never read and one with nothing set up say the same: no channels. */
const same = (a: readonly InstanceChannel[] | undefined, b: readonly InstanceChannel[]) =>
  JSON.stringify(a ?? []) === JSON.stringify(b);

/** Writes the summary onto the instance's record (an `instance.updated` for everyone), only when it changed. */
export function mirrorChannels(commit: Commit, instanceId: string, channels: readonly ChannelStatus[]): void {
  const summary = channelSummary(channels);
  commit(null, (ctx) => {
    const instance = getInstance(ctx.sql, instanceId);
    if (!instance || instance.status === "stopped" || same(instance.channels, summary)) return;
    putInstance(ctx, { ...instance, channels: summary } satisfies Instance);
  });
}

/**
 * Reads the gateway's channels and mirrors them; a gateway that cannot say leaves the record as
 * it was (the Channels section shows the read's error to whoever looks).
 */
export async function refreshChannels(commit: Commit, instanceId: string, gateway: GatewayCaller): Promise<void> {
  let channels: ChannelStatus[];
  try {
    channels = await readChannels(gateway);
  } catch {
    return;
  }
  mirrorChannels(commit, instanceId, channels);
}
