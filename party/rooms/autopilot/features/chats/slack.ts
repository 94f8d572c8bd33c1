import { z } from "zod";
import type { CallOutcome, ChatButton, Inbound, PlatformApi, PlatformCall } from "./platform";
import { clip, postToPlatform, readJson, scrub, whoIsToken } from "./platform";

// Slack's Web API (https://api.slack.com/web) and its requests to this server (the Events API
// and interactivity), spoken with plain `fetch` and Web Crypto (decision 59). A request is
// believed only with Slack's signature over its raw body and a timestamp within five minutes
// (https://api.slack.com/authentication/verifying-requests-from-slack); what it carries is
// parsed with bounds, and one from another Slack workspace than the connected one is ignored.

const DEFAULT_BASE = "https://slack.com/api";
/** How far a request's timestamp may be from now: Slack's own advice. */
const MAX_SKEW_S = 5 * 60;

export const SLACK_BOT_TOKEN = /^xoxb-[A-Za-z0-9-]{10,250}$/;
export const SLACK_SIGNING_SECRET = /^[0-9a-f]{20,100}$/;
/** Slack's errors that say "try again later". */
const PASSING = new Set(["ratelimited", "service_unavailable", "fatal_error", "internal_error", "request_timeout"]);

const Answer = z.object({
  ok: z.boolean(),
  error: z.string().max(200).optional(),
  channel: z.string().max(64).optional(),
  ts: z.string().max(64).optional(),
});

/** The bot's identity, as `auth.test` answers. */
export const SlackIdentity = z.object({
  ok: z.literal(true),
  team_id: z.string().max(64),
  team: z.string().max(256).optional(),
  user: z.string().max(256),
  user_id: z.string().max(64),
});

const Id = z.string().min(1).max(64);
const Interaction = z.object({
  type: z.string().max(64),
  team: z.object({ id: Id }).nullable().optional(),
  user: z.object({ id: Id, username: z.string().max(128).optional(), name: z.string().max(128).optional() }),
  channel: z.object({ id: Id }).optional(),
  container: z.object({ channel_id: Id.optional(), message_ts: z.string().max(64).optional() }).optional(),
  trigger_id: z.string().max(200).optional(),
  actions: z
    .array(z.object({ action_id: z.string().max(255), value: z.string().max(2000).optional() }))
    .max(5)
    .optional(),
});
const EventEnvelope = z.object({
  type: z.string().max(64),
  challenge: z.string().max(200).optional(),
  team_id: z.string().max(64).optional(),
  event_id: z.string().max(64).optional(),
  event: z
    .object({
      type: z.string().max(64),
      subtype: z.string().max(64).optional(),
      bot_id: z.string().max(64).optional(),
      user: Id.optional(),
      text: z.string().max(40_000).optional(),
      channel: Id.optional(),
      channel_type: z.string().max(32).optional(),
      thread_ts: z.string().max(64).optional(),
    })
    .optional(),
});

/** Slack's text objects take plain text here: what a person or an agent wrote is shown as written, never as markup. */
const SECTION_TEXT = 3000;
const plain = (text: string) => ({ type: "plain_text", text: clip(text, SECTION_TEXT), emoji: true });

function blocks(text: string, buttons?: ChatButton[][]) {
  const rows = buttons ?? [];
  return [
    { type: "section", text: plain(text) },
    ...rows.map((row, i) => ({
      type: "actions",
      block_id: `decide-${i}`,
      elements: row.map((b) => ({
        type: "button",
        text: plain(b.text),
        action_id: b.data,
        value: b.data,
        ...(b.style ? { style: b.style } : {}),
      })),
    })),
  ];
}

const hex = (bytes: ArrayBuffer) => [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");

/** Whether Slack signed this request (`v0=` HMAC-SHA256 of `v0:<timestamp>:<body>`) in the last five minutes. */
async function slackSigned(
  request: { body: string; headers: Record<string, string> },
  signingSecret: string,
  now = Date.now(),
): Promise<boolean> {
  const timestamp = request.headers["x-slack-request-timestamp"] ?? "";
  const signature = request.headers["x-slack-signature"] ?? "";
  if (!/^\d{1,12}$/.test(timestamp) || !/^v0=[0-9a-f]{64}$/.test(signature)) return false;
  if (Math.abs(now / 1000 - Number(timestamp)) > MAX_SKEW_S) return false;
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(signingSecret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = hex(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`v0:${timestamp}:${request.body}`)));
  const expected = `v0=${mac}`;
  let diff = expected.length ^ signature.length;
  for (let i = 0; i < Math.min(expected.length, signature.length); i++)
    diff |= expected.charCodeAt(i) ^ signature.charCodeAt(i);
  return diff === 0;
}

