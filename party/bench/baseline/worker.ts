// Bench only, never deployed: the platform's own floors in the same workerd. The minimal
// partyserver room the Autopilot's fan-out and reconnects are compared with (`npm run
// bench`), and at `/plain-stream` a plain `ai` streamText client, served by the Worker or,
// with `?in=object`, by a Durable Object (the assistant's floor; plain-stream.ts).
import { type Connection, routePartykitRequest, Server } from "partyserver";
import { messageCreatedFrame } from "./message-frame";
import { plainStreamSocket } from "./plain-stream";

export { PlainStreamObject } from "./plain-stream";
export { BareRelay } from "./bare-relay";

// The room. Per message: parse, one SQLite row, broadcast (the frame: message-frame.ts).
// No auth, validation, metering or log.
export class BaselineRoom extends Server {
  static override options = { hibernate: true };

  override onStart(): void {
    this.ctx.storage.sql.exec(
      `create table if not exists messages (n integer primary key autoincrement, text text not null, at integer not null)`,
    );
  }

  override onMessage(sender: Connection, message: string | ArrayBuffer): void {
    const request = JSON.parse(String(message)) as { params: { text: string } };
    const at = Date.now();
    const n = this.ctx.storage.sql
      .exec<{ n: number }>(`insert into messages (text, at) values (?, ?) returning n`, request.params.text, at)
      .one().n;
    const frame = messageCreatedFrame(n, request.params.text, at);
    this.broadcast(frame, [sender.id]);
  }
}

export default {
  async fetch(request: Request, env: Record<string, unknown>, ctx: ExecutionContext): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/plain-stream" && request.headers.get("upgrade") === "websocket") {
      if (url.searchParams.get("in") !== "object") return plainStreamSocket(ctx);
      const objects = env.PlainStreamObject as DurableObjectNamespace;
      return objects.get(objects.idFromName("floor")).fetch(request);
    }
    // The plain relay floor (bare-relay.ts), one object per name.
    if (url.pathname.startsWith("/bare-relay/") && request.headers.get("upgrade") === "websocket") {
      const relays = env.BareRelay as DurableObjectNamespace;
      return relays.get(relays.idFromName(url.pathname)).fetch(request);
    }
    return (
      (await routePartykitRequest(request, env)) ??
      new Response("baseline room: /parties/baseline-room/<name>", { status: 404 })
    );
  },
};
