// Bench only (`npm run bench:relay`): the plain relay floor the Nostr relay is compared
// with. A hibernating Durable Object that does a relay's least: a REQ's filters kept per
// socket (in memory, and in its attachment for hibernation) and EOSE; an EVENT parsed, kept
// as one SQLite row, OK'd, and sent to every subscription whose filters match (nostr-tools'
// matchFilters, as the relay). No id or signature check, no validation, metering, access,
// tag index or query of stored events.
import { DurableObject } from "cloudflare:workers";
import { type Filter, matchFilters } from "nostr-tools/filter";
import type { NostrEvent } from "nostr-tools/pure";

type Subs = Record<string, Filter[]>;

export class BareRelay extends DurableObject {
  readonly #subs = new Map<WebSocket, Subs>();

  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env as never);
    ctx.storage.sql.exec("create table if not exists events (id text primary key, json text not null)");
    for (const ws of ctx.getWebSockets()) this.#subs.set(ws, (ws.deserializeAttachment() as Subs | null) ?? {});
  }

  override async fetch(): Promise<Response> {
    const pair = new WebSocketPair();
    this.ctx.acceptWebSocket(pair[1]);
    pair[1].serializeAttachment({});
    this.#subs.set(pair[1], {});
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const data = JSON.parse(String(message)) as [string, ...unknown[]];
    if (data[0] === "REQ") {
      const subs = this.#subs.get(ws) ?? {};
      subs[data[1] as string] = data.slice(2) as Filter[];
      this.#subs.set(ws, subs);
      ws.serializeAttachment(subs);
      ws.send(JSON.stringify(["EOSE", data[1]]));
      return;
    }
    if (data[0] !== "EVENT") return;
    const event = data[1] as NostrEvent;
    const json = JSON.stringify(event);
    this.ctx.storage.sql.exec("insert or ignore into events (id, json) values (?, ?)", event.id, json);
    ws.send(JSON.stringify(["OK", event.id, true, ""]));
    for (const [socket, subs] of this.#subs)
      for (const [id, filters] of Object.entries(subs))
        if (matchFilters(filters, event)) socket.send(`["EVENT",${JSON.stringify(id)},${json}]`);
  }

  override async webSocketClose(ws: WebSocket): Promise<void> {
    this.#subs.delete(ws);
  }
}
