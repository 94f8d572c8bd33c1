// long-file: one stack and one gateway start serve the channels, the skills and the checks across both; split
// into files, each would start its own.
// Channels end to end: the real server (wrangler dev), the real runtime (process host) running
// the pinned `openclaw` gateway, and the real client library. A person asks to connect
// Telegram with a bot token, another approves, and the gateway reports it configured (offline:
// it never reaches the Bot API, so never connected); DM access is set and narrowed; a
// disconnect logs it out. The token is in no frame any client received, only on the gateway.
// WhatsApp's QR link is pushed by the room as it goes: against the pinned gateway (no WhatsApp
// plugin) it ends in plain words; against a scripted gateway linked as a second instance (the
// only way to have a QR here) each new QR reaches the people who may link WhatsApp and no
// other socket (a viewer's, an agent key's get the state without it), and a cancel clears it.
// Then, on the same instance (one gateway start serves both), its skills (decision 70): Alice
// asks to install a private skill (a folder with SKILL.md: the room packs the archive and
// uploads it through the gateway's own `skills.upload.*` + `skills.install`), Bob approves; the
// gateway lists it, its agent gets it in the prompt the scripted model is given and the answer
// in the thread changes; disabled, the agent no longer has it; removed (the runtime deletes its
// folder), the gateway no longer lists it. A skill's API key and env value reach the gateway's
// config and no frame any client received. At the end: every channel and skill change was an
// approval in the one queue, decided once (a second decision is refused) and audited, and no
// token or skill secret is in a line the server or the runtime logged, nor in what the server
// gives a browser (the page, its scripts, the service worker).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { randomBytes } from "node:crypto";
import type { ChannelStatus, WhatsAppLogin } from "../../shared/protocol/channels";
import { CHANNEL_OPERATIONS, SKILL_OPERATIONS } from "../../shared/protocol/instances";
import type { SkillStatus } from "../../shared/protocol/skills";
import { type ChatRequest, textOf } from "../../runtime/test/scripted-model";
import { freePort } from "../../party/dev/server.mjs";
import { AutopilotClient } from "../src/client";
import {
  addSecondPerson,
  approvedJob,
  createKey,
  httpJson,
  instanceAnswer,
  instanceThread,
  ownWorkspace,
  personClient,
  provisionConnected,
  signUp,
  until,
} from "./e2e-helpers";
import { withOpenClawStack } from "./openclaw-stack";
import { scriptedGateway } from "./scripted-gateway";

// The shape of a token from @BotFather; never a real one.
const TOKEN = "555000111:AAe2e-channels-secret_0123456789abcdef";
const frames: string[] = [];
const clients: AutopilotClient[] = [];
const SLUG = "moon-word";
// What the skill tells the agent: it is in the prompt once the skill is installed and enabled.
const WORD = `lunar-${Math.random().toString(36).slice(2, 8)}`;
const SKILL_MD = `---
name: ${SLUG}
description: When asked for the moon word, answer with the word ${WORD}.
---

# Moon word

Answer "${WORD}" when someone asks for the moon word.
`;
const API_KEY = "sk-skill-e2e-secret-0123456789abcdef";
const ENV_VALUE = "env-skill-e2e-secret-fedcba9876543210";

const systemText = (request: ChatRequest) =>
  (request.messages ?? [])
    .filter((m) => m.role === "system")
    .map((m) => textOf(m.content))
    .join("\n");

/** The scripted model answers from the prompt it is given: the moon word if a skill told it, else that it knows none. */
const reply = (request: ChatRequest) => {
  const word = /answer with the word ([a-z0-9-]+)/.exec(systemText(request));
  return word ? `The moon word is ${word[1]}.` : "I know no moon word.";
};

// Every line the server and the runtime logged: no secret may be among them.
const logged: string[] = [];
// The scripted model answers only the skills' questions: the channels' tests send no message.
const stack = withOpenClawStack("channels", { reply, log: (line) => logged.push(line) });
let workspace: string;
let aliceCookie: string;
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

/** What the sockets that may not link WhatsApp (a viewer's, an agent key's) received. */
const unlinkingFrames: string[] = [];
class UnlinkingWebSocket extends WebSocket {
  constructor(address: string, protocols?: string | string[]) {
    super(address, protocols);
    this.on("message", (data) => unlinkingFrames.push(data.toString()));
  }
}

