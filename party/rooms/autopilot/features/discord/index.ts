import { defineFeature } from "../../kernel/feature";
import { discord } from "./discord";

declare module "../../../../env" {
  interface Env {
    /** Discord's API from the environment (a stand-in in tests); unset: Discord's own. */
    DISCORD_API_BASE?: string;
  }
}

/**
 * Discord as a chat platform of the workspace (docs/chats.md): a Discord application whose
 * bot gets the approvals a linked person may decide, with buttons, and whose `/autopilot`
 * command speaks in a bound channel's thread (decision 69). It brings only its platform
 * object (discord.ts): connecting, links, presses, bindings and the outbox are the chats
 * feature's, which gathers it.
 */
export const discordChats = defineFeature({
  name: "discord",
  offers: { chatPlatforms: [discord] },
  build: () => ({}),
});
