// Stock Yjs providers (y-websocket's own, and y-partyserver's fork of it that the app uses)
// against the real server (wrangler dev) when the Hatchery refuses a write: they must not
// loop, and y-websocket must not break on the refusal (a text frame threw in its reader). A room that
// hung up on an oversize update made such a provider reconnect, resend the same update in
// its sync step 2 and be hung up on again, dozens of times in seconds. Now the room keeps
// the socket and sends the provider the removal of what it wrote, so there is nothing left
// to resend.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { WebSocket } from "ws";
import YProvider from "y-partyserver/provider";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import { YSyncClient } from "../../party/dev/ysync.mjs";
import { nodesMap } from "../../shared/hatchery/graph";
import { parseRefusal } from "../../shared/hatchery/refusal";
import { noteFields, stockNode } from "../../shared/test/hatchery-fuzz-ops";
import { ownWorkspace, signUpVerified, until, withServer } from "./e2e-helpers";

const FRAME_CAP = 64 * 1024;

const server = withServer({ vars: { HATCHERY_MAX_FRAME_BYTES: String(FRAME_CAP) } });
let cookie: string;
let workspace: string;
const closers: Array<() => void> = [];

beforeAll(async () => {
  ({ cookie } = await signUpVerified(server.url, "Prov"));
  workspace = await ownWorkspace(server.url, cookie);
});

afterAll(() => {
  for (const close of closers) close();
});

type Kind = "y-partyserver" | "y-websocket";

/** A stock provider over `ws` with the session cookie (a browser sends it by itself); counts its sockets. */
function stockProvider(kind: Kind, params?: Record<string, string>) {
  const sockets: WebSocket[] = [];
  const origin = server.url;
  class CookieSocket extends WebSocket {
    constructor(url: string) {
      super(url, { headers: { cookie, origin } });
      sockets.push(this);
    }
  }
  const doc = new Y.Doc();
  const options = { WebSocketPolyfill: CookieSocket as never, disableBc: true, params };
  const provider =
    kind === "y-partyserver"
      ? new YProvider(new URL(server.url).host, workspace, doc, { ...options, party: "hatchery" })
      : new WebsocketProvider(`${server.url.replace("http", "ws")}/parties/hatchery`, workspace, doc, options);
  const closes: number[] = [];
  provider.on("connection-close", (event: { code: number } | null) => closes.push(event?.code ?? 0));
  const custom: string[] = [];
  if (provider instanceof YProvider) provider.on("custom-message", (message: string) => custom.push(message));
  closers.push(() => provider.destroy());
  return { doc, provider, sockets, closes, custom };
}

function witness(): Promise<YSyncClient> {
  const ws = new WebSocket(`${server.url.replace("http", "ws")}/parties/hatchery/${workspace}`, {
    headers: { cookie, origin: server.url },
  });
  const client = new YSyncClient(ws as unknown as globalThis.WebSocket);
  closers.push(() => client.close());
  return client.whenSynced().then(() => client);
}

describe("a stock Yjs provider refused an oversize update", () => {
  it.each<[string, Kind, Record<string, string> | undefined]>([
    ["y-websocket's provider (refusals as y-protocols auth messages)", "y-websocket", undefined],
    ["y-partyserver's provider as it comes (refusals as y-protocols auth messages)", "y-partyserver", undefined],
    [
      "y-partyserver's provider configured as the app is (refusals as custom messages)",
      "y-partyserver",
      { refusals: "custom" },
    ],
  ])(
    "%s: is told once, its copy drops the write, and it neither reconnects nor resends",
    async (_label, kind, params) => {
      const warnings = vi.spyOn(console, "warn");
      const other = await witness();
      const { doc, provider, sockets, closes, custom } = stockProvider(kind, params);
      await until(() => provider.synced, "the provider synced", 30_000);
      const big = `note:big-${sockets.length}-${Date.now()}`;
      doc.transact(() => nodesMap(doc).set(big, stockNode(noteFields("OVERSIZE".padEnd(4 * FRAME_CAP, "x")))));
      await until(() => !nodesMap(doc).has(big), "the provider's copy takes the write back", 30_000);
      // A write after it reaches the others over the same socket: the room handled the refusal and went on.
      const marker = `note:after-${Date.now()}`;
      doc.transact(() => nodesMap(doc).set(marker, stockNode(noteFields("after the refusal"))));
      await until(() => nodesMap(other.doc).has(marker), "the provider's next write at another client", 30_000);
      expect(closes).toEqual([]);
      expect(sockets).toHaveLength(1);
      expect(nodesMap(other.doc).has(big)).toBe(false);
      const refusals = params
        ? custom.map((m) => parseRefusal(`__YPS:${m}`))
        : warnings.mock.calls.flatMap(
            (args) =>
              String(args[0])
                .match(/\{"type":"hatchery\.refused".*\}/)
                ?.map((json) => JSON.parse(json)) ?? [],
          );
      expect(refusals).toEqual([expect.objectContaining({ type: "hatchery.refused", code: "payload_too_large" })]);
      warnings.mockRestore();
      provider.destroy();
      other.close();
    },
  );
});
