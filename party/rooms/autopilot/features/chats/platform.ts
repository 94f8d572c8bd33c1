// A chat platform as a strategy object: everything the chats feature needs of it (its name,
// how it connects and proves its requests, the calls it makes in its own shapes, what it
// sends read into a few kinds of news, how its people type a command), so that everything
// else (who gets what, a press, a link, the outbox) is written once and no code outside the
// platform's own module asks which platform it is (platforms.ts lists them).

import type { ChatPlatform } from "../../../../../shared/protocol/chats";
import { deadline } from "../../../../domain/deadline";
import type { Env } from "../../../../env";

/** A chat (Telegram's chat id, Slack's channel id) and a message in it (Telegram's message id, Slack's `ts`). */
export type ChatRef = string | number;
export type MessageRef = string | number;

/** A button under a message; `data` is what the platform sends back when it is pressed (≤ 64 bytes). */
export interface ChatButton {
  text: string;
  data: string;
  style?: "primary" | "danger";
}

/** One call to the platform's API. */
export interface PlatformCall {
  method: string;
  body: Record<string, unknown>;
}

/** What a call came to: the message it sent (for a send), or why it failed and whether trying again later may help. */
export type CallOutcome =
  | { ok: true; sent: { chat: ChatRef; message: MessageRef } | null; result: unknown }
  | { ok: false; retry: boolean; retryAfterMs?: number; description: string };

/** Who did something on the platform. */
export interface Account {
  id: string;
  /** How they are called there (an @username, a name, an id). */
  handle: string;
}

/** What the platform sent, as the room acts on it; `dedupe` names it so that a replay is handled once. */
export type Inbound =
  | {
      kind: "press";
      dedupe: string;
      account: Account;
      /** The button's data. */
      data: string;
      /** Where it was pressed, and the platform's id of the press (to answer it). */
      chat: ChatRef;
      pressId: string;
    }
  | {
      kind: "message";
      dedupe: string;
      account: Account;
      chat: ChatRef;
      /** A person's own chat with the bot (the only place it answers them about links and notes). */
      direct: boolean;
      /** How the chat is called there (a group's title, a channel's id). */
      chatTitle: string;
      text: string;
      /** The message this one answers (Telegram's reply, Slack's thread). */
      replyTo: MessageRef | null;
    }
  /** A request the platform wants only an answer to (Slack's check of a new request URL: its challenge). */
  | { kind: "answer"; json: Record<string, unknown> }
  | { kind: "ignored" };

/** A request as the Worker passed it on: the raw body and the headers a platform signs with. */
export interface WebhookRequest {
  body: string;
  contentType: string;
  headers: Record<string, string>;
}

/** A bot as the platform confirmed it on connecting, and what the room keeps to believe its requests. */
export interface ConnectedBot {
  ok: true;
  botId: string;
  botUsername: string;
  botName: string;
  /** The workspace (Slack's team) its requests must name; null where the platform has none. */
  teamId: string | null;
  /** The SHA-256 of a secret the platform sends back with every request (Telegram's); null when none. */
  secretHash: string | null;
  /** The secret the platform signs its requests with (Slack's), sealed by the room; null when none. */
  signingSecret: string | null;
}

/** What the room keeps of a connection to check a request with (`PlatformApi.proven`). */
export interface KeptProof {
  secretHash: string | null;
  signingSecret(): Promise<string | null>;
}

