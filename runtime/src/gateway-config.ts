// Writes the gateway's openclaw.json. Pure: the process host decides paths, port and token.
import type { ModelProviderConfig } from "./model-config";

/** The provider id the runtime registers for the operator's OpenAI-compatible endpoint. */
export const MODEL_PROVIDER_ID = "runtime";
/**
 * The gateway substitutes `${VAR}` in config strings from its environment, so the provider
 * key lives only in the child's env: never in the instance dir, never in a backup. On the
 * process host that key is the instance's own pass-through credential, not the operator's
 * (model-passthrough.ts).
 */
export const MODEL_API_KEY_ENV = "OPENCLAW_MODEL_API_KEY";

export interface GatewayConfigInput {
  port: number;
  token: string;
  workspaceDir: string;
  logFile: string;
  model: ModelProviderConfig | undefined;
}

export const MIN_GATEWAY_TOKEN_LENGTH = 32;

export interface GatewayPaths {
  home: string;
  state: string;
  config: string;
}

/**
 * The isolation variables every gateway runs with (both hosts): its own home, state dir and
 * config file, and no discovery, respawn, channels, self-update or network lookups.
 */
export function gatewayIsolationEnv(paths: GatewayPaths): Record<string, string> {
  return {
    HOME: paths.home,
    OPENCLAW_HOME: paths.home,
    OPENCLAW_STATE_DIR: paths.state,
    OPENCLAW_CONFIG_PATH: paths.config,
    OPENCLAW_DISABLE_BONJOUR: "1",
    OPENCLAW_NO_RESPAWN: "1",
    OPENCLAW_SKIP_CHANNELS: "1",
    OPENCLAW_NO_AUTO_UPDATE: "1",
    OPENCLAW_OFFLINE: "1",
    NO_COLOR: "1",
    FORCE_COLOR: "0",
  };
}

export function buildGatewayConfig(input: GatewayConfigInput): Record<string, unknown> {
  if (input.token.length < MIN_GATEWAY_TOKEN_LENGTH) throw new Error(`gateway token must be at least ${MIN_GATEWAY_TOKEN_LENGTH} characters`);
  if (!Number.isInteger(input.port) || input.port <= 0 || input.port > 65535) throw new Error(`invalid gateway port ${input.port}`);
  const config: Record<string, unknown> = {
    gateway: {
      mode: "local",
      port: input.port,
      // Loopback only: the runtime's WebSocket proxy is the one way in.
      bind: "loopback",
      auth: { mode: "token", token: input.token },
      // The runtime's device entry (ws-proxy.ts) is a proxy on loopback that reports devices
      // as remote peers (X-Forwarded-For), so the gateway never pairs them silently as local
      // ones. Connections without that header (the Autopilot's) stay direct local ones.
      trustedProxies: ["127.0.0.1"],
    },
    update: { checkOnStart: false },
    // The default log file is /tmp/openclaw/openclaw-<date>.log, shared by every gateway
    // on the machine: keep each instance's log inside its own directory.
    logging: { file: input.logFile },
    // "ask" = allowlist + ask on miss: every new command raises exec.approval.requested,
    // which the Autopilot turns into a human approval.
    tools: { exec: { mode: "ask" } },
    agents: { defaults: { workspace: input.workspaceDir } },
  };
  if (input.model) {
    const { baseUrl, modelId } = input.model;
    (config.agents as { defaults: Record<string, unknown> }).defaults.model = { primary: `${MODEL_PROVIDER_ID}/${modelId}` };
    config.models = {
      // "replace": only the operator's endpoint, no plugin catalogs that would try to reach
      // the internet for model lists.
      mode: "replace",
      providers: {
        [MODEL_PROVIDER_ID]: {
          baseUrl,
          apiKey: `\${${MODEL_API_KEY_ENV}}`,
          api: "openai-completions",
          timeoutSeconds: 120,
          models: [
            {
              id: modelId,
              name: modelId,
              reasoning: false,
              input: ["text"],
              cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
              contextWindow: 128000,
              maxTokens: 4096,
            },
          ],
        },
      },
    };
  }
  return config;
}
