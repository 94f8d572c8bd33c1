// The OpenClaw bridge end to end: the real server (as `npm start` runs it), the real
// runtime (process host) running a real `openclaw` gateway, and the Autopilot's bridge
// between them. The only stand-in is the scripted OpenAI-compatible model (an external
// paid service), driven by markers in the user's message (see markerScript).
// long-file: one suite around one expensive setup (a real gateway takes ~15 s to start);
// its tests build on each other's instance, threads and device pairing.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Approval } from "../../shared/protocol/approvals";
import type { Message } from "../../shared/protocol/threads";
import { ensureDevVars, freePort } from "../../party/dev/server.mjs";
import {
  createDeviceIdentity,
  type DeviceIdentity,
  deviceAuthPayload,
  ProxiedGatewayClient,
  signDevicePayload,
} from "../../runtime/test/helpers";
import { markerScript } from "../../runtime/test/scripted-model";
import { sleepWords } from "../../shared/instance-sleep";
import type { AutopilotClient } from "../src/client";
import { type RunningRuntime, startRuntime as startRuntimeProcess } from "../../party/dev/runtime.mjs";
import { approvedJob, until, waitForMessage, withScriptedModel, withServer } from "./e2e-helpers";
import { type recordingClients, recordedAliceAndBob } from "./recording-clients";
import { TelegramStandIn } from "./telegram-standin";

let runtime: RunningRuntime;
let runtimeUrl: string;
let runtimeDir: string;
let runtimePort: number;
let serviceToken: string;

/** The runtime as `npm start` runs it; `withModel: false` leaves the gateways without a model provider. */
async function startRuntime(withModel: boolean): Promise<string> {
  const model_ = withModel
    ? {
        OPENCLAW_MODEL_BASE_URL: model.baseUrl,
        OPENCLAW_MODEL_ID: "scripted-model",
        OPENCLAW_MODEL_API_KEY: "scripted-key",
      }
    : { OPENCLAW_MODEL_BASE_URL: undefined, OPENCLAW_MODEL_ID: undefined, OPENCLAW_MODEL_API_KEY: undefined };
  runtime = await startRuntimeProcess({ port: runtimePort, dataDir: runtimeDir, serviceToken, env: model_ });
  return runtime.url;
}
let workspace: string;
let cookie: string;
/** The people's clients; every frame any of them received (`members.received`) proves no secret ever reached one. */
let members: ReturnType<typeof recordingClients>;
/** The server's log lines (wrangler dev): the bridge logs how each gateway connect authenticated. */
const serverLog: string[] = [];
const connects = () =>
  serverLog
    .filter((l) => l.includes('"msg":"gateway connected"'))
    .map((l) => JSON.parse(l.slice(l.indexOf("{"))) as { auth: string | null; device: string });

async function runtimeCall<T>(method: string, path: string): Promise<T> {
  const res = await fetch(`${runtimeUrl}${path}`, { method, headers: { authorization: `Bearer ${serviceToken}` } });
  const body = (await res.json()) as { ok: boolean; data: T; error?: unknown };
  if (!body.ok) throw new Error(`${method} ${path}: ${JSON.stringify(body.error)}`);
  return body.data;
}

const connect = (device: string, as = cookie) => members.connect(device, as);

/** Collects the streamed text of every run a client sees, as the client sees it. */
function streamsOf(client: AutopilotClient): Map<string, string> {
  const texts = new Map<string, string>();
  client.on("chat.delta", (p: { runId: string; offset: number; text: string }) => {
    const current = texts.get(p.runId) ?? "";
    texts.set(p.runId, current.slice(0, p.offset) + p.text);
  });
  return texts;
}

async function messages(client: AutopilotClient, threadId: string): Promise<Message[]> {
  return (await client.request("messages.list", { threadId, limit: 200 })).messages;
}