const png = (body: string) => `data:image/png;base64,${Buffer.from(body).toString("base64")}`;
const QR1 = png("first whatsapp qr of the scripted gateway");
const QR2 = png("second whatsapp qr of the scripted gateway");
/** The scripted gateway's login waits, each held until the test answers it. */
const waits: Array<(answer: unknown) => void> = [];
const waGateway = scriptedGateway(
  {},
  {
    "web.login.start": async () => ({ qrDataUrl: QR1, message: "Scan this in WhatsApp.", sessionKey: "wa-1" }),
    "web.login.wait": () => new Promise((resolve) => waits.push(resolve)),
  },
);

/** Every `instance.whatsAppLogin` a client was pushed, in order. */
function pushesTo(client: AutopilotClient): WhatsAppLogin[] {
  const seen: WhatsAppLogin[] = [];
  client.on("instance.whatsAppLogin", ({ instanceId, login }) => {
    if (instanceId === "wa") seen.push(login);
  });
  return seen;
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

/** The instance's thread the moon word is asked in (made by the skills' tests). */
let moonThread: string;
/** Bob approves a skill change Alice asked for; resolves with the job the room ran for it, once finished. */
const skillApproved = (approvalId: string) => approvedJob(bob, alice, approvalId, 90_000);
/** The gateway's config file, parsed. */
const skillsConfig = () =>
  JSON.parse(readFileSync(join(stack.dataDir, "instances", workspace, "work", "openclaw.json"), "utf8"));

/** Reads the skills until `done` holds for ours (the gateway's skill watcher picks a change up in the background). */
async function skillUntil(
  done: (s: SkillStatus | undefined) => boolean,
  what: string,
): Promise<SkillStatus | undefined> {
  return vi.waitFor(
    async () => {
      const { skills } = await alice.request("instances.skills", {
        instanceId: "work",
      });
      const ours = skills.find((s) => s.key === SLUG);
      if (done(ours)) return ours;
      throw new Error(`timed out waiting for ${what}: ${JSON.stringify(ours ?? skills.map((s) => s.key))}`);
    },
    { timeout: 60_000, interval: 500 },
  );
}

/** Asks for the moon word in the instance's thread; the instance's answer. */
async function ask(): Promise<string> {
  const { message } = await alice.request("chat.send", {
    threadId: moonThread,
    text: "What is the moon word?",
    idempotencyKey: key("send"),
  });
  return (await instanceAnswer(alice, moonThread, message, (m) => /moon word/.test(m.text))).text;
}

beforeAll(async () => {
  const baseUrl = stack.server.url;
  const { cookie } = await signUp(baseUrl, "Alice");
  aliceCookie = cookie;
  workspace = await ownWorkspace(baseUrl, cookie);
  alice = recordingClient(cookie, "laptop");
  await alice.ready();
  bob = recordingClient((await addSecondPerson(baseUrl, cookie, workspace, "Bob")).cookie, "phone");
  await bob.ready();
  await provisionConnected(alice, bob, { seen: true });
}, 300_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await waGateway.close();
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
    // On the instance's record for everyone (the canvas's node says it): set up, not connected.
    await until(
      () => bob.state.instances.get("work")?.channels?.some((c) => c.channel === "telegram"),
      "Telegram on the instance's record",
      10_000,
    );
    expect(bob.state.instances.get("work")?.channels).toEqual([
      { channel: "telegram", label: "Telegram", state: "attention" },
    ]);
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
    await until(() => bob.state.instances.get("work")?.channels?.length === 0, "no channel on the record", 10_000);
  }, 120_000);

  it("pushes the pinned gateway's WhatsApp link as it goes, ending in plain words: it has no WhatsApp", async () => {
    const seen: WhatsAppLogin[] = [];
    const off = alice.on(
      "instance.whatsAppLogin",
      ({ instanceId, login }) => instanceId === "work" && seen.push(login),
    );
    const { approval } = await alice.request("instances.linkWhatsApp", {
      instanceId: "work",
      idempotencyKey: key("wa"),
    });
    const job = await approved(approval.id);
    expect(job.status).toBe("failed");
    // Pushed, not read: the last push is the failure, in the room's words.
    await until(() => seen.at(-1)?.state === "failed", "the failure pushed", 10_000);
    off();
    expect(seen[0]?.state).toBe("starting");
    expect(seen.at(-1)).toMatchObject({ qrDataUrl: null, message: job.error });
    expect(job.error).toMatch(/has no WhatsApp channel: WhatsApp's plugin \(@openclaw\/whatsapp\) is not installed/);
  }, 120_000);

  it("pushes a linked gateway's QR to the people who may link WhatsApp only, each new one as it comes, and clears it on cancel", async () => {
    const port = await freePort();
    await waGateway.listen(port);
    const baseUrl = stack.server.url;
    // A viewer and an agent's key (read and write) read the workspace but may not link WhatsApp.
    const ownerCookie = aliceCookie;
    const carol = await addSecondPerson(baseUrl, ownerCookie, workspace, "Carol", "viewer");
    const viewer = personClient(baseUrl, carol.cookie, workspace, "carol", { WebSocket: UnlinkingWebSocket });
    const agentKey = await createKey(baseUrl, ownerCookie, workspace, { name: "wa-agent" });
    const agent = new AutopilotClient({
      url: baseUrl,
      workspace,
      device: "agent",
      apiKey: agentKey,
      WebSocket: UnlinkingWebSocket,
    });
    clients.push(viewer, agent);
    await Promise.all([viewer.ready(), agent.ready()]);
    const toAlice = pushesTo(alice);
    const toBob = pushesTo(bob);
    const toViewer = pushesTo(viewer);
    const toAgent = pushesTo(agent);

    const linked = await alice.request("instances.link", {
      instanceId: "wa",
      name: "WA",
      url: `ws://127.0.0.1:${port}`,
      token: `token-${randomBytes(16).toString("hex")}`,
      idempotencyKey: key("link"),
    });
    await until(() => bob.state.approvals.get(linked.approval.id), "the link approval at Bob", 15_000);
    await bob.request("approvals.resolve", {
      approvalId: linked.approval.id,
      decision: "approve",
      idempotencyKey: key("ok"),
    });
    await until(() => alice.state.instances.get("wa")?.bridge === "connected", "the scripted gateway linked", 60_000);

    const { approval } = await alice.request("instances.linkWhatsApp", { instanceId: "wa", idempotencyKey: key("wa") });
    await until(() => bob.state.approvals.get(approval.id), "the link's approval at Bob", 15_000);
    await bob.request("approvals.resolve", { approvalId: approval.id, decision: "approve", idempotencyKey: key("ok") });
    await until(() => toAlice.some((l) => l.qrDataUrl === QR1), "the first QR pushed to Alice", 30_000);
    await until(() => toBob.some((l) => l.qrDataUrl === QR1), "the first QR pushed to Bob", 10_000);
    // The gateway's QR expired: its newer one is pushed, and the next wait names it.
    await until(() => waits.length === 1, "the room waiting on the gateway", 10_000);
    waits[0]!({ connected: false, qrDataUrl: QR2, message: "A new code." });
    await until(() => toAlice.at(-1)?.qrDataUrl === QR2, "the second QR pushed to Alice", 10_000);
    // Those who may not link are told where it stands, never the code.
    await until(() => toViewer.some((l) => l.state === "scan"), "the viewer told a code shows", 10_000);
    await until(() => toAgent.some((l) => l.state === "scan"), "the agent told a code shows", 10_000);
    expect((await viewer.request("instances.whatsAppLogin", { instanceId: "wa" })).login).toMatchObject({
      state: "scan",
      qrDataUrl: null,
    });
    expect((await alice.request("instances.whatsAppLogin", { instanceId: "wa" })).login.qrDataUrl).toBe(QR2);

    // Alice closes the dialog: the link stops and its code is gone, for everyone, at once.
    await expect(agent.request("instances.cancelWhatsAppLogin", { instanceId: "wa" })).rejects.toMatchObject({
      code: "forbidden",
    });
    const { login } = await alice.request("instances.cancelWhatsAppLogin", { instanceId: "wa" });
    expect(login).toMatchObject({ state: "idle", qrDataUrl: null });
    for (const [who, seen] of Object.entries({ toAlice, toBob, toViewer, toAgent }))
      await until(() => seen.at(-1)?.state === "idle", `the cancel pushed (${who})`, 10_000);
    await until(
      () => [...alice.state.jobs.values()].find((j) => j.title === approval.title && j.status === "cancelled"),
      "the link's job cancelled",
      10_000,
    );
    expect((await bob.request("instances.whatsAppLogin", { instanceId: "wa" })).login.qrDataUrl).toBeNull();

    for (const seen of [toViewer, toAgent]) {
      expect(seen.map((l) => l.state)).toEqual(["starting", "scan", "scan", "idle"]);
      expect(seen.every((l) => l.qrDataUrl === null)).toBe(true);
    }
    expect(toAlice.map((l) => l.qrDataUrl)).toEqual([null, QR1, QR2, null]);
    const codes = [QR1, QR2].map((qr) => qr.slice("data:image/png;base64,".length));
    expect(unlinkingFrames.length).toBeGreaterThan(5);
    for (const frame of unlinkingFrames) for (const code of codes) expect(frame).not.toContain(code);
    expect(frames.join("\n")).toContain(codes[1]!);
  }, 180_000);

  it("no client ever received the token", () => {
    expect(frames.length).toBeGreaterThan(10);
    for (const frame of frames) expect(frame).not.toContain(TOKEN);
    expect(frames.join("\n")).not.toContain("e2e-channels-secret");
  });
});

