// A gateway started outside the runtime, as a user runs one on their own machine: the
// pinned `openclaw`, its own state dir, token and model, no process host around it. The
// linked-gateway tests (instances.link) dial it. It reuses the runtime's config writer and
// spawn (isolation env, watchdog, masked output), so it is the same gateway, only unmanaged.
import type { ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OPENCLAW_ENTRY } from "../src/config";
import { gatewaySources, inPlaceGatewayFiles } from "../src/gateway-files";
import { buildGatewayConfig, gatewayIsolationEnv, MODEL_API_KEY_ENV } from "../src/gateway-config";
import { spawnGateway, stopGatewayProcess } from "../src/gateway-process";
import { instancePaths } from "../src/instance-dir";

export interface StandaloneGateway {
  child: ChildProcess;
  /** Its last output lines (token masked), for a failure message. */
  output: string[];
  stop(): Promise<void>;
}

export function startStandaloneGateway(options: {
  port: number;
  token: string;
  modelBaseUrl: string;
  modelId?: string;
}): StandaloneGateway {
  const dir = mkdtempSync(join(tmpdir(), "own-gateway-"));
  const paths = instancePaths(dir);
  for (const d of [paths.home, paths.state, paths.workspace, paths.logs, paths.tmp]) mkdirSync(d, { recursive: true });
  const model = { baseUrl: options.modelBaseUrl, modelId: options.modelId ?? "scripted-model", apiKey: "scripted-key" };
  const config = buildGatewayConfig({
    port: options.port,
    token: options.token,
    workspaceDir: paths.workspace,
    logFile: join(paths.logs, "gateway.log"),
    model,
  });
  writeFileSync(paths.config, JSON.stringify(config, null, 2));
  const output: string[] = [];
  const child = spawnGateway({
    files: inPlaceGatewayFiles(gatewaySources(OPENCLAW_ENTRY)),
    cwd: dir,
    port: options.port,
    token: options.token,
    env: { ...gatewayIsolationEnv(paths), [MODEL_API_KEY_ENV]: "scripted-key", TMPDIR: paths.tmp },
    recentOutput: output,
  });
  return {
    child,
    output,
    stop: async () => {
      await stopGatewayProcess(child, 5_000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
