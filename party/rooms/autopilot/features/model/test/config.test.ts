// The model config: required values, bounded numbers, and messages that never echo a value.
import { DEFAULT_RISKY_GATEWAY_TOOLS } from "../../instances/index";
import { describe, expect, it } from "vitest";
import { createModel, NO_MODEL_MESSAGE, readModelConfig } from "../config";

const BASE = { AUTOPILOT_MODEL_BASE_URL: "https://models.example/v1", AUTOPILOT_MODEL_ID: "gpt-test" };

describe("readModelConfig", () => {
  it("is not configured without a base URL and model id, with the exact message", () => {
    const config = readModelConfig({});
    expect(config).toEqual({
      configured: false,
      missing: ["AUTOPILOT_MODEL_BASE_URL", "AUTOPILOT_MODEL_ID"],
      invalid: [],
      message: NO_MODEL_MESSAGE,
    });
    expect(NO_MODEL_MESSAGE).toBe(
      "no model configured: set AUTOPILOT_MODEL_BASE_URL and AUTOPILOT_MODEL_ID (and AUTOPILOT_MODEL_API_KEY if the endpoint needs a key) — Worker secrets in production, the environment of npm start locally",
    );
  });

  it("treats empty and blank values as unset", () => {
    const config = readModelConfig({ AUTOPILOT_MODEL_BASE_URL: "https://models.example/v1", AUTOPILOT_MODEL_ID: "  " });
    expect(config).toMatchObject({ configured: false, missing: ["AUTOPILOT_MODEL_ID"] });
  });

  it("applies the defaults: 16000 context tokens, 8 steps, 120 s per step, 24 h approvals, the default risky gateway tools", () => {
    expect(readModelConfig(BASE)).toEqual({
      configured: true,
      baseURL: "https://models.example/v1",
      modelId: "gpt-test",
      contextTokens: 16_000,
      maxSteps: 8,
      timeouts: { stepMs: 120_000, chunkMs: 60_000, totalMs: 960_000 },
      approvalTtlMs: 86_400_000,
      riskyGatewayTools: [...DEFAULT_RISKY_GATEWAY_TOOLS],
    });
  });

  it("reads the operator's risky gateway tools", () => {
    expect(readModelConfig({ ...BASE, AUTOPILOT_RISKY_GATEWAY_TOOLS: "exec, session_status" })).toMatchObject({
      riskyGatewayTools: ["exec", "session_status"],
    });
  });

  it("reads every value, and bounds the chunk timeout by the step timeout", () => {
    const config = readModelConfig({
      ...BASE,
      AUTOPILOT_MODEL_API_KEY: "sk-secret",
      AUTOPILOT_MODEL_CONTEXT_TOKENS: "32000",
      AUTOPILOT_MAX_STEPS: "3",
      AUTOPILOT_MODEL_TIMEOUT_MS: "3000",
      AUTOPILOT_APPROVAL_TTL_MS: "600000",
    });
    expect(config).toMatchObject({
      configured: true,
      apiKey: "sk-secret",
      contextTokens: 32_000,
      maxSteps: 3,
      timeouts: { stepMs: 3000, chunkMs: 3000, totalMs: 9000 },
      approvalTtlMs: 600_000,
    });
  });

  it("rejects unusable values by name, without echoing them", () => {
    const config = readModelConfig({
      ...BASE,
      AUTOPILOT_MODEL_BASE_URL: "ftp://secret-host/v1",
      AUTOPILOT_MAX_STEPS: "10000",
      AUTOPILOT_MODEL_TIMEOUT_MS: "soon",
    });
    expect(config.configured).toBe(false);
    if (config.configured) return;
    expect(config.missing).toEqual([]);
    expect(config.invalid.map((i) => i.name).sort()).toEqual([
      "AUTOPILOT_MAX_STEPS",
      "AUTOPILOT_MODEL_BASE_URL",
      "AUTOPILOT_MODEL_TIMEOUT_MS",
    ]);
    expect(config.message).toMatch(/^invalid model configuration: /);
    expect(config.message).not.toContain("secret-host");
    expect(config.message).not.toContain("10000");
  });

  it("a timeout below one second is invalid, not a 0 ms turn", () => {
    expect(readModelConfig({ ...BASE, AUTOPILOT_MODEL_TIMEOUT_MS: "0" })).toMatchObject({
      configured: false,
      invalid: [{ name: "AUTOPILOT_MODEL_TIMEOUT_MS" }],
    });
  });
});

describe("createModel", () => {
  it("is an OpenAI-compatible chat model for the configured id", () => {
    const config = readModelConfig(BASE);
    if (!config.configured) throw new Error("expected a configured model");
    const model = createModel(config);
    expect(model.modelId).toBe("gpt-test");
    expect(model.provider).toMatch(/^autopilot/);
  });
});
