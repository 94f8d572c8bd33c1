// docs/mcp.md's "never" row is the tool policy's: every method the policy never offers is named
// there (by its tool name, or by its family's `family_*` when the whole family is never), and
// nothing else is. A method added to the registry with a "never" policy fails here until the
// doc says so.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { type MethodName, Methods } from "../protocol/methods";
import { TOOL_POLICY } from "../protocol/tool-policy";

const toolName = (method: string) => method.replace(".", "_");

/** The tool names and `family_*` patterns the doc's "never" row names. */
function neverRow(): string[] {
  const doc = readFileSync(resolve(import.meta.dirname, "../../docs/mcp.md"), "utf8");
  const row = doc.split("\n").find((line) => line.startsWith("| never |"));
  if (!row) throw new Error('docs/mcp.md has no "| never |" row');
  return [...row.matchAll(/`([a-z]+_(?:[A-Za-z]+|\*))`/g)].map((m) => m[1]!);
}

describe("docs/mcp.md's tools that are never offered", () => {
  it("names every method the tool policy never offers, and only those", () => {
    const methods = Object.keys(Methods) as MethodName[];
    const never = new Set(methods.filter((m) => TOOL_POLICY[m].kind === "never").map(toolName));
    const named = new Set<string>();
    const offered: string[] = [];
    for (const name of neverRow()) {
      // A family named whole (`inbox_*`) is never offered in whole.
      const tools = name.endsWith("_*")
        ? methods.filter((m) => m.startsWith(`${name.slice(0, -2)}.`)).map(toolName)
        : [name];
      if (tools.length === 0) offered.push(`${name} (no such family)`);
      for (const tool of tools) {
        if (never.has(tool)) named.add(tool);
        else offered.push(name === tool ? tool : `${tool} (of ${name})`);
      }
    }
    const missing = [...never].filter((tool) => !named.has(tool)).sort();
    expect({ offered, missing }).toEqual({ offered: [], missing: [] });
  });
});
