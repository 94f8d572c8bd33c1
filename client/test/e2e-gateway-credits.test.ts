// A hosted OpenClaw gateway and the workspace's credits, end to end: the real server (wrangler
// dev), the real runtime (process host) running the real pinned gateway, the scripted model as
// the only stand-in. The workspace is on a small plan (one instance, a few credits) and a
// gateway token costs a credit, so one reply spends them all: its use is metered from the
// runtime's counters into the ledger, the runtime is told the workspace may not spend, the next
// model call is refused at the pass-through (nothing reaches the model) and the thread shows the
// typed error; an operator's grant (the /admin route) and the gateway answers again at once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LedgerEntry } from "../../shared/protocol/billing";
import type { Message } from "../../shared/protocol/threads";
import type { WorkspaceSpend } from "../../shared/runtime/spend";
import type { InstanceUsage } from "../../shared/runtime/usage";
import type { AutopilotClient } from "../src/client";
import { AutopilotError } from "../src/errors";
import {
  addSecondPerson,
  httpJson,
  instanceThread,
  ownWorkspace,
  personClient,
  provisionConnected,
  signUp,
  until,
} from "./e2e-helpers";
import { markerScript } from "../../runtime/test/scripted-model";
import { withOpenClawStack } from "./openclaw-stack";

const OPERATOR = { email: "credits-operator@example.test", password: "correct horse battery", name: "Olga" };
/** The room's words for a gateway refused for credits (party/rooms/autopilot/features/gateway-bridge/chat-runs.ts). */
const OUT_OF_CREDITS = /out of credits, so its OpenClaw gateway cannot use the model/;

