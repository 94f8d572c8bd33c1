import { advanceChatStarts, hasOpenChatStarts } from "./chat-starts-store";
import type { Commit, OpEffects } from "../../kernel/commit";
import type { Sql } from "../../../../domain/sql";

/**
 * After each commit: when an approval was decided or an instance changed, moves the open
 * `instances.startChat` starts along (chat-starts-store.ts) as the room, and has the
 * bridge of an instance that got its first message send it. Runs in the same turn as the
 * commit that made the change, so no restart can fall between the two.
 */
export function driveChatStarts(
  deps: { sql: Sql; commit: Commit },
  effects: OpEffects,
  flush: (instanceId: string) => void,
): void {
  const relevant = effects.events.some(
    (e) => e.event === "approval.resolved" || e.event === "instance.updated" || e.event === "instance.deleted",
  );
  if (!relevant || !hasOpenChatStarts(deps.sql)) return;
  for (const instanceId of deps.commit(null, advanceChatStarts)) flush(instanceId);
}
