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
 * config file, and no discovery, respawn, self-update or network lookups. Channels load
 * (no OPENCLAW_SKIP_CHANNELS, which strips `channels` from the runtime config): the room
 * configures them through the gateway's own methods (decision 38). A gateway with none
 * configured starts none; one whose channel cannot reach its service may stall on SIGTERM,
 * which the stop timeout's SIGKILL of the group covers.
 */
export function gatewayIsolationEnv(paths: GatewayPaths): Record<string, string> {
  return {
    HOME: paths.home,
    OPENCLAW_HOME: paths.home,
    OPENCLAW_STATE_DIR: paths.state,
    OPENCLAW_CONFIG_PATH: paths.config,
    OPENCLAW_DISABLE_BONJOUR: "1",
    OPENCLAW_NO_RESPAWN: "1",
    OPENCLAW_NO_AUTO_UPDATE: "1",
    OPENCLAW_OFFLINE: "1",
    NO_COLOR: "1",
    FORCE_COLOR: "0",
  };
}

export function buildGatewayConfig(input: GatewayConfigInput): Record<string, unknown> {
  if (input.token.length < MIN_GATEWAY_TOKEN_LENGTH)
    throw new Error(`gateway token must be at least ${MIN_GATEWAY_TOKEN_LENGTH} characters`);
  if (!Number.isInteger(input.port) || input.port <= 0 || input.port > 65535)
    throw new Error(`invalid gateway port ${input.port}`);
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
      // The gateway's own dashboard is served to no one (the runtime proxies only its
      // WebSocket and device routes, and the product is the dashboard); off, a start does not
      // prepare and hash its assets either.
      controlUi: { enabled: false },
    },
    update: { checkOnStart: false },
    // The default log file is /tmp/openclaw/openclaw-<date>.log, shared by every gateway
    // on the machine: keep each instance's log inside its own directory.
    logging: { file: input.logFile },
    // "ask" = allowlist + ask on miss: every new command raises exec.approval.requested,
    // which the Autopilot turns into a human approval.
    tools: { exec: { mode: "ask" } },
    agents: { defaults: { workspace: input.workspaceDir } },
    // The room installs a person's private skill through `skills.upload.*` + `skills.install`,
    // each one approved (decision 70): the gateway takes uploaded archives only when told to.
    skills: { install: { allowUploadedArchives: true } },
  };
  if (input.model) {
    const { baseUrl, modelId } = input.model;
    (config.agents as { defaults: Record<string, unknown> }).defaults.model = {
      primary: `${MODEL_PROVIDER_ID}/${modelId}`,
    };
    config.models = {
      // "replace": only the operator's endpoint, no plugin catalogs that would try to reach
      // the internet for model lists.
      mode: "replace",
      providers: {
        [MODEL_PROVIDER_ID]: {
          baseUrl,
          apiKey: `\${${MODEL_API_KEY_ENV}}`,
          // Sent as a bearer token all the same. In the default "api-key" mode the gateway
          // disables its key for ten minutes (doubling up to a day) after a billing error, so
          // once a workspace out of credits (the pass-through's 402) is credited again its
          // gateway would still refuse to call; a token is not put aside that way.
          auth: "token",
          api: "openai-completions",
          timeoutSeconds: 120,
          // Every model the operator offers (the default first): an instance's own is chosen
          // through the gateway's config (decision 74), and a start keeps it (carryChannels).
          models: (input.model.offered ?? [modelId]).map((id) => ({
            id,
            name: id,
            reasoning: false,
            input: ["text"],
            cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
            contextWindow: 128000,
            maxTokens: 4096,
          })),
        },
      },
    };
  }
  return config;
}

/** The largest previous config whose channels a start carries over; a bigger one is not read. */
export const MAX_CARRIED_CONFIG_BYTES = 256 * 1024;
const MAX_BINDINGS = 200;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The model the previous config chose (`agents.defaults.model.primary`) when this config still offers it. */
function chosenModel(config: Record<string, unknown>, previous: Record<string, unknown>): string | undefined {
  const agents = isObject(previous.agents) ? previous.agents : undefined;
  const defaults = agents && isObject(agents.defaults) ? agents.defaults : undefined;
  const model = defaults && isObject(defaults.model) ? defaults.model.primary : undefined;
  if (typeof model !== "string" || !model.startsWith(`${MODEL_PROVIDER_ID}/`)) return undefined;
  const providers = (config.models as { providers?: Record<string, { models?: { id: string }[] }> } | undefined)
    ?.providers;
  const offered = providers?.[MODEL_PROVIDER_ID]?.models ?? [];
  return offered.some((m) => `${MODEL_PROVIDER_ID}/${m.id}` === model) ? model : undefined;
}

/**
 * The config a start writes keeps what the gateway's operators set through the gateway
 * itself since (decision 38): its `channels` and their `bindings` (a channel account's
 * owning agent), the model chosen for it when still offered (`agents.defaults.model.primary`, decision 74), each skill's settings (`skills.entries`: enabled, its key and env, set
 * through `skills.update`, decision 70), and the gateway's own `meta` (once the gateway has written the file it keeps
 * a last-good copy, and a config without `meta` is "restored" from that copy at start,
 * undoing the runtime's rewrite). Everything else is the runtime's, rebuilt at every start. The previous
 * file is the gateway's to write, so it is read as hostile: only those keys, of the
 * right shapes, bounded; anything unreadable is dropped, not fatal.
 */
export function carryChannels(
  config: Record<string, unknown>,
  previousText: string | undefined,
): Record<string, unknown> {
  if (previousText === undefined || previousText.length > MAX_CARRIED_CONFIG_BYTES) return config;
  let previous: unknown;
  try {
    previous = JSON.parse(previousText);
  } catch {
    return config;
  }
  if (!isObject(previous)) return config;
  const carried: Record<string, unknown> = {};
  if (isObject(previous.channels)) carried.channels = previous.channels;
  if (isObject(previous.meta)) carried.meta = previous.meta;
  const entries = isObject(previous.skills) ? previous.skills.entries : undefined;
  if (isObject(entries)) carried.skills = { ...(config.skills as Record<string, unknown>), entries };
  const primary = chosenModel(config, previous);
  if (primary)
    carried.agents = {
      ...(config.agents as Record<string, unknown>),
      defaults: { ...((config.agents as { defaults: Record<string, unknown> }).defaults ?? {}), model: { primary } },
    };
  if (Array.isArray(previous.bindings)) {
    const bindings = previous.bindings
      .filter((b) => isObject(b) && typeof b.agentId === "string" && isObject(b.match))
      .slice(0, MAX_BINDINGS);
    if (bindings.length > 0) carried.bindings = bindings;
  }
  return { ...config, ...carried };
}
