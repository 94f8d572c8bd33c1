import { statusWords, toolLabel } from "./plain-words";
import type { MessageTool } from "./protocol/agent";

/**
 * The one readable line of a tool message, in words (plain-words.ts): `Rename a thread: done`.
 * The room writes it as the message's text; a client given a tool message without its text
 * (capability `steps.folded`) reads it from the tool the same way.
 */
export function toolLine(tool: Pick<MessageTool, "name" | "status" | "result"> & Partial<MessageTool>): string {
  const detail = tool.status === "ok" ? "" : tool.result ? `: ${tool.result.replace(/\s+/g, " ").slice(0, 200)}` : "";
  return `${toolLabel(tool.name)}: ${statusWords("tool", tool.status).toLowerCase()}${detail}`;
}
