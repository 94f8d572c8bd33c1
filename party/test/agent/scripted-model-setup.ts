// vitest globalSetup of the "agent" workerd project (runs in Node): the scripted model the
// Autopilot's room talks to, driven by markers in the messages (agentScript).
import type { TestProject } from "vitest/node";
import { agentScript, startScriptedModel } from "../../../runtime/test/scripted-model";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // usage "when-asked": a room that forgot includeUsage would record no tokens.
  const model = await startScriptedModel({ usage: "when-asked" });
  model.setReply(agentScript);
  project.provide("modelUrl", model.baseUrl);
  return () => model.close();
}

declare module "vitest" {
  export interface ProvidedContext {
    modelUrl: string;
  }
}
