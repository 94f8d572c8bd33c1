import type { InstanceSessions } from "../../../../shared/protocol/gateway";
import { hash53, newestSessions } from "../../../../shared/hatchery/session-nodes";
import { allSessions } from "./gateway";
import type { Sql } from "../../../domain/sql";

/** The gateway sessions the canvas shows, and a digest the Hatchery hands back to skip an unchanged list. */
export interface CanvasSessions {
  digest: string;
  instances: InstanceSessions[];
}

/**
 * Every instance's current sessions as the canvas shows them (newest first, capped per
 * instance: session-nodes.ts), each with the thread open as it. Read from the tables the
 * bridge refreshes on every `sessions.changed`, so nothing else has to remember to flag a
 * change: a binding made or undone, or an instance deleted, changes the digest too.
 */
export function canvasSessions(sql: Sql): CanvasSessions {
  const instances = newestSessions(allSessions(sql))
    .filter((i) => i.sessions.length > 0)
    .sort((a, b) => (a.instanceId < b.instanceId ? -1 : a.instanceId > b.instanceId ? 1 : 0));
  const json = JSON.stringify(instances);
  return { digest: `${json.length}.${hash53(json)}`, instances };
}
