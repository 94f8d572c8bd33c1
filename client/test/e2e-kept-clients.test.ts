// Every kept client against today's server. Each release's client package, as built for its
// protocol version, is kept in client/test/kept/protocol-<N>/ (client/test/kept/keep.mjs
// makes one: its library `index.mjs` and its CLI `cli.mjs`); this file finds them by listing
// that folder, so a fixture added is run here and one removed is not. Agents run for months
// on the client they installed, so each kept client does an agent's everyday work against the
// real server of this checkout (wrangler dev, the Autopilot on the scripted model): connect,
// send and read, watch, ask for an approval and get a person's decision, follow a streamed
// reply, list and page threads, and run its CLI. The window check: every version the server
// speaks has a kept client, and each one in the window connects at its own version (a refusal,
// close 4008, fails with the server's reason). And the rule the protocol grows by: a kept
// client ignores what it does not know (keys and events a newer server adds).
import { readdirSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { ChatRequest } from "../../runtime/test/scripted-model";
import { PROTOCOL_VERSION, protocolWindow } from "../../shared/protocol/version";
import type { AutopilotClient } from "../src/client";
import { KEPT_VERSIONS, keptFile } from "./kept/kept";
import {
  createKey,
  modelVars,
  ownWorkspace,
  personClient,
  runProcess,
  signUpVerified,
  until,
  withScriptedModel,
  withServer,
} from "./e2e-helpers";

/** The versions the server speaks today (it is started with no retirements announced). */
const WINDOW = protocolWindow(Date.now());
const inWindow = (version: number) => WINDOW.speaks(version);

// A kept library is plain JavaScript of another version: typed here only as far as the test uses it.
interface KeptMessage {
  id: string;
  text: string;
  threadId: string;
  author: { kind: string };
}
interface KeptThread {
  id: string;
  title: string;
}
type Page<K extends string, T> = Record<K, T[]> & { next: unknown };
interface KeptClient {
  ready(): Promise<unknown>;
  close(): void;
  on(event: string, listener: (...args: never[]) => void): unknown;
  readonly hello: { protocol: number } | null;
  state: {
    threads: Map<string, KeptThread>;
    approvals: Map<string, { status: string }>;
    presence: Map<string, { device: string; kind: string; principalId: string }>;
    settings: { approvals: { lifetimes: { request: number | null } } };
  };
  threads: {
    create(params: { title: string }): Promise<{ thread: KeptThread }>;
    list(params: { limit: number; before?: unknown }): Promise<Page<"threads", KeptThread>>;
  };
  chat: { send(params: { threadId: string; text: string }): Promise<{ message: KeptMessage }> };
  messages: { list(params: { threadId: string }): Promise<{ messages: KeptMessage[] }> };
  approvals: {
    request(params: {
      title: string;
      threadId?: string;
    }): Promise<{ approval: { id: string; status: string; summary: string } }>;
  };
}
interface KeptModule {
  AutopilotClient: new (options: Record<string, unknown>) => KeptClient;
  PROTOCOL_VERSION: number;
}
type DeltaPayload = { threadId: string; runId: string; offset: number; text: string };

const keptLibrary = (version: number) => keptFile(version, "index.mjs");
const keptCli = (version: number) => keptFile(version, "cli.mjs");
const importKept = async (version: number) =>
  (await import(/* @vite-ignore */ pathToFileURL(keptLibrary(version)).href)) as KeptModule;

/** The Autopilot answers a question by its tag ("Q17 …" gets "Answer Q17 …"), in pieces. */
const answer = (request: ChatRequest) => {
  const asked = (request.messages ?? []).filter((m) => m.role === "user").at(-1);
  const tag = /\bQ\d+\b/.exec(JSON.stringify(asked?.content ?? ""))?.[0] ?? "Q";
  return { text: `Answer ${tag}: the deploys are green, the queue is empty, nothing waits. END`, chunkDelayMs: 20 };
};
const model = withScriptedModel({ reply: answer });
const server = withServer(() => ({ vars: modelVars(model) }));

let alice: { cookie: string };
let workspace: string;
let person: AutopilotClient;
const keys = new Map<number, string>();
const closers: Array<() => void> = [];

beforeAll(async () => {
  alice = await signUpVerified(server.url, "Alice");
  workspace = await ownWorkspace(server.url, alice.cookie);
  for (const version of KEPT_VERSIONS)
    keys.set(version, await createKey(server.url, alice.cookie, workspace, { name: `kept-${version}` }));
  person = personClient(server.url, alice.cookie, workspace, "alice");
  closers.push(() => person.close());
  await person.ready();
});

afterAll(() => {
  for (const close of closers) close();
});

/**
 * The kept client of `version` as an agent of the workspace, connected at its own version (a
 * client that steps down to an older version after a 4008 would otherwise hide a refusal).
 * One that does not connect fails with what it last said; connectRaw gives the server's reason.
 */
async function connectKept(version: number, options: Record<string, unknown> = {}) {
  const kept = await importKept(version);
  expect(kept.PROTOCOL_VERSION).toBe(version);
  const agent = new kept.AutopilotClient({
    url: server.url,
    workspace,
    apiKey: keys.get(version),
    device: `kept-${version}`,
    ...options,
  });
  closers.push(() => agent.close());
  const warnings: unknown[] = [];
  agent.on("warning", (warning: never) => warnings.push(warning));
  let last: unknown = "nothing";
  agent.on("status", (status: never, detail: never) => {
    last = `${status} ${String((detail as { error?: unknown }).error ?? "")}`;
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    // Bounded: a client that is refused but does not learn why keeps trying (it may take the
    // refusal for a room that sent no hello, and retry).
    await Promise.race([
      agent.ready(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no hello in ${CONNECT_MS} ms`)), CONNECT_MS);
      }),
    ]);
  } catch (error) {
    const seen = String(last);
    agent.close();
    throw new Error(
      `the client kept for protocol ${version} did not connect to today's server: ${String(error)} (last status: ${seen})`,
    );
  } finally {
    clearTimeout(timer);
  }
  expect(agent.hello?.protocol, `the client kept for protocol ${version} speaks its own version`).toBe(version);
  return { agent, warnings };
}

describe("the kept clients and the server's window", () => {
  it("a client is kept for every version the server speaks, today's among them", () => {
    expect(KEPT_VERSIONS).toContain(PROTOCOL_VERSION);
    expect(KEPT_VERSIONS.length).toBeGreaterThanOrEqual(2);
    for (let version = WINDOW.oldest; version <= WINDOW.newest; version++) {
      if (!WINDOW.speaks(version)) continue;
      expect(KEPT_VERSIONS, `a kept client for protocol ${version}, which the server speaks`).toContain(version);
      expect(statSync(keptLibrary(version), { throwIfNoEntry: false })?.isFile(), `protocol ${version}'s library`).toBe(
        true,
      );
      expect(statSync(keptCli(version), { throwIfNoEntry: false })?.isFile(), `protocol ${version}'s CLI`).toBe(true);
    }
  });

  it("a kept client is its two bundles' archives, nothing more (its dependencies come from the repository)", () => {
    for (const version of KEPT_VERSIONS)
      expect(
        readdirSync(dirname(keptLibrary(version)))
          .filter((name) => !name.endsWith(".mjs"))
          .sort(),
        `protocol-${version}/`,
      ).toEqual(["cli.mjs.gz", "index.mjs.gz"]);
  });

  it("a connect asking for a version below the window is closed with 4008, the reason naming the range", async () => {
    const below = WINDOW.oldest - 1;
    const answer = await connectRaw(below);
    expect(answer).toMatchObject({ code: 4008 });
    expect(answer.reason).toContain(`protocol ${below} is not supported`);
    expect(answer.reason).toContain(`speaks protocols ${WINDOW.oldest} to ${WINDOW.newest}`);
  });
});

for (const version of KEPT_VERSIONS) {
  describe(`the client kept for protocol ${version}`, () => {
    if (!inWindow(version)) {
      it.skip(`is outside the server's window: the version is no longer spoken; remove its fixture`, () => {});
      return;
    }

    it("connects to today's server at its own version (the window check)", async () => {
      // The server's answer to what the kept client asks for (`?protocol=<its version>`): a
      // refusal fails here with the server's reason.
      const answer = await connectRaw(version);
      if (answer.hello === undefined)
        throw new Error(`today's server refused protocol ${version} (close ${answer.code}): ${answer.reason}`);
      expect(answer.hello).toBe(version);
      const { agent, warnings } = await connectKept(version);
      agent.close();
      expect(warnings).toEqual([]);
    });

    it("sends and reads, watches a person, asks for an approval and gets the person's decision", async () => {
      const { agent, warnings } = await connectKept(version);
      const live: KeptMessage[] = [];
      agent.on("message.created", (payload: never) => live.push((payload as { message: KeptMessage }).message));

      // It creates a thread and posts: a person of the current version sees both.
      const { thread } = await agent.threads.create({ title: `Kept ${version}` });
      await until(() => person.state.threads.get(thread.id), "the thread at Alice", 10_000);
      const { message } = await agent.chat.send({ threadId: thread.id, text: `status from ${version}: green` });
      expect(message.author.kind).toBe("agent");
      await until(() => person.state.threads.get(thread.id)?.messageCount === 1, "the message at Alice", 10_000);

      // It watches: the person's reply reaches it live; then it reads the thread back.
      await person.chat.send({ threadId: thread.id, text: "Ship it" });
      await until(() => live.find((m) => m.threadId === thread.id && m.text === "Ship it"), "Alice's reply", 10_000);
      const { messages } = await agent.messages.list({ threadId: thread.id });
      expect(messages.map((m) => [m.author.kind, m.text])).toEqual([
        ["agent", `status from ${version}: green`],
        ["user", "Ship it"],
      ]);

      // An approval: the person decides it, the kept client gets the decision.
      const { approval } = await agent.approvals.request({ title: `Deploy ${version}`, threadId: thread.id });
      expect(approval.summary).toBe(`Deploy ${version}`);
      await until(() => person.state.approvals.get(approval.id)?.status === "pending", "the approval at Alice", 10_000);
      await person.approvals.resolve({ approvalId: approval.id, decision: "approve" });
      await until(() => agent.state.approvals.get(approval.id)?.status === "approved", "the decision", 10_000);

      // The workspace's settings, changed by the person, reach its state.
      const lifetime = 3_600_000 + version * 1000;
      await person.settings.update({ approvals: { lifetimes: { request: lifetime } } });
      await until(() => agent.state.settings.approvals.lifetimes.request === lifetime, "the settings", 10_000);
      expect(agent.state.threads.get(thread.id)?.title).toBe(`Kept ${version}`);

      // Presence: each sees the other.
      await until(
        () => [...agent.state.presence.values()].some((p) => p.device === "alice" && p.kind === "user"),
        "Alice among the people the kept client sees",
        10_000,
      );
      await until(
        () => [...person.state.presence.values()].some((p) => p.device === `kept-${version}` && p.kind === "agent"),
        "the kept client among the people Alice sees",
        10_000,
      );
      // Every other kept client of the file has left: Alice and this one are the people here.
      await until(() => person.state.online.people === 2, "two people online at Alice", 10_000);
      agent.close();
      expect(warnings).toEqual([]);
    });

    it("follows a streamed reply of the Autopilot to its final message", async () => {
      const { agent, warnings } = await connectKept(version);
      const deltas: DeltaPayload[] = [];
      const finals: KeptMessage[] = [];
      agent.on("chat.delta", (payload: never) => deltas.push(payload));
      agent.on("message.created", (payload: never) => finals.push((payload as { message: KeptMessage }).message));

      // A person's thread: the Autopilot answers what a person says there.
      const { thread } = await person.threads.create({ title: `Ask the Autopilot (${version})` });
      await person.chat.send({ threadId: thread.id, text: `Q${version} how are the deploys?` });
      const reply = await until(
        () => finals.find((m) => m.threadId === thread.id && m.text.startsWith(`Answer Q${version}`)),
        "the Autopilot's reply at the kept client",
        30_000,
      );
      // The stream as the kept client saw it, joined by offset, is the reply's text.
      const ofThread = deltas.filter((d) => d.threadId === thread.id);
      expect(ofThread.filter((d) => d.text !== "").length, "streamed pieces").toBeGreaterThan(1);
      const streamed = ofThread.reduce((text, d) => text.slice(0, d.offset) + d.text, "");
      expect(streamed).toBe(reply.text);
      expect(reply.text).toMatch(/END\.?$/);
      agent.close();
      expect(warnings).toEqual([]);
    });

    it("lists and pages threads past the first page", async () => {
      const { agent, warnings } = await connectKept(version);
      const made: string[] = [];
      for (let i = 0; i < 5; i++) made.push((await agent.threads.create({ title: `Paged ${version}.${i}` })).thread.id);
      const whole = await agent.threads.list({ limit: 1000 });
      expect(whole.next).toBeNull();
      const paged: string[] = [];
      let pages = 0;
      let before: unknown;
      do {
        const page = await agent.threads.list({ limit: 2, ...(before ? { before } : {}) });
        expect(page.threads.length).toBeLessThanOrEqual(2);
        paged.push(...page.threads.map((t) => t.id));
        before = page.next;
        pages++;
      } while (before && pages < 100);
      expect(pages).toBeGreaterThan(2);
      expect(paged, "every thread once, in the order one large page gives").toEqual(whole.threads.map((t) => t.id));
      expect(paged).toEqual(expect.arrayContaining(made));
      agent.close();
      expect(warnings).toEqual([]);
    });

    it("its CLI posts a message and lists threads", async () => {
      const env = {
        ...process.env,
        AUTOPILOT_URL: server.url,
        AUTOPILOT_WORKSPACE: workspace,
        AUTOPILOT_KEY: keys.get(version)!,
      };
      const cli = async <T>(...args: string[]): Promise<T> => {
        const run = await runProcess(process.env.AUTOPILOT_TEST_NODE ?? "node", [keptCli(version), ...args], { env });
        expect(run.code, `autopilot ${args.join(" ")}: ${run.stderr}`).toBe(0);
        return JSON.parse(run.stdout) as T;
      };
      const { thread } = await person.threads.create({ title: `CLI ${version}` });
      const sent = await cli<{ message: KeptMessage }>("send", thread.id, `posted by the CLI of ${version}`);
      expect(sent.message).toMatchObject({ threadId: thread.id, author: { kind: "agent" } });
      await until(() => person.state.threads.get(thread.id)?.messageCount === 1, "the CLI's message at Alice", 10_000);
      const listed = await cli<{ threads: KeptThread[] }>("threads");
      expect(listed.threads.find((t) => t.id === thread.id)?.title).toBe(`CLI ${version}`);
    });

    it("ignores what it does not know: keys a newer server adds to every frame, and an event it has never heard of", async () => {
      // What a newer server may send within the protocol's rule: each frame from today's server
      // with a key added to the frame, its payload and the threads, messages and approvals in
      // it, and after each event an event of a name no version has. The socket is the library's
      // own option (`WebSocket`), the one a browser or a custom transport uses.
      const grown: string[] = [];
      const unknown: string[] = [];
      const { agent, warnings } = await connectKept(version, { WebSocket: newerServerSocket(grown) });
      agent.on("event", (frame: never) => {
        const { event } = frame as { event: string };
        if (event === FUTURE_EVENT) unknown.push(event);
      });

      const { thread } = await agent.threads.create({ title: `Newer server ${version}` });
      await agent.chat.send({ threadId: thread.id, text: "still fine" });
      await person.chat.send({ threadId: thread.id, text: "reads fine here too" });
      await until(
        () => (agent.state.threads.get(thread.id) as { messageCount?: number } | undefined)?.messageCount === 2,
        "both messages in the kept client's state",
        10_000,
      );
      const { messages } = await agent.messages.list({ threadId: thread.id });
      expect(messages.map((m) => m.text)).toEqual(["still fine", "reads fine here too"]);
      const { approval } = await agent.approvals.request({ title: `Grown ${version}`, threadId: thread.id });
      await until(() => person.state.approvals.get(approval.id)?.status === "pending", "the approval at Alice", 10_000);
      await person.approvals.resolve({ approvalId: approval.id, decision: "deny" });
      await until(() => agent.state.approvals.get(approval.id)?.status === "denied", "the decision", 10_000);

      // The additions reached it (the hello among them), and it neither warned nor failed.
      expect(grown).toEqual(expect.arrayContaining(["hello", "res", "message.created", "approval.resolved"]));
      expect(unknown.length).toBeGreaterThan(0);
      expect(agent.state.threads.get(thread.id)?.title).toBe(`Newer server ${version}`);
      agent.close();
      expect(warnings).toEqual([]);
    });
  });
}

/** Longer than a client's wait for a hello (ten seconds), so a refusal it sees in time is what fails. */
const CONNECT_MS = 15_000;

/**
 * What the server answers a raw connect of an agent asking for `protocol`: the hello's
 * version, or the code and reason it closed with.
 */
async function connectRaw(protocol: number): Promise<{ hello?: number; code?: number; reason?: string }> {
  const url = `${server.url.replace("http", "ws")}/agents/autopilot/${workspace}?protocol=${protocol}&device=raw`;
  const socket = new WebSocket(url, { headers: { "x-api-key": keys.get(PROTOCOL_VERSION)! } });
  // Once the server's close frame is in (the socket is closing), the close event need not wait
  // for the server to end the connection (wrangler dev takes seconds): it reports the frame's
  // code and reason.
  const closing = setInterval(() => socket.readyState === WebSocket.CLOSING && socket.terminate(), 20);
  try {
    return await new Promise((resolve, reject) => {
      socket.on("message", (data) => {
        const frame = JSON.parse(String(data)) as { type: string; event?: string; payload?: { protocol?: number } };
        if (frame.type === "event" && frame.event === "hello") resolve({ hello: frame.payload?.protocol });
      });
      socket.on("close", (code, reason) => resolve({ code, reason: reason.toString() }));
      socket.on("error", reject);
    });
  } finally {
    clearInterval(closing);
    socket.terminate();
  }
}

const FUTURE_EVENT = "future.added";
const FUTURE_VALUE = { addedBy: "a newer server", n: 1 };
/** Payload keys whose objects (or arrays of them) are the protocol's records: threads, messages, approvals. */
const RECORDS = ["thread", "threads", "message", "messages", "approval", "approvals", "snapshot"];

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** `value` with the unknown key added, and in the records below it. */
function grow(value: Json): Json {
  const out: Json = { ...value, futureField: FUTURE_VALUE };
  for (const key of RECORDS) {
    const inner = out[key];
    if (isObject(inner)) out[key] = grow(inner);
    else if (Array.isArray(inner)) out[key] = inner.map((item) => (isObject(item) ? grow(item) : item));
  }
  return out;
}

/** A `ws` socket that hands on what today's server sends as a newer server would send it. */
function newerServerSocket(grown: string[]) {
  return class NewerServerSocket extends WebSocket {
    override emit(event: string | symbol, ...args: unknown[]): boolean {
      if (event !== "message" || args[1] !== false) return super.emit(event, ...args);
      const frame = JSON.parse(String(args[0])) as Json;
      const payload = frame.payload;
      const grownFrame = {
        ...frame,
        futureFrameField: FUTURE_VALUE,
        ...(isObject(payload) ? { payload: grow(payload) } : {}),
      };
      grown.push(frame.type === "event" ? String(frame.event) : String(frame.type));
      const handled = super.emit("message", Buffer.from(JSON.stringify(grownFrame)), false);
      if (frame.type === "event" && frame.event !== "hello")
        super.emit(
          "message",
          Buffer.from(JSON.stringify({ type: "event", event: FUTURE_EVENT, payload: FUTURE_VALUE })),
          false,
        );
      return handled;
    }
  };
}
