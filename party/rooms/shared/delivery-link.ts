import type { Scope } from "../../../shared/protocol/principal";
import type { AdmittedSocket, ConnState } from "./connection-state";
import type { Audience } from "./reading";

/**
 * The fan-out tier (docs/scale.md): a workspace's sockets held by K delivery objects
 * (party/rooms/delivery/) instead of its Autopilot room, which sends each frame once to each
 * of them. What the two say to each other is here; each side types the other's stub by it.
 */

/**
 * One thing the room tells a delivery object, in the room's order. A frame's text is already
 * the current protocol's: the delivery object converts it per socket (party/rooms/shared/socket-fanout.ts), except
 * `one`, which the room addressed and converted itself. `skip` names sockets the room holds the
 * frame for (their replay is under way: it sends it to them itself once they caught up).
 *
 * Every durable event goes to every delivery object that holds a socket as a `tag` frame with
 * its `seq` (and `thread`, the thread whose viewers get its body), which the delivery object
 * keeps for its sockets' resumes (delivery/kept-events.ts). `replay` comes just before a
 * socket's hello: once the hello is sent, the delivery object replays what it kept after `from`
 * up to `to` to that socket, or, not holding all of it, has the socket resume again (1012)
 * without the hello.
 */
export type TierFrame =
  | { to: "tag"; tag: string | null; text: string; skip?: string[]; seq?: number; thread?: string }
  | { to: "ids"; ids: string[]; text: string }
  | { to: "scope"; scope: Scope | Audience; text: string; skip?: string[] }
  | { to: "one"; id: string; text: string }
  | { do: "state"; id: string; state: ConnState }
  | { do: "replay"; id: string; from: number; to: number }
  | { do: "close"; id: string; code: number; reason: string };

/** What a delivery object answers to its room. */
export interface DeliveryRpc {
  /** Frames in the room's order (one call at a time per delivery object). */
  deliver(frames: TierFrame[]): Promise<void>;
  /** Frames meant for its sockets were lost on the way: every socket resumes (1012), exact by its last seq. */
  resume(reason: string): Promise<void>;
}

/** A socket a delivery object admitted, as the room learns of it. */
export interface TierSocketOpened {
  id: string;
  /** Who it is (as the Worker vouched), its protocol, view and resume point, read by the delivery object. */
  admitted: AdmittedSocket;
  /** The upgrade request's URL and Origin header: the app's origin its person's links lead back to. */
  url: string;
  origin: string | null;
  tags: string[];
  /** The durable events the delivery object keeps, by seq (null: none), for the room to decide who replays. */
  kept: { from: number; to: number } | null;
}

/** What happened to a delivery object's sockets, as it tells the room: in order, many at a time. */
export type TierEvent =
  | { opened: TierSocketOpened }
  | { message: string | ArrayBuffer; id: string }
  | { closed: string }
  /** A replay the delivery object made left these threads' messages out (the socket does not view them): their bumps are the room's. */
  | { skipped: string[]; id: string };

/** What the room answers to its delivery objects. */
export interface RoomTierRpc {
  /**
   * Its sockets' opens, frames and closes, in the order they happened; one call at a time per
   * delivery object, so what comes while one is on its way goes in the next (a reconnect storm
   * costs the room a few calls, not one per socket).
   */
  tierEvents(tier: number, events: TierEvent[]): Promise<void>;
  /** The sockets a delivery object holds as it starts (after a restart: none of those the room counted there). */
  tierHolds(tier: number, ids: string[]): Promise<void>;
}

/** A socket closes with this (the standard "service restart"): its client reconnects and resumes, exact by its last seq. */
export const RESUME_CLOSE = 1012;

/** How many delivery objects a workspace's sockets are dealt among (0: none, the room holds them). */
export function deliveryObjects(env: { DELIVERY_OBJECTS?: string }): number {
  const k = Number(env.DELIVERY_OBJECTS ?? 0);
  return Number.isInteger(k) && k > 0 ? Math.min(k, MAX_DELIVERY_OBJECTS) : 0;
}

/** More would cost the room more per frame than the sockets it saves (docs/scale.md). */
export const MAX_DELIVERY_OBJECTS = 64;

/** The name a workspace's delivery object `tier` is addressed by. */
export const deliveryName = (workspaceId: string, tier: number): string => `${tier}:${workspaceId}`;

/** The workspace and tier a delivery object's name says. */
export function parseDeliveryName(name: string): { workspaceId: string; tier: number } {
  const colon = name.indexOf(":");
  return { tier: Number(name.slice(0, colon)), workspaceId: name.slice(colon + 1) };
}
