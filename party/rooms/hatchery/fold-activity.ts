import type * as Y from "yjs";
import { removeFoldedNodes } from "../../../shared/hatchery/domain";
import { forgetDomainNode } from "../../domain/canvas-records";
import { setMeta } from "../../domain/meta";
import type { Sql } from "../../domain/sql";

/**
 * A document written before activity folded into its subject (shared/hatchery/activity.ts)
 * has tool, job and approval nodes: they go, with their edges and guard records, and the
 * canvas asks the Autopilot for a fresh snapshot (a cleared epoch), whose activity ops
 * fill every subject's timeline. A document without such nodes is left alone, so this runs
 * on every start and does something once. Returns how many nodes it removed.
 */
export function foldOldActivity(doc: Y.Doc, sql: Sql, origin: unknown): number {
  let removed: string[] = [];
  doc.transact(() => {
    removed = removeFoldedNodes(doc);
  }, origin);
  if (removed.length === 0) return 0;
  sql.transaction(() => {
    for (const id of removed) forgetDomainNode(sql, id);
    setMeta(sql, "domainEpoch", "");
    setMeta(sql, "domainSnapshotCursor", "");
  });
  return removed.length;
}
