// An attached OpenClaw instance used from the room, end to end: the real server (wrangler
// dev, R2 on disk), the real runtime (process host) running a real `openclaw` gateway, and
// the scripted model as the only stand-in — the Autopilot's requests (they offer
// `openclaw_tool`) follow agentScript, the gateway's own follow markerScript. One instance
// serves every part (a gateway's start is the costliest step of a test): the Autopilot
// using its tools, files reaching it, a person running its tools, its model and its config.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { agentScript, type ChatRequest, markerScript, userTexts } from "../../runtime/test/scripted-model";
import { withOpenClawStack } from "./openclaw-stack";
import type { AutopilotClient } from "../src/client";
import { instanceAnswer, instanceThread, modelVars, provisionConnected, until, waitForMessage } from "./e2e-helpers";
import { type recordingClients, recordedAliceAndBob } from "./recording-clients";

const isAutopilotRequest = (request: ChatRequest) =>
  (request.tools ?? []).some((t) => t.function.name === "openclaw_tool" || t.function.name === "threads_list");
// session_status is harmless but marked risky here, so the approval path runs a real tool.
// The runtime offers a second model: an instance may be given it (instances.update's model).
const stack = withOpenClawStack("gwtools", {
  vars: (m) => ({ ...modelVars(m), AUTOPILOT_RISKY_GATEWAY_TOOLS: "exec,write,session_status" }),
  runtimeEnv: { OPENCLAW_MODEL_IDS: "scripted-model-large" },
  reply: (request) => (isAutopilotRequest(request) ? agentScript(request) : markerScript(request)),
});
const { model, server } = stack;
let members: ReturnType<typeof recordingClients>;
let alice: AutopilotClient;
let bob: AutopilotClient;
let threadId: string;
let workspace: string;
let cookie: string;
const key = (label: string) => `${label}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;

beforeAll(async () => {
  // Bob is a second person: what Alice (or her Autopilot turn) asks for, someone else decides.
  ({ cookie, workspace, members, alice, bob } = await recordedAliceAndBob(server.url, { verified: false }));
}, 180_000);

afterAll(() => {
  members?.closeAll();
});

describe("the Autopilot uses an attached OpenClaw instance's gateway tools", () => {
  it("a thread attached to a ready instance, answered by the Autopilot", async () => {
    await provisionConnected(alice, bob);
    const { thread } = await alice.request("threads.create", { title: "Work tools", idempotencyKey: key("thr") });
    threadId = thread.id;
    await alice.request("instances.attach", { instanceId: "work", threadId, idempotencyKey: key("att") });
    await alice.request("threads.configure", {
      threadId,
      responder: "autopilot",
      reply: "every",
      idempotencyKey: key("cfg"),
    });
    await until(
      () =>
        alice.state.threads.get(threadId)?.responder.kind === "autopilot" &&
        alice.state.threads.get(threadId)?.gateway?.instanceId === "work",
      "thread attached and answered by the Autopilot",
      10_000,
    );
  }, 260_000);

  it("the model sees the catalog and calls a gateway tool; the tool message shows name, arguments, result and duration", async () => {
    const before = model.requests.length;
    await alice.request("chat.send", {
      threadId,
      text: 'STEPS: openclaw_tool {"tool":"agents_list","args":{}}',
      idempotencyKey: key("send"),
    });
    const toolMessage = await waitForMessage(
      bob,
      threadId,
      (m) => m.kind === "tool" && m.tool?.name === "openclaw_tool",
      "the tool message",
      60_000,
    );
    expect(toolMessage.tool).toMatchObject({
      name: "openclaw_tool",
      status: "ok",
      arguments: expect.stringContaining('"tool":"agents_list"'),
      result: expect.stringContaining('\\"id\\": \\"main\\"'),
    });
    expect(toolMessage.tool?.durationMs).toEqual(expect.any(Number));
    const reply = await waitForMessage(
      bob,
      threadId,
      (m) => m.author.id === "autopilot" && m.kind !== "tool" && m.text.startsWith("TOOL RESULT SEEN"),
      "the reply after the tool",
      60_000,
    );
    expect(reply.text).toContain("main");
    const offered = model.requests
      .slice(before)
      .find(isAutopilotRequest)
      ?.tools?.find((t) => t.function.name === "openclaw_tool");
    expect(offered?.function.description).toContain("- agents_list");
    expect(offered?.function.description).toContain("- session_status");
  }, 120_000);

  it("a risky gateway tool waits for a person's approval (tool name, arguments, risk), then runs once", async () => {
    await alice.request("chat.send", {
      threadId,
      text: 'STEPS: openclaw_tool {"tool":"session_status","args":{}}',
      idempotencyKey: key("send"),
    });
    const pending = await until(
      () => [...bob.state.approvals.values()].find((a) => a.status === "pending" && a.action?.kind === "tool"),
      "the tool approval",
      60_000,
    );
    expect(pending).toMatchObject({
      risk: "high",
      title: expect.stringContaining("session_status"),
      details: expect.stringContaining('"tool":"session_status"'),
    });
    // Nothing ran before the decision.
    const { messages: early } = await alice.request("messages.list", { threadId, limit: 200 });
    expect(early.filter((m) => m.tool?.arguments.includes("session_status"))).toHaveLength(0);
    await bob.approvals.resolve({ approvalId: pending.id, decision: "approve" });
    const ran = await waitForMessage(
      alice,
      threadId,
      (m) => m.kind === "tool" && (m.tool?.arguments.includes("session_status") ?? false),
      "the approved tool's message",
      60_000,
    );
    expect(ran.tool).toMatchObject({
      status: "ok",
      approvalId: pending.id,
      result: expect.stringContaining("OpenClaw"),
    });
    await waitForMessage(
      alice,
      threadId,
      (m) => m.author.id === "autopilot" && m.text.startsWith("TOOL RESULT SEEN") && m.text.includes("OpenClaw"),
      "the reply after the approved tool",
      60_000,
    );
    // Exactly once: one tool message for it.
    const { messages } = await alice.request("messages.list", { threadId, limit: 200 });
    expect(messages.filter((m) => m.kind === "tool" && m.tool?.arguments.includes("session_status"))).toHaveLength(1);
  }, 150_000);
});

/** The smallest real PNG (1×1, one transparent pixel). */
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
  "base64",
);

async function upload(bytes: Uint8Array<ArrayBuffer>, type: string, name: string): Promise<string> {
  const res = await fetch(`${server.url}/files/${workspace}`, {
    method: "POST",
    headers: { origin: server.url, cookie, "content-type": type, "x-file-name": encodeURIComponent(name) },
    body: bytes,
  });
  const body = (await res.json()) as { file: { id: string } };
  expect(res.status, JSON.stringify(body)).toBe(201);
  return body.file.id;
}

/** Alice sends `text` in the files' thread with the files uploaded as `ids`: her message, as the room took it. */
const sendWithFiles = async (threadId: string, text: string, ids: string[]) =>
  (await alice.request("chat.send", { threadId, text, attachments: ids, idempotencyKey: key("send") })).message;

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .map((p) => join(dir, p))
    .filter((p) => statSync(p).isFile());
}

// The instance the Autopilot used above, in a thread it answers itself.
describe("files reach an OpenClaw instance's gateway", () => {
  let threadId: string;
  beforeAll(async () => {
    threadId = await instanceThread(alice, "Files for OpenClaw");
  });

  it("a text file sent in the instance's thread is in the prompt the gateway gives its model", async () => {
    const marker = `ledger-${Math.random().toString(36).slice(2, 10)}`;
    const id = await upload(
      new TextEncoder().encode(`quarterly numbers\n${marker}: 42\n`),
      "text/plain",
      "ledger notes.txt",
    );
    const before = model.requests.length;
    const message = await sendWithFiles(threadId, "SAY: read it", [id]);
    expect(message.attachments?.map((a) => a.name)).toEqual(["ledger notes.txt"]);
    await instanceAnswer(alice, threadId, message, (m) => m.text === "read it");
    const prompts = model.requests.slice(before).flatMap((r) => userTexts(r));
    const withFile = prompts.find((t) => t.includes(`${marker}: 42`));
    expect(withFile, JSON.stringify(prompts).slice(0, 2000)).toBeDefined();
    // The gateway keeps the file under the name it was sent with (made safe) and says its type.
    expect(withFile).toMatch(/<file name="ledger_notes---[^"]+\.txt" mime="text\/plain">/);
    expect(withFile).toContain("read it");
    // Nothing was left out.
    const { messages } = await alice.request("messages.list", { threadId, limit: 200 });
    expect(messages.filter((m) => m.kind === "error")).toEqual([]);
  }, 180_000);

  it("an image sent with no text is stored by the gateway, byte for byte", async () => {
    const id = await upload(PNG, "image/png", "pixel.png");
    const message = await sendWithFiles(threadId, "", [id]);
    expect(message.attachments?.map((a) => a.type)).toEqual(["image/png"]);
    const instanceDir = join(stack.dataDir, "instances", workspace, "work");
    const stored = await until(
      () => {
        const media = join(instanceDir, "state", "media", "inbound");
        try {
          // Not the gateway's temporary copy (".fs-safe-….tmp"), which it renames once written.
          return filesUnder(media).find((p) => !basename(p).startsWith(".") && readFileSync(p).equals(PNG));
        } catch {
          return undefined;
        }
      },
      "the image in the gateway's media store",
      60_000,
    );
    expect(stored).toMatch(/\.png$/);
    const { messages } = await alice.request("messages.list", { threadId, limit: 200 });
    expect(messages.filter((m) => m.kind === "error")).toEqual([]);
  }, 120_000);

  it("large files: one of 8 MiB crosses to the gateway in one frame; a second would pass 20 MiB of base64 and is left out, said in the thread", async () => {
    const MiB = 1024 * 1024;
    const marker = `bulk-${Math.random().toString(36).slice(2, 10)}`;
    const csv = (head: string) => {
      const bytes = new Uint8Array(8 * MiB).fill(0x0a);
      const row = new TextEncoder().encode("1,2,3,4,5,6,7,8,9\n");
      for (let at = 0; at + row.length <= bytes.length; at += row.length) bytes.set(row, at);
      bytes.set(new TextEncoder().encode(`${head}\n`));
      return bytes;
    };
    const first = await upload(csv(`${marker},id`), "text/csv", "first.csv");
    const second = await upload(csv("second,id"), "text/csv", "second.csv");
    const before = model.requests.length;
    const message = await sendWithFiles(threadId, "SAY: got the big one", [first, second]);
    const notice = await waitForMessage(
      alice,
      threadId,
      (m) => m.kind === "error",
      "the notice of the file left out",
      60_000,
    );
    expect(notice.text).toBe(
      "Not sent to OpenClaw with this message: second.csv (too large: a message takes at most 15 MiB of files).",
    );
    await instanceAnswer(alice, threadId, message, (m) => m.text === "got the big one");
    const prompts = model.requests.slice(before).flatMap((r) => userTexts(r));
    expect(prompts.some((t) => t.includes(`${marker},id`))).toBe(true);
    expect(prompts.some((t) => t.includes("second,id"))).toBe(false);
  }, 180_000);
});

// The same stack, the same risky list: a person runs the instance's own tools directly.
describe("a person lists and runs an instance's own tools (instances.tools, instances.invokeTool)", () => {
  it("lists the gateway's tools with the risky ones marked; one off the list runs at once, its answer as text", async () => {
    const { tools } = await alice.request("instances.tools", { instanceId: "work" });
    expect(tools.find((t) => t.name === "agents_list")).toMatchObject({ needsApproval: false });
    expect(tools.find((t) => t.name === "session_status")).toMatchObject({ needsApproval: true });
    const answer = await alice.request("instances.invokeTool", {
      instanceId: "work",
      tool: "agents_list",
      args: {},
      idempotencyKey: key("inv"),
    });
    expect(answer.approval).toBeNull();
    expect(answer.ran).toMatchObject({ ok: true, output: expect.stringContaining('"id": "main"') });
  }, 60_000);

  it("a risky one waits for another person's approval, then runs once: its answer is the job's result", async () => {
    const answer = await alice.request("instances.invokeTool", {
      instanceId: "work",
      tool: "session_status",
      args: {},
      idempotencyKey: key("inv"),
    });
    expect(answer.ran).toBeNull();
    const approval = answer.approval!;
    expect(approval).toMatchObject({
      status: "pending",
      action: { operation: "invokeTool", tool: { name: "session_status", args: "{}" } },
    });
    await bob.approvals.resolve({ approvalId: approval.id, decision: "approve" });
    const job = await until(
      () => [...alice.state.jobs.values()].find((j) => j.title === approval.title && j.status !== "running"),
      "the tool run's job",
      60_000,
    );
    expect(job).toMatchObject({ status: "succeeded", message: expect.stringContaining("OpenClaw") });
    expect([...alice.state.jobs.values()].filter((j) => j.title === approval.title)).toHaveLength(1);
  }, 90_000);
});

describe("an instance's own model (instances.models, instances.update)", () => {
  it("lists the models the runtime offers; the one set is what its gateway's agent calls from then on", async () => {
    expect(await alice.request("instances.models", { instanceId: "work" })).toEqual({
      model: "scripted-model",
      offered: ["scripted-model", "scripted-model-large"],
      note: null,
    });
    const refused = await alice
      .request("instances.update", { instanceId: "work", model: "gpt-unknown", idempotencyKey: key("upd") })
      .then(
        () => null,
        (error: { code?: string }) => error.code,
      );
    expect(refused).toBe("bad_request");
    await alice.request("instances.update", {
      instanceId: "work",
      model: "scripted-model-large",
      idempotencyKey: key("upd"),
    });
    await vi.waitFor(
      async () =>
        expect((await alice.request("instances.models", { instanceId: "work" })).model).toBe("scripted-model-large"),
      { timeout: 30_000, interval: 500 },
    );
    // A thread the instance answers: its agent's next call goes to the model it was given.
    const large = await instanceThread(alice, "Large");
    const before = model.requests.length;
    const { message } = await alice.request("chat.send", {
      threadId: large,
      text: "SAY: large model here",
      idempotencyKey: key("send"),
    });
    await instanceAnswer(alice, large, message, (m) => m.text.includes("large model here"));
    const calls = model.requests.slice(before).filter((r) => !isAutopilotRequest(r));
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.every((r) => r.model === "scripted-model-large")).toBe(true);
  }, 180_000);
});

describe("a config change asked for in a thread, decided by a person (instances.proposeConfig)", () => {
  it("the Autopilot proposes the patch in words; nothing changes until another person approves; then the gateway's own config holds it", async () => {
    const configFile = () =>
      JSON.parse(readFileSync(join(stack.dataDir, "instances", workspace, "work", "openclaw.json"), "utf8"));
    const patch = { channels: { whatsapp: { dmPolicy: "allowlist", allowFrom: ["+15550001", "+15550002"] } } };
    await alice.request("chat.send", {
      threadId,
      text: `Only answer my family on WhatsApp. STEPS: instances_proposeConfig ${JSON.stringify({
        instanceId: "work",
        summary: "only my family may message it on WhatsApp",
        patch,
      })}`,
      idempotencyKey: key("send"),
    });
    const pending = await until(
      () =>
        [...bob.state.approvals.values()].find(
          (a) => a.status === "pending" && a.action?.kind === "instance" && a.action.operation === "patchConfig",
        ),
      "the config change's approval",
      60_000,
    );
    expect(pending).toMatchObject({
      risk: "high",
      title: expect.stringContaining("only my family may message it on WhatsApp"),
      details: expect.stringContaining("+15550002"),
    });
    expect(configFile().channels?.whatsapp).toBeUndefined();
    await bob.approvals.resolve({ approvalId: pending.id, decision: "approve" });
    const job = await until(
      () => [...alice.state.jobs.values()].find((j) => j.title === pending.title && j.status !== "running"),
      "the config change's job",
      60_000,
    );
    expect(job).toMatchObject({ status: "succeeded" });
    expect(configFile().channels.whatsapp).toMatchObject(patch.channels.whatsapp);
  }, 150_000);
});
