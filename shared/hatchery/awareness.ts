import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import { z } from "zod";
import { ID_MAX } from "./node-schemas";

/**
 * Presence on the canvas (Yjs awareness), as the Hatchery lets it through.
 *
 * A client proposes a state; the room keeps only what presence needs — the cursor, the
 * selection, the viewport, the caret in a note and how many times the tab tidied up the
 * canvas (a writer's only), each bounded — and writes the rest itself: the name comes from the authenticated principal,
 * the colour is an index into a fixed palette. So nobody can publish under another name, no
 * remote string ever reaches CSS, and a state cannot grow. One awareness client id per
 * connection, bound on first use: a socket cannot speak for another socket's id.
 */
export const PALETTE = [
  "#f97316",
  "#22c55e",
  "#3b82f6",
  "#eab308",
  "#ec4899",
  "#14b8a6",
  "#a855f7",
  "#ef4444",
] as const;
export const SELECTION_MAX = 100;
/** A tab's tidy-up count goes no higher (the others only compare it with what they saw). */
export const TIDIED_MAX = 1_000_000;
const NAME_MAX = 120;

export function paletteIndexFor(id: string): number {
  let hash = 0;
  for (const ch of id) hash = (hash * 31 + ch.charCodeAt(0)) | 0;
  return Math.abs(hash) % PALETTE.length;
}

/** A palette colour for any remote value: only our own constants reach a style. */
export const paletteColor = (index: unknown): string =>
  PALETTE[typeof index === "number" && Number.isInteger(index) && index >= 0 && index < PALETTE.length ? index : 0]!;

const Coord = z.number().finite().min(-1e7).max(1e7);
const Extent = z.number().finite().positive().max(1e8);
/** What part of the canvas a tab shows (flow coordinates), so others can see it on their minimap and follow it. */
export const Viewport = z.object({
  x: Coord,
  y: Coord,
  w: Extent,
  h: Extent,
  zoom: z.number().finite().min(0.001).max(100),
});
export type Viewport = z.infer<typeof Viewport>;
/** A Yjs id: which client wrote an item, and its clock. */
const YId = z.object({
  client: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  clock: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
});
/** Y.relativePositionToJSON's shape, bounded: a position in a note's text that survives others' edits. */
export const RelPos = z.strictObject({
  type: YId.nullish(),
  tname: z.string().max(ID_MAX).nullish(),
  item: YId.nullish(),
  assoc: z.number().int().min(-1).max(1).optional(),
});
/** Where someone's caret is in a note's text (anchor and head of the selection). */
export const Caret = z.object({ node: z.string().max(ID_MAX), anchor: RelPos, head: RelPos });
export type Caret = z.infer<typeof Caret>;
const Proposed = z.object({
  cursor: z.object({ x: Coord, y: Coord }).nullish().catch(null),
  selection: z.array(z.string().max(ID_MAX)).max(SELECTION_MAX).catch([]).optional(),
  viewport: Viewport.nullish().catch(null),
  caret: Caret.nullish().catch(null),
  tidied: z.number().int().min(0).max(TIDIED_MAX).nullish().catch(null),
});

/** What every peer sees; the app parses remote states with this before rendering them. */
export const PresenceState = z.object({
  user: z.object({
    /** Whose state it is (the principal's id): the app groups a person's tabs by it. Absent from older rooms. */
    id: z.string().max(ID_MAX).optional(),
    name: z.string().max(NAME_MAX),
    kind: z.string().max(20),
    color: z.number().int(),
  }),
  cursor: z.object({ x: Coord, y: Coord }).nullable(),
  selection: z.array(z.string().max(ID_MAX)).max(SELECTION_MAX),
  viewport: Viewport.nullable().catch(null),
  caret: Caret.nullable().catch(null),
  /**
   * How many times this tab tidied up the canvas: when it grows, the others say who moved
   * their layout (client/app/stores/together.ts). Absent before the first.
   */
  tidied: z.number().int().min(0).max(TIDIED_MAX).optional().catch(undefined),
});
export type PresenceState = z.infer<typeof PresenceState>;

export interface PresenceBinding {
  /** The awareness client id this connection already uses, if any. */
  bound: number | null;
  /** Whether another principal's live connection uses this id (a reconnecting tab of the same principal may take its id over). */
  takenByOther(clientId: number): boolean;
}

/** `ok` with no update: nothing in the frame was this connection's own (see below). */
export type AwarenessVerdict =
  | { ok: true; clientId: number | null; update: Uint8Array | null; clock?: number }
  | { ok: false; reason: string };

/**
 * Checks one client's awareness update (y-protocols encoding: count, then per entry client
 * id, clock and a JSON state) and re-encodes its own entry with the state the room allows.
 *
 * Entries for other client ids are dropped without a word: y-websocket-style providers
 * relay every awareness change they see, including other people's states and their
 * removal when the socket closes, so an honest client sends them too; the room simply
 * never applies them. The first entry of an unbound connection binds it.
 */
export function reviewAwarenessUpdate(
  bytes: Uint8Array,
  binding: PresenceBinding,
  principal: { id: string; name: string; kind: string },
  maxStateBytes: number,
  /** Whether the socket may write the document: only a writer can have tidied up. */
  writes = true,
): AwarenessVerdict {
  const entries: Array<{ clientId: number; clock: number; raw: string }> = [];
  try {
    const decoder = decoding.createDecoder(bytes);
    const count = decoding.readVarUint(decoder);
    for (let i = 0; i < count; i++)
      entries.push({
        clientId: decoding.readVarUint(decoder),
        clock: decoding.readVarUint(decoder),
        raw: decoding.readVarString(decoder),
      });
  } catch {
    return { ok: false, reason: "unreadable awareness update" };
  }
  const own =
    binding.bound !== null
      ? entries.find((e) => e.clientId === binding.bound)
      : entries.find((e) => !binding.takenByOther(e.clientId));
  if (!own) return { ok: true, clientId: binding.bound, update: null };
  if (own.raw.length > maxStateBytes) return { ok: false, reason: `awareness state over ${maxStateBytes} bytes` };
  let proposed: unknown;
  try {
    proposed = JSON.parse(own.raw);
  } catch {
    return { ok: false, reason: "awareness state is not JSON" };
  }
  let state: PresenceState | null = null;
  if (proposed !== null) {
    const parsed = Proposed.safeParse(proposed);
    if (!parsed.success) return { ok: false, reason: "awareness state is not an object" };
    state = {
      user: {
        id: principal.id.slice(0, ID_MAX),
        name: principal.name.slice(0, NAME_MAX),
        kind: principal.kind.slice(0, 20),
        color: paletteIndexFor(principal.id),
      },
      cursor: parsed.data.cursor ?? null,
      selection: parsed.data.selection ?? [],
      viewport: parsed.data.viewport ?? null,
      caret: parsed.data.caret ?? null,
      ...(writes && parsed.data.tidied ? { tidied: parsed.data.tidied } : {}),
    };
  }
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, 1);
  encoding.writeVarUint(encoder, own.clientId);
  encoding.writeVarUint(encoder, own.clock);
  encoding.writeVarString(encoder, JSON.stringify(state));
  return { ok: true, clientId: own.clientId, update: encoding.toUint8Array(encoder), clock: own.clock };
}
