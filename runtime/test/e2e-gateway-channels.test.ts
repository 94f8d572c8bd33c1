// Channels on the real pinned gateway as the runtime starts it (decision 38): channels are no
// longer skipped, so a Telegram bot token written with config.patch is configured and its
// status readable offline; logout clears it from the config; a gateway running a channel that
// cannot reach its service still stops within the runtime's stop path (SIGTERM, then SIGKILL
// of the group after the stop timeout). Offline: the Bot API is never reached, so the channel
// is configured but never connected.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { stopGatewayProcess } from "../src/gateway-process";
import { isPortOpen } from "../src/ports";
import { api, isProcessRunning, processTree, ProxiedGatewayClient, SERVICE_TOKEN, waitForStatus } from "./helpers";
import { startScriptedRuntime, type ScriptedRuntime } from "./scripted-runtime";

const WS = "wsch";
const ALPHA = `/v1/workspaces/${WS}/instances/alpha`;
// The shape of a bot token from @BotFather; never a real one.
const BOT_TOKEN = "123456789:AAtest-channels-token_0123456789abcdefgh";
const ADMIN_SCOPES = ["operator.read", "operator.write", "operator.approvals", "operator.pairing", "operator.admin"];

let setup: ScriptedRuntime;
let operator: ProxiedGatewayClient;
let alpha: { port: number; pid: number; dir: string };

beforeAll(async () => {
  setup = await startScriptedRuntime({
    dataDirPrefix: "runtime-channels-",
    modelApiKey: "scripted-key",
    env: { RUNTIME_SERVICE_TOKEN: SERVICE_TOKEN, RUNTIME_MAX_GATEWAYS: "1", RUNTIME_STOP_TIMEOUT_MS: "5000" },
  });
});

afterAll(async () => {
  operator?.close();
  await setup?.close();
});

async function call(method: string, params: Record<string, unknown>): Promise<any> {
  const res = await operator.request(method, params);
  if (!res.ok) throw new Error(`${method}: ${JSON.stringify(res.error)}`);
  return res.payload;
}

async function patch(config: Record<string, unknown>, replacePaths?: string[]): Promise<void> {
  const { hash } = await call("config.get", {});
  await call("config.patch", {
    raw: JSON.stringify(config),
    baseHash: hash,
    ...(replacePaths ? { replacePaths } : {}),
  });
}

const telegram = (status: any) =>
  status.channelAccounts?.telegram?.find((a: { accountId: string }) => a.accountId === "default");
const configFile = () => JSON.parse(readFileSync(join(alpha.dir, "openclaw.json"), "utf8"));

