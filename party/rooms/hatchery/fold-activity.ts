import type * as Y from "yjs";
import { removeFoldedNodes } from "../../../shared/hatchery/domain";
import { forgetDomainNode } from "../../domain/canvas-records";
import { setMeta } from "../../domain/meta";
import type { Sql } from "../../domain/sql";
import { appendUpdate } from "../../domain/ydoc-store";

/**
 * The stored document as the room loads it, folded: one written before activity folded into
 * its subject (shared/hatchery/activity.ts) has tool, job and approval nodes. They go, with
 * their edges and guard records, the removal is stored like any update, and the canvas asks
 * the Autopilot for a fresh snapshot (a cleared epoch), whose activity ops fill every
 * subject's timeline. A document without such nodes is returned as it is, so this runs on
 * every load and does something once.
 */
export function foldOldActivity(doc: Y.Doc, sql: Sql, workspace: string): Y.Doc {
  sql.transaction(() => {
    const store = (update: Uint8Array) => appendUpdate(sql, update);
    doc.on("update", store);
    let removed: string[] = [];
    try {
      doc.transact(() => {
        removed = removeFoldedNodes(doc);
      });
    } finally {
      doc.off("update", store);
    }
    if (removed.length === 0) return;
    for (const id of removed) forgetDomainNode(sql, id);
    setMeta(sql, "domainEpoch", "");
    setMeta(sql, "domainSnapshotCursor", "");
    console.log(JSON.stringify({ msg: "hatchery folded old activity nodes", workspace, removed: removed.length }));
  });
  return doc;
}
