// What the room says of an instance's tools and of a tool's run: pure, no room, no gateway.
// The gateway's catalog and a tool's output are remote values: the list is the catalog's
// bounded entries (gateway-bridge/gateway-tools.ts) marked by the operator's risky list, and an
// answer is plain text with token shapes cut out, bounded for the reply and for a job's result.
import {
  type InstanceTool,
  MAX_TOOL_OUTPUT_CHARS,
  type InstancesToolsResult,
} from "../../../../../shared/protocol/instance-tools";
import type { z } from "zod";
import { redactedText } from "../gateway-channels";
import { gatewayToolRisk, type GatewayCatalogEntry } from "../gateway-bridge";

/** At most this many tools are listed (the protocol's bound). */
export const MAX_LISTED_TOOLS = 300;
/** A job's result is read in lists: its first lines are what it says. */
export const JOB_RESULT_CHARS = 2_000;

/** The catalog as the protocol lists it: names and one-line descriptions, each marked when its run needs an approval. */
export function toolList(
  catalog: readonly GatewayCatalogEntry[],
  risky: readonly string[],
): z.output<typeof InstancesToolsResult> {
  const tools: InstanceTool[] = catalog.slice(0, MAX_LISTED_TOOLS).map((entry) => ({
    name: entry.name.slice(0, 100),
    description: redactedText(entry.description.replace(/\s+/g, " ").trim(), 300),
    needsApproval: gatewayToolRisk(entry.name, risky) !== undefined,
  }));
  return { tools };
}

/** A tool's outcome as the room tells it: its output, or the gateway's refusal, as text within `max`. */
export function answerText(
  outcome: { ok: true; text: string } | { ok: false; code: string; message: string },
  max: number = MAX_TOOL_OUTPUT_CHARS,
): { ok: boolean; output: string } {
  const text = outcome.ok ? outcome.text : `${outcome.code}: ${outcome.message}`;
  return { ok: outcome.ok, output: redactedText(text, max) };
}
