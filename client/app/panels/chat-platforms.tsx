import type { ReactNode } from "react";
import type { ChatConnection, ChatLinkCode, ChatPlatform } from "../../../shared/protocol/chats";

/**
 * The chats settings panel's words for each chat platform (ChatsSettings.tsx,
 * ChatConversations.tsx): what it is called, the fields that connect it, how its bot is named,
 * what a manager enters in the platform's own settings, and how a person sends a link or bind
 * code there. The panel renders every platform from its entry and never asks which one it is,
 * so a platform adds one entry here.
 */
export interface ChatPlatformUi {
  label: string;
  /** What connecting asks for, by the connect param each fills: the bot's token first. */
  fields: { param: "botToken" | "signingSecret"; label: string; placeholder?: string }[];
  /** The connect section's hint, if any. */
  connectHint?: ReactNode;
  /** The bot as people find it there. */
  botHandle(botUsername: string): string;
  /** What a manager enters in the platform's own settings, once connected (null: nothing). */
  setupHint(connection: ChatConnection): ReactNode;
  /** How a person sends their link code to the bot. */
  linkHow(code: ChatLinkCode): ReactNode;
  /** Where a thread is bound there ("group"), and what to send there. */
  bindWhere: string;
  bindCommand(code: string): string;
}

export const CHAT_PLATFORM_UI: Record<ChatPlatform, ChatPlatformUi> = {
  telegram: {
    label: "Telegram",
    fields: [{ param: "botToken", label: "Telegram bot token", placeholder: "123456789:AA…" }],
    botHandle: (bot) => `@${bot}`,
    setupHint: () => null,
    linkHow: (code) => (
      <>
        Send <code>/link {code.code}</code> to{" "}
        <a href={`https://t.me/${code.botUsername}?start=${code.code}`} target="_blank" rel="noreferrer">
          @{code.botUsername}
        </a>{" "}
        in Telegram
      </>
    ),
    bindWhere: "group",
    bindCommand: (code) => `/bind ${code}`,
  },
  slack: {
    label: "Slack",
    fields: [
      { param: "botToken", label: "Slack bot token (xoxb-…)", placeholder: "xoxb-…" },
      { param: "signingSecret", label: "Slack signing secret" },
    ],
    botHandle: (bot) => bot,
    setupHint: (connection) => (
      <>
        In the Slack app's settings, enter <code>{connection.requestUrl}</code> as the Request URL of both Event
        Subscriptions (with the bot events <code>message.im</code>, and <code>message.channels</code> for threads bound
        to a channel) and Interactivity.
      </>
    ),
    linkHow: (code) => (
      <>
        Send <code>link {code.code}</code> to <strong>{code.botUsername}</strong> in a direct message in Slack
      </>
    ),
    bindWhere: "channel",
    bindCommand: (code) => `bind ${code}`,
  },
  discord: {
    label: "Discord",
    fields: [
      { param: "botToken", label: "Discord bot token" },
      { param: "signingSecret", label: "Discord public key", placeholder: "64 hex digits" },
    ],
    connectHint: (
      <>
        From the Discord application's settings: its bot's token (Bot) and its public key (General Information). The
        application's id is read from Discord with the token.
      </>
    ),
    botHandle: (bot) => bot,
    setupHint: (connection) => (
      <>
        In the Discord application's settings (General Information), enter <code>{connection.requestUrl}</code> as the
        Interactions Endpoint URL. People and bound channels speak to the Autopilot with the <code>/autopilot</code>{" "}
        command.
      </>
    ),
    linkHow: (code) => (
      <>
        Send <code>/autopilot text:link {code.code}</code> to <strong>{code.botUsername}</strong> in a direct message in
        Discord
      </>
    ),
    bindWhere: "channel",
    bindCommand: (code) => `/autopilot text:bind ${code}`,
  },
};

/** The platforms in the order the panel offers them. */
export const CHAT_PLATFORMS_SHOWN = Object.keys(CHAT_PLATFORM_UI) as ChatPlatform[];
