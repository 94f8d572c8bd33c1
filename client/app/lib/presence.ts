import type { Viewport } from "../../../shared/hatchery/awareness";
import type { PresenceEntry } from "../../../shared/protocol/presence";

// Who is here, as the app shows it: derived from the Autopilot room's presence, which is one
// entry per open socket and goes with the socket (on a close, on a revoked key) — never from
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
  /** One label per open connection: a person in two tabs has two. */
  devices: string[];
  /** The view of their canvas tab used last, to follow; null when no tab of theirs shows the canvas. */
  viewport: Viewport | null;
}

/**
 * Everyone connected but `me`, one entry per person with their devices, in the order they
 * arrived. Another tab of one's own is not someone else.
 */
export function peopleHere(
  presence: Iterable<PresenceEntry>,
  peers: readonly CanvasPeer[],
  me: string | null,
): PersonHere[] {
  const byPrincipal = new Map<string, PersonHere & { since: number }>();
  for (const entry of presence) {
    if (entry.principalId === me) continue;
    const person = byPrincipal.get(entry.principalId);
    if (person) {
      person.devices.push(entry.device);
      person.since = Math.min(person.since, entry.connectedAt);
    } else
      byPrincipal.set(entry.principalId, {
        principalId: entry.principalId,
        name: entry.name,
        kind: entry.kind,
        devices: [entry.device],
        viewport: null,
        since: entry.connectedAt,
      });
  }
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

/** "browser", "2 devices: browser, phone". */
export const devicesText = (devices: readonly string[]): string =>
  devices.length === 1 ? devices[0]! : `${devices.length} devices: ${devices.join(", ")}`;
