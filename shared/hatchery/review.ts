import * as Y from "yjs";
import {
  type DomainKind,
  EDGES,
  edgesMap,
  isDomainKind,
  NODE_SIZE,
  NODES,
  nodesMap,
  type PersonKind,
  writeNode,
} from "./graph";
import {
  isPersonKind,
  isPlainJson,
  kindOfId,
  LAYOUT_KEYS,
  LayoutSchema,
  NODE_KEYS,
  PERSON_DATA,
  parseEdge,
} from "./node-schemas";
import { placeNode } from "./placement";
import { COMMENTS, type CommentReviewContext, reviewComments } from "./comments";
import { bodyValid, NOTE_BODY, repairBody } from "./note-text";
import { rootOf } from "./update-check";

/**
 * The server's review of one client transaction, run *inside* that transaction (after the
 * client's update was integrated, before it ends), so that what the transaction finally
 * emits — the one update the room stores and broadcasts — is already repaired.
 *
 * Why repair inside the transaction instead of refusing the update: a Yjs update cannot be
 * taken back once a client has it, and a client whose update the server dropped would have
 * every later update of its own pending on the server for good. Repairing keeps everyone
 * in sync; and because the overwritten values are deleted in the same transaction, Yjs
 * garbage-collects their content before the update is encoded: the forged text never
 * leaves the room, nor reaches storage.
 *
 * Rules: domain nodes (and domain edges) are the server's — a client may move and resize
 * them, nothing else; one it invents is deleted, one it deletes comes back. People's nodes
 * (notes, groups) and edges must match their schema (node-schemas.ts); an invalid value
 * is set back to what it was, a node or edge that cannot be repaired is deleted. Counts
 * are capped. A note's text (`body`, a Y.Text) is bounded and plain (note-text.ts).
 * Comments are reviewed per key (comments.ts). Writes outside the three root maps are refused
 * before they apply (update-check.ts).
 */
export interface DomainRecord {
  kind: DomainKind;
  ref: string;
  data: Record<string, unknown>;
}

/** The document's root maps; nothing else may be written. */
export const CANVAS_ROOTS: ReadonlySet<string> = new Set([NODES, EDGES, COMMENTS]);

/**
 * Makes the root maps typed. A document built by applying a stored update holds untyped
 * roots until something asks for them by type; `getMap` then swaps in a new object, so a
 * review that did that mid-transaction saw the client's changes on an object that was no
 * longer the root. The room types them as it loads.
 */
export function typeCanvasRoots(doc: Y.Doc): void {
  nodesMap(doc);
  edgesMap(doc);
  doc.getMap(COMMENTS);
}

export interface ReviewContext {
  /** What the server last wrote for a domain node id, or null if it never wrote one. */
  domainRecord(id: string): DomainRecord | null;
  maxPersonNodes: number;
  maxEdges: number;
  /** Who wrote the transaction, for the comments' review. */
  comments: Omit<CommentReviewContext, "nodeExists">;
}

/** Any Yjs shared type, seen through the fields every one of them has. */
interface YType {
  _map: Map<string, Y.Item>;
  _start: Y.Item | null;
  _item: Y.Item | null;
}
const internals = (type: object) => type as YType;

const createdIn = (tr: Y.Transaction, item: Y.Item) => item.id.clock >= (tr.beforeState.get(item.id.client) ?? 0);

/** The value `key` had before `tr` (undefined if none): the overwritten item's content is intact until the transaction ends. */
export function priorValue(map: object, key: string, tr: Y.Transaction): unknown {
  let item: Y.Item | null = internals(map)._map.get(key) ?? null;
  while (item && createdIn(tr, item)) item = item.left instanceof Y.Item ? item.left : null;
  if (!item || (item.deleted && !Y.isDeleted(tr.deleteSet, item.id))) return undefined;
  return item.content.getContent().at(-1);
}

const same = (a: unknown, b: unknown) =>
  a === b || (isPlainJson(a) && isPlainJson(b) && JSON.stringify(a) === JSON.stringify(b));

const validLayout = (key: string, value: unknown) =>
  LayoutSchema.shape[key as keyof typeof LayoutSchema.shape].safeParse(value).success;

