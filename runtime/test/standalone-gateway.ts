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

/**
 * A gateway started by a command as the app's guide shows it (shared/openclaw-paths.ts):
 * `VAR=value … openclaw <args>`, run with the pinned `openclaw` and those variables, on a
 * machine where `openclaw onboard` already wrote the config (its model: the scripted one).
 * The config holds neither port nor token: the command's own words set them.
 */
export function startGatewayByCommand(command: string, modelBaseUrl: string): StandaloneGateway {
  const words = command.trim().split(/\s+/);
  const env: Record<string, string> = {};
  while (words[0] && /^[A-Z_]+=/.test(words[0])) {
    const [name, ...value] = words.shift()!.split("=");
    env[name!] = value.join("=");
  }
  if (words.shift() !== "openclaw") throw new Error(`not an openclaw command: ${command}`);
  const portAt = words.indexOf("--port");
  const port = Number(words[portAt + 1]);
  const token = env.OPENCLAW_GATEWAY_TOKEN ?? "";
  return startStandaloneGateway({ port, token, modelBaseUrl, openclawArgs: words, env, bareConfig: true });
}

export function startStandaloneGateway(options: {
  port: number;
  token: string;
  modelBaseUrl: string;
  modelId?: string;
  /** `openclaw`'s words, as a person typed them (startGatewayByCommand). */
  openclawArgs?: readonly string[];
  /** Variables the person set on the command. */
  env?: Record<string, string>;
  /** The config as onboarding leaves it: no port, no token. */
  bareConfig?: boolean;
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
  if (options.bareConfig) {
    const gateway = config.gateway as Record<string, unknown>;
    delete gateway.port;
    delete gateway.auth;
  }
  writeFileSync(paths.config, JSON.stringify(config, null, 2));
  const output: string[] = [];
  const child = spawnGateway({
    files: inPlaceGatewayFiles(gatewaySources(OPENCLAW_ENTRY)),
    cwd: dir,
    port: options.port,
    token: options.token,
    env: { ...gatewayIsolationEnv(paths), [MODEL_API_KEY_ENV]: "scripted-key", TMPDIR: paths.tmp, ...options.env },
    recentOutput: output,
    ...(options.openclawArgs ? { openclawArgs: options.openclawArgs } : {}),
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
