// vitest globalSetup of the agent workerd project (runs in Node; vitest.worker.config.ts
// gathers every .standin-setup.ts): the Discord stand-in, whose API base URL the Worker
// gets as DISCORD_API_BASE.
import type { TestProject } from "vitest/node";
import { DiscordStandIn } from "./discord-standin";
import { DISCORD_APP } from "./standin-app";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const discord = new DiscordStandIn(DISCORD_APP);
  await discord.start();
  // The Worker's bindings it sets, under the key vitest.worker.config.ts reads for this file.
  project.provide("standin-bindings:discord", JSON.stringify({ DISCORD_API_BASE: discord.url }));
  return () => discord.stop();
}

declare module "vitest" {
  export interface ProvidedContext {
    "standin-bindings:discord": string;
  }
}
