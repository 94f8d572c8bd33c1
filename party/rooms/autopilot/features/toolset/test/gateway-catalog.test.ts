import { describe, expect, it } from "vitest";
import {
  catalogDescription,
  DEFAULT_RISKY_GATEWAY_TOOLS,
  gatewayToolRisk,
  readRiskyGatewayTools,
  requestedGatewayTool,
} from "../../instances/index";

describe("readRiskyGatewayTools", () => {
  it("defaults to command, file-writing and messaging tools when unset or blank", () => {
    for (const value of [undefined, "", "  "])
      expect(readRiskyGatewayTools(value)).toEqual([...DEFAULT_RISKY_GATEWAY_TOOLS]);
    expect(DEFAULT_RISKY_GATEWAY_TOOLS).toEqual(
      expect.arrayContaining(["exec", "write", "apply_patch", "sessions_send"]),
    );
  });
  it("reads an operator's comma-separated list, trimmed and deduplicated; `none` gates nothing", () => {
    expect(readRiskyGatewayTools(" exec, session_status ,exec,, ")).toEqual(["exec", "session_status"]);
    expect(readRiskyGatewayTools("none")).toEqual([]);
  });
});

describe("gatewayToolRisk", () => {
  it("is high for a listed tool and absent otherwise", () => {
    expect(gatewayToolRisk("exec", ["exec"])).toBe("high");
    expect(gatewayToolRisk("agents_list", ["exec"])).toBeUndefined();
  });
});

describe("requestedGatewayTool", () => {
  it("reads the tool name of a call's input, and nothing from anything else", () => {
    expect(requestedGatewayTool({ tool: "exec", args: {} })).toBe("exec");
    for (const input of [null, undefined, "exec", { tool: 3 }, {}]) expect(requestedGatewayTool(input)).toBeNull();
  });
});

describe("catalogDescription", () => {
  it("lists the catalog with descriptions and marks the tools that need approval", () => {
    const text = catalogDescription(
      "Work",
      [
        { name: "agents_list", description: "List agents" },
        { name: "exec", description: "Run shell now." },
      ],
      ["exec"],
    );
    expect(text).toContain('OpenClaw instance "Work"');
    expect(text).toContain("- agents_list: List agents\n");
    expect(text).toContain("- exec: Run shell now. (needs a person's approval)");
  });
  it("is bounded however large the catalog and its descriptions are", () => {
    const catalog = Array.from({ length: 500 }, (_, i) => ({ name: `tool_${i}`, description: "x".repeat(300) }));
    const text = catalogDescription("W".repeat(500), catalog, []);
    expect(text.length).toBeLessThan(9_000);
    expect(text).toContain("(440 more not listed)");
    expect(text).not.toContain("tool_60:");
  });
  it("says so when the catalog could not be read", () => {
    expect(catalogDescription("Work", null, [])).toContain("could not be read");
  });
});
