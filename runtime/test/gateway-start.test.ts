// The one gateway start sequence (runtime/src/gateway-start.ts) with a recording adapter:
// phase order, restore, the config and env it hands the host, retries, failures, deadlines
// and a start that is superseded; and progress starting over when a ready gateway restarts.
// Both hosts run this code; their adapters are covered by e2e-gateway.test.ts (process host,
// real gateway) and sandbox-host.test.ts (SDK boundary).
import { describe, expect, it } from "vitest";
import type { InstanceState, Phase } from "../../shared/runtime/phases";
import type { ProbeOutcome } from "../src/gateway-handshake";
import { runGatewayStart, StartFailure, type GatewayStartAdapter, type StartRecord } from "../src/gateway-start";
import { enterPhase, progressOf } from "../src/host";
import { phaseNames, RESTORING_START_PHASES } from "./start-phases";
import { gatewayBlock, TOKEN } from "./gateway-fixtures";

const PATHS = {
  home: "/i/home",
  state: "/i/state",
  config: "/i/openclaw.json",
  workspace: "/i/workspace",
  logs: "/i/logs",
};

function recordingAdapter(
  options: {
    probes?: ProbeOutcome[];
    backup?: { name: string; path: string };
    startTimeoutMs?: number;
    wantedUntil?: string;
    model?: boolean;
  } = {},
) {
  const record: StartRecord = {
    state: "provisioning",
    phase: "queued",
    phaseSince: Date.now(),
    phases: [],
    progress: 0,
    startedAtMs: Date.now(),
    readyAtMs: null,
    startupMs: null,
    restoredFrom: null,
    gatewayVersion: null,
  };
  const steps: string[] = [];
  const probes = [...(options.probes ?? [{ kind: "ready", serverVersion: "2026.9.6" }])];
  let wanted = true;
  const step = (name: string) => {
    steps.push(name);
    if (options.wantedUntil === name) wanted = false;
  };
  let config = "";
  let env: Record<string, string> = {};
  const adapter: GatewayStartAdapter = {
    record,
    instance: "ws/a",
    startTimeoutMs: options.startTimeoutMs ?? 5_000,
    log: (message) => steps.push(`log:${message}`),
    enter: (state: InstanceState, phase: Phase) => {
      enterPhase(record, state, phase);
      steps.push(`${state}/${phase}`);
    },
    stillWanted: () => wanted,
    backupToRestore: async () => options.backup,
    restore: async () => step("restore"),
    prepare: async () => {
      step("prepare");
      return {
        token: TOKEN,
        port: 40123,
        paths: PATHS,
        model: options.model === false ? undefined : { baseUrl: "http://m/v1", modelId: "m1", apiKey: "secret-key" },
      };
    },
    writeConfig: async (_prepared, text) => {
      config = text;
      step("writeConfig");
    },
    startProcess: async (_prepared, given) => {
      env = given;
      step("startProcess");
    },
    waitForPort: async () => step("waitForPort"),
    probe: async () => {
      step("probe");
      return probes.shift() ?? { kind: "retry", afterMs: 200, reason: "not yet" };
    },
    timeoutDetails: () => ({ recentOutput: ["last line"] }),
  };
  return { adapter, record, steps, config: () => config, env: () => env };
}