function personValueValid(kind: PersonKind, key: string, value: unknown): boolean {
  if (key === NOTE_BODY) return kind === "note" && bodyValid(value);
  if (key === "kind") return value === kind;
  if (key === "ref") return value === null;
  if (key === "data") return isPlainJson(value) && PERSON_DATA[kind].safeParse(value).success;
  return validLayout(key, value);
}

export function reviewClientTransaction(doc: Y.Doc, tr: Y.Transaction, ctx: ReviewContext): string[] {
  const nodes = nodesMap(doc);
  const edges = edgesMap(doc) as unknown as Y.Map<unknown>;
  const touchedNodes = new Set<string>();
  const touchedEdges = new Set<string>();
  const comments = doc.getMap<unknown>(COMMENTS);
  const touchedComments = new Set<string>();
  const stray = new Map<object, string>();
  for (const [type, keys] of tr.changed) {
    // Walk up to the root, remembering the key right under it (the node or edge id).
    let sub: string | null = null;
    for (let item = internals(type)._item; item; item = internals(item.parent as object)._item) sub = item.parentSub;
    const root = rootOf(doc, type);
    const direct = internals(type)._item === null;
    const ids = direct ? [...keys].filter((k): k is string => k !== null) : sub ? [sub] : [];
    if (root?.name === NODES) for (const id of ids) touchedNodes.add(id);
    else if (root?.name === EDGES) for (const id of ids) touchedEdges.add(id);
    else if (root?.name === COMMENTS) for (const id of ids) touchedComments.add(id);
    if (!root || !CANVAS_ROOTS.has(root.name) || (direct && keys.has(null)))
      stray.set(root?.top ?? type, root?.name ?? "?");
  }
  const refusals: string[] = [];
  // placeUpdate (update-check.ts) refuses such writes before they apply; should one come
  // through, only what this transaction added there goes: never what others wrote.
  for (const [root, name] of stray) {
    for (const item of internals(root)._map.values())
      if (!item.deleted && createdIn(tr, item) && !CANVAS_ROOTS.has(name)) item.delete(tr);
    for (let item = internals(root)._start; item; item = item.right instanceof Y.Item ? item.right : null)
      if (!item.deleted && createdIn(tr, item)) item.delete(tr);
    refusals.push(`only keyed entries of "${NODES}", "${EDGES}" and "${COMMENTS}" may be written (not "${name}")`);
  }
  let newPersonNodes = 0;
  for (const id of touchedNodes) {
    const record = ctx.domainRecord(id);
    const current = nodes.get(id);
    if (record) {
      refusals.push(...restoreDomainNode(doc, tr, id, current, record));
      continue;
    }
    if (current === undefined) continue; // people may delete their own nodes
    const claimed = current instanceof Y.Map ? current.get("kind") : undefined;
    const kind = kindOfId(id);
    if (isDomainKind(kind) || isDomainKind(claimed) || !(current instanceof Y.Map) || !isPersonKind(kind)) {
      nodes.delete(id);
      refusals.push(
        isDomainKind(kind) || isDomainKind(claimed)
          ? `${id}: domain nodes are the server's`
          : `${id}: not a node people can write`,
      );
      continue;
    }
    const created = createdIn(tr, internals(current)._item!);
    const problems = repairPersonNode(tr, current, kind, created);
    if (problems === null) {
      nodes.delete(id);
      refusals.push(`${id}: invalid ${kind}`);
      continue;
    }
    refusals.push(...problems.map((p) => `${id}: ${p}`));
    if (created) newPersonNodes++;
  }
  if (newPersonNodes > 0) {
    let people = 0;
    nodes.forEach((m) => {
      if (m instanceof Y.Map && isPersonKind(m.get("kind"))) people++;
    });
    // Over the cap: this transaction's new nodes go (the older ones stay).
    for (const id of touchedNodes) {
      if (people <= ctx.maxPersonNodes) break;
      const m = nodes.get(id);
      if (m instanceof Y.Map && isPersonKind(m.get("kind")) && createdIn(tr, internals(m)._item!)) {
        nodes.delete(id);
        people--;
        refusals.push(`${id}: the canvas holds at most ${ctx.maxPersonNodes} notes and groups`);
      }
    }
  }
  refusals.push(...reviewEdges(tr, edges, touchedEdges, ctx.maxEdges));
  refusals.push(
    ...reviewComments(comments, touchedComments, (key) => priorValue(comments, key, tr), {
      ...ctx.comments,
      nodeExists: (id) => nodes.has(id),
    }),
  );
  return refusals;
}