describe("skills through the room and the pinned gateway", () => {
  beforeAll(async () => {
    moonThread = await instanceThread(alice, "Moon");
  });

  it("lists the gateway's skills; ours is not among them and the agent knows no moon word", async () => {
    const { skills } = await alice.request("instances.skills", {
      instanceId: "work",
    });
    expect(skills.length).toBeGreaterThan(0);
    expect(skills.find((s) => s.key === SLUG)).toBeUndefined();
    expect(await ask()).toBe("I know no moon word.");
  }, 180_000);

  it("installs a private skill after an approval: listed, enabled, and its instructions change the answer", async () => {
    const { approval } = await alice.request("instances.uploadSkill", {
      instanceId: "work",
      slug: SLUG,
      files: [
        { path: "SKILL.md", content: SKILL_MD },
        { path: "notes/README.txt", content: "kept beside the skill" },
      ],
      idempotencyKey: key("up"),
    });
    // The person deciding reads what the agent will be told.
    expect(approval.details).toContain(WORD);
    expect(approval.action).toMatchObject({
      kind: "instance",
      operation: "installSkill",
      skill: { key: SLUG },
    });
    const job = await skillApproved(approval.id);
    expect(job.status, job.error ?? "").toBe("succeeded");
    const ours = await skillUntil((s) => s?.eligible === true, "the skill installed and eligible");
    expect(ours).toMatchObject({
      key: SLUG,
      enabled: true,
      eligible: true,
      bundled: false,
      missing: [],
    });
    expect(ours?.description).toContain(WORD);
    const before = stack.model.requests.length;
    expect(await ask()).toBe(`The moon word is ${WORD}.`);
    expect(stack.model.requests.slice(before).some((r) => systemText(r).includes(WORD))).toBe(true);
  }, 240_000);

  it("sets the skill's API key and env value: on the gateway, in no frame a client received", async () => {
    const { approval } = await alice.request("instances.configureSkill", {
      instanceId: "work",
      skillKey: SLUG,
      apiKey: API_KEY,
      env: { MOON_TOKEN: ENV_VALUE },
      idempotencyKey: key("cfg"),
    });
    expect(approval.details).toContain("API key (hidden)");
    expect(approval.details).toContain("MOON_TOKEN");
    const job = await skillApproved(approval.id);
    expect(job.status, job.error ?? "").toBe("succeeded");
    const entry = skillsConfig().skills?.entries?.[SLUG];
    expect(entry).toMatchObject({
      apiKey: API_KEY,
      env: { MOON_TOKEN: ENV_VALUE },
    });
    await alice.request("instances.skills", { instanceId: "work" });
    const all = frames.join("\n");
    expect(all).not.toContain(API_KEY);
    expect(all).not.toContain(ENV_VALUE);
  }, 180_000);

  it("disabled after an approval: listed as off, and the agent no longer has it", async () => {
    const { approval } = await alice.request("instances.configureSkill", {
      instanceId: "work",
      skillKey: SLUG,
      enabled: false,
      idempotencyKey: key("off"),
    });
    const job = await skillApproved(approval.id);
    expect(job.status, job.error ?? "").toBe("succeeded");
    await skillUntil((s) => s?.enabled === false && !s.eligible, "the skill disabled");
    expect(await ask()).toBe("I know no moon word.");
  }, 240_000);

  it("removed after an approval: the runtime deletes its folder and the gateway no longer lists it", async () => {
    const folder = join(stack.dataDir, "instances", workspace, "work", "workspace", "skills", SLUG);
    expect(existsSync(join(folder, "SKILL.md"))).toBe(true);
    const { approval } = await alice.request("instances.removeSkill", {
      instanceId: "work",
      slug: SLUG,
      idempotencyKey: key("rm"),
    });
    expect(approval.action).toMatchObject({ kind: "instance", operation: "removeSkill", skill: { key: SLUG } });
    expect(approval.details).toContain(`skills/${SLUG}`);
    const job = await skillApproved(approval.id);
    expect(job.status, job.error ?? "").toBe("succeeded");
    expect(existsSync(folder)).toBe(false);
    // The job ended when the gateway's own status stopped listing it: read once, it is gone.
    const { skills } = await alice.request("instances.skills", { instanceId: "work" });
    expect(skills.find((s) => s.key === SLUG)).toBeUndefined();
    expect(skills.length).toBeGreaterThan(0);
    const all = frames.join("\n");
    expect(all).not.toContain(API_KEY);
    expect(all).not.toContain(ENV_VALUE);
  }, 240_000);
});

