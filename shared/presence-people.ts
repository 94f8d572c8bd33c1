import type { PresenceEntry, PresencePerson } from "./protocol/presence";

/**
 * One principal's sockets as the person protocol 17 shows (shared/protocol/presence.ts): their
 * newest socket's name, kind and device, the newest status any of them set, when the first
 * connected. `own` is in order of connection, oldest first, and not empty.
 */
export function personOf(own: readonly PresenceEntry[]): PresencePerson {
  const newest = own.at(-1)!;
  return {
    principalId: newest.principalId,
    kind: newest.kind,
    name: newest.name,
    devices: own.length,
    device: newest.device,
    status: own.findLast((entry) => entry.status !== null)?.status ?? null,
    since: own[0]!.connectedAt,
  };
}

/** Sockets as people, in order of arrival (each principal's first socket). */
export function peopleOf(entries: readonly PresenceEntry[]): PresencePerson[] {
  const byPrincipal = new Map<string, PresenceEntry[]>();
  for (const entry of [...entries].sort((a, b) => a.connectedAt - b.connectedAt)) {
    const own = byPrincipal.get(entry.principalId) ?? [];
    own.push(entry);
    byPrincipal.set(entry.principalId, own);
  }
  return [...byPrincipal.values()].map(personOf);
}
