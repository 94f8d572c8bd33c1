// What every end-to-end test of hosted OpenClaw starts: the scripted model (the only test
// double: a paid external API), the real runtime hosting real gateways that use it, and the
// real server (wrangler dev) pointed at that runtime. One place, so each test says only
// what it does differently (the model's script, extra Worker vars).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningRuntime, startRuntime } from "../../party/dev/runtime.mjs";
import { ensureDevVars, freePort, type RunningServer, startServer } from "../../party/dev/server.mjs";
import { afterAll, beforeAll, expect } from "vitest";
import { ProxiedGatewayClient } from "../../runtime/test/helpers";
import { type Reply, type ScriptedModel, startScriptedModel } from "../../runtime/test/scripted-model";
import { notYet, onceStarted } from "./e2e-helpers";

export interface OpenClawStack {
  model: ScriptedModel;
  runtime: RunningRuntime;
  server: RunningServer;
  /** The runtime's service token (tests that talk to the runtime directly need it). */
  serviceToken: string;
  /** The runtime's data directory (instances' state directories are under it). */
  dataDir: string;
  stop(): Promise<void>;
}

/**
 * `name` labels the temporary directories; `vars` are added to the server's Worker vars,
 * `runtimeEnv` to the runtime's; `log` is given every output line of the server and of the
 * runtime (a test that reads them for what must never be logged).
 */
export async function startOpenClawStack(
  name: string,
  options: {
    vars?: (model: ScriptedModel) => Record<string, string>;
    runtimeEnv?: Record<string, string>;
    log?: (line: string, from: "server" | "runtime") => void;
  } = {},
): Promise<OpenClawStack> {
  const { log } = options;
  const serviceToken = ensureDevVars().RUNTIME_SERVICE_TOKEN!;
  const dirs = [
    mkdtempSync(join(tmpdir(), `autopilot-${name}-runtime-`)),
    mkdtempSync(join(tmpdir(), `autopilot-${name}-`)),
  ];
  const model = await startScriptedModel();
  const runtime = await startRuntime({
    port: await freePort(),
    dataDir: dirs[0],
    serviceToken,
    // Its stderr still echoed, as without a log of the test's own.
    ...(log
      ? {
          log: (line: string, stream: "stdout" | "stderr") => {
            log(line, "runtime");
            if (stream === "stderr") process.stderr.write(`${line}\n`);
          },
        }
      : {}),
    env: {
      OPENCLAW_MODEL_BASE_URL: model.baseUrl,
      OPENCLAW_MODEL_ID: "scripted-model",
      OPENCLAW_MODEL_API_KEY: "scripted-key",
      ...options.runtimeEnv,
    },
  });
  const port = await freePort();
  // The device entry's origin as a node on this machine dials it (a setup code names it).
  const vars = { RUNTIME_URL: runtime.url, DEVICE_ENTRY_ORIGIN: `ws://127.0.0.1:${port}`, ...options.vars?.(model) };
  const server = await startServer({
    port,
    persistDir: dirs[1],
    vars,
    ...(log ? { log: (line: string) => log(line, "server") } : {}),
  });
  return {
    model,
    runtime,
    server,
    serviceToken,
    dataDir: dirs[0]!,
    async stop() {
      await server.stop();
      await runtime.stop();
      await model.close();
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    },
  };
}

/**
 * The stack for the file: started in a beforeAll (a gateway's start takes long), stopped in
 * an afterAll. Its parts can be taken apart right away (`const { model, server } = …`): each
 * is read from the running stack when used.
 */
export function withOpenClawStack(
  name: string,
  options: Parameters<typeof startOpenClawStack>[1] & { reply?: Reply } = {},
): OpenClawStack {
  let stack: OpenClawStack | undefined;
  beforeAll(async () => {
    stack = await startOpenClawStack(name, options);
    if (options.reply) stack.model.setReply(options.reply);
  });
  afterAll(async () => {
    await stack?.stop();
  });
  const running = () => stack ?? notYet("the OpenClaw stack is used before the beforeAll that starts it ran");
  return {
    model: onceStarted(() => stack?.model, "the OpenClaw stack's model"),
    runtime: onceStarted(() => stack?.runtime, "the OpenClaw stack's runtime"),
    server: onceStarted(() => stack?.server, "the OpenClaw stack's server"),
    get serviceToken() {
      return running().serviceToken;
    },
    get dataDir() {
      return running().dataDir;
    },
    stop: () => running().stop(),
  };
}

/**
 * Another OpenClaw client of instance `instanceId`'s gateway in `workspace`, connected as an
 * admin operator through the runtime's proxy with the service token: how a test sets up a
 * gateway or talks to it outside the product, as any operator of that gateway could. The
 * caller closes it.
 */
export async function gatewayOperator(
  stack: Pick<OpenClawStack, "runtime" | "serviceToken">,
  workspace: string,
  instanceId = "work",
): Promise<ProxiedGatewayClient> {
  const operator = await ProxiedGatewayClient.open(
    `${stack.runtime.url.replace(/^http/, "ws")}/v1/workspaces/${workspace}/instances/${instanceId}/gateway`,
    {},
    stack.serviceToken,
  );
  try {
    await operator.waitFor((f) => f.type === "event" && f.event === "connect.challenge");
    const hello = await operator.request("connect", {
      minProtocol: 4,
      maxProtocol: 4,
      client: { id: "gateway-client", version: "0.1.0", platform: "linux", mode: "backend" },
      role: "operator",
      scopes: ["operator.admin"],
      caps: [],
    });
    expect(hello.ok, JSON.stringify(hello)).toBe(true);
    return operator;
  } catch (error) {
    operator.close();
    throw error;
  }
}