describe("every change in the one queue, and no secret outside the gateway", () => {
  it("each channel and skill change was an approval decided once and audited; a second decision is refused", async () => {
    const changes = [...alice.state.approvals.values()].filter(
      (a) =>
        a.action?.kind === "instance" &&
        (CHANNEL_OPERATIONS.has(a.action.operation) || SKILL_OPERATIONS.has(a.action.operation)),
    );
    // Telegram connect, three access changes and a disconnect, two WhatsApp links; a skill's install, settings, off and removal.
    expect(changes.length).toBeGreaterThanOrEqual(11);
    expect(changes.filter((a) => a.status !== "approved")).toEqual([]);
    const { entries } = await alice.request("audit.list", { limit: 500 });
    for (const change of changes) {
      const audited = entries.filter((e) => e.targetId === change.id).map((e) => e.action);
      expect(audited.sort(), change.title).toEqual(["approval.approved", "approval.requested"]);
    }
    const again = bob.request("approvals.resolve", {
      approvalId: changes[0]!.id,
      decision: "deny",
      idempotencyKey: key("again"),
    });
    await expect(again).rejects.toMatchObject({ code: "already_resolved" });
    expect(alice.state.approvals.get(changes[0]!.id)?.status).toBe("approved");
  });

  it("no token or skill secret in a line the server or the runtime logged, nor in what the server gives a browser", async () => {
    const secrets = [TOKEN, API_KEY, ENV_VALUE];
    // The server and the runtime did log (requests, the gateway's start): the check reads real lines.
    expect(logged.length).toBeGreaterThan(10);
    for (const secret of secrets) expect(logged.filter((line) => line.includes(secret))).toEqual([]);
    const baseUrl = stack.server.url;
    const page = await (await fetch(baseUrl)).text();
    const scripts = [...page.matchAll(/src="(\/assets\/[^"]+\.js)"/g)].map((m) => m[1]!);
    expect(scripts.length).toBeGreaterThan(0);
    for (const path of ["/", "/sw.js", ...scripts]) {
      const served = await fetch(`${baseUrl}${path}`);
      expect(served.status, path).toBe(200);
      const body = await served.text();
      for (const secret of secrets) expect(body.includes(secret), path).toBe(false);
    }
    // Nor in anything a client reads back about the instance.
    const read = JSON.stringify([
      await alice.request("instances.channels", { instanceId: "work" }),
      await alice.request("instances.skills", { instanceId: "work" }),
      (await httpJson(baseUrl, "/api/me", { cookie: aliceCookie })).body,
    ]);
    for (const secret of secrets) expect(read).not.toContain(secret);
  });
});
