// An instance's channels on its record (Instance.channels): which are set up and whether each
// is connected, as the room last read them from the gateway, so the canvas's instance node and
// every client say it from the room's state without asking the gateway. The gateway sends no
// event when a channel connects or drops, so the room reads its status at the moments it is
// news: when the bridge connects, when anyone reads the channels, when a channel change ran.
import { type Instance, type InstanceChannel, MAX_INSTANCE_CHANNELS } from "../../../../../shared/protocol/instances";
import type { ChannelStatus } from "../../../../../shared/protocol/channels";
import type { Approval } from "../../../../../shared/protocol/approvals";
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

/**
 * The reads of each room's instances in the order they started: reads overlap (a person's,
 * the one after a change), and one that started earlier must not write over a later one's.
 */
const reads = new WeakMap<Commit, Map<string, { started: number; written: number }>>();

function readsOf(commit: Commit, instanceId: string) {
  const room = reads.get(commit) ?? new Map<string, { started: number; written: number }>();
  reads.set(commit, room);
  const counts = room.get(instanceId) ?? { started: 0, written: 0 };
  room.set(instanceId, counts);
  return counts;
}

/** A read of the instance's channels begins: its turn, for `mirrorChannels`. */
export const startRead = (commit: Commit, instanceId: string): number => ++readsOf(commit, instanceId).started;

/**
 * Writes the summary of the read numbered `read` onto the instance's record (an
 * `instance.updated` for everyone), only when it changed and no later read was written.
 */
export function mirrorChannels(
  commit: Commit,
  instanceId: string,
  channels: readonly ChannelStatus[],
  read: number,
): void {
  const counts = readsOf(commit, instanceId);
  if (read < counts.written) return;
  counts.written = read;
  const summary = channelSummary(channels);
  commit(null, (ctx) => {
    const instance = getInstance(ctx.sql, instanceId);
    if (!instance || instance.status === "stopped" || same(instance.channels, summary)) return;
    putInstance(ctx, { ...instance, channels: summary } satisfies Instance);
  });
}

/** What a change just did to one channel account: set up (configured) or not. */
export interface ExpectedAccount {
  channel: string;
  accountId: string;
  configured: boolean;
}

const agrees = (channels: readonly ChannelStatus[], expected: ExpectedAccount) =>
  (channels
    .find((c) => c.channel === expected.channel)
    ?.accounts.some((a) => a.accountId === expected.accountId && a.configured) ?? false) === expected.configured;

/** How long after a change the room reads again until the gateway's status shows it, and how often. */
const AGREE_MS = 15_000;
const AGAIN_MS = 500;

/**
 * Reads the gateway's channels and mirrors them. After a change (`expected`), the gateway
 * applies its config in the background, so its status may still show the old state: read
 * again until it shows the change, for at most AGREE_MS, then mirror what it says. A gateway
 * that cannot say leaves the record as it was (the Channels section shows the read's error).
 */
export async function refreshChannels(
  commit: Commit,
  instanceId: string,
  gateway: GatewayCaller,
  expected?: ExpectedAccount,
  now: () => number = Date.now,
): Promise<void> {
  const deadline = now() + AGREE_MS;
  for (;;) {
    const read = startRead(commit, instanceId);
    let channels: ChannelStatus[];
    try {
      channels = await readChannels(gateway);
    } catch {
      return;
    }
    if (!expected || agrees(channels, expected) || now() >= deadline) {
      mirrorChannels(commit, instanceId, channels, read);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, AGAIN_MS));
  }
}

/** What a decided channel approval should have done to its account, when it sets one up or removes it. */
export function changedAccount(approval: Approval): ExpectedAccount | undefined {
  const action = approval.action;
  if (action?.kind !== "instance" || !action.channel || action.channel.channel === "whatsapp") return undefined;
  if (action.operation === "configureChannel") return { ...action.channel, configured: true };
  if (action.operation === "disconnectChannel") return { ...action.channel, configured: false };
  return undefined;
}
