// Channels end to end: the real server (wrangler dev), the real runtime (process host) running
// the pinned `openclaw` gateway, and the real client library. A person asks to connect
// Telegram with a bot token, another approves, and the gateway reports it configured (offline:
// it never reaches the Bot API, so never connected); DM access is set and narrowed; a
// disconnect logs it out. The token is in no frame any client received, only on the gateway.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { ChannelStatus } from "../../shared/protocol/channels";
import type { AutopilotClient } from "../src/client";
import { addSecondPerson, approvedJob, ownWorkspace, personClient, provisionConnected, signUp } from "./e2e-helpers";
import { withOpenClawStack } from "./openclaw-stack";

// The shape of a token from @BotFather; never a real one.
const TOKEN = "555000111:AAe2e-channels-secret_0123456789abcdef";
const frames: string[] = [];
const clients: AutopilotClient[] = [];
const stack = withOpenClawStack("channels");
let workspace: string;
let alice: AutopilotClient;
let bob: AutopilotClient;
const key = (label: string) => `${label}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;

/** `ws` that keeps a copy of every frame it receives. */
class RecordingWebSocket extends WebSocket {
  constructor(address: string, protocols?: string | string[]) {
    super(address, protocols);
    this.on("message", (data) => frames.push(data.toString()));
  }
}

function recordingClient(cookie: string, device: string): AutopilotClient {
  const client = personClient(stack.server.url, cookie, workspace, device, { WebSocket: RecordingWebSocket });
  clients.push(client);
  return client;
}

/** Bob approves what Alice asked; resolves with the job the room ran for it, once finished. */
const approved = (approvalId: string) => approvedJob(bob, alice, approvalId);

/** Reads the channels until `done` holds for Telegram (the gateway applies config in the background). */
async function telegramUntil(done: (t: ChannelStatus) => boolean, what: string): Promise<ChannelStatus> {
  return vi.waitFor(
    async () => {
      const { channels } = await alice.request("instances.channels", { instanceId: "work" });
      const telegram = channels.find((c) => c.channel === "telegram");
      if (telegram && done(telegram)) return telegram;
      throw new Error(`timed out waiting for ${what}: ${JSON.stringify(channels)}`);
    },
    { timeout: 60_000, interval: 500 },
  );
}

const configFile = () => readFileSync(join(stack.dataDir, "instances", workspace, "work", "openclaw.json"), "utf8");

beforeAll(async () => {
  const baseUrl = stack.server.url;
  const { cookie } = await signUp(baseUrl, "Alice");
  workspace = await ownWorkspace(baseUrl, cookie);
  alice = recordingClient(cookie, "laptop");
  await alice.ready();
  bob = recordingClient((await addSecondPerson(baseUrl, cookie, workspace, "Bob")).cookie, "phone");
  await bob.ready();
  await provisionConnected(alice, bob, { seen: true });
}, 300_000);

afterAll(() => {
  for (const c of clients) c.close();
});

describe("channels through the room and the pinned gateway", () => {
  it("lists Telegram (bundled) not yet configured", async () => {
    const telegram = await telegramUntil(() => true, "the channel list");
    expect(telegram).toMatchObject({ label: "Telegram", configurable: true, dmPolicy: null, allowFrom: [] });
    expect(telegram.accounts.every((a) => !a.configured)).toBe(true);
  }, 60_000);

  it("connects Telegram after an approval: configured with its token available, never connected offline", async () => {
    const { approval } = await alice.request("instances.configureChannel", {
      instanceId: "work",
      channel: "telegram",
      botToken: TOKEN,
      idempotencyKey: key("tg"),
    });
    expect(approval.details).toContain("a bot token (hidden)");
    const job = await approved(approval.id);
    expect(job.status, job.error ?? "").toBe("succeeded");
    const telegram = await telegramUntil((t) => t.accounts.some((a) => a.configured), "Telegram configured");
    expect(telegram.accounts[0]).toMatchObject({
      accountId: "default",
      configured: true,
      tokenStatus: "available",
      connected: false,
    });
    // On the gateway, and bound to its main agent.
    const config = JSON.parse(configFile());
    expect(config.channels.telegram.botToken).toBe(TOKEN);
    expect(config.bindings).toContainEqual({ agentId: "main", match: { channel: "telegram", accountId: "default" } });
  }, 120_000);

  it("sets who may DM it, and narrows the list", async () => {
    const wide = await alice.request("instances.setChannelAccess", {
      instanceId: "work",
      channel: "telegram",
      dmPolicy: "allowlist",
      allowFrom: ["111", "222"],
      idempotencyKey: key("acc"),
    });
    expect((await approved(wide.approval.id)).status).toBe("succeeded");
    await telegramUntil((t) => t.dmPolicy === "allowlist" && t.allowFrom.join() === "111,222", "the allowlist");
    const narrow = await alice.request("instances.setChannelAccess", {
      instanceId: "work",
      channel: "telegram",
      dmPolicy: "allowlist",
      allowFrom: ["111"],
      idempotencyKey: key("acc"),
    });
    expect((await approved(narrow.approval.id)).status).toBe("succeeded");
    await telegramUntil((t) => t.allowFrom.join() === "111", "the narrowed allowlist");
    // Back to asking first, with no list at all.
    const pairing = await alice.request("instances.setChannelAccess", {
      instanceId: "work",
      channel: "telegram",
      dmPolicy: "pairing",
      allowFrom: [],
      idempotencyKey: key("acc"),
    });
    expect((await approved(pairing.approval.id)).status).toBe("succeeded");
    await telegramUntil((t) => t.dmPolicy === "pairing" && t.allowFrom.length === 0, "pairing with an empty list");
  }, 120_000);

  it("disconnects after an approval: logged out, the token gone from the gateway", async () => {
    const { approval } = await alice.request("instances.disconnectChannel", {
      instanceId: "work",
      channel: "telegram",
      idempotencyKey: key("off"),
    });
    expect((await approved(approval.id)).status).toBe("succeeded");
    await telegramUntil((t) => t.accounts.every((a) => !a.configured), "Telegram not configured");
    expect(configFile()).not.toContain(TOKEN);
  }, 120_000);

  it("no client ever received the token", () => {
    expect(frames.length).toBeGreaterThan(10);
    for (const frame of frames) expect(frame).not.toContain(TOKEN);
    expect(frames.join("\n")).not.toContain("e2e-channels-secret");
  });
});
