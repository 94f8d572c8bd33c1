import type * as Y from "yjs";
import { nodesMap } from "../../../shared/hatchery/graph";
import { domainNodeIds, forgetDomainNode } from "../../domain/canvas-records";
import { getMeta, setMeta } from "../../domain/meta";
import type { Sql } from "../../domain/sql";

/**
 * A canvas that lost domain nodes gets them back from the Autopilot by itself. The room
 * records every domain node it writes (canvas-records.ts); before each pull (on every wake
 * and poke) it looks for recorded nodes missing from the document, and if there are any it
 * asks the Autopilot for its whole current state: the next pull is a snapshot (its epoch
 * and cursor cleared) with every instance's sessions (the digest cleared), whose upserts
 * place the missing nodes again and refresh the others. Once that pull has caught up, a
 * recorded node still missing is one the Autopilot no longer has, and is forgotten. Every
 * document is also checked once against a snapshot, for losses its records cannot show (a
 * document written before the room recorded domain nodes).
 */
const HEAL = "domainHeal";
/** Bumped when every document should be checked once more (2: archived threads leave the canvas). */
export const CHECKED_VERSION = "2";

export function missingDomainNodes(sql: Sql, doc: Y.Doc): string[] {
  const nodes = nodesMap(doc);
  return domainNodeIds(sql).filter((id) => !nodes.has(id));
}

/** Asks for a snapshot on this pull if the document lacks domain nodes (or was never checked); whether a heal is under way. */
export function startHealIfNeeded(sql: Sql, doc: Y.Doc, workspace: string): boolean {
  const state = getMeta(sql, HEAL);
  if (state === "pending") return true;
  const missing = missingDomainNodes(sql, doc);
  if (missing.length === 0 && state === CHECKED_VERSION) return false;
  sql.transaction(() => {
    setMeta(sql, "domainEpoch", "");
    setMeta(sql, "domainSnapshotCursor", "");
    setMeta(sql, "sessionsDigest", "");
    setMeta(sql, HEAL, "pending");
  });
  if (missing.length > 0)
    console.warn(JSON.stringify({ msg: "hatchery restoring lost domain nodes", workspace, missing: missing.length }));
  return true;
}

/** After a pull that caught up with a snapshot: what is still missing is gone from the Autopilot too. */
export function finishHeal(sql: Sql, doc: Y.Doc): void {
  if (getMeta(sql, HEAL) !== "pending") return;
  for (const id of missingDomainNodes(sql, doc)) forgetDomainNode(sql, id);
  setMeta(sql, HEAL, CHECKED_VERSION);
}
