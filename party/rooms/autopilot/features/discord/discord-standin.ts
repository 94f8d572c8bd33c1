// A scripted stand-in for Discord on loopback (Discord is an external service: only it is
// scripted): its HTTP API as the room calls it (the application, its commands, a channel's
// messages) with Discord's shapes, and its side of the interactions endpoint: it signs an
// interaction with the application's Ed25519 key as Discord does, for the test to post. Its
// control paths (under /_standin/) let a test read every call it received and get a body signed.
import { generateKeyPairSync, sign } from "node:crypto";
import { type Reply, type StandinServer, serveStandin } from "../../../../../client/test/standin-server";

export interface DiscordCall {
  verb: string;
  path: string;
  token: string;
  body: { content?: string; components?: unknown[] } & Record<string, unknown>;
  /** The message id it made or edited. */
  id?: string;
}

export class DiscordStandIn {
  readonly calls: DiscordCall[] = [];
  url = "";
  readonly #keys = generateKeyPairSync("ed25519");
  #server: StandinServer | undefined;
  #seq = 0;

  constructor(private readonly app: { id: string; name: string; botId: string; botUsername: string; token: string }) {}

  /** The application's public key as Discord shows it: 64 hex digits. */
  get publicKey(): string {
    return this.#keys.publicKey.export({ format: "der", type: "spki" }).subarray(-32).toString("hex");
  }

  /** The signature Discord sends with `body` at `timestamp`. */
  signature(timestamp: string, body: string): string {
    return sign(null, Buffer.from(`${timestamp}${body}`), this.#keys.privateKey).toString("hex");
  }

  async start(): Promise<void> {
    this.#server = await serveStandin((req, text, reply) => {
      const url = req.url ?? "";
      if (url.startsWith("/_standin/")) return this.#control(url, text, reply);
      const path = url.replace(/^\/api\/v10/, "");
      const token = (req.headers.authorization ?? "").replace(/^Bot /, "");
      let body: DiscordCall["body"] = {};
      try {
        body = text ? JSON.parse(text) : {};
      } catch {
        return reply(400, { message: "400: Bad Request", code: 50109 });
      }
      const call: DiscordCall = { verb: req.method ?? "GET", path, token, body };
      this.calls.push(call);
      if (token !== this.app.token) return reply(401, { message: "401: Unauthorized", code: 0 });
      const bot = { id: this.app.botId, username: this.app.botUsername, global_name: null, bot: true };
      if (call.verb === "GET" && path === "/applications/@me")
        return reply(200, { id: this.app.id, name: this.app.name, verify_key: this.publicKey, bot });
      if (call.verb === "GET" && path === "/users/@me") return reply(200, bot);
      if (call.verb === "PUT" && path === `/applications/${this.app.id}/commands`) return reply(200, body);
      const message = /^\/channels\/(\d+)\/messages(?:\/(\d+))?$/.exec(path);
      if (message && call.verb === "POST" && !message[2]) {
        call.id = String(1190000000000000000n + BigInt(++this.#seq));
        return reply(200, { id: call.id, channel_id: message[1], content: body.content, author: bot });
      }
      if (message && call.verb === "PATCH" && message[2]) {
        call.id = message[2];
        return reply(200, { id: message[2], channel_id: message[1], content: body.content, author: bot });
      }
      return reply(404, { message: "404: Not Found", code: 0 });
    });
    this.url = `${this.#server.url}/api/v10`;
  }

  /** GET /_standin/calls: every call so far; POST /_standin/sign {timestamp, body}: Discord's signature of it. */
  #control(url: string, text: string, reply: Reply): void {
    if (url === "/_standin/calls") return reply(200, this.calls);
    if (url === "/_standin/key") return reply(200, { publicKey: this.publicKey });
    if (url === "/_standin/sign") {
      const { timestamp, body } = JSON.parse(text) as { timestamp: string; body: string };
      return reply(200, { signature: this.signature(timestamp, body) });
    }
    reply(404, {});
  }

  stop(): Promise<void> {
    return this.#server?.stop() ?? Promise.resolve();
  }
}
