import { SELF } from "cloudflare:test";
import { type GraphNode, nodesMap, readNode } from "../../shared/hatchery/graph";
import { YSyncClient } from "../dev/ysync.mjs";
import { type Credentials, ORIGIN } from "./harness";

/** A Yjs client on the workspace's Hatchery canvas, through the Worker's gate. */
export async function openCanvas(workspaceId: string, creds: Credentials): Promise<YSyncClient> {
  const headers = new Headers({ upgrade: "websocket" });
  if ("cookie" in creds) headers.set("cookie", creds.cookie);
  if ("key" in creds) headers.set("x-api-key", creds.key);
  const res = await SELF.fetch(`${ORIGIN}/parties/hatchery/${workspaceId}`, { headers });
  if (!res.webSocket) throw new Error(`upgrade refused: ${res.status}`);
  res.webSocket.accept();
  return new YSyncClient(res.webSocket);
}

export async function until(check: () => boolean, what: string, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const canvasNode = (c: YSyncClient, id: string): GraphNode | null => {
  const m = nodesMap(c.doc).get(id);
  return m ? readNode(id, m) : null;
};
