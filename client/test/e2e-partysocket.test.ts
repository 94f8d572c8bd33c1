// Stock partysocket against the Autopilot, end to end (the real server as `npm start` runs
// it): an agent that speaks the protocol itself over the PartyKit client, without our client
// library. It buys a connect ticket with its key before every connect, gets hello, makes a
// request, and after a reconnect resumes from the last event it saw and gets what it missed.
// Twice: against the room holding its sockets, and through the fan-out tier's delivery
// objects (DELIVERY_OBJECTS=4, docs/scale.md), where it also resumes across a server restart.
import { PartySocket } from "partysocket";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Events } from "../../shared/protocol/events";
import { type EventFrame, ServerFrame } from "../../shared/protocol/frames";
import type { HelloPayload } from "../../shared/protocol/hello";
import { ThreadResult, ThreadsListResult } from "../../shared/protocol/threads";
import { PROTOCOL_VERSION } from "../../shared/protocol/version";
import {
  createKey,
  ownWorkspace,
  signUpVerified,
  type TestServer,
  until,
  withServer,
  withSharedServer,
} from "./e2e-helpers";

const threadCreated = (frame: ServerFrame, threadId: string): frame is EventFrame =>
  frame.type === "event" &&
  frame.event === "thread.created" &&
  (frame.payload as { thread: { id: string } }).thread.id === threadId;

/**
 * The stock client against `server`; `restart` (a server of the file's own) stops and starts
 * it, and the client must resume across that too.
 */