describe("channels on the real gateway", () => {
  it("starts with channels loaded and none configured", async () => {
    expect((await api(setup.baseUrl, "PUT", ALPHA)).status).toBe(202);
    const { final } = await waitForStatus(setup.baseUrl, ALPHA, (s) => s.state === "ready" || s.state === "error");
    expect(final.error).toBeNull();
    expect(final.state).toBe("ready");
    alpha = { port: final.port, pid: final.pid, dir: join(setup.dataDir, "instances", WS, "alpha") };
    operator = await ProxiedGatewayClient.open(`${setup.baseUrl.replace(/^http/, "ws")}${ALPHA}/gateway`);
    expect((await operator.connect(undefined, ADMIN_SCOPES)).ok).toBe(true);
    const status = await call("channels.status", {});
    // A channel is listed once configured (Telegram is bundled, but not yet set up).
    expect(status.channelOrder).toEqual([]);
    expect(telegram(status) ?? { configured: false }).toMatchObject({ configured: false });
  });

  it("a bot token written with config.patch (and its binding) makes Telegram configured, offline", async () => {
    await patch({
      channels: { telegram: { enabled: true, botToken: BOT_TOKEN } },
      bindings: [{ agentId: "main", match: { channel: "telegram", accountId: "default" } }],
    });
    await call("channels.start", { channel: "telegram", accountId: "default" });
    // The gateway applies the config in the background: wait for the status to say so.
    const account = await vi.waitFor(
      async () => {
        const found = telegram(await call("channels.status", {}));
        expect(found?.configured, "Telegram configured, in the channels' status").toBe(true);
        return found;
      },
      { timeout: 30_000, interval: 500 },
    );
    expect(account).toMatchObject({ configured: true, tokenStatus: "available" });
    expect(account.connected ?? false).toBe(false);
    // The status names the token's state, never the token.
    expect(operator.rawFrames.filter((f) => f.includes('"channelAccounts"')).join("\n")).not.toContain(BOT_TOKEN);
    expect(configFile().channels.telegram.botToken).toBe(BOT_TOKEN);
  });

  it("the DM policy and its allowlist are config keys; shrinking the list needs replacePaths", async () => {
    await patch({ channels: { telegram: { dmPolicy: "allowlist", allowFrom: ["111", "222"] } } });
    expect(configFile().channels.telegram).toMatchObject({ dmPolicy: "allowlist", allowFrom: ["111", "222"] });
    const { hash } = await call("config.get", {});
    const refused = await operator.request("config.patch", {
      raw: JSON.stringify({ channels: { telegram: { allowFrom: ["111"] } } }),
      baseHash: hash,
    });
    expect(refused.ok).toBe(false);
    await patch({ channels: { telegram: { allowFrom: ["111"] } } }, ["channels.telegram.allowFrom"]);
    expect(configFile().channels.telegram.allowFrom).toEqual(["111"]);
    // DM pairing requests come only from real inbound DMs: offline the list is empty.
    expect((await call("channels.pairing.list", { channel: "telegram" })).requests).toEqual([]);
  });

  it("logout clears the bot token from the config; the status says not configured", async () => {
    const out = await call("channels.logout", { channel: "telegram", accountId: "default" });
    expect(out).toMatchObject({ channel: "telegram", cleared: true });
    expect(configFile().channels.telegram.botToken).toBeUndefined();
    await vi.waitFor(
      async () => {
        const found = telegram(await call("channels.status", {}));
        expect(
          found === undefined || found.configured === false,
          `Telegram unconfigured: ${JSON.stringify(found)}`,
        ).toBe(true);
      },
      { timeout: 30_000, interval: 500 },
    );
  });

  it("a restart keeps the channels and bindings set through the gateway (the runtime rewrites the rest)", async () => {
    await patch({ channels: { telegram: { enabled: true, botToken: BOT_TOKEN } } });
    expect(configFile().channels.telegram.botToken).toBe(BOT_TOKEN);
    operator.close();
    expect((await api(setup.baseUrl, "POST", `${ALPHA}/restart`)).status).toBe(202);
    const { final } = await waitForStatus(
      setup.baseUrl,
      ALPHA,
      (s) => (s.state === "ready" && s.pid !== alpha.pid) || s.state === "error",
    );
    expect(final).toMatchObject({ state: "ready", error: null });
    alpha = { ...alpha, port: final.port, pid: final.pid };
    // The gateway took the runtime's rewrite, not its own last-good copy of the file.
    expect(readFileSync(join(alpha.dir, "logs", "gateway.log"), "utf8")).not.toContain("Config auto-restored");
    expect(configFile()).toMatchObject({
      channels: { telegram: { enabled: true, botToken: BOT_TOKEN, dmPolicy: "allowlist", allowFrom: ["111"] } },
      bindings: [{ agentId: "main", match: { channel: "telegram", accountId: "default" } }],
      gateway: { port: final.port },
    });
    operator = await ProxiedGatewayClient.open(`${setup.baseUrl.replace(/^http/, "ws")}${ALPHA}/gateway`);
    expect((await operator.connect(undefined, ADMIN_SCOPES)).ok).toBe(true);
    await vi.waitFor(
      async () =>
        expect(telegram(await call("channels.status", {}))?.configured, "Telegram configured after the restart").toBe(
          true,
        ),
      { timeout: 30_000, interval: 500 },
    );
  });

  it("with Telegram configured (and unreachable), delete still stops the gateway", async () => {
    operator.close();
    const tree = processTree(alpha.pid);
    const res = await api(setup.baseUrl, "DELETE", ALPHA);
    expect(res.status).toBe(200);
    // The delete answered after the stop path: SIGTERM, and SIGKILL of the group if it stalled.
    await vi.waitFor(() => expect(tree.filter(isProcessRunning), "the gateway's processes still running").toEqual([]), {
      timeout: 10_000,
      interval: 100,
    });
    expect(await isPortOpen(alpha.port)).toBe(false);
  });
});

describe("the stop path", () => {
  it("SIGKILLs the group of a process that ignores SIGTERM once the stop timeout passes", async () => {
    // A stand-in for a gateway stuck retiring a channel: it ignores SIGTERM, as does its helper.
    const script =
      "process.on('SIGTERM',()=>{});require('node:child_process').spawn(process.execPath,['-e',\"process.on('SIGTERM',()=>{});setInterval(()=>{},1000)\"],{stdio:'ignore'});setInterval(()=>{},1000);console.log('up')";
    const child = spawn(process.execPath, ["-e", script], { detached: true, stdio: ["ignore", "pipe", "ignore"] });
    await new Promise((resolveUp) => child.stdout.once("data", resolveUp));
    await vi.waitFor(() => expect(processTree(child.pid!), "the stand-in and its helper").toHaveLength(2), {
      timeout: 5_000,
      interval: 100,
    });
    const tree = processTree(child.pid!);
    expect(await stopGatewayProcess(child, 500)).toBe(false);
    await vi.waitFor(() => expect(tree.filter(isProcessRunning), "the group's processes still running").toEqual([]), {
      timeout: 5_000,
      interval: 100,
    });
  });
});