const stack = withOpenClawStack("credits", {
  vars: () => ({
    ADMIN_EMAILS: OPERATOR.email,
    // One instance, a few credits; a gateway token costs a credit, an hour of an instance one.
    BILLING_PLANS: JSON.stringify({ tiny: { name: "Tiny", includedCredits: 50, maxInstances: 1 } }),
    BILLING_PRICES: JSON.stringify({ gateway: { input: 1_000_000, output: 1_000_000 }, instanceHour: 1 }),
  }),
  // "SAY: <text>" in a message is what the gateway's model answers.
  reply: markerScript,
});
let workspace: string;
let alice: AutopilotClient;
let bob: AutopilotClient;
let threadId: string;
const clients: AutopilotClient[] = [];
const key = (label: string) => `${label}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
const http = <T>(path: string, init: RequestInit & { cookie?: string } = {}) =>
  httpJson<T>(stack.server.url, path, init);

async function runtimeGet<T>(path: string): Promise<T> {
  const res = await fetch(`${stack.runtime.url}${path}`, {
    headers: { authorization: `Bearer ${stack.serviceToken}` },
  });
  const body = (await res.json()) as { ok: boolean; data: T };
  if (!body.ok) throw new Error(`${path}: ${JSON.stringify(body)}`);
  return body.data;
}
const spendAtRuntime = () => runtimeGet<WorkspaceSpend>(`/v1/workspaces/${workspace}/spend`);
const countersAtRuntime = () => runtimeGet<InstanceUsage>(`/v1/workspaces/${workspace}/instances/work/usage`);

/** The typed error a request was refused with (it must be refused). */
async function refusalOf(request: Promise<unknown>): Promise<{ code: string; message: string; details?: unknown }> {
  try {
    await request;
  } catch (error) {
    if (error instanceof AutopilotError) return { code: error.code, message: error.message, details: error.details };
    throw error;
  }
  throw new Error("the request was not refused");
}

const messagesOf = async (client: AutopilotClient): Promise<Message[]> =>
  (await client.request("messages.list", { threadId, limit: 200 })).messages;
const gatewayEntries = async (client: AutopilotClient): Promise<LedgerEntry[]> =>
  (await client.request("billing.entries", { kind: "usage", limit: 200 })).entries.filter(
    (e) => e.purpose === "gateway",
  );

/** Alice says `text` in the thread: her message, and the message of the run it started once `reader` lists it. */
async function run(text: string, reader: AutopilotClient, what: string): Promise<{ sent: Message; answer: Message }> {
  const { message: sent } = await alice.request("chat.send", { threadId, text, idempotencyKey: key("send") });
  const answer = await until(async () => (await messagesOf(reader)).find((m) => m.runId === sent.id), what, 120_000);
  return { sent, answer };
}

beforeAll(async () => {
  const { cookie } = await signUp(stack.server.url, "Alice");
  workspace = await ownWorkspace(stack.server.url, cookie);
  alice = personClient(stack.server.url, cookie, workspace, "laptop");
  const second = await addSecondPerson(stack.server.url, cookie, workspace, "Bob");
  bob = personClient(stack.server.url, second.cookie, workspace, "phone");
  clients.push(alice, bob);
  await Promise.all([alice.ready(), bob.ready()]);
}, 180_000);

afterAll(() => {
  for (const c of clients) c.close();
});

describe("a hosted gateway spends the workspace's credits", () => {
  it("starts within the plan; a second instance is over its limit and refused before anything starts", async () => {
    await provisionConnected(alice, bob);
    const refused = await refusalOf(
      alice.request("instances.provision", { instanceId: "more", idempotencyKey: key("prov") }),
    );
    expect(refused).toMatchObject({ code: "conflict", details: { reason: "plan_limit", maxInstances: 1 } });
    expect([...alice.state.approvals.values()].filter((a) => a.status === "pending")).toEqual([]);
    expect(alice.state.instances.has("more")).toBe(false);
  }, 260_000);

  it("a reply's tokens are billed from the runtime's counters; out of credits, the runtime refuses the next call and the thread says why, typed", async () => {
    threadId = await instanceThread(alice, "Work chat");
    const { answer: reply } = await run("SAY: The first reply is paid for.", bob, "the first reply");
    expect(reply).toMatchObject({ text: "The first reply is paid for." });
    expect(reply.kind ?? "text").toBe("text");
    // Its tokens are in the ledger, and the balance went below zero: the runtime was told.
    await until(async () => (await gatewayEntries(alice)).length > 0, "a gateway entry", 30_000);
    const told = await until(
      async () => {
        const spend = await spendAtRuntime();
        return !spend.allowed && spend;
      },
      "the runtime told the workspace may not spend",
      30_000,
    );
    expect(told).toMatchObject({ allowed: false, reason: "out_of_credits" });
    expect((await alice.request("billing.summary", {})).state.balance).toBeLessThanOrEqual(0);

    const modelCalls = stack.model.requests.length;
    const errors: { runId: string; error: string; code?: string }[] = [];
    bob.on("chat.error", (p: { runId: string; error: string; code?: string }) => errors.push(p));
    const { sent: second, answer: refusal } = await run(
      "SAY: This one is not paid for.",
      alice,
      "the refused run's message",
    );
    expect(refusal).toMatchObject({ kind: "error", text: expect.stringMatching(OUT_OF_CREDITS) });
    expect(errors.find((e) => e.runId === second.id)).toMatchObject({ code: "payment_required" });
    // Refused at the pass-through: the model never saw it.
    expect(stack.model.requests.length).toBe(modelCalls);

    // Every token the runtime counted is billed exactly once, at the gateways' price (a credit each).
    const counters = await countersAtRuntime();
    const billed = await until(
      async () => {
        const entries = await gatewayEntries(alice);
        const input = entries.reduce((n, e) => n + (e.inputTokens ?? 0), 0);
        return input === counters.promptTokens && entries;
      },
      "the ledger to have every counted token",
      30_000,
    );
    expect(billed.reduce((n, e) => n + (e.outputTokens ?? 0), 0)).toBe(counters.completionTokens);
    expect(billed.reduce((n, e) => n - e.amount, 0)).toBe(counters.promptTokens + counters.completionTokens);
    expect(new Set(billed.map((e) => e.id)).size).toBe(billed.length);
    expect(billed.at(0)?.id).toBe(`gateway:work:${counters.promptTokens}:${counters.completionTokens}`);

    // Out of credits, no instance starts either.
    expect(
      await refusalOf(alice.request("instances.restart", { instanceId: "work", idempotencyKey: key("rs") })),
    ).toMatchObject({ code: "payment_required" });
  }, 300_000);

  it("after an operator's grant the gateway answers again at once; deleting it bills its running time", async () => {
    const operator = await http<{ user: { id: string } }>("/api/auth/sign-up/email", {
      method: "POST",
      body: JSON.stringify(OPERATOR),
    });
    const operatorCookie = operator.headers.get("set-cookie")!.split(";")[0]!;
    const granted = await http(`/api/admin/workspaces/${workspace}/credits`, {
      method: "POST",
      cookie: operatorCookie,
      body: JSON.stringify({ credits: 1_000_000, note: "gateway credits test" }),
    });
    expect(granted.status, JSON.stringify(granted.body)).toBe(201);
    await until(async () => (await spendAtRuntime()).allowed, "the runtime told the workspace may spend", 30_000);

    const { answer: reply } = await run("SAY: Paid for again.", bob, "the reply after the grant");
    expect(reply).toMatchObject({ text: "Paid for again." });
    expect(reply.kind ?? "text").toBe("text");

    const del = await alice.request("instances.delete", { instanceId: "work", idempotencyKey: key("del") });
    await bob.request("approvals.resolve", {
      approvalId: del.approval.id,
      decision: "approve",
      idempotencyKey: key("ok"),
    });
    await until(() => alice.state.instances.get("work")?.status === "stopped", "instance deleted", 60_000);
    const time = await until(
      async () => {
        const entries = (await alice.request("billing.entries", { kind: "usage", limit: 200 })).entries;
        const found = entries.filter((e) => e.purpose === "instance_time");
        return found.length > 0 && found;
      },
      "the instance's running time in the ledger",
      30_000,
    );
    // One interval, from its start to its delete, an hour's credit at most (it ran minutes).
    expect(time).toHaveLength(1);
    expect(time[0]).toMatchObject({
      instanceId: "work",
      amount: -1,
      id: expect.stringMatching(/^instance:work:\d+:\d+$/),
    });
    expect(time[0]!.seconds).toBeGreaterThan(0);
  }, 300_000);
});