export interface PlatformApi {
  /** Its name in the protocol (shared/protocol/chats.ts) and in its webhook's path. */
  readonly name: ChatPlatform;
  /** As people call it: "Telegram". */
  readonly label: string;
  /** Its API's address from the environment (a stand-in in tests); undefined: the platform's own. */
  apiBase(env: Env): string | undefined;
  /** The headers its requests prove themselves with: the Worker passes on only these. */
  readonly proofHeaders: readonly string[];
  /** Whether a request proves itself against what the room keeps of the connection (in time independent of the secret). */
  proven(request: WebhookRequest, kept: KeptProof): Promise<boolean>;
  /**
   * Checks a bot's credentials with the platform and points its webhook at `requestUrl` where
   * the platform is told one: the bot, or why not.
   */
  connect(
    base: string | undefined,
    credentials: { botToken: string; signingSecret?: string | undefined; requestUrl: string },
  ): Promise<ConnectedBot | { ok: false; code: "bad_request" | "conflict"; message: string }>;
  /** The call that stops its webhook when the workspace disconnects (best effort); null where it has none to stop. */
  unhook(): PlatformCall | null;
  /** A bot command as its people type it: `/link` in Telegram, `link` in Slack (whose `/` is its own). */
  command(word: "link" | "unlink"): string;
  /** The most text one message takes there (longer text goes in parts). */
  readonly maxText: number;
  call(base: string | undefined, token: string, call: PlatformCall): Promise<CallOutcome>;
  send(chat: ChatRef, text: string, buttons?: ChatButton[][]): PlatformCall;
  edit(chat: ChatRef, message: MessageRef, text: string, buttons?: ChatButton[][]): PlatformCall;
  /** Asks the person for a note about `message`; their answer is a message whose `replyTo` is `noteRef` of it. */
  askNote(chat: ChatRef, message: MessageRef, text: string): PlatformCall;
  noteRef(message: MessageRef, prompt: { chat: ChatRef; message: MessageRef }): MessageRef;
  /** A short answer to a press, seen by the presser only. */
  answer(press: Extract<Inbound, { kind: "press" }>, text: string): PlatformCall;
  /**
   * How long a press's answer may wait for its decision (the platform shows the press as
   * unanswered meanwhile): after it, the press is answered that it is being decided, and its
   * message shows the outcome. Null: the answer may come whenever the decision does.
   */
  readonly answerWithinMs: number | null;
  /**
   * What the HTTP answer to a handled request carries, where the platform reads one (an
   * interaction's response); undefined: an empty 200. A replay is answered the same way.
   */
  acknowledge?(news: Exclude<Inbound, { kind: "answer" | "ignored" }>): Record<string, unknown> | undefined;
  /** Reads a verified request; anything it does not know is `ignored`. */
  parse(request: WebhookRequest, team: string | null): Inbound;
}

// Cut where a character ends (shared/clip.ts): a message never ends in half an emoji.
export { clip } from "../../../../../shared/clip";

const CALL_TIMEOUT_MS = 10_000;
/** The most of a platform's answer the room reads. */
const MAX_ANSWER_CHARS = 64 * 1024;

/**
 * Sends JSON to a platform's API (POST unless `method` says otherwise; no body when `body` is
 * undefined) and reads its answer with `schema`: the answer (null when it is not what the
 * schema says) with the response's status, headers and JSON, or, when the platform could not
 * be reached, why (with `token` taken out of it: a URL may carry it).
 */
export async function postToPlatform<T>(
  url: string,
  headers: Record<string, string>,
  body: unknown,
  schema: { safeParse(value: unknown): { success: true; data: T } | { success: false } },
  token: string,
  method = "POST",
): Promise<
  | { reached: true; status: number; headers: Headers; answer: T | null; json: unknown }
  | { reached: false; error: string }
> {
  // The limit covers the answer's body too; its timer goes once the body is read.
  const limit = deadline(CALL_TIMEOUT_MS);
  let res: Response;
  let text: string;
  try {
    try {
      res = await fetch(url, {
        method,
        ...(body === undefined
          ? { headers }
          : { headers: { "content-type": "application/json; charset=utf-8", ...headers }, body: JSON.stringify(body) }),
        redirect: "manual",
        signal: limit.signal,
      });
    } catch (error) {
      return { reached: false, error: scrub(String(error), token) };
    }
    text = await res.text().catch(() => "");
  } finally {
    limit.clear();
  }
  let json: unknown = null;
  try {
    json = JSON.parse(text.slice(0, MAX_ANSWER_CHARS));
  } catch {
    json = null;
  }
  const parsed = schema.safeParse(json);
  return { reached: true, status: res.status, headers: res.headers, answer: parsed.success ? parsed.data : null, json };
}

/**
 * Asks the platform who `token` is (its "who am I" `call`) and reads the answer with `schema`:
 * the bot, or the refusal a connect gives when the platform does not accept the token.
 */
export async function whoIsToken<T>(
  platform: Pick<PlatformApi, "label" | "call">,
  base: string | undefined,
  token: string,
  call: PlatformCall,
  schema: { safeParse(value: unknown): { success: true; data: T } | { success: false } },
): Promise<{ ok: true; bot: T } | { ok: false; code: "bad_request"; message: string }> {
  const me = await platform.call(base, token, call);
  const bot = me.ok ? schema.safeParse(me.result) : null;
  if (bot?.success) return { ok: true, bot: bot.data };
  return {
    ok: false,
    code: "bad_request",
    message: `${platform.label} did not accept the token${me.ok ? "" : `: ${me.description}`}`,
  };
}

/** `text` read as JSON with `schema`; null when it is not JSON or not what the schema says. */
export function readJson<T>(
  text: string,
  schema: { safeParse(value: unknown): { success: true; data: T } | { success: false } },
): T | null {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = schema.safeParse(json);
  return parsed.success ? parsed.data : null;
}

/** `text` without `token` in it (a platform's error may quote the URL that holds it). */
export const scrub = (text: string, token: string): string => (token ? text.split(token).join("<token>") : text);
