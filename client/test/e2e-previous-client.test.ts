// The oldest client the room still speaks to, against today's room: the library as it was
// built for protocol 17 (client/test/kept/protocol-17/index.mjs), the oldest version kept
// (OLDEST_PROTOCOL_VERSION; the room speaks every version from it to the current one),
// connects, works and follows a person of the current version, without a frame it cannot
// read.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OLDEST_PROTOCOL_VERSION } from "../../shared/protocol/version";
import { createKey, ownWorkspace, personClient, signUpVerified, until, withSharedServer } from "./e2e-helpers";

// The fixture is plain JavaScript of another version: typed here only as far as the test uses it.
interface PreviousClient {
  ready(): Promise<unknown>;
  close(): void;
  on(event: string, listener: (...args: never[]) => void): unknown;
  readonly hello: { protocol: number } | null;
  state: {
    threads: Map<string, { title: string }>;
    approvals: Map<string, { status: string }>;
    /** Protocol 17: the people shown, by principal id. */
    presence: Map<string, { device: string; kind: string; principalId: string }>;
    settings: { approvals: { lifetimes: { request: number | null } } };
  };
  threads: { create(params: { title: string }): Promise<{ thread: { id: string } }> };
  chat: { send(params: { threadId: string; text: string }): Promise<{ message: { id: string } }> };
  approvals: {
    request(params: {
      title: string;
      threadId?: string;
    }): Promise<{ approval: { id: string; status: string; summary: string } }>;
  };
}
type PreviousModule = {
  AutopilotClient: new (options: Record<string, unknown>) => PreviousClient;
  PROTOCOL_VERSION: number;
};

const server = withSharedServer();
let workspace: string;
let alice: { cookie: string; email: string };
let agentKey: string;
const closers: Array<() => void> = [];

beforeAll(async () => {
  alice = await signUpVerified(server.url, "Alice");
  workspace = await ownWorkspace(server.url, alice.cookie);
  agentKey = await createKey(server.url, alice.cookie, workspace, { name: "pinned-agent" });
});

afterAll(() => {
  for (const close of closers) close();
});

describe("the oldest kept client (protocol 17, the oldest the room speaks)", () => {
  it("connects, posts, asks for an approval and sees a person of the current version decide it", async () => {
    const fixture = "./kept/protocol-17/index.mjs";
    const previous = (await import(/* @vite-ignore */ fixture)) as PreviousModule;
    expect(previous.PROTOCOL_VERSION).toBe(OLDEST_PROTOCOL_VERSION);

    const agent = new previous.AutopilotClient({ url: server.url, workspace, apiKey: agentKey, device: "pinned" });
    closers.push(() => agent.close());
    const warnings: unknown[] = [];
    agent.on("warning", (warning: never) => warnings.push(warning));
    await agent.ready();

    const person = personClient(server.url, alice.cookie, workspace, "alice");
    closers.push(() => person.close());
    await person.ready();

    const { thread } = await agent.threads.create({ title: "Pinned agent" });
    await until(() => person.state.threads.get(thread.id), "the thread at Alice", 10_000);
    await agent.chat.send({ threadId: thread.id, text: "status: green" });
    await until(() => (person.state.threads.get(thread.id)?.messageCount ?? 0) === 1, "the message at Alice", 10_000);

    // The socket speaks the pinned client's version: it asked for its own, the room speaks it.
    expect(agent.hello?.protocol).toBe(OLDEST_PROTOCOL_VERSION);

    const { approval } = await agent.approvals.request({ title: "Deploy 1.4", threadId: thread.id });
    expect(approval.summary).toBe("Deploy 1.4");
    await until(() => person.state.approvals.get(approval.id)?.status === "pending", "the approval at Alice", 10_000);
    expect(person.state.approvals.get(approval.id)?.summary).toBe("Deploy 1.4");
    await person.approvals.resolve({ approvalId: approval.id, decision: "approve" });
    await until(
      () => agent.state.approvals.get(approval.id)?.status === "approved",
      "the decision at the pinned agent",
      10_000,
    );

    // A settings change by a person of the current version reaches the pinned agent's state
    // (18 and 17 share the settings' shape).
    await person.settings.update({ approvals: { lifetimes: { request: 3_600_000 } } });
    await until(
      () => agent.state.settings.approvals.lifetimes.request === 3_600_000,
      "the settings at the pinned agent",
      10_000,
    );
    expect(agent.state.threads.get(thread.id)?.title).toBe("Pinned agent");

    // Presence: each sees the other among the people here.
    await until(
      () => [...agent.state.presence.values()].some((p) => p.device === "alice" && p.kind === "user"),
      "Alice among the people the pinned agent sees",
      10_000,
    );
    await until(
      () => [...person.state.presence.values()].some((p) => p.device === "pinned" && p.kind === "agent"),
      "the pinned agent among the people Alice sees",
      10_000,
    );
    expect(person.state.online.people).toBe(2);
    expect(warnings).toEqual([]);
  });
});
