import { runInDurableObject, SELF } from "cloudflare:test";
import * as encoding from "lib0/encoding";
import { expect, vi } from "vitest";
import { type GraphNode, nodesMap, readNode } from "../../shared/hatchery/graph";
import { type HatcheryRefusal, parseRefusal, parseRefusalFrame } from "../../shared/hatchery/refusal";
import type { EventFrame } from "../../shared/protocol/frames";
import { YSyncClient } from "../dev/ysync.mjs";
import { getMeta } from "../domain/meta";
import { sqlFromStorage } from "../domain/sql";
import type { Approval } from "../../shared/protocol/approvals";
import { addMember, type Credentials, createKey, idem, ORIGIN, type RawSocket, signUp } from "./harness";

/** A canvas socket plus every binary frame it received (to prove what never went over the wire). */
export interface Canvas extends YSyncClient {
  frames: Uint8Array[];
  texts: string[];
  /** The refusals it was sent, in either form (custom messages or y-protocols auth messages). */
  refusals(): HatcheryRefusal[];
}

type ExtraHeaders = Record<string, string>;

/**
 * A Hatchery (canvas) socket through the same gate, speaking y-websocket; `extra` headers
 * e.g. a foreign Origin. `custom`: it asks for refusals as y-partyserver custom
 * messages, as the app does.
 */
export async function openCanvas(workspaceId: string, creds: Credentials, extra: ExtraHeaders = {}, custom = false) {
  const headers = new Headers({ upgrade: "websocket", ...extra });
  if ("cookie" in creds) headers.set("cookie", creds.cookie);
  if ("key" in creds) headers.set("x-api-key", creds.key);
  const query = custom ? "?refusals=custom" : "";
  const res = await SELF.fetch(`${ORIGIN}/parties/hatchery/${workspaceId}${query}`, { headers });
  if (!res.webSocket) throw new Error(`upgrade refused: ${res.status}`);
  const frames: Uint8Array[] = [];
  const texts: string[] = [];
  res.webSocket.addEventListener("message", (e: MessageEvent) => {
    if (typeof e.data === "string") texts.push(e.data);
    else frames.push(new Uint8Array(e.data as ArrayBuffer));
  });
  res.webSocket.accept();
  const client = new YSyncClient(res.webSocket) as Canvas;
  client.frames = frames;
  client.texts = texts;
  const parsed = () => [...texts.map(parseRefusal), ...frames.map(parseRefusalFrame)];
  client.refusals = () => parsed().filter((r): r is HatcheryRefusal => r !== null);
  return client;
}

/** Two canvases of one workspace, opened one after the other with these credentials, once both have synced. */
export async function syncedCanvases(workspaceId: string, first: Credentials, second: Credentials) {
  const pair = [await openCanvas(workspaceId, first), await openCanvas(workspaceId, second)] as const;
  await until(() => pair[0].synced && pair[1].synced, "both canvases synced");
  return pair;
}

/** Waits until `check` holds; `what` names it in the failure. Not under fake timers: vi.waitFor advances them. */
export function until(check: () => boolean, what: string, timeoutMs = 8000): Promise<void> {
  return vi.waitFor(() => expect(check(), `waiting for ${what}`).toBe(true), { timeout: timeoutMs, interval: 20 });
}

export const node = (c: YSyncClient, id: string): GraphNode | null => {
  const m = nodesMap(c.doc).get(id);
  return m ? readNode(id, m) : null;
};

export async function team() {
  const owner = await signUp();
  const ws = owner.workspaceId;
  const member = await signUp();
  const viewer = await signUp();
  await addMember(owner, ws, member, "member");
  await addMember(owner, ws, viewer, "viewer");
  const agent = await createKey(owner, ws);
  return { owner, member, viewer, agent, ws };
}

/**
 * One struct of a hand-written update: a value under `parent` (a root's name or an item's id)
 * at `key`, or beside its origins.
 */
export interface ForgedItem {
  origin?: [client: number, clock: number];
  right?: [client: number, clock: number];
  parent?: string | [client: number, clock: number];
  key?: string;
  value: string | number;
}

export type ForgedBlock = { client: number; clock: number; items: ForgedItem[] };

/**
 * A Yjs update (v1) written by hand, so a test can send what no Yjs client writes: blocks of
 * structs per writer, then deletions as [client, clock, length].
 */
export function forgeUpdate(blocks: ForgedBlock[], deletes: Array<[number, number, number]> = []): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, blocks.length);
  for (const block of blocks) {
    encoding.writeVarUint(e, block.items.length);
    encoding.writeVarUint(e, block.client);
    encoding.writeVarUint(e, block.clock);
    for (const item of block.items) writeForgedItem(e, item);
  }
  const byClient = new Map<number, Array<[number, number, number]>>();
  for (const d of deletes) byClient.set(d[0], [...(byClient.get(d[0]) ?? []), d]);
  encoding.writeVarUint(e, byClient.size);
  for (const [client, list] of byClient) {
    encoding.writeVarUint(e, client);
    encoding.writeVarUint(e, list.length);
    for (const [, clock, length] of list) {
      encoding.writeVarUint(e, clock);
      encoding.writeVarUint(e, length);
    }
  }
  return encoding.toUint8Array(e);
}

/** An item as Yjs writes it (Item.write): info bits, origins or parent and key, then one ContentAny value. */
function writeForgedItem(e: encoding.Encoder, item: ForgedItem): void {
  const CONTENT_ANY = 8;
  const flags = (item.origin ? 0x80 : 0) | (item.right ? 0x40 : 0) | (item.key !== undefined ? 0x20 : 0);
  encoding.writeUint8(e, CONTENT_ANY | flags);
  for (const n of [...(item.origin ?? []), ...(item.right ?? [])]) encoding.writeVarUint(e, n);
  if (!item.origin && !item.right) {
    if (typeof item.parent === "string") {
      encoding.writeVarUint(e, 1);
      encoding.writeVarString(e, item.parent);
    } else {
      encoding.writeVarUint(e, 0);
      for (const n of item.parent ?? []) encoding.writeVarUint(e, n);
    }
    if (item.key !== undefined) encoding.writeVarString(e, item.key);
  }
  encoding.writeVarUint(e, 1);
  encoding.writeAny(e, item.value);
}

/** The seq of the newest durable event a socket has received (a response follows the events it caused). */
/** An agent asks for an approval in the thread and starts a job there: the activity a thread's node shows. */
export async function askAndStart(
  bot: RawSocket,
  threadId: string,
  titles: { approval: string; risk: Approval["risk"]; job: string },
) {
  const { approval } = await bot.ok("approvals.request", {
    title: titles.approval,
    threadId,
    risk: titles.risk,
    idempotencyKey: idem(),
  });
  const { job } = await bot.ok("jobs.start", { title: titles.job, threadId, idempotencyKey: idem() });
  return { approval, job };
}

export const latestSeq = (sock: RawSocket) => Math.max(...sock.events().map((e: EventFrame) => e.seq ?? 0));

/**
 * Waits until the Hatchery has pulled the Autopilot's events up to `seq` (its domainSeq).
 * Reading it does not start the room (partyserver starts on fetch and socket events only).
 */
export async function pulledUpTo(hatchery: DurableObjectStub, seq: number): Promise<void> {
  const pulled = () =>
    runInDurableObject(hatchery, (_room, state) => Number(getMeta(sqlFromStorage(state.storage), "domainSeq") ?? 0));
  await vi.waitFor(
    async () => expect(await pulled(), `the Hatchery's domainSeq, to reach ${seq}`).toBeGreaterThanOrEqual(seq),
    { timeout: 8000, interval: 20 },
  );
}