describe("the gateway start sequence", () => {
  it("walks the phases in order to ready, writing the config and env it builds", async () => {
    const { adapter, record, steps, config, env } = recordingAdapter();
    expect(await runGatewayStart(adapter)).toBe("ready");
    expect(steps.filter((s) => s.includes("/"))).toEqual([
      "provisioning/writing config",
      "starting/starting process",
      "starting/waiting for port",
      "starting/waiting for gateway handshake",
      "ready/ready",
    ]);
    expect(steps.filter((s) => !s.includes("/"))).toEqual([
      "prepare",
      "writeConfig",
      "startProcess",
      "waitForPort",
      "probe",
      "log:gateway ready",
    ]);
    expect(record).toMatchObject({ state: "ready", phase: "ready", gatewayVersion: "2026.9.6", restoredFrom: null });
    expect(record.startupMs).toBeGreaterThanOrEqual(0);
    const written = JSON.parse(config());
    expect(written.gateway).toEqual(gatewayBlock(40123));
    expect(written.logging.file).toBe("/i/logs/gateway.log");
    expect(config()).not.toContain("secret-key");
    expect(env()).toMatchObject({
      HOME: PATHS.home,
      OPENCLAW_STATE_DIR: PATHS.state,
      OPENCLAW_CONFIG_PATH: PATHS.config,
      OPENCLAW_MODEL_API_KEY: "secret-key",
    });
  });

  it("passes no model key without a model", async () => {
    const { adapter, env } = recordingAdapter({ model: false });
    await runGatewayStart(adapter);
    expect(env().OPENCLAW_MODEL_API_KEY).toBeUndefined();
  });

  it("restores the backup first when the host offers one", async () => {
    const { adapter, record, steps } = recordingAdapter({ backup: { name: "b.tar.gz", path: "/b/b.tar.gz" } });
    await runGatewayStart(adapter);
    expect(steps.slice(0, 3)).toEqual([
      "provisioning/restoring backup",
      "restore",
      "log:instance restored from backup",
    ]);
    expect(record.restoredFrom).toBe("b.tar.gz");
    // The record starts queued before the adapter runs: what it adds from there.
    expect(phaseNames(record)).toEqual(RESTORING_START_PHASES.slice(1));
  });

  it("probes again while the gateway says retry", async () => {
    const { adapter, steps } = recordingAdapter({
      probes: [
        { kind: "retry", afterMs: 0, reason: "startup-sidecars" },
        { kind: "ready", serverVersion: undefined },
      ],
    });
    expect(await runGatewayStart(adapter)).toBe("ready");
    expect(steps.filter((s) => s === "probe")).toHaveLength(2);
    expect(adapter.record.gatewayVersion).toBeNull();
  });

  it("fails with gateway_failed when the gateway refuses the connect", async () => {
    const { adapter, record } = recordingAdapter({
      probes: [{ kind: "fatal", code: "INVALID_REQUEST", message: "unauthorized" }],
    });
    const failure = await runGatewayStart(adapter).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(StartFailure);
    expect((failure as StartFailure).error).toMatchObject({
      code: "gateway_failed",
      message: expect.stringContaining("INVALID_REQUEST: unauthorized"),
    });
    expect(record.state).not.toBe("ready");
  });

  it("times out the handshake with the host's details", async () => {
    const { adapter } = recordingAdapter({ probes: [], startTimeoutMs: 300 });
    const failure = (await runGatewayStart(adapter).catch((error: unknown) => error)) as StartFailure;
    expect(failure.error).toMatchObject({
      code: "gateway_failed",
      retryable: true,
      details: { recentOutput: ["last line"] },
      message: expect.stringContaining("within less than a second"),
    });
  });

  it("stops quietly when the start is superseded", async () => {
    for (const until of ["prepare", "waitForPort", "probe"]) {
      const { adapter, record, steps } = recordingAdapter({ wantedUntil: until });
      expect(await runGatewayStart(adapter), until).toBe("superseded");
      expect(steps.at(-1), until).toBe(until);
      expect(record.state, until).not.toBe("ready");
    }
  });
});

describe("progress across a restart", () => {
  it("starts the bar over when a ready gateway is stopped to restart: never the old 100 % before ready", async () => {
    const { adapter, record } = recordingAdapter();
    expect(await runGatewayStart(adapter)).toBe("ready");
    expect(progressOf(record)).toBe(100);
    // What both hosts' restart() does first, before the old process is stopped.
    enterPhase(record, "provisioning", "stopping");
    expect(progressOf(record)).toBe(0);
    enterPhase(record, "provisioning", "queued");
    expect(progressOf(record)).toBeLessThan(100);
  });
});
