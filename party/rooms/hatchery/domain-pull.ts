import type * as Y from "yjs";
import { applyDomainOps, type DomainOp, opsForEvent } from "../../../shared/hatchery/domain";
import { opsForSnapshot, pendingNodes, refillsActivity } from "../../../shared/hatchery/domain";
import { domainNodeId, isDomainKind, nodesMap, readNode } from "../../../shared/hatchery/graph";
import { layoutNewNodes } from "../../../shared/hatchery/layout";
import { sessionOps } from "../../../shared/hatchery/session-nodes";
import { forgetDomainNode, putDomainNode } from "../../domain/canvas-records";
import { getMeta, setMeta } from "../../domain/meta";
import type { Sql } from "../../domain/sql";
import type { Env } from "../../env";
import { finishHeal, startHealIfNeeded } from "./heal";
import { roomCall } from "../../room-rpc";

/** Transaction origin of the domain nodes the room writes. */
export const DOMAIN_ORIGIN = "autopilot-domain";

/** The node a domain op writes, if any. */
function touchedNode(op: DomainOp): string[] {
  if (op.op === "upsert" || op.op === "patch") return [domainNodeId(op.kind, op.ref)];
  if (op.op === "frame") return [domainNodeId("project", op.ref)];
  return op.op === "activity" ? [op.subject] : [];
}

/**
 * One pull of the Autopilot's graph feed (room.ts, `sync`) into the document, with where it
 * got to, in one SQLite transaction; whether the Autopilot says there is more.
 */
export async function pullOnce(sql: Sql, doc: Y.Doc, workspace: string, env: Env): Promise<boolean> {
  const healing = startHealIfNeeded(sql, doc, workspace);
  const since = Number(getMeta(sql, "domainSeq") ?? 0);
  const epoch = getMeta(sql, "domainEpoch");
  const cursor = getMeta(sql, "domainSnapshotCursor") || null;
  // One RPC per pull: graphFeed starts the Autopilot itself (getAgentByName's extra call
  // would wait in the Autopilot's queue, on its writers' path, for a start it has done).
  const autopilot = env.Autopilot.getByName(workspace);
  const feed = await roomCall(autopilot, "graphFeed", since, epoch, undefined, cursor, getMeta(sql, "sessionsDigest"));
  const ops: DomainOp[] = feed.snapshot ? opsForSnapshot(feed.snapshot) : [];
  for (const e of feed.events) ops.push(...opsForEvent(e));
  // A restored thread's activity went with its node: the next pull is a snapshot, which folds it in again.
  const refill = feed.events.some(refillsActivity);
  // Last: the sessions link to instances and threads this very pull may have created.
  if (feed.sessions) ops.push(...sessionOps(feed.sessions.instances));
  const touched = new Set(ops.flatMap(touchedNode));
  // Layout runs before the write; placement re-checks for overlaps at write time in case
  // people moved things meanwhile.
  const laidOut = await layoutNewNodes(doc, pendingNodes(doc, ops), ops).catch((error: unknown) => {
    const msg = "layout failed; falling back to simple placement";
    console.error(JSON.stringify({ msg, workspace, error: String(error) }));
    return new Map<string, { x: number; y: number }>();
  });
  sql.transaction(() => {
    let removed: string[] = [];
    doc.transact(() => {
      removed = applyDomainOps(doc, ops, laidOut);
    }, DOMAIN_ORIGIN);
    recordDomainNodes(sql, doc, touched);
    // A trimmed tool call, a gone session or a deleted instance is gone for good: the guard
    // must not bring it back. (An instance deleted and provisioned again in one pull is back.)
    for (const id of removed) if (!nodesMap(doc).has(id)) forgetDomainNode(sql, id);
    // With the sessions too: a session's edge to the restored thread comes back with them.
    if (refill) setMeta(sql, "sessionsDigest", "");
    else if (feed.sessions) setMeta(sql, "sessionsDigest", feed.sessions.digest);
    setMeta(sql, "domainSeq", String(feed.seq));
    // The epoch and the cursor stay as they were on most pulls: read from memory, written only when they change.
    changeMeta(sql, "domainEpoch", refill ? "" : feed.epoch);
    // A paged snapshot continues from here on the next pull (even after a restart).
    changeMeta(sql, "domainSnapshotCursor", refill ? "" : (feed.snapshotCursor ?? ""));
    if (healing && !feed.more) finishHeal(sql, doc);
  });
  return feed.more || refill;
}

/** Writes a meta value unless it holds it already (getMeta keeps what it read until someone writes it). */
function changeMeta(sql: Sql, key: string, value: string): void {
  if (getMeta(sql, key) !== value) setMeta(sql, key, value);
}

/** Remembers what each touched domain node must say, so a client cannot rewrite it. */
function recordDomainNodes(sql: Sql, doc: Y.Doc, ids: Set<string>): void {
  const nodes = nodesMap(doc);
  for (const id of ids) {
    const m = nodes.get(id);
    if (!m) continue;
    const node = readNode(id, m);
    if (!isDomainKind(node.kind) || !node.ref) continue;
    putDomainNode(sql, id, { kind: node.kind, ref: node.ref, data: node.data });
  }
}
