// A scripted stand-in for Slack (an external service) on loopback: its Web API answers the
// calls the room makes (auth.test, chat.postMessage, chat.update, chat.postEphemeral) in
// Slack's shapes (`https://slack.com/api/<method>`, a bearer token, JSON), keeping each call
// for the test to read; and it plays Slack's side of the app's Request URL: events and button
// presses, signed as Slack signs them (v0 HMAC-SHA256 of `v0:<timestamp>:<body>` with the
// app's signing secret).
import { createHmac } from "node:crypto";
import { type StandinServer, serveStandin } from "./standin-server";

export interface SlackCall {
  token: string;
  method: string;
  body: Record<string, unknown> & { channel?: string; text?: string; ts?: string; blocks?: unknown[] };
  /** The `ts` the stand-in gave a message it posted. */
  ts?: string;
  refused?: boolean;
}

interface App {
  team: string;
  teamName: string;
  botUser: string;
  botName: string;
  signingSecret: string;
}

export class SlackStandIn {
  readonly calls: SlackCall[] = [];
  down = false;
  url = "";
  #server: StandinServer | undefined;
  #apps = new Map<string, App>();
  #seq = 0;
  #events = 0;
  #triggers = 0;

  addApp(token: string, app: App): void {
    this.#apps.set(token, app);
  }

  async start(): Promise<void> {
    this.#server = await serveStandin((req, text, reply) => {
      const method = (req.url ?? "").replace(/^\//, "");
      const token = (req.headers.authorization ?? "").replace(/^Bearer /, "");
      let body: SlackCall["body"] = {};
      try {
        body = JSON.parse(text || "{}");
      } catch {
        return reply(200, { ok: false, error: "invalid_json" });
      }
      const call: SlackCall = { token, method, body, refused: this.down };
      this.calls.push(call);
      if (this.down) return reply(503, { ok: false, error: "service_unavailable" });
      const app = this.#apps.get(token);
      if (!app) return reply(200, { ok: false, error: "invalid_auth" });
      const ts = () => `${Math.floor(Date.now() / 1000)}.${String(++this.#seq).padStart(6, "0")}`;
      switch (method) {
        case "auth.test":
          return reply(200, {
            ok: true,
            url: `https://${app.teamName.toLowerCase()}.slack.test/`,
            team: app.teamName,
            user: app.botName,
            team_id: app.team,
            user_id: app.botUser,
            bot_id: "B0STANDIN",
          });
        case "chat.postMessage": {
          call.ts = ts();
          return reply(200, { ok: true, channel: body.channel, ts: call.ts, message: { text: body.text } });
        }
        case "chat.update":
          return reply(200, { ok: true, channel: body.channel, ts: body.ts, text: body.text });
        case "chat.postEphemeral":
          return reply(200, { ok: true, message_ts: ts() });
        default:
          return reply(200, { ok: false, error: "unknown_method" });
      }
    });
    this.url = this.#server.url;
  }

  stop(): Promise<void> {
    return this.#server?.stop() ?? Promise.resolve();
  }

  /** Posts to the app's Request URL as Slack does, signed with `secret` at `at` (seconds; now unless a test says). */
  async post(
    requestUrl: string,
    body: string,
    contentType: string,
    secret: string,
    at = Math.floor(Date.now() / 1000),
  ): Promise<{ status: number; text: string }> {
    const signature = `v0=${createHmac("sha256", secret).update(`v0:${at}:${body}`).digest("hex")}`;
    const res = await fetch(requestUrl, {
      method: "POST",
      headers: { "content-type": contentType, "x-slack-request-timestamp": String(at), "x-slack-signature": signature },
      body,
    });
    return { status: res.status, text: await res.text() };
  }

  /** A direct message to the bot (Events API `message.im`), as the body Slack would post. */
  dm(team: string, user: string, channel: string, text: string, threadTs?: string): string {
    return this.message(team, user, channel, "im", text, threadTs);
  }

  /** A message in a channel the bot is in (Events API `message.channels`), as the body Slack would post. */
  inChannel(team: string, user: string, channel: string, text: string): string {
    return this.message(team, user, channel, "channel", text);
  }

  message(team: string, user: string, channel: string, channelType: string, text: string, threadTs?: string): string {
    return JSON.stringify({
      token: "legacy-verification-token",
      team_id: team,
      api_app_id: "A0STANDIN",
      type: "event_callback",
      event_id: `Ev${String(++this.#events).padStart(8, "0")}`,
      event_time: Math.floor(Date.now() / 1000),
      event: {
        type: "message",
        channel,
        channel_type: channelType,
        user,
        text,
        ts: `${Math.floor(Date.now() / 1000)}.${String(++this.#seq).padStart(6, "0")}`,
        ...(threadTs ? { thread_ts: threadTs } : {}),
      },
    });
  }

  /** A button press (interactivity `block_actions`), as the form body Slack would post. */
  press(
    team: string,
    user: { id: string; username: string },
    channel: string,
    messageTs: string,
    value: string,
  ): string {
    const payload = {
      type: "block_actions",
      team: { id: team, domain: "standin" },
      user: { id: user.id, username: user.username, name: user.username, team_id: team },
      api_app_id: "A0STANDIN",
      trigger_id: `${Date.now()}.${++this.#triggers}.standintrigger`,
      container: { type: "message", message_ts: messageTs, channel_id: channel, is_ephemeral: false },
      channel: { id: channel, name: "directmessage" },
      response_url: "https://hooks.slack.test/actions/standin",
      actions: [
        { type: "button", action_id: value, block_id: "decide-0", value, action_ts: String(Date.now() / 1000) },
      ],
    };
    return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  }

  posted(channel: string): SlackCall[] {
    return this.calls.filter((c) => c.method === "chat.postMessage" && c.body.channel === channel && !c.refused);
  }

  updates(channel: string): SlackCall[] {
    return this.calls.filter((c) => c.method === "chat.update" && c.body.channel === channel && !c.refused);
  }

  ephemerals(user: string): SlackCall[] {
    return this.calls.filter((c) => c.method === "chat.postEphemeral" && c.body.user === user && !c.refused);
  }
}

/** The buttons of a posted message's blocks, by their text: what a press of each sends. */
export function slackButtons(call: SlackCall): Map<string, string> {
  const elements = (call.body.blocks ?? []).flatMap(
    (block) => (block as { elements?: { text: { text: string }; value: string }[] }).elements ?? [],
  );
  return new Map(elements.map((e) => [e.text.text, e.value]));
}