function stockPartysocketAgainst(label: string, server: { readonly url: string }, restart?: () => Promise<void>) {
  let workspace: string;
  let agentKey: string;
  const sockets: PartySocket[] = [];

  /** A single-use connect ticket, bought with the agent's key as a client that cannot set headers would. */
  async function keyTicket(): Promise<string> {
    const res = await fetch(`${server.url}/api/connect-ticket`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": agentKey },
      body: JSON.stringify({ workspaceId: workspace }),
    });
    if (res.status !== 201) throw new Error(`connect ticket: HTTP ${res.status} ${await res.text()}`);
    return ((await res.json()) as { ticket: string }).ticket;
  }

  interface StockClient {
    socket: PartySocket;
    /** Every frame, in order, each checked against the protocol's schemas. */
    frames: ServerFrame[];
    /** Resolves with the `n`th hello (0: the first connect). */
    hello(n: number): Promise<HelloPayload>;
    request(method: string, params: Record<string, unknown>): Promise<unknown>;
    /** Runs `outage` (the server away): the connects that fail meanwhile are expected, not failures. */
    through(outage: () => Promise<void>): Promise<void>;
  }

  /** A PartySocket as its README sets one up; the query (ticket, resume point) is built before every connect. */
  function stockClient(): StockClient {
    const frames: ServerFrame[] = [];
    const hellos: HelloPayload[] = [];
    const resume: { epoch: string | null; lastSeq: number | null } = { epoch: null, lastSeq: null };
    const socket = new PartySocket({
      host: new URL(server.url).host,
      protocol: "ws",
      prefix: "agents",
      party: "autopilot",
      room: workspace,
      query: async () => ({
        protocol: String(PROTOCOL_VERSION),
        ticket: await keyTicket(),
        ...(resume.epoch !== null && resume.lastSeq !== null
          ? { epoch: resume.epoch, lastSeq: String(resume.lastSeq) }
          : {}),
      }),
    });
    sockets.push(socket);
    // A failed connect (PartySocket retries it on its own) fails the test at once, with its reason.
    const failures: string[] = [];
    let away = false;
    socket.addEventListener("error", (event) => {
      if (!away) failures.push((event as { message?: string }).message ?? "socket error");
    });
    const failed = () => {
      if (failures.length) throw new Error(failures.join("; "));
    };
    socket.addEventListener("message", (message) => {
      const frame = ServerFrame.parse(JSON.parse(String(message.data)));
      frames.push(frame);
      if (frame.type !== "event") return;
      const payload = Events[frame.event as keyof typeof Events]?.parse(frame.payload);
      if (frame.event === "hello") {
        const hello = payload as HelloPayload;
        hellos.push(hello);
        resume.epoch = hello.epoch;
        // A resume replays the events after `resumedFrom` next; a snapshot is as of `seq`.
        resume.lastSeq = hello.snapshot ? hello.seq : hello.resumedFrom;
      } else if (frame.seq !== undefined) {
        resume.lastSeq = frame.seq;
      }
    });
    let requests = 0;
    return {
      async through(outage) {
        away = true;
        try {
          await outage();
        } finally {
          away = false;
        }
      },
      socket,
      frames,
      hello: (n) =>
        until(
          () => {
            failed();
            return hellos[n];
          },
          `hello ${n}`,
          30_000,
        ),
      async request(method, params) {
        const id = `stock-${++requests}`;
        socket.send(JSON.stringify({ type: "req", id, method, params }));
        const response = await until(
          () => frames.find((f) => f.type === "res" && f.id === id),
          `the answer to ${method}`,
          30_000,
        );
        if (response.type !== "res" || !response.ok) throw new Error(`${method} failed: ${JSON.stringify(response)}`);
        return response.payload;
      },
    };
  }

  beforeAll(async () => {
    const owner = await signUpVerified(server.url, "Owner");
    workspace = await ownWorkspace(server.url, owner.cookie);
    agentKey = await createKey(server.url, owner.cookie, workspace, { name: "stock-partysocket" });
  });

  afterAll(() => {
    for (const socket of sockets) socket.close();
  });

  describe(`stock partysocket against ${label}`, () => {
    it("connects with a key's ticket, gets hello, makes a request, and resumes after a reconnect with what it missed", async () => {
      const agent = stockClient();
      const first = await agent.hello(0);
      expect(first.protocol).toBe(PROTOCOL_VERSION);
      expect(first.workspaceId).toBe(workspace);
      expect(first.principal.kind).toBe("agent");
      expect(first.snapshot).not.toBeNull();

      const { thread } = ThreadResult.parse(
        await agent.request("threads.create", { title: "Over stock partysocket", idempotencyKey: "stock-thread-1" }),
      );
      const created = await until(
        () => agent.frames.find((f) => threadCreated(f, thread.id)),
        "its thread.created",
        30_000,
      );
      expect(created.seq).toBeGreaterThan(first.seq);

      agent.socket.close();
      await until(() => agent.socket.readyState === agent.socket.CLOSED, "the socket closed", 30_000);
      // While it is away, another connection of the same agent adds a thread.
      const other = stockClient();
      await other.hello(0);
      const missed = ThreadResult.parse(
        await other.request("threads.create", { title: "While away", idempotencyKey: "stock-thread-2" }),
      ).thread;
      other.socket.close();

      const before = agent.frames.length;
      agent.socket.reconnect();
      const resumed = await agent.hello(1);
      expect(resumed).toMatchObject({ epoch: first.epoch, reset: false, resumedFrom: created.seq, snapshot: null });
      const replayed = await until(
        () => agent.frames.slice(before).find((f) => threadCreated(f, missed.id)),
        "the missed thread.created",
        30_000,
      );
      expect(replayed.seq).toBeGreaterThan(created.seq!);
      // The replay follows the resumed hello.
      expect(agent.frames.indexOf(replayed)).toBeGreaterThan(
        agent.frames.findIndex((f, i) => i >= before && f.type === "event" && f.event === "hello"),
      );
      // The resumed socket is live: a request on it is answered.
      const listed = ThreadsListResult.parse(await agent.request("threads.list", {}));
      expect(listed.threads.map((t) => t.id)).toEqual(expect.arrayContaining([thread.id, missed.id]));
      if (!restart) return;

      // The server restarts (a deploy, as clients see it); PartySocket reconnects on its own and resumes.
      const beforeRestart = agent.frames.length;
      await agent.through(restart);
      const again = await agent.hello(2);
      expect(again).toMatchObject({ epoch: first.epoch, reset: false, snapshot: null });
      const after = ThreadResult.parse(
        await agent.request("threads.create", { title: "After the restart", idempotencyKey: "stock-thread-3" }),
      ).thread;
      const live = await until(
        () => agent.frames.slice(beforeRestart).find((f) => threadCreated(f, after.id)),
        "the new thread.created",
        30_000,
      );
      expect(live.seq).toBeGreaterThan(replayed.seq!);
    });
  });
}

stockPartysocketAgainst("the Autopilot", withSharedServer());

const tiered: TestServer = withServer({ vars: { DELIVERY_OBJECTS: "4" } });
stockPartysocketAgainst("the Autopilot's delivery objects (the fan-out tier)", tiered, async () => {
  await tiered.stop();
  await tiered.start();
});
