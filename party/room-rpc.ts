import type { RoomRpc } from "./rooms/autopilot/features";
import type { Autopilot } from "./rooms/autopilot/room";

/** The name of one of the Autopilot's RPCs (a feature's `rpc`: party/rooms/autopilot/features/). */
export type RoomRpcName = keyof RoomRpc;

/** What an Autopilot RPC answers, as its caller receives it. */
export type RoomRpcResult<K extends RoomRpcName> = Awaited<ReturnType<RoomRpc[K]>>;

/**
 * Calls one of a workspace's Autopilot's RPCs through its one entry (`Autopilot.call`),
 * typed by the feature that gives it: the Worker's routes, the Hatchery and the Nostr relay
 * call the room through this. (A stub's own typing of a generic method loses the name's
 * link to its arguments and result.)
 */
export function roomCall<K extends RoomRpcName>(
  room: DurableObjectStub<Autopilot>,
  name: K,
  ...args: Parameters<RoomRpc[K]>
): Promise<RoomRpcResult<K>> {
  const entry = room as unknown as { call(name: K, ...args: Parameters<RoomRpc[K]>): Promise<RoomRpcResult<K>> };
  return entry.call(name, ...args);
}
