// Bench only (`npm run bench:fanout`), never deployed: the minimal partyserver room the
// Autopilot's fan-out is compared with — the platform's own floor in the same workerd.
// Per message: parse, one SQLite row, broadcast. No auth, validation, metering or log.
import { type Connection, routePartykitRequest, Server } from "partyserver";

export class BaselineRoom extends Server {
  static override options = { hibernate: true };

  override onStart(): void {
    this.ctx.storage.sql.exec(`create table if not exists messages (n integer primary key autoincrement, text text not null, at integer not null)`);
  }

  override onMessage(sender: Connection, message: string | ArrayBuffer): void {
    const request = JSON.parse(String(message)) as { params: { text: string } };
    this.ctx.storage.sql.exec(`insert into messages (text, at) values (?, ?)`, request.params.text, Date.now());
    const frame = JSON.stringify({ type: "event", event: "message.created", payload: { message: { text: request.params.text } } });
    this.broadcast(frame, [sender.id]);
  }
}

export default {
  async fetch(request: Request, env: Record<string, unknown>): Promise<Response> {
    return (await routePartykitRequest(request, env)) ?? new Response("baseline room: /parties/baseline-room/<name>", { status: 404 });
  },
};
