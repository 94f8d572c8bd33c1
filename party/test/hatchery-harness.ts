import { SELF } from "cloudflare:test";
import { type GraphNode, nodesMap, readNode } from "../../shared/hatchery/graph";
import { type HatcheryRefusal, parseRefusal, parseRefusalFrame } from "../../shared/hatchery/refusal";
import { YSyncClient } from "../dev/ysync.mjs";
import { addMember, type Credentials, createKey, ORIGIN, signUp } from "./harness";

/** A canvas socket plus every binary frame it received (to prove what never went over the wire). */
export interface Canvas extends YSyncClient {
  frames: Uint8Array[];
  texts: string[];
  /** The refusals it was sent, in either form (custom messages or y-protocols auth messages). */
  refusals(): HatcheryRefusal[];
}

/**
 * A Hatchery (canvas) socket through the same gate, speaking y-websocket; `extra` headers
 * e.g. a foreign Origin. `customRefusals`: it asks for refusals as y-partyserver custom
 * messages, as the app does.
 */
export async function openCanvas(workspaceId: string, creds: Credentials, extra: Record<string, string> = {}, customRefusals = false): Promise<Canvas> {
  const headers = new Headers({ upgrade: "websocket", ...extra });
  if ("cookie" in creds) headers.set("cookie", creds.cookie);
  if ("key" in creds) headers.set("x-api-key", creds.key);
  const res = await SELF.fetch(`${ORIGIN}/parties/hatchery/${workspaceId}${customRefusals ? "?refusals=custom" : ""}`, { headers });
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
  client.refusals = () => [...texts.map(parseRefusal), ...frames.map(parseRefusalFrame)].filter((r): r is HatcheryRefusal => r !== null);
  return client;
}

export async function until(check: () => boolean, what: string, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
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
