import { GatewayRequestError } from "./gateway-connection";
import type { BridgeLink } from "./bridge-link";
import {
  type GatewayCatalogEntry,
  type GatewayToolOutcome,
  ToolsCatalogResult,
  ToolsInvokeParams,
  ToolsInvokeResult,
} from "./gateway-frames";
import { clip } from "../../../../../shared/clip";

// The gateway's own tools, for the Autopilot's model: the catalog (names and one-line
// descriptions) and one invoke. Every value from the gateway is hostile: sizes are bounded
// here and the results are plain text (runtime/BRIDGE.md, "Gateway tools").

/** More tools than this are not listed (the description has its own, smaller cap). */
const MAX_ENTRIES = 300;
const MAX_DESCRIPTION = 300;
/** A tool's answer as text: the model and the tool message get at most this much. */
export const MAX_OUTPUT_CHARS = 16_000;
const TOOL_NAME = /^[A-Za-z0-9_.:-]{1,100}$/;

/** The gateway's tool catalog: unique, well-formed names only, descriptions clipped to one line. */
export async function toolsCatalog(link: BridgeLink): Promise<GatewayCatalogEntry[]> {
  const catalog = ToolsCatalogResult.parse(await link.open().request("tools.catalog", {}));
  const seen = new Set<string>();
  const entries: GatewayCatalogEntry[] = [];
  for (const group of catalog.groups) {
    for (const tool of group.tools) {
      if (!TOOL_NAME.test(tool.id) || seen.has(tool.id) || entries.length >= MAX_ENTRIES) continue;
      seen.add(tool.id);
      entries.push({
        name: tool.id,
        description: clip((tool.description ?? "").replace(/\s+/g, " ").trim(), MAX_DESCRIPTION),
      });
    }
  }
  return entries;
}

/** The text of a tool's output: its text parts, else its JSON, clipped. */
function outputText(output: unknown): string {
  const content = (output as { content?: { type: string; text?: string }[] } | null)?.content;
  const text = Array.isArray(content)
    ? content.flatMap((part) => (part?.type === "text" && typeof part.text === "string" ? [part.text] : [])).join("\n")
    : "";
  if (text) return clip(text, MAX_OUTPUT_CHARS);
  let json: string | undefined;
  try {
    json = JSON.stringify(output);
  } catch {
    json = undefined;
  }
  return clip(json ?? "(no output)", MAX_OUTPUT_CHARS);
}

/**
 * One `tools.invoke`. The gateway does not dedupe on `idempotencyKey` (it only names the
 * call with it), so the caller must make sure this is sent at most once. Without a
 * `sessionKey` the gateway runs it for its default agent (a person's or an agent's call from
 * the product: features/instance-tools/).
 */
export async function invokeTool(
  link: BridgeLink,
  request: { name: string; args: Record<string, unknown>; sessionKey?: string; idempotencyKey: string },
): Promise<GatewayToolOutcome> {
  const params = ToolsInvokeParams.parse(request);
  let answer: unknown;
  try {
    answer = await link.open().request("tools.invoke", params);
  } catch (error) {
    if (error instanceof GatewayRequestError)
      return { ok: false, code: clip(error.code, 100), message: clip(error.message, 1000) };
    throw error;
  }
  const result = ToolsInvokeResult.safeParse(answer);
  if (!result.success) return { ok: false, code: "malformed", message: "the gateway's answer was not understood" };
  if (result.data.ok) return { ok: true, text: outputText(result.data.output) };
  const error = result.data.error;
  return {
    ok: false,
    code: clip(error?.code ?? "failed", 100),
    message: clip(error?.message ?? "the tool failed", 1000),
  };
}
