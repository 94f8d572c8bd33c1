import { defineFeature } from "../../kernel/feature";
import { methods, mutate, query } from "../../kernel/handlers";
import { deleteMemory, listMemory, putMemory } from "./memory";

// What other features use of this one.
export { memoryForInstructions } from "./memory";

/**
 * The workspace memory: short notes under keys, kept by people and by the Autopilot's own
 * tools; the Autopilot's instructions carry them (its runs' and its tasks').
 */
export const memory = defineFeature({
  name: "memory",
  build: () => ({
    methods: methods({
      "memory.list": query(listMemory),
      "memory.put": mutate(putMemory),
      "memory.delete": mutate(deleteMemory),
    }),
  }),
});