export const slack: PlatformApi = {
  name: "slack",
  label: "Slack",
  // A section block's text: what the message shows (longer text goes in parts, not cut).
  maxText: SECTION_TEXT,
  apiBase: (env) => env.SLACK_API_BASE,
  proofHeaders: ["x-slack-signature", "x-slack-request-timestamp"],

  async proven(request, kept) {
    const signingSecret = await kept.signingSecret();
    return signingSecret !== null && slackSigned(request, signingSecret);
  },

  // Slack is told the request URL in the app's own settings; the room checks the token and keeps the signing secret.
  async connect(base, { botToken, signingSecret }) {
    const checked = await connectSlack(base, botToken, signingSecret);
    if (!checked.ok) return { ok: false, code: "bad_request", message: checked.message };
    return {
      ok: true,
      botId: checked.bot.user_id,
      botUsername: checked.bot.user,
      botName: checked.bot.team ?? checked.bot.user,
      teamId: checked.bot.team_id,
      secretHash: null,
      signingSecret: signingSecret ?? "",
    };
  },
  unhook: () => null,
  // A `/` in Slack is its own slash command: the bot reads the bare word.
  command: (word) => word,

  async call(base, token, call): Promise<CallOutcome> {
    const url = `${(base || DEFAULT_BASE).replace(/\/+$/, "")}/${call.method}`;
    const res = await postToPlatform(url, { authorization: `Bearer ${token}` }, call.body, Answer, token);
    if (!res.reached) return { ok: false, retry: true, description: `Slack could not be reached (${res.error})` };
    const { answer } = res;
    if (res.status === 429) {
      const after = Number(res.headers.get("retry-after"));
      return {
        ok: false,
        retry: true,
        retryAfterMs: (Number.isFinite(after) && after > 0 ? Math.min(after, 3600) : 5) * 1000,
        description: "ratelimited",
      };
    }
    if (answer?.ok) {
      const sent = answer.channel && answer.ts ? { chat: answer.channel, message: answer.ts } : null;
      return { ok: true, result: res.json, sent };
    }
    const description = scrub(answer?.error ?? `HTTP ${res.status}`, token).slice(0, 300);
    return { ok: false, retry: res.status >= 500 || answer === null || PASSING.has(answer.error ?? ""), description };
  },

  send: (chat, text, buttons) => ({
    method: "chat.postMessage",
    body: { channel: chat, text, blocks: blocks(text, buttons) },
  }),
  edit: (chat, message, text, buttons) => ({
    method: "chat.update",
    body: { channel: chat, ts: message, text, blocks: blocks(text, buttons) },
  }),
  // The question goes in the message's thread; the person's answer there names the message.
  askNote: (chat, message, text) => ({ method: "chat.postMessage", body: { channel: chat, thread_ts: message, text } }),
  noteRef: (message) => message,
  answer: (press, text): PlatformCall => ({
    method: "chat.postEphemeral",
    body: { channel: press.chat, user: press.account.id, text },
  }),
  // The interaction was acknowledged by the HTTP answer; the presser's answer is a message of its own.
  answerWithinMs: null,

  parse({ body, contentType }, team): Inbound {
    if (contentType.startsWith("application/x-www-form-urlencoded")) {
      const it = readJson(new URLSearchParams(body).get("payload") ?? "", Interaction);
      if (it?.type !== "block_actions") return { kind: "ignored" };
      const chat = it.channel?.id ?? it.container?.channel_id;
      const action = it.actions?.[0];
      if ((team && it.team?.id !== team) || !chat || !action || !it.trigger_id) return { kind: "ignored" };
      return {
        kind: "press",
        dedupe: `slack:${it.trigger_id}`,
        account: { id: it.user.id, handle: `@${it.user.username ?? it.user.name ?? it.user.id}`.slice(0, 128) },
        data: (action.value ?? action.action_id).slice(0, 64),
        chat,
        pressId: it.trigger_id,
      };
    }
    const envelope = readJson(body, EventEnvelope);
    if (!envelope) return { kind: "ignored" };
    if (envelope.type === "url_verification" && envelope.challenge)
      return { kind: "answer", json: { challenge: envelope.challenge } };
    const event = envelope.event;
    if (
      envelope.type !== "event_callback" ||
      (team && envelope.team_id !== team) ||
      !envelope.event_id ||
      event?.type !== "message" ||
      event.subtype ||
      event.bot_id ||
      !event.user ||
      !event.channel
    )
      return { kind: "ignored" };
    return {
      kind: "message",
      dedupe: `slack:${envelope.event_id}`,
      account: { id: event.user, handle: event.user },
      chat: event.channel,
      direct: event.channel_type === "im",
      chatTitle: event.channel_type === "im" ? `${event.user} (direct)` : `#${event.channel}`,
      text: clip((event.text ?? "").trim(), 4096),
      replyTo: event.thread_ts ?? null,
    };
  },
};

/** Checks a bot token and signing secret with Slack: the bot, or why not. */
async function connectSlack(
  base: string | undefined,
  token: string,
  signingSecret: string | undefined,
): Promise<{ ok: true; bot: z.infer<typeof SlackIdentity> } | { ok: false; message: string }> {
  if (!SLACK_BOT_TOKEN.test(token))
    return { ok: false, message: "that is not a Slack bot token: it starts with xoxb-" };
  if (!signingSecret || !SLACK_SIGNING_SECRET.test(signingSecret))
    return { ok: false, message: "a Slack app's signing secret is needed (Basic Information › App Credentials)" };
  return whoIsToken(slack, base, token, { method: "auth.test", body: {} }, SlackIdentity);
}
