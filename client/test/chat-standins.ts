// The stand-ins for the chat platforms' APIs (Slack's and Telegram's: external services) that
// the chats' end-to-end tests talk to, with the clients those tests open.
import { afterAll, beforeAll } from "vitest";
import type { AutopilotClient } from "../src/client";
import { SlackStandIn } from "./slack-standin";
import { TelegramStandIn } from "./telegram-standin";

/**
 * A Slack and a Telegram stand-in, serving from before this file's tests until after them,
 * and the list a test adds the clients it opens to: they are closed before the stand-ins stop.
 */
export function withChatStandIns(): { slack: SlackStandIn; telegram: TelegramStandIn; clients: AutopilotClient[] } {
  const slack = new SlackStandIn();
  const telegram = new TelegramStandIn();
  const clients: AutopilotClient[] = [];
  beforeAll(async () => {
    await slack.start();
    await telegram.start();
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await slack.stop();
    await telegram.stop();
  });
  return { slack, telegram, clients };
}