const key = (label: string) => `${label}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;

/** Waits until `client` sees the instance "work" ready with its bridge connected; returns it. */
const readyAndConnected = (client: AutopilotClient, what: string, ms: number) =>
  until(
    () => {
      const i = client.state.instances.get("work");
      return i?.status === "ready" && i.bridge === "connected" && i;
    },
    what,
    ms,
  );

/**
 * Stops the gateway at the runtime, outside the room's sweep (an operator, or a stop already on
 * its way), and waits until the room follows: "work" shown asleep.
 */
async function stopAtRuntime(what: string): Promise<void> {
  // A retryable refusal (a device socket the last case closed, not yet counted out by the
  // runtime's proxy) is asked again, as the room's sweep does; any other refusal fails the case.
  await until(
    async () => {
      const res = await fetch(`${runtimeUrl}/v1/workspaces/${workspace}/instances/work/sleep`, {
        method: "POST",
        headers: { authorization: `Bearer ${serviceToken}` },
      });
      const body = (await res.json()) as { ok: boolean; error?: { retryable?: boolean } };
      if (body.ok) return true;
      if (body.error?.retryable) return false;
      throw new Error(`the runtime refused the sleep: ${JSON.stringify(body.error)}`);
    },
    "the runtime taking the sleep",
    30_000,
  );
  await until(
    () => {
      const i = alice.state.instances.get("work");
      return i?.sleep?.state === "asleep" && i.phase === "asleep";
    },
    what,
    60_000,
  );
}

/** Waits until the room's idle sweep records why "work" stays awake (only the sweep writes it). */
const keptAwakeBy = (reason: string, what: string) =>
  until(
    () => {
      const i = alice.state.instances.get("work");
      return i?.sleep?.keptAwakeBy === reason && i;
    },
    what,
    60_000,
  );

/** Waits until the instance "work" is settled: asleep, or awake with its bridge connected. */
const settledAwakeOrAsleep = (client: AutopilotClient, ms: number) =>
  until(
    () => {
      const i = client.state.instances.get("work");
      return (i?.sleep?.state === "asleep" || (i?.sleep?.state === "awake" && i.bridge === "connected")) && i;
    },
    "the instance asleep, or awake and connected",
    ms,
  );

async function approveAs(client: AutopilotClient, approval: Approval, decision: "approve" | "deny") {
  return client.request("approvals.resolve", { approvalId: approval.id, decision, idempotencyKey: key("decide") });
}

const pendingApproval = (client: AutopilotClient, kind: "exec" | "pairing" | "instance") =>
  [...client.state.approvals.values()].find((a) => a.status === "pending" && a.action?.kind === kind);

/**
 * Alice asks, in the instance's thread, that its agent run `command` (the scripted model's
 * RUNCMD): her message, and the exec approval it waits on once `at` shows it.
 */
async function askToRun(
  command: string,
  at: AutopilotClient,
  ms = 60_000,
  inThread = threadId,
): Promise<{ message: Message; approval: Approval }> {
  const { message } = await alice.request("chat.send", {
    threadId: inThread,
    text: `RUNCMD: ${command}`,
    idempotencyKey: key("send"),
  });
  const approval = await until(() => pendingApproval(at, "exec"), "the exec approval", ms);
  return { message, approval };
}

interface GatewayPeer {
  hello: {
    ok: boolean;
    payload?: { auth?: { deviceToken?: string } };
    error?: { code: string; details?: { code?: string; requestId?: string } };
  };
  request(
    method: string,
    params: Record<string, unknown>,
  ): Promise<{ ok: boolean; payload?: unknown; error?: unknown }>;
  close(): void;
}

/**
 * Another OpenClaw client talking to the gateway directly (through the runtime's proxy,
 * as the room does): an operator's tool, or a new device that must be paired.
 */
async function gatewayPeer(options: {
  scopes: string[];
  device?: { clientId: string; token: string; identity: DeviceIdentity };
}): Promise<GatewayPeer> {
  const peer = await ProxiedGatewayClient.open(
    `${runtimeUrl.replace(/^http/, "ws")}/v1/workspaces/${workspace}/instances/work/gateway`,
    {},
    serviceToken,
  );
  const { payload: challenge } = await peer.waitFor((f) => f.type === "event" && f.event === "connect.challenge");
  const clientId = options.device?.clientId ?? "gateway-client";
  const mode = clientId === "cli" ? "cli" : "backend";
  const params: Record<string, unknown> = {
    minProtocol: 4,
    maxProtocol: 4,
    client: { id: clientId, version: "0.1.0", platform: "linux", mode },
    role: "operator",
    scopes: options.scopes,
    caps: [],
  };
  if (options.device) {
    const { identity, token } = options.device;
    const payload = deviceAuthPayload({
      deviceId: identity.id,
      clientId,
      clientMode: mode,
      role: "operator",
      scopes: options.scopes,
      signedAtMs: challenge.ts,
      token,
      nonce: challenge.nonce,
      platform: "linux",
    });
    params.auth = { token };
    params.device = {
      id: identity.id,
      publicKey: identity.publicKey,
      signature: signDevicePayload(identity, payload),
      signedAt: challenge.ts,
      nonce: challenge.nonce,
    };
  }
  const hello = (await peer.request("connect", params)) as GatewayPeer["hello"];
  return { hello, request: (method, p) => peer.request(method, p), close: () => peer.close() };
}

let alice: AutopilotClient;
let bob: AutopilotClient;
let threadId: string;

const model = withScriptedModel({ reply: markerScript });
beforeAll(async () => {
  serviceToken = ensureDevVars().RUNTIME_SERVICE_TOKEN!;
  runtimeDir = mkdtempSync(join(tmpdir(), "autopilot-bridge-runtime-"));
  runtimePort = await freePort();
  runtimeUrl = await startRuntime(true);
});
afterAll(async () => {
  await runtime?.stop();
  if (runtimeDir) rmSync(runtimeDir, { recursive: true, force: true });
});

/** The server's Worker vars: the sleep test sets a short idle time and restarts the server with it. */
const serverVars: Record<string, string> = {};
const server = withServer(() => {
  serverVars.RUNTIME_URL = runtimeUrl;
  return { vars: serverVars, log: (line) => serverLog.push(line) };
});

beforeAll(async () => {
  // Bob is a second person: an instance operation Alice asks for is decided by someone else.
  ({ cookie, workspace, members, alice, bob } = await recordedAliceAndBob(server.url, { verified: false }));
});

afterAll(() => {
  members?.closeAll();
});

describe("the Autopilot ↔ OpenClaw bridge against a real gateway", () => {
  it("provisions an instance, which reaches ready and gets a connected bridge", async () => {
    const { approval } = await alice.request("instances.provision", {
      instanceId: "work",
      name: "Work",
      idempotencyKey: key("prov"),
    });
    await approveAs(bob, approval, "approve");
    const ready = await readyAndConnected(alice, "instance ready with a connected bridge", 90_000);
    expect(ready.bridgeError ?? null).toBeNull();
    await until(() => bob.state.instances.get("work")?.bridge === "connected", "bob sees the bridge connected", 5_000);
  }, 120_000);

  it("streams a chat turn to two clients; the reply lands once as a durable message", async () => {
    const { thread } = await alice.request("threads.create", { title: "Chat with Work", idempotencyKey: key("thr") });
    threadId = thread.id;
    await alice.request("instances.attach", { instanceId: "work", threadId, idempotencyKey: key("att") });
    await until(() => alice.state.threads.get(threadId)?.gateway?.instanceId === "work", "thread bound", 5_000);
    const seenByAlice = streamsOf(alice);
    const seenByBob = streamsOf(bob);
    const reply =
      "The quick brown fox jumps over the lazy dog, again and again, until the stream is long enough to arrive in several deltas.";
    const { message } = await alice.request("chat.send", {
      threadId,
      text: `SAY: ${reply}`,
      idempotencyKey: key("send"),
    });
    // The message id is the gateway's idempotency key, and so its run id.
    const replyMessage = await waitForMessage(bob, threadId, (m) => m.runId === message.id, "the reply", 60_000);
    expect(replyMessage).toMatchObject({ text: reply, author: { id: "instance:work", kind: "agent" } });
    expect(replyMessage.kind ?? "text").toBe("text");
    // Both clients saw the reply stream in, as it streamed, and it added up to the reply.
    expect(seenByAlice.get(message.id)).toBe(reply);
    expect(seenByBob.get(message.id)).toBe(reply);
    // Exactly one durable reply for the run.
    expect((await messages(alice, threadId)).filter((m) => m.runId === message.id)).toHaveLength(1);
  }, 90_000);

  // Before any test leaves a device connected or a message unanswered: either keeps the gateway awake.
  it("left idle it sleeps (process gone, shown asleep); a message wakes it and is answered once, across a server restart during the wake", async () => {
    const awake = await runtimeCall<{ pid: number }>("GET", `/v1/workspaces/${workspace}/instances/work`);
    // A short idle time for this test only: the server restarts with it, and without it at the end.
    serverVars.INSTANCE_SLEEP_AFTER_SECONDS = "3";
    await server.stop();
    await server.start();
    // The room writes it asleep first (traffic from then on wakes it), then the runtime's stop shows in its phase.
    const asleep = await until(
      () => {
        const i = alice.state.instances.get("work");
        return i?.sleep?.state === "asleep" && i.phase === "asleep" && i;
      },
      "the instance shown asleep",
      120_000,
    );
    expect(asleep).toMatchObject({ status: "ready", phase: "asleep", bridge: "offline", bridgeError: null });
    expect((await runtimeCall<{ state: string }>("GET", `/v1/workspaces/${workspace}/instances/work`)).state).toBe(
      "asleep",
    );
    await until(
      () => {
        try {
          process.kill(awake.pid, 0);
          return false;
        } catch {
          return true;
        }
      },
      "the gateway's process gone",
      30_000,
    );
    // Reading its channels wakes nothing: the room answers that it sleeps and what wakes it.
    await expect(alice.request("instances.channels", { instanceId: "work" })).rejects.toMatchObject({
      code: "unavailable",
      message: expect.stringMatching(/ is asleep: the next message to it wakes it$/),
    });
    expect(alice.state.instances.get("work")?.sleep?.state).toBe("asleep");
    // Its month: the awake time billed until it fell asleep, and the asleep time counting since.
    const monthOf = async () =>
      (await alice.request("billing.instanceHours", {})).instances.find((i) => i.instanceId === "work");
    const sleeping = await until(
      async () => {
        const hours = await monthOf();
        return hours && hours.asleepMs > 0 && hours;
      },
      "its asleep time counted",
      15_000,
    );
    expect(sleeping.awakeMs).toBeGreaterThan(0);

    // A message is traffic: the room wakes the gateway. The server restarts during the wake.
    const { message } = await alice.request("chat.send", {
      threadId,
      text: "SAY: good morning, sleeper",
      idempotencyKey: key("send"),
    });
    await until(
      () => alice.state.instances.get("work")?.sleep?.state === "waking",
      "the instance shown waking",
      30_000,
    );
    await server.stop();
    await server.start();
    const answer = await waitForMessage(
      bob,
      threadId,
      (m) => m.runId === message.id && m.author.id === "instance:work",
      "the answer after the wake",
      180_000,
    );
    expect(answer.text).toContain("good morning, sleeper");
    expect(alice.state.instances.get("work")?.sleep?.state).toBe("awake");
    // Awake again (across the restart): its asleep time kept, its running time counting again.
    const woken = await monthOf();
    expect(woken?.asleepMs).toBeGreaterThanOrEqual(sleeping.asleepMs);
    expect(woken?.awakeMs).toBeGreaterThan(sleeping.awakeMs);
    // Sent once, answered once: one run, one reply.
    const all = await messages(bob, threadId);
    expect(all.filter((m) => m.runId === message.id)).toHaveLength(1);
    expect(all.filter((m) => m.id === message.id)).toHaveLength(1);
  }, 600_000);

  // The idle time stays 3 s for the cases below; the last one turns sleep off again.
  it("a command waiting for a person keeps it awake, saying so; stopped anyway, a decision wakes it, and the room records once what the gateway kept", async () => {
    // Run on its own (-t), the server gets the sleep test's short idle time here.
    if (serverVars.INSTANCE_SLEEP_AFTER_SECONDS !== "3") {
      serverVars.INSTANCE_SLEEP_AFTER_SECONDS = "3";
      await server.stop();
      await server.start();
    }
    // In a thread of its own: the stop below cuts its turn off, and the gateway resumes a cut-off
    // turn in its session at a start; the file's thread stays free of it for the cases after.
    const { thread } = await alice.request("threads.create", {
      title: "Asleep with a command",
      idempotencyKey: key("thr"),
    });
    await alice.request("instances.attach", { instanceId: "work", threadId: thread.id, idempotencyKey: key("att") });
    await until(() => alice.state.threads.get(thread.id)?.gateway?.instanceId === "work", "thread bound", 60_000);
    // The last answer left it idle: it may be asleep already, and this message wakes it.
    const { approval } = await askToRun("echo decided-while-asleep", bob, 180_000, thread.id);
    // The room's idle sweep looks at it and keeps it awake, in the words the app shows.
    const kept = await keptAwakeBy("a gateway approval is waiting", "the sweep keeping it awake for the approval");
    expect(kept).toMatchObject({ sleep: { state: "awake" }, bridge: "connected" });
    expect(sleepWords(kept, Date.now())).toBe("stays awake: a gateway approval is waiting");

    // Stopped anyway, outside the room's sweep (an operator at the runtime; or a stop already
    // on its way when the request came): the room follows the runtime's status.
    const before = await runtimeCall<{ pid: number }>("GET", `/v1/workspaces/${workspace}/instances/work`);
    await stopAtRuntime("the room following the runtime: asleep");
    const decide = () =>
      approveAs(bob, approval, "approve").then(
        () => null,
        (error: { code: string; message: string }) => error,
      );
    // OpenClaw ends a request still open when its gateway stops: announced as it stops (the
    // room follows: not run), or found gone by the bridge's catch-up after the next start.
    if (bob.state.approvals.get(approval.id)?.status !== "pending") {
      // Nobody decided it: expired, in OpenClaw's words for a cancel or the catch-up's.
      expect(bob.state.approvals.get(approval.id)).toMatchObject({
        status: "expired",
        note: expect.stringMatching(/^OpenClaw (closed it before anyone decided|no longer has this request)/),
        resolvedBy: { id: "instance:work" },
      });
      expect(await decide()).toMatchObject({ code: "already_resolved" });
      return;
    }
    // Bob decides while it sleeps: the decision wakes the gateway and is answered at once that it
    // is waking (a wait would outlast his request); he may decide again once it is connected.
    expect(await decide()).toMatchObject({
      code: "unavailable",
      message: expect.stringMatching(/is waking up: try again once it shows connected$/),
    });
    await readyAndConnected(bob, "connected after the wake", 180_000);
    const after = await runtimeCall<{ pid: number; state: string }>(
      "GET",
      `/v1/workspaces/${workspace}/instances/work`,
    );
    expect(after.state).toBe("ready");
    expect(after.pid).not.toBe(before.pid);
    // The catch-up finds the request gone (cancelled at the start: "gateway-restart") and the
    // room records that once, in words, never as run.
    const settled = await until(
      () => {
        const a = alice.state.approvals.get(approval.id);
        return a?.status !== "pending" && a;
      },
      "the approval settled by the catch-up",
      60_000,
    );
    expect(settled).toMatchObject({ status: "expired", note: expect.stringMatching(/no longer has this request/) });
    expect(await decide()).toMatchObject({ code: "already_resolved" });
    const all = await messages(alice, thread.id);
    expect(all.some((m) => m.kind === "tool" && /^decided-while-asleep$/m.test(m.text))).toBe(false);
    expect([...alice.state.approvals.values()].filter((a) => a.status === "pending")).toEqual([]);
    expect(alice.state.instances.get("work")?.sleep?.state).not.toBe("asleep");
  }, 600_000);

  it("asleep, a device connecting through the runtime's device entry wakes it, and the room follows", async () => {
    // The last case may have left it asleep or awake: asleep, the runtime's answer is the same.
    await settledAwakeOrAsleep(alice, 180_000);
    const before = await runtimeCall<{ pid: number }>("GET", `/v1/workspaces/${workspace}/instances/work`);
    await stopAtRuntime("the instance shown asleep");
    // The upgrade waits for the wake: the gateway's challenge comes from the new process.
    const device = await ProxiedGatewayClient.open(
      `${runtimeUrl.replace(/^http/, "ws")}/v1/workspaces/${workspace}/instances/work/device`,
      {},
      serviceToken,
    );
    try {
      await device.waitFor((f) => f.type === "event" && f.event === "connect.challenge");
      const woken = await runtimeCall<{ pid: number; state: string }>(
        "GET",
        `/v1/workspaces/${workspace}/instances/work`,
      );
      expect(woken.state).toBe("ready");
      expect(woken.pid).not.toBe(before.pid);
      // The room follows the runtime's status: awake, its bridge connected again.
      await until(
        () => {
          const i = alice.state.instances.get("work");
          return i?.sleep?.state === "awake" && i.bridge === "connected" && i.phase !== "asleep";
        },
        "the room showing it awake and connected",
        120_000,
      );
    } finally {
      device.close();
    }
  }, 300_000);

  it("a skill change decided while it sleeps wakes it and reaches the gateway once, after the wake", async () => {
    await settledAwakeOrAsleep(alice, 180_000);
    await stopAtRuntime("the instance shown asleep");
    // Filed and decided while it sleeps: the decision is recorded at once, and it wakes the gateway.
    const { approval } = await alice.request("instances.configureSkill", {
      instanceId: "work",
      skillKey: "decided-asleep",
      enabled: false,
      idempotencyKey: key("skill"),
    });
    const job = await approvedJob(bob, alice, approval.id, 240_000);
    expect(job.status, job.error ?? "").toBe("succeeded");
    expect(bob.state.approvals.get(approval.id)?.status).toBe("approved");
    // The change reached the woken gateway: its own config file holds it.
    const config = JSON.parse(
      readFileSync(join(runtimeDir, "instances", workspace, "work", "openclaw.json"), "utf8"),
    ) as { skills?: { entries?: Record<string, { enabled?: boolean }> } };
    expect(config.skills?.entries?.["decided-asleep"]).toMatchObject({ enabled: false });
    // Once: one job for the decision.
    expect([...alice.state.jobs.values()].filter((j) => j.title === approval.title)).toHaveLength(1);
  }, 360_000);

  it("an instance with a live channel never sleeps: the sweep keeps it awake and says why", async () => {
    const TOKEN = "555000333:AAe2e-bridge-sleep_0123456789abcdef";
    const telegram = new TelegramStandIn();
    telegram.addBot(TOKEN, { id: 555000333, username: "work_sleepless_bot", name: "Work" });
    await telegram.start();
    try {
      // Asleep, the operator's connection at the runtime wakes it.
      await settledAwakeOrAsleep(alice, 180_000);
      // Test-only: the gateway's Telegram talks to the stand-in (its own key for a self-hosted Bot API).
      const admin = await gatewayPeer({ scopes: ["operator.admin"] });
      try {
        const got = (await admin.request("config.get", {})).payload as { hash: string };
        const patched = await admin.request("config.patch", {
          raw: JSON.stringify({ channels: { telegram: { apiRoot: telegram.url } } }),
          baseHash: got.hash,
        });
        expect(patched.ok, JSON.stringify(patched)).toBe(true);
      } finally {
        admin.close();
      }
      await readyAndConnected(alice, "connected after the config change", 120_000);
      const { approval } = await alice.request("instances.configureChannel", {
        instanceId: "work",
        channel: "telegram",
        botToken: TOKEN,
        idempotencyKey: key("tg"),
      });
      await approveAs(bob, approval, "approve");
      await until(
        () => telegram.calls.find((c) => c.token === TOKEN && c.method === "getUpdates"),
        "the gateway long-polling the stand-in",
        120_000,
      );
      // Read, the room's record of its channels says Telegram is connected.
      await vi.waitFor(
        async () => {
          const { channels } = await alice.request("instances.channels", { instanceId: "work" });
          expect(alice.state.instances.get("work")?.channels, JSON.stringify(channels)).toContainEqual({
            channel: "telegram",
            label: "Telegram",
            state: "connected",
          });
        },
        { timeout: 60_000, interval: 1000 },
      );
      const running = await runtimeCall<{ pid: number }>("GET", `/v1/workspaces/${workspace}/instances/work`);
      // The sweep (3 s idle) looks at it and records why it stays awake: only it writes this.
      const kept = await keptAwakeBy("Telegram is connected", "the sweep keeping it awake for Telegram");
      expect(kept).toMatchObject({ sleep: { state: "awake" }, bridge: "connected" });
      expect(sleepWords(kept, Date.now())).toBe("stays awake: Telegram is connected");
      // Never stopped: the same gateway process throughout.
      const still = await runtimeCall<{ pid: number; state: string }>(
        "GET",
        `/v1/workspaces/${workspace}/instances/work`,
      );
      expect(still).toMatchObject({ state: "ready", pid: running.pid });

      const off = await alice.request("instances.disconnectChannel", {
        instanceId: "work",
        channel: "telegram",
        idempotencyKey: key("off"),
      });
      await approveAs(bob, off.approval, "approve");
      await until(() => alice.state.instances.get("work")?.channels?.length === 0, "no channel on the record", 60_000);
    } finally {
      await telegram.stop();
    }
  }, 400_000);

  it("with sleep off again (the tests' default), the instance is awake and connected", async () => {
    delete serverVars.INSTANCE_SLEEP_AFTER_SECONDS;
    await server.stop();
    await server.start();
    // Maybe asleep (the sweep may have put it to sleep since): a message wakes it, or is just answered.
    const { message } = await alice.request("chat.send", {
      threadId,
      text: "SAY: awake again",
      idempotencyKey: key("send"),
    });
    // Asked while the gateway may still finish another turn: its answer is matched by its words.
    await waitForMessage(
      bob,
      threadId,
      (m) => m.n > message.n && m.author.id === "instance:work" && m.text === "awake again",
      "the answer",
      180_000,
    );
    await readyAndConnected(alice, "connected again after the restart", 120_000);
  }, 400_000);

  it("lists the gateway's sessions live; one started elsewhere can be read, opened as a thread with its history, and written into", async () => {
    // The thread's own session is listed, bound to it.
    await until(
      () => bob.state.sessions.get("work")?.find((s) => s.threadId === threadId),
      "the thread's session listed",
      20_000,
    );
    // Someone talks to the gateway directly (another OpenClaw client): the room lists that session too.
    const outside = await gatewayPeer({ scopes: ["operator.admin"] });
    try {
      const sent = await outside.request("chat.send", {
        sessionKey: "elsewhere",
        message: "SAY: hello from outside",
        idempotencyKey: key("outside"),
      });
      expect(sent.ok, JSON.stringify(sent)).toBe(true);
      const listed = await until(
        () => bob.state.sessions.get("work")?.find((s) => s.key.endsWith(":elsewhere") && s.threadId === null),
        "the outside session listed",
        30_000,
      );
      // Read without opening: the transcript comes from the gateway.
      const history = await vi.waitFor(
        async () => {
          const read = await bob.request("sessions.history", { instanceId: "work", sessionKey: listed.key, limit: 20 });
          expect(read.messages.map((m) => m.role)).toContain("assistant");
          return read;
        },
        { timeout: 30_000, interval: 300 },
      );
      expect(history.threadId).toBeNull();
      expect(history.messages.map((m) => [m.role, m.text])).toEqual([
        ["user", "SAY: hello from outside"],
        ["assistant", "hello from outside"],
      ]);
      // Opened as a thread, it shows the same history, imported once.
      const { thread } = await bob.request("sessions.open", {
        instanceId: "work",
        sessionKey: listed.key,
        idempotencyKey: key("open"),
      });
      expect(thread.gateway).toEqual({ instanceId: "work", sessionKey: listed.key });
      const reply = await waitForMessage(
        alice,
        thread.id,
        (m) => m.text === "hello from outside",
        "the imported reply",
        20_000,
      );
      expect(reply.author.id).toBe("instance:work");
      const imported = await messages(alice, thread.id);
      expect(imported.map((m) => [m.author.id, m.text])).toEqual([
        ["gateway-user:work", "SAY: hello from outside"],
        ["instance:work", "hello from outside"],
      ]);
      // Opening again finds the same thread, by the canonical key or the short one.
      expect(
        (
          await alice.request("sessions.open", {
            instanceId: "work",
            sessionKey: listed.key,
            idempotencyKey: key("open"),
          })
        ).thread.id,
      ).toBe(thread.id);
      expect(
        (
          await alice.request("sessions.open", {
            instanceId: "work",
            sessionKey: "elsewhere",
            idempotencyKey: key("open"),
          })
        ).thread.id,
      ).toBe(thread.id);
      // And writing into the session goes through that thread.
      const into = await alice.request("sessions.send", {
        instanceId: "work",
        sessionKey: listed.key,
        text: "SAY: back from the room",
        idempotencyKey: key("into"),
      });
      expect(into.thread.id).toBe(thread.id);
      const answer = await waitForMessage(
        bob,
        thread.id,
        (m) => m.runId === into.message.id,
        "the reply in the opened session",
        60_000,
      );
      expect(answer.text).toBe("back from the room");
      await until(
        () => bob.state.sessions.get("work")?.find((s) => s.key === listed.key)?.threadId === thread.id,
        "the session shown as open",
        20_000,
      );
    } finally {
      outside.close();
    }
  }, 120_000);

  it("an agent's shell command waits for a person in the room; approved, it runs and the reply has its output", async () => {
    const { message, approval } = await askToRun("echo hello-from-exec", bob);
    expect(approval.action).toMatchObject({ kind: "exec", instanceId: "work", command: "echo hello-from-exec" });
    expect(approval.threadId).toBe(threadId);
    expect(approval.requestedBy).toMatchObject({ id: "instance:work", kind: "agent" });
    await until(() => pendingApproval(alice, "exec")?.id === approval.id, "the same approval at alice", 5_000);
    // Two people decide at once: exactly one decision reaches the gateway and wins.
    const [byBob, byAlice] = await Promise.allSettled([
      approveAs(bob, approval, "approve"),
      approveAs(alice, approval, "deny"),
    ]);
    expect(byBob.status).toBe("fulfilled");
    expect(byBob.status === "fulfilled" && byBob.value.approval.status).toBe("approved");
    expect(byAlice.status).toBe("rejected");
    expect(byAlice.status === "rejected" && (byAlice.reason as { code: string }).code).toMatch(
      /^(conflict|already_resolved)$/,
    );
    // The decision is final: a later one is refused, and nothing changes.
    await expect(approveAs(alice, approval, "deny")).rejects.toMatchObject({ code: "already_resolved" });
    const tool = await waitForMessage(
      alice,
      threadId,
      (m) => m.kind === "tool" && m.text.includes("hello-from-exec"),
      "the command's output",
      60_000,
    );
    expect(tool.text).toContain("$ echo hello-from-exec");
    const reply = await waitForMessage(
      alice,
      threadId,
      (m) => m.runId === message.id,
      "the reply after the command",
      60_000,
    );
    expect(reply.text).toContain("TOOL RESULT SEEN");
    expect(reply.text).toContain("hello-from-exec");
    expect(alice.state.approvals.get(approval.id)?.status).toBe("approved");
  }, 120_000);

  it("a denied command never runs, and the agent is told so", async () => {
    const { message, approval } = await askToRun("echo never-printed", alice);
    expect(approval.action).toMatchObject({ command: "echo never-printed" });
    await approveAs(alice, approval, "deny");
    const reply = await waitForMessage(
      bob,
      threadId,
      (m) => m.runId === message.id,
      "the reply after the denial",
      60_000,
    );
    expect(reply.text).toMatch(/denied/i);
    const all = await messages(bob, threadId);
    // The command's output line never appears: only the denial does.
    expect(all.some((m) => m.kind === "tool" && /^never-printed$/m.test(m.text))).toBe(false);
    expect(bob.state.approvals.get(approval.id)?.status).toBe("denied");
  }, 120_000);

  it("a command decided in OpenClaw itself updates the room's approval, which then refuses a late decision", async () => {
    const { message, approval } = await askToRun("echo decided-elsewhere", alice);
    const outside = await gatewayPeer({ scopes: ["operator.admin"] });
    try {
      const requestId = approval.action?.kind === "exec" ? approval.action.requestId : "";
      const res = await outside.request("approval.resolve", { id: requestId, kind: "exec", decision: "allow-once" });
      expect(res.ok, JSON.stringify(res)).toBe(true);
    } finally {
      outside.close();
    }
    const settled = await until(
      () => {
        const a = bob.state.approvals.get(approval.id);
        return a?.status !== "pending" && a;
      },
      "the room following the gateway's decision",
      20_000,
    );
    expect(settled).toMatchObject({
      status: "approved",
      note: "decided in OpenClaw",
      resolvedBy: { id: "instance:work" },
    });
    await expect(approveAs(bob, approval, "deny")).rejects.toMatchObject({ code: "already_resolved" });
    const reply = await waitForMessage(alice, threadId, (m) => m.runId === message.id, "the reply", 60_000);
    expect(reply.text).toContain("decided-elsewhere");
  }, 120_000);

  it("a new device asking to pair becomes a room approval; approved there, it connects", async () => {
    // An operator turns off silent pairing for loopback devices, so this one must ask.
    const admin = await gatewayPeer({ scopes: ["operator.admin"] });
    expect(admin.hello.ok).toBe(true);
    const patch = async (autoApproveLocal: boolean) => {
      const config = (await admin.request("config.get", {})).payload as { hash: string };
      const res = await admin.request("config.patch", {
        raw: JSON.stringify({ gateway: { nodes: { pairing: { autoApproveLocal } } } }),
        baseHash: config.hash,
      });
      expect(res.ok, JSON.stringify(res)).toBe(true);
    };
    await patch(false);
    try {
      const { token } = await runtimeCall<{ token: string }>(
        "GET",
        `/v1/workspaces/${workspace}/instances/work/credentials`,
      );
      const device = { clientId: "cli", token, identity: createDeviceIdentity() };
      const first = await gatewayPeer({ scopes: ["operator.read"], device });
      expect(first.hello.ok).toBe(false);
      expect(first.hello.error?.details?.code).toBe("PAIRING_REQUIRED");
      first.close();
      const approval = await until(() => pendingApproval(bob, "pairing"), "pairing approval", 30_000);
      expect(approval.action).toMatchObject({
        kind: "pairing",
        target: "device",
        requestId: first.hello.error?.details?.requestId,
      });
      expect(approval.details).toContain("cli");
      await approveAs(bob, approval, "approve");
      const again = await gatewayPeer({ scopes: ["operator.read"], device });
      expect(again.hello.ok, JSON.stringify(again.hello)).toBe(true);
      expect(again.hello.payload?.auth?.deviceToken).toBeTruthy();
      again.close();
    } finally {
      await patch(true);
      admin.close();
    }
  }, 90_000);

  it("stops a running reply with chat.abort; the partial text stays, marked as stopped", async () => {
    const seen = streamsOf(bob);
    const { message } = await alice.request("chat.send", {
      threadId,
      text: "SLOW please",
      idempotencyKey: key("send"),
    });
    await until(() => (seen.get(message.id) ?? "").includes("word2"), "a few words streamed", 60_000);
    const result = await alice.request("chat.abort", { threadId });
    expect(result.aborted).toBe(true);
    const stopped = await waitForMessage(bob, threadId, (m) => m.runId === message.id, "the stopped reply", 30_000);
    expect(stopped.aborted).toBe(true);
    expect(stopped.text).toContain("word0");
    expect(stopped.text).not.toContain("END.");
    await until(
      () => ![...bob.state.streams.values()].some((s) => s.runId === message.id),
      "the stream ends at bob",
      5_000,
    );
  }, 90_000);

  it("the gateway dies mid-reply: everyone sees it, a late joiner got the partial text, and after a restart the thread catches up", async () => {
    const seen = streamsOf(alice);
    const { message } = await alice.request("chat.send", { threadId, text: "SLOW again", idempotencyKey: key("send") });
    await until(() => (seen.get(message.id) ?? "").includes("word3"), "a few words streamed", 60_000);
    // Someone opening the app now gets the reply so far with the hello, not an empty thread.
    const carol = await connect("tablet");
    const partial = carol.hello?.live?.streams.find((s) => s.runId === message.id);
    expect(partial?.text).toMatch(/^word0 word1 word2 word3/);
    expect(partial?.threadId).toBe(threadId);

    const before = await runtimeCall<{ pid: number; port: number }>(
      "GET",
      `/v1/workspaces/${workspace}/instances/work`,
    );
    process.kill(before.pid, "SIGKILL");
    const failed = await until(
      () => {
        const i = carol.state.instances.get("work");
        return i?.status === "error" && i.bridge === "offline" && i;
      },
      "the instance shown as failed",
      30_000,
    );
    expect(failed.error).toMatch(/exited unexpectedly/);
    const lost = await waitForMessage(
      carol,
      threadId,
      (m) => m.kind === "error" && /lost mid-reply/.test(m.text),
      "the interruption notice",
      10_000,
    );
    expect(lost.author.id).toBe("instance:work");

    const { approval } = await alice.request("instances.restart", {
      instanceId: "work",
      idempotencyKey: key("restart"),
    });
    await approveAs(bob, approval, "approve");
    await readyAndConnected(carol, "ready and reconnected", 90_000);
    // The bridge came back with the device token it was issued when it first paired (one
    // device throughout), not with the gateway's shared token.
    // The room's log reaches us through wrangler's output, after the state it describes.
    const handshakes = await until(
      () => connects().length >= 2 && connects(),
      "the reconnect's handshake in the room's log",
      10_000,
    );
    expect(handshakes[0]!.auth).toBe("token");
    expect(new Set(handshakes.map((c) => c.device)).size).toBe(1);
    expect(handshakes.at(-1)!.auth).toBe("device-token");
    // The gateway resumes the interrupted turn on its own (under a new run id): its reply
    // reaches the thread, live or through the catch-up after the reconnect.
    const resumed = await waitForMessage(
      carol,
      threadId,
      (m) => m.author.id === "instance:work" && m.kind === undefined && m.n > lost.n,
      "the resumed reply",
      90_000,
    );
    expect(resumed.text.length).toBeGreaterThan(0);
    // Nothing doubled: the resumed run left exactly one message.
    const all = await messages(carol, threadId);
    expect(all.filter((m) => m.runId === resumed.runId)).toHaveLength(1);
  }, 240_000);

  it("no secret ever reached a client", async () => {
    const { token } = await runtimeCall<{ token: string }>(
      "GET",
      `/v1/workspaces/${workspace}/instances/work/credentials`,
    );
    expect(members.received.length).toBeGreaterThan(100);
    const all = members.received.join("\n");
    expect(all).not.toContain(token);
    expect(all).not.toContain(serviceToken);
    expect(all).not.toMatch(/deviceToken|privateJwk|"d":"/);
  });

  it("the runtime restarts without a model: the bridge brings the instance back, and a turn shows the gateway's error instead of silence", async () => {
    await runtime.stop();
    await until(() => alice.state.instances.get("work")?.bridge === "offline", "the bridge shown offline", 30_000);
    expect(await startRuntime(false)).toBe(runtimeUrl);
    // Nobody re-provisions by hand: the bridge finds the runtime without the instance and starts it again.
    await readyAndConnected(alice, "the instance back and reconnected", 120_000);
    const { message } = await alice.request("chat.send", {
      threadId,
      text: "SAY: anyone there?",
      idempotencyKey: key("send"),
    });
    const error = await waitForMessage(bob, threadId, (m) => m.runId === message.id, "the gateway's answer", 60_000);
    expect(error.kind).toBe("error");
    expect(error.text).toMatch(/configured|model|authentication/i);
  }, 240_000);

  it("deleting the instance stops its gateway and closes its port", async () => {
    const before = await runtimeCall<{ pid: number; port: number }>(
      "GET",
      `/v1/workspaces/${workspace}/instances/work`,
    );
    const { approval } = await alice.request("instances.delete", { instanceId: "work", idempotencyKey: key("delete") });
    await approveAs(bob, approval, "approve");
    await until(() => alice.state.instances.get("work")?.status === "stopped", "instance stopped", 60_000);
    expect(() => process.kill(before.pid, 0)).toThrow();
    const refused = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: "127.0.0.1", port: before.port });
      socket.once("connect", () => {
        socket.destroy();
        resolve(false);
      });
      socket.once("error", () => resolve(true));
    });
    expect(refused).toBe(true);
    // The room marks it stopped only after the runtime deleted it.
    await expect(runtimeCall("GET", `/v1/workspaces/${workspace}/instances/work`)).rejects.toThrow(/not_found/);
    // Its threads are plain threads again.
    await until(() => alice.state.threads.get(threadId)?.gateway == null, "thread unbound", 5_000);
    // And it stays gone: the room answers for it as for no instance (a stopped instance has
    // no bridge that could start its gateway again), and the runtime, asked after, has none.
    await expect(alice.request("instances.details", { instanceId: "work" })).rejects.toThrow(/no instance work/);
    await expect(runtimeCall("GET", `/v1/workspaces/${workspace}/instances/work`)).rejects.toThrow(/not_found/);
  }, 90_000);
});