/** Puts a domain node back to what the server wrote; people's layout keys stay if valid. */
function restoreDomainNode(
  doc: Y.Doc,
  tr: Y.Transaction,
  id: string,
  current: unknown,
  record: DomainRecord,
): string[] {
  const nodes = nodesMap(doc);
  if (!(current instanceof Y.Map)) {
    const before = priorValue(nodes, id, tr);
    const layout: Record<string, unknown> = {};
    if (before instanceof Y.Map) for (const key of LAYOUT_KEYS) layout[key] = priorValue(before, key, tr);
    const size = NODE_SIZE[record.kind];
    const parsed = LayoutSchema.safeParse(layout);
    const at = parsed.success
      ? parsed.data
      : { ...placeNode(doc, size, null), ...size, placed: "auto" as const, parent: null };
    writeNode(doc, { id, kind: record.kind, ref: record.ref, ...at, data: record.data });
    return [`${id}: domain nodes cannot be deleted or replaced`];
  }
  const problems: string[] = [];
  for (const key of [...current.keys()]) {
    if (NODE_KEYS.has(key)) continue;
    current.delete(key);
    problems.push(`${id}: no field "${key}"`);
  }
  const owned = { kind: record.kind, ref: record.ref, data: record.data };
  for (const [key, value] of Object.entries(owned)) {
    if (same(current.get(key), value)) continue;
    current.set(key, value);
    problems.push(`${id}: "${key}" is the server's`);
  }
  for (const key of LAYOUT_KEYS) {
    if (validLayout(key, current.get(key))) continue;
    const before = priorValue(current, key, tr);
    current.set(key, validLayout(key, before) ? before : layoutDefault(key, record.kind));
    problems.push(`${id}: invalid "${key}"`);
  }
  return problems;
}

function layoutDefault(key: string, kind: DomainKind | PersonKind): unknown {
  if (key === "w" || key === "h") return NODE_SIZE[kind][key];
  if (key === "placed") return "pinned";
  if (key === "parent") return null;
  return 0;
}

/** Repairs a person's node in place; null when it cannot be (a new node with invalid data). */
function repairPersonNode(tr: Y.Transaction, m: Y.Map<unknown>, kind: PersonKind, created: boolean): string[] | null {
  const problems: string[] = [];
  for (const key of [...m.keys()]) {
    if (NODE_KEYS.has(key) || (key === NOTE_BODY && kind === "note")) continue;
    m.delete(key);
    problems.push(`no field "${key}"`);
  }
  const body = m.get(NOTE_BODY);
  if (body !== undefined && !bodyValid(body)) {
    // An existing text keeps what it had; a new one that is not plain text goes.
    const kept = body instanceof Y.Text && !createdIn(tr, internals(body)._item!) && repairBody(body, tr);
    if (!kept) m.delete(NOTE_BODY);
    problems.push(`invalid "${NOTE_BODY}"`);
  }
  for (const key of NODE_KEYS) {
    const value = m.get(key);
    if (personValueValid(kind, key, value)) continue;
    const before = created ? undefined : priorValue(m, key, tr);
    if (personValueValid(kind, key, before)) m.set(key, before);
    else if (key === "data") return null;
    else m.set(key, key === "kind" ? kind : key === "ref" ? null : layoutDefault(key, kind));
    problems.push(`invalid "${key}"`);
  }
  return problems;
}

function reviewEdges(tr: Y.Transaction, edges: Y.Map<unknown>, touched: Set<string>, maxEdges: number): string[] {
  const refusals: string[] = [];
  for (const id of touched) {
    const value = edges.get(id);
    const before = priorValue(edges, id, tr);
    const prior = parseEdge(id, before);
    if (prior?.kind === "domain") {
      if (!same(value, prior)) {
        edges.set(id, prior);
        refusals.push(`${id}: domain edges are the server's`);
      }
      continue;
    }
    if (value === undefined) continue;
    const edge = isPlainJson(value) ? parseEdge(id, value) : null;
    if (edge?.kind === "person" && (prior || edges.size <= maxEdges)) continue;
    if (prior) edges.set(id, prior);
    else edges.delete(id);
    refusals.push(
      edge?.kind === "person" ? `${id}: the canvas holds at most ${maxEdges} edges` : `${id}: invalid edge`,
    );
  }
  return refusals;
}
