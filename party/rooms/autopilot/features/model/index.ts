import { defineFeature } from "../../kernel/feature";
import { methods, query } from "../../kernel/handlers";
import { agentInfo, readModelConfig } from "./config";
import { listUsage } from "./usage";

// What other features use of this one.
export { type FileBytes, withAttachments } from "./attachments";
export { createModel, type ModelConfig, type ModelConfigured } from "./config";
export {
  buildInstructions,
  type ContextMessage,
  ANSWERED_FILES_FLOOR_TOKENS,
  messageBudget,
  SUMMARY_INSTRUCTIONS,
  speaker,
  summaryInput,
  threadToModelMessages,
  TITLE_INSTRUCTIONS,
} from "./model-context";
export {
  type ApprovalAnswer,
  type ApprovalRequest,
  type RunEvent,
  resumeMessages,
  runStream,
} from "./run-stream";
export { aroundExecute, aroundTools, type ToolAround } from "./around-tools";
export { cleanTitle, type SideCall, sideCall } from "./side-calls";
export { forgetOldUsage, recordUsage } from "./usage";

/**
 * The Autopilot's model: its configuration (AUTOPILOT_MODEL_*, read once when the room
 * starts, and what a hello says of it), its calls (a run's stream of steps, the side calls
 * for summaries and titles), what it reads (the instructions, a thread's messages within
 * the budget, files in them) and how its errors read; one usage row per call.
 */
export const model = defineFeature({
  name: "model",
  build: (s) => {
    const config = readModelConfig(s.env);
    return {
      api: { config: () => config },
      hello: () => ({ agent: agentInfo(config) }),
      methods: methods({
        // What the Autopilot's model calls used.
        "usage.list": query(listUsage),
      }),
    };
  },
});

/** The table of this feature that other features read (the room's schema: party/rooms/autopilot/schema.ts). */
export { usage as usageTable } from "./tables";
