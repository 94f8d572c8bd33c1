import { z } from "zod";
import { ACTIVITY_DETAIL_MAX, ACTIVITY_KINDS, ACTIVITY_PER_SUBJECT, ACTIVITY_TITLE_MAX } from "./activity";
import {
  DOMAIN_KINDS,
  type DomainKind,
  type GraphEdge,
  type GraphNode,
  type NodeKind,
  PERSON_KINDS,
  type PersonKind,
} from "./graph";

/**
 * What a node or edge of the Hatchery document may hold, one schema per node kind.
 *
 * The server reviews every client write against these (shared/hatchery/review.ts); the app
 * parses every node with them again at read time, so a value that slipped through (an
 * older document, a bug) shows as an "unreadable node" instead of reaching React.
 * Domain kinds are the server's: their data schemas are lenient (every field optional)
 * because the server wrote them; a new domain kind adds one entry to DOMAIN_DATA.
 */
export const NOTE_TEXT_MAX = 4000;
export const GROUP_LABEL_MAX = 200;
export const EDGE_LABEL_MAX = 200;
export const ID_MAX = 200;
/** Coordinates people may use; far beyond any canvas, small enough to stay exact. */
export const COORD_MAX = 10_000_000;
export const SIZE_MIN = 10;
export const SIZE_MAX = 20_000;

const text = (max = 10_000) => z.string().max(max);
const count = z.number().int().nonnegative();
const time = z.number().finite();

/** Keys a node map may have; anything else is dropped by the review. */
export const NODE_KEYS = new Set(["kind", "ref", "x", "y", "w", "h", "placed", "parent", "data"]);
/** Keys of a domain node that people may change (they arrange the canvas). */
export const LAYOUT_KEYS = new Set(["x", "y", "w", "h", "placed", "parent"]);

export const LayoutSchema = z.object({
  x: z.number().finite().min(-COORD_MAX).max(COORD_MAX),
  y: z.number().finite().min(-COORD_MAX).max(COORD_MAX),
  w: z.number().finite().min(SIZE_MIN).max(SIZE_MAX),
  h: z.number().finite().min(SIZE_MIN).max(SIZE_MAX),
  placed: z.enum(["auto", "pinned"]),
  parent: z.string().max(ID_MAX).nullable(),
});

/** A subject's folded activity (activity.ts): bounded like everything the canvas parses. */
export const ActivityEntrySchema = z.object({
  ref: z.string().max(ID_MAX),
  kind: z.enum(ACTIVITY_KINDS),
  title: text(ACTIVITY_TITLE_MAX),
  status: text(40),
  at: time,
  progress: z.number().finite().min(0).max(100).nullable(),
  detail: text(ACTIVITY_DETAIL_MAX).nullable(),
});
const tally = count.max(ACTIVITY_PER_SUBJECT);
export const ActivitySchema = z.object({
  entries: z.array(ActivityEntrySchema).max(ACTIVITY_PER_SUBJECT),
  more: z.boolean(),
  counts: z.object({ tool: tally, approval: tally, job: tally }),
  attention: z.object({ approvals: tally, running: tally, failed: tally }),
});

export const DOMAIN_DATA = {
  thread: z.object({
    title: text().nullish(),
    archived: z.boolean().nullish(),
    messageCount: count.nullish(),
    lastMessageAt: time.nullish(),
    lastMessage: z
      .object({ author: text(), authorKind: text(40).nullish(), text: text(), at: time.nullish() })
      .nullish(),
    activity: ActivitySchema.nullish(),
  }),
  instance: z.object({
    name: text().nullish(),
    status: text(40).nullish(),
    phase: text(200).nullish(),
    progress: z.number().finite().nullish(),
    error: text().nullish(),
    activity: ActivitySchema.nullish(),
  }),
  session: z.object({
    title: text().nullish(),
    key: text(256).nullish(),
    preview: text(1000).nullish(),
    status: text(40).nullish(),
    running: z.boolean().nullish(),
    updatedAt: time.nullish(),
    instanceId: text(ID_MAX).nullish(),
    threadId: text(ID_MAX).nullish(),
    internal: z.boolean().nullish(),
  }),
  project: z.object({
    name: text(200).nullish(),
    threads: count.nullish(),
    archived: z.boolean().nullish(),
  }),
} satisfies Record<DomainKind, z.ZodType>;

export const PERSON_DATA = {
  note: z.strictObject({ text: z.string().max(NOTE_TEXT_MAX) }),
  group: z.strictObject({ label: z.string().max(GROUP_LABEL_MAX) }),
} satisfies Record<PersonKind, z.ZodType>;

const DATA: Record<NodeKind, z.ZodType<Record<string, unknown>>> = { ...DOMAIN_DATA, ...PERSON_DATA };

export const isPersonKind = (kind: unknown): kind is PersonKind => (PERSON_KINDS as readonly unknown[]).includes(kind);
const isNodeKind = (kind: unknown): kind is NodeKind =>
  isPersonKind(kind) || (DOMAIN_KINDS as readonly unknown[]).includes(kind);

/** The kind a node id names (`note:abc` → note); ids of every kind carry it. */
export const kindOfId = (id: string): string => id.slice(0, Math.max(0, id.indexOf(":")));

/** Only plain JSON reaches the canvas: no Yjs types, binaries or class instances. */
export function isPlainJson(value: unknown, depth = 0): boolean {
  if (depth > 8) return false;
  if (value === null || typeof value === "string" || typeof value === "boolean") return true;
  if (typeof value === "number") return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((v) => isPlainJson(v, depth + 1));
  if (typeof value !== "object" || Object.getPrototypeOf(value) !== Object.prototype) return false;
  return Object.values(value).every((v) => isPlainJson(v, depth + 1));
}

/**
 * A node as the canvas may show it, or null when it is not one (wrong kind for its id,
 * a field of the wrong type, a Yjs type where a value belongs…).
 */
export function parseNode(id: string, fields: Record<string, unknown>): GraphNode | null {
  const kind = fields.kind;
  if (typeof id !== "string" || id.length > ID_MAX || !isNodeKind(kind) || kindOfId(id) !== kind) return null;
  const layout = LayoutSchema.safeParse(fields);
  if (!layout.success || !isPlainJson(fields.data ?? null)) return null;
  const data = DATA[kind].safeParse(fields.data ?? {});
  if (!data.success) return null;
  // A note's live text (its Y.Text `body`, read as a string) is what it says.
  if (kind === "note" && fields.body !== undefined) {
    if (typeof fields.body !== "string" || fields.body.length > NOTE_TEXT_MAX) return null;
    data.data.text = fields.body;
  }
  const ref = fields.ref ?? null;
  if (isPersonKind(kind) ? ref !== null : typeof ref !== "string" || ref.length > ID_MAX) return null;
  return { id, kind, ref: ref as string | null, ...layout.data, data: data.data };
}

export const EdgeSchema = z.strictObject({
  id: z.string().max(ID_MAX * 2 + 2),
  source: z.string().min(1).max(ID_MAX),
  target: z.string().min(1).max(ID_MAX),
  kind: z.enum(["domain", "person"]),
  label: z.string().max(EDGE_LABEL_MAX).optional(),
});

/** An edge as the canvas may show it, or null. */
export function parseEdge(key: string, value: unknown): GraphEdge | null {
  const edge = EdgeSchema.safeParse(value);
  return edge.success && edge.data.id === key && edge.data.source !== edge.data.target ? edge.data : null;
}
