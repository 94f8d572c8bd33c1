// Counting the SQL statements a room runs (the statement tests of a reply and a task step): the
// room's own SqlStorage's exec is wrapped inside its Durable Object, so every statement its code
// runs from then on is counted by its text, whatever layer (drizzle, prepared or raw) ran it.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";

/** Each statement the room's storage ran, by its text (the first words of it), with how often. */
export type Counted = Map<string, number>;

export const roomStub = (workspaceId: string) => {
  const rooms = (env as unknown as { Autopilot: DurableObjectNamespace }).Autopilot;
  return rooms.get(rooms.idFromName(workspaceId));
};

/**
 * Counts every statement the room of `workspaceId` runs from now on; `seen` also sees each
 * statement's key and parameters (e.g. to keep the longest document written in `counted`).
 */
export async function countStatements(
  workspaceId: string,
  seen?: (counted: Counted, key: string, params: unknown[]) => void,
): Promise<void> {
  await runInDurableObject(roomStub(workspaceId), (_room, state) => {
    const storage = state.storage.sql as SqlStorage & { counted?: Counted };
    const exec = storage.exec;
    const counted: Counted = new Map();
    storage.counted = counted;
    storage.exec = ((query: string, ...params: unknown[]) => {
      const key = query.replace(/\s+/g, " ").slice(0, 110);
      counted.set(key, (counted.get(key) ?? 0) + 1);
      seen?.(counted, key, params);
      return exec.call(storage, query, ...params);
    }) as SqlStorage["exec"];
  });
}

/** What the room counted since `countStatements`, most run first. */
export async function countedStatements(workspaceId: string): Promise<[string, number][]> {
  return runInDurableObject(roomStub(workspaceId), (_room, state) => {
    const storage = state.storage.sql as SqlStorage & { counted?: Counted };
    return [...(storage.counted ?? new Map<string, number>()).entries()].sort((a, b) => b[1] - a[1]);
  });
}
