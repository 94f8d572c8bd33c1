import type { Viewport } from "../../../shared/hatchery/awareness";
import type { PresencePerson } from "../../../shared/protocol/presence";

// Who is here, as the app shows it: derived from the Autopilot room's presence (the people it
// shows, bounded, each with their open sockets counted), which goes with the sockets (on a
// close, on a revoked key) — never from
// what the canvas's awareness last said, which a room that hibernated may still hold of a
// socket long gone. The canvas adds only what a person's tabs show, to follow it.

/** What the canvas knows of one of someone's tabs (stores/canvas.ts Peer). */
export interface CanvasPeer {
  principalId: string | null;
  viewport: Viewport | null;
  /** When this tab's presence last changed (a move, a pan): the tab they are using. */
  active: number;
}

export interface PersonHere {
  principalId: string;
  name: string;
  kind: "user" | "agent";
  /** How many sockets they have open: a person in two tabs has two. */
  devices: number;
  /** The device of their newest socket. */
  device: string;
  /** The view of their canvas tab used last, to follow; null when no tab of theirs shows the canvas. */
  viewport: Viewport | null;
}

/**
 * Everyone connected but `me`, one entry per person with their devices, in the order they
 * arrived. Another tab of one's own is not someone else.
 */
export function peopleHere(
  presence: Iterable<PresencePerson>,
  peers: readonly CanvasPeer[],
  me: string | null,
): PersonHere[] {
  const byPrincipal = new Map<string, PersonHere & { since: number }>();
  for (const { principalId, name, kind, devices, device, since } of presence)
    if (principalId !== me)
      byPrincipal.set(principalId, { principalId, name, kind, devices, device, viewport: null, since });
  const latest = new Map<string, number>();
  for (const peer of peers) {
    const person = peer.principalId === null ? undefined : byPrincipal.get(peer.principalId);
    if (!person || !peer.viewport || peer.active < (latest.get(person.principalId) ?? Number.NEGATIVE_INFINITY))
      continue;
    latest.set(person.principalId, peer.active);
    person.viewport = peer.viewport;
  }
  return [...byPrincipal.values()]
    .sort((a, b) => a.since - b.since || a.name.localeCompare(b.name))
    .map(({ since: _since, ...person }) => person);
}

/** "browser", "2 devices". */
export const devicesText = ({ devices, device }: { devices: number; device: string }): string =>
  devices === 1 ? device : `${devices} devices`;
